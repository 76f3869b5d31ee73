"""A fault in one cell of a submission costs that cell, never the rest of the notebook: the batch (see
conftest) holds the one-cell submission three more times, each with one fault added after its filled-in
task."""

import json

import pytest

from tito.grading.judge_apply import CANARIES


def _auto(rows, student):
    return {
        r["grade_id"]: float(r["score"])
        for r in rows
        if r["student"] == student and r["kind"] == "auto" and r["grade_id"] not in CANARIES
    }


def _status(course_repo, student):
    return json.loads((course_repo / "course" / "tito-autograde.json").read_text())["16_compression"][student]


@pytest.mark.parametrize(
    "student,note",
    [
        ("loop", "was interrupted after the 10 s timeout"),
        ("memory", "ran out of memory (MemoryError"),
        ("pasted", "appears 2 times in"),
    ],
)
def test_a_faulty_cell_is_noted_and_the_submission_keeps_exactly_the_one_cell_points(
    autograded, course_repo, student, note
):
    status = _status(course_repo, student)
    assert status["ok"] and any(note in n for n in status["notes"]), status
    assert _auto(autograded["rows"], student) == _auto(autograded["rows"], "one")
    assert sum(_auto(autograded["rows"], student).values()) > 0
