"""The judge catches the wrong code students really write: every mutant of mutants.py loses points (visible
and hidden cases, decided by tito/grading/judge.py as in grading), only in the claims it breaks, one bug one
claim where a bug breaks one thing; the reference and the correct controls written in other ways lose none.

The harness builds the graded names the way a student's export provides them: the generated modules
tinytorch/compression/{sparsity,magnitude,...}.py, exec'd in order into one namespace (relative imports
made absolute), with the solution regions of one graded function replaced. Each claim's cases are then
observed on that namespace and decided against the reference's observations; a failed claim costs the
points of its graded cell (the notebook's nbgrader metadata)."""

import functools
import importlib.util
import re
import warnings
from pathlib import Path

import jupytext
import numpy as np
import pytest

from tinytorch.claims import claims_of, observe_case
from tito.grading import judge

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("mutants", Path(__file__).with_name("mutants.py"))
_mutants = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_mutants)
MUTANTS, CONTROLS = _mutants.MUTANTS, _mutants.CONTROLS
DEV_PY = ROOT / "modules" / "16_compression" / "compression_dev.py"
MODULES = ("sparsity", "magnitude", "structured", "distillation", "low_rank", "pipeline")
REGION = re.compile(r"(### BEGIN SOLUTION\n)(.*?)(\s*### END SOLUTION)", re.DOTALL)
OWNER = re.compile(r"^(?:def|class) (\w+)", re.MULTILINE)
SOLUTION = {  # solution grade id -> (generated module, the top-level def or class owning its regions)
    "measure-sparsity": ("sparsity", "measure_sparsity"),
    "magnitude-prune": ("magnitude", "magnitude_prune"),
    "structured-prune": ("structured", "structured_prune"),
    "knowledge-distillation": ("distillation", "KnowledgeDistillation"),
    "low-rank-approximate": ("low_rank", "low_rank_approximate"),
    "factorize-linear": ("low_rank", "factorize_linear"),
    "compress-model": ("pipeline", "compress_model"),
}
TASK_OF = {  # solution grade id -> prefix of its claims' grade ids
    "measure-sparsity": "test-sparsity-",
    "magnitude-prune": "test-magnitude-",
    "structured-prune": "test-structured-",
    "knowledge-distillation": "test-kd-",
    "low-rank-approximate": "test-lowrank-",
    "factorize-linear": "test-factorize-",
    "compress-model": "test-pipeline-",
}
MARK = {  # solution grade id -> pytest marker of its task
    gid: getattr(pytest.mark, name)
    for gid, name in (
        ("measure-sparsity", "measure_sparsity"),
        ("magnitude-prune", "magnitude_prune"),
        ("structured-prune", "structured_prune"),
        ("knowledge-distillation", "knowledge_distillation"),
        ("low-rank-approximate", "low_rank_approximate"),
        ("factorize-linear", "factorize_linear"),
        ("compress-model", "compress_model"),
    )
}
POINTS = {
    c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"]
    for c in jupytext.read(DEV_PY).cells
    if c.metadata.get("nbgrader", {}).get("grade") and not c.metadata["nbgrader"].get("solution")
}
CLAIMS = {gid: c for gid, c in claims_of("16").items() if gid.startswith(tuple(TASK_OF.values()))}
CASES = {
    gid: items
    for gid, items in judge.cases("16", judge.hidden_cases(ROOT, "16_compression")).items()
    if gid in CLAIMS
}


@functools.cache
def expected():
    """The reference's observation of every case (visible and hidden), computed once."""
    return judge.expected_from("16", CASES, judge.reference_ns("16"))


def _absolute(text):
    text = re.sub(r"^(\s*)from \.\.(\w)", r"\1from tinytorch.\2", text, flags=re.MULTILINE)
    return re.sub(r"^(\s*)from \.(\w)", r"\1from tinytorch.compression.\2", text, flags=re.MULTILINE)


def _owned_regions(text, owner):
    """The solution regions of `text` inside the top-level def or class named `owner`."""
    owners = [(m.start(), m.group(1)) for m in OWNER.finditer(text)]
    return [m for m in REGION.finditer(text) if [o for s, o in owners if s < m.start()][-1] == owner]


