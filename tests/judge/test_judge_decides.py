"""The judge decides every automatic point from plain data alone, and what a runner hands back cannot crash
it or buy a point: malformed, oversized or linked answers give that claim 0 with a reason."""

import json
import os
from pathlib import Path

import pytest

from tinytorch.claims import claims_of, observe_case
from tinytorch.claims.plain import difference, to_plain
from tito.grading import judge, judge_run

pytestmark = pytest.mark.library
ROOT = Path(__file__).resolve().parents[2]
CASES = judge.cases("16", {})
EXPECTED = judge.shipped_expected("16")


def reference_answers():
    claims, ns = claims_of("16"), judge.reference_ns("16")
    return {gid: [observe_case(claims[gid], ns, c.case) for c in items] for gid, items in CASES.items()}


def test_the_shipped_visible_expectations_are_what_the_reference_computes():
    assert judge.expected_from("16", CASES, judge.reference_ns("16")) == EXPECTED


def test_the_reference_passes_every_claim_visible_and_hidden():
    all_cases = judge.cases("16", judge.hidden_cases(ROOT, "16_compression"))
    expected = judge.expected_from("16", all_cases, judge.reference_ns("16"))
    claims, ns = claims_of("16"), judge.reference_ns("16")
    answers = {g: [observe_case(claims[g], ns, c.case) for c in items] for g, items in all_cases.items()}
    assert all(v.passed for v in judge.decide("16", all_cases, expected, answers, {}).values())


def test_every_claim_has_visible_and_hidden_cases_and_no_hidden_case_is_visible():
    hidden = judge.hidden_cases(ROOT, "16_compression")
    for gid, claim in claims_of("16").items():
        assert claim.visible and (hidden.get(gid) or claim.judged), (
            gid
        )  # a measured claim needs no hidden case
        labels = {c["label"] for c in claim.visible}
        assert not labels & {c["label"] for c in hidden.get(gid, [])}, gid


BAD = [
    ("not a list", "nope"),
    ("one outcome short", []),
    ("an outcome with two keys", [{"got": 1, "error": "x"}]),
    ("an error that is not text", [{"error": 7}]),
    ("a bare value", [19]),
]


@pytest.mark.parametrize("outcomes", [b for _, b in BAD], ids=[a for a, _ in BAD])
def test_malformed_outcomes_give_that_claim_zero_with_a_reason_and_never_crash(outcomes):
    answers = reference_answers()
    answers["test-sparsity-empty"] = outcomes
    verdicts = judge.decide("16", CASES, EXPECTED, answers, {})
    assert not verdicts["test-sparsity-empty"].passed
    assert verdicts["test-sparsity-empty"].message == "the check returned malformed data"
    assert sum(not v.passed for v in verdicts.values()) == 1


@pytest.mark.parametrize(
    "got",
    [None, "19", 19.0, True, [19], {"zeros": "19"}, {"zeros": float("nan")}, {"zeros": {"__array__": [19]}}],
)
def test_a_value_of_another_type_or_shape_never_matches(got):
    assert difference({"zeros": 19}, got) is not None


def test_floats_match_within_the_stated_tolerance_and_ints_exactly():
    assert difference(20.0, 20.000000000000004) is None
    assert difference(20.0, 20.001) is not None
    assert difference(19, 18) == "expected 19, got 18"


class EqualToEverything:
    def __eq__(self, other):
        return True


@pytest.mark.parametrize("value", [EqualToEverything(), object(), {1: 2}, float])
def test_objects_are_refused_as_plain_data(value):
    with pytest.raises(TypeError):
        to_plain(value)


def test_an_answer_file_that_is_a_link_is_not_followed(tmp_path):
    secret = tmp_path / "secret.jsonl"
    secret.write_text(json.dumps({"gid": "test-sparsity-empty", "outcomes": []}) + "\n")
    (tmp_path / "answers.jsonl").symlink_to(secret)
    assert judge_run._read(tmp_path / "answers.jsonl") == []


def test_a_fifo_answer_file_is_not_read(tmp_path):
    os.mkfifo(tmp_path / "answers.jsonl")
    assert judge_run._read(tmp_path / "answers.jsonl") == []


def test_an_oversized_answer_is_refused_and_junk_lines_are_skipped(tmp_path, monkeypatch):
    path = tmp_path / "answers.jsonl"
    path.write_text('not json\n[1, 2]\n{"start": "x"}\n')
    assert judge_run._read(path) == [{"start": "x"}]
    monkeypatch.setattr(judge_run, "MAX_ANSWER_BYTES", 10)
    assert judge_run._read(path) == [{"too_large": True}]
