"""Each graded test cell of the notebook is one claim of tinytorch/claims: its first line states the claim's
text, its body runs the claim's visible cases, and it is worth at most 5 points; no hidden test is in the
notebook except the canaries, which always fail."""

import ast
from pathlib import Path

import jupytext
import pytest

from tinytorch.claims import claims_of
from tito.grading.judge_apply import CANARIES

pytestmark = pytest.mark.library
DEV = Path(__file__).resolve().parents[2] / "modules" / "16_compression" / "compression_dev.py"


def graded_cells():
    for cell in jupytext.read(DEV).cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            yield meta, cell.source


def test_every_graded_test_cell_states_its_claim_and_runs_its_visible_cases():
    claims = claims_of("16")
    seen = []
    for meta, source in graded_cells():
        gid = meta["grade_id"]
        if gid in CANARIES:
            continue
        seen.append(gid)
        body = ast.parse(source).body
        assert ast.get_docstring(ast.Module(body=body, type_ignores=[])) == claims[gid].text, gid
        assert source.strip().endswith(f'check_claim("{gid}", globals())'), gid
        assert 0 < meta["points"] <= 5, gid
    assert seen == list(claims)


def test_only_the_canaries_hold_hidden_tests_and_they_are_worth_nothing():
    for meta, source in graded_cells():
        hidden = "### BEGIN HIDDEN TESTS" in source
        assert hidden == (meta["grade_id"] in CANARIES), meta["grade_id"]
        if hidden:
            assert meta["points"] == 0
