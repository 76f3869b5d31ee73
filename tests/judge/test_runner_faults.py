"""The runner is untrusted: a student's export that crashes it, hangs it, or writes its own answers costs
only the claims it breaks, and forged answers cannot pass hidden cases whose expected values it never saw."""

import json
from pathlib import Path

import pytest

from tito.grading import judge, judge_run

pytestmark = pytest.mark.library
ROOT = Path(__file__).resolve().parents[2]
COMPRESSION = ROOT / "tinytorch" / "compression"


def run_with(tmp_path, module: str, source: str, hidden: bool = False, seconds=None):
    """Verdicts for the reference package with tinytorch/compression/<module>.py replaced by `source`."""
    export = {f"compression/{module}.py": source}
    judge_run.package_with(export, COMPRESSION, tmp_path / "pkg", ROOT)
    (tmp_path / "run").mkdir()
    all_cases = judge.cases("16", judge.hidden_cases(ROOT, "16_compression") if hidden else {})
    all_cases = {g: c for g, c in all_cases.items() if not g.startswith("test-design")}  # its own tests
    expected = judge.expected_from("16", all_cases, judge.reference_ns("16"))
    answers, problems = judge_run.run(
        "16",
        all_cases,
        judge.IMPORTS["16"],
        tmp_path / "run",
        tmp_path / "pkg",
        sandbox=False,
        seconds=seconds,
    )
    return judge.decide("16", all_cases, expected, answers, problems)


def failed(verdicts):
    return sorted(g for g, v in verdicts.items() if not v.passed)


def test_a_crash_costs_only_the_claim_that_crashed(tmp_path):
    source = (
        (COMPRESSION / "sparsity.py")
        .read_text()
        .replace(
            "def measure_sparsity(model, weights_only=False):",
            "def measure_sparsity(model, weights_only=False):\n"
            "    import os\n"
            "    if weights_only and any(p.data.size == 16 for p in model.parameters()):\n"
            "        os._exit(3)",
        )
    )
    verdicts = run_with(tmp_path, "sparsity", source)
    assert failed(verdicts) == ["test-sparsity-weights-only"]
    assert "exit code 3" in verdicts["test-sparsity-weights-only"].message


def test_a_case_that_hangs_is_stopped_and_costs_only_its_claim(tmp_path):
    source = (
        (COMPRESSION / "low_rank.py")
        .read_text()
        .replace(
            "def factorize_linear(",
            "def factorize_linear(*a, **k):\n    while True:\n        pass\n\n\ndef _old(",
        )
    )
    verdicts = run_with(tmp_path, "low_rank", source, seconds=1)
    assert failed(verdicts) == ["test-factorize-output", "test-factorize-shapes"]
    assert "TimeoutError" in verdicts["test-factorize-shapes"].message


def test_an_import_error_costs_the_claims_of_that_module_only(tmp_path):
    verdicts = run_with(tmp_path, "distillation", "this is not python\n")
    assert failed(verdicts) == sorted(g for g in verdicts if g.startswith("test-kd-"))
    assert "not defined" in verdicts["test-kd-loss"].message


FORGER = """
import json, sys
expected = json.load(open({path!r}))
out = sys.argv[1]
with open(out, "a") as f:
    for gid, values in expected.items():
        f.write(json.dumps({{"gid": gid, "outcomes": [{{"got": v}} for v in values]}}) + "\\n")
def magnitude_prune(model, sparsity=0.9):
    raise NotImplementedError
"""


def test_answers_forged_from_the_visible_expectations_fail_the_hidden_cases(tmp_path):
    path = str(ROOT / "tinytorch" / "claims" / "expected_16.json")
    verdicts = run_with(tmp_path, "magnitude", FORGER.format(path=path), hidden=True)
    assert not any(v.passed for v in verdicts.values())
    assert all(
        v.message.startswith("hidden case") or "outcomes" in v.message or v.message for v in verdicts.values()
    )
    assert json.loads(Path(path).read_text())  # the shipped file is untouched