def mutate(text, owner, change):
    """`text` with `change` applied inside the regions owned by `owner`: a str replaces the first region, a
    list of (old, new) replaces `old` by `new` in the first region containing it."""
    regions = _owned_regions(text, owner)
    assert regions, f"no solution region in {owner}"
    if isinstance(change, str):
        m = regions[0]
        return text[: m.start(2)] + change.strip("\n") + "\n" + text[m.end(2) :]
    for old, new in change:
        hits = [m for m in _owned_regions(text, owner) if old in m.group(2)]
        assert hits, f"mutant patch does not apply in {owner}: {old!r}"
        m = hits[0]
        text = text[: m.start(2)] + m.group(2).replace(old, new) + text[m.end(2) :]
    return text


def namespace(changes=None):
    """The graded names as the exported modules define them, with {solution grade id: change} applied."""
    sources = {name: (ROOT / "tinytorch" / "compression" / f"{name}.py").read_text() for name in MODULES}
    for gid, change in (changes or {}).items():
        module, owner = SOLUTION[gid]
        sources[module] = mutate(sources[module], owner, change)
    ns = {"__name__": "student_export", "__package__": None}
    for name in MODULES:
        exec(compile(_absolute(sources[name]), f"<{name}>", "exec"), ns)  # the code under test
    return ns


def judged(changes=None):
    """({grade id: points lost}, {grade id: points lost on the visible cases alone}) of the claims of tasks
    1-7 on namespace(changes), decided by the judge (visible cases come first in each claim's list)."""
    ns = namespace(changes)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # overflow and log(0) of the wrong code under test
        answers = {
            gid: [observe_case(CLAIMS[gid], ns, c.case) for c in items] for gid, items in CASES.items()
        }
    seen = {gid: sum(not c.hidden for c in items) for gid, items in CASES.items()}
    visible = {gid: items[: seen[gid]] for gid, items in CASES.items()}
    every = judge.decide("16", CASES, expected(), answers, {})
    shown = judge.decide(
        "16",
        visible,
        {gid: e[: seen[gid]] for gid, e in expected().items()},
        {gid: a[: seen[gid]] for gid, a in answers.items()},
        {},
    )
    return tuple({gid: POINTS[gid] for gid, v in d.items() if not v.passed} for d in (every, shown))


def lost_points(changes=None):
    """{grade id: points lost} of every claim of tasks 1-7 that the judge fails on namespace(changes)."""
    return judged(changes)[0]


@functools.cache
def mutant_result(name):
    task, change, _ = MUTANTS[name]
    return judged({task: change})


@pytest.mark.library
def test_the_reference_export_loses_no_points():
    assert lost_points() == {}


@pytest.mark.library
def test_every_claim_of_tasks_1_to_7_is_a_graded_cell_with_points():
    assert set(CLAIMS) <= set(POINTS) and all(POINTS[gid] > 0 for gid in CLAIMS)


@pytest.mark.library
def test_there_are_mutants_and_controls_for_every_graded_task():
    assert {m[0] for m in MUTANTS.values()} == set(TASK_OF)
    assert {c[0] for c in CONTROLS.values()} == set(TASK_OF)


@pytest.mark.parametrize("name", [pytest.param(n, marks=MARK[m[0]]) for n, m in sorted(MUTANTS.items())])
def test_each_mutant_loses_exactly_the_claims_it_breaks_all_in_its_own_task(name):
    task, _, breaks = MUTANTS[name]
    lost = mutant_result(name)[0]
    assert lost, f"mutant {name!r} of {task} lost no points"
    assert all(gid.startswith(TASK_OF[task]) for gid in lost), f"{name!r} also cost points in {sorted(lost)}"
    expected = {TASK_OF[task] + claim for claim in breaks.split()}
    assert set(lost) == expected, f"{name!r} lost {sorted(lost)}, expected {sorted(expected)}"


@pytest.mark.parametrize("control", [pytest.param(n, marks=MARK[c[0]]) for n, c in sorted(CONTROLS.items())])
def test_each_correct_control_written_another_way_keeps_full_marks(control):
    task, change = CONTROLS[control]
    assert lost_points({task: change}) == {}


@pytest.mark.parametrize("name", [pytest.param(n, marks=MARK[m[0]]) for n, m in sorted(MUTANTS.items())])
def test_each_mutant_already_loses_points_in_the_visible_self_check(name):
    every, shown = mutant_result(name)
    assert shown, f"{name!r} shows full marks in the self-check (lost with hidden cases: {sorted(every)})"


@pytest.mark.library
def test_every_claim_is_failed_on_its_visible_cases_by_some_typical_bug():
    shown = set().union(*(mutant_result(name)[1] for name in MUTANTS))
    assert sorted(set(CLAIMS) - shown) == []
