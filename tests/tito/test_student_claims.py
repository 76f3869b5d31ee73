"""No hidden requirements: whatever a student-facing test requires is stated in the notebook the student gets.

Each student test quotes, in its docstring, the notebook sentence it checks; the quote must be in the
notebook's text (markdown and code comments/docstrings, with solution and hidden-test regions removed), every
exception type and message a test expects (`pytest.raises(E, match=...)`) must be there too, and every number
a test compares against with `==` must be in its quoted claim."""

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
REGION = re.compile(
    r"^[ \t]*### BEGIN (SOLUTION|HIDDEN TESTS)[^\n]*\n.*?^[ \t]*### END \1[^\n]*$", re.M | re.S
)
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _flat(text: str) -> str:
    return " ".join(text.split())


def student_text(dev_py: Path) -> str:
    """The notebook as the student reads it: no solution/hidden-test regions, comment markers dropped."""
    lines = [re.sub(r"^\s*#\s?", "", line) for line in REGION.sub("", dev_py.read_text()).splitlines()]
    return _flat("\n".join(lines))


def _raises(node) -> list:
    """[(exception name, match text or None)] of `pytest.raises(E, match=...)` calls under node."""
    found = []
    for call in (n for n in ast.walk(node) if isinstance(n, ast.Call)):
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr == "raises" and call.args:
            names = [
                e.id if isinstance(e, ast.Name) else getattr(e, "attr", "?")
                for e in (call.args[0].elts if isinstance(call.args[0], ast.Tuple) else [call.args[0]])
            ]
            match = next(
                (
                    k.value.value
                    for k in call.keywords
                    if k.arg == "match" and isinstance(k.value, ast.Constant)
                ),
                None,
            )
            found += [(name, match) for name in names]
    return found


def _compared_numbers(node) -> list:
    """Numbers an assert compares against with ==, e.g. 19 in `assert zeros == 19` (not `w == 0` inside a
    call)."""
    numbers = []
    tests = [n.test for n in ast.walk(node) if isinstance(n, ast.Assert)]
    tests = [v for t in tests for v in (t.values if isinstance(t, ast.BoolOp) else [t])]
    for cmp in (t for t in tests if isinstance(t, ast.Compare)):
        for op, right in zip(cmp.ops, cmp.comparators):
            for side in (cmp.left, right):
                if (
                    isinstance(op, ast.Eq)
                    and isinstance(side, ast.Constant)
                    and not isinstance(side.value, bool)
                    and isinstance(side.value, (int, float))
                ):
                    numbers.append(side.value)
    return numbers


def unstated(test_file: Path, text: str) -> list:
    """What test_file requires that the notebook text does not state (empty when nothing)."""
    problems = []
    for func in ast.parse(test_file.read_text()).body:
        if not (isinstance(func, ast.FunctionDef) and func.name.startswith("test_")):
            continue
        claim = _flat(ast.get_docstring(func) or "")
        if not claim:
            problems.append(f"{func.name}: no docstring quoting the notebook's claim")
        elif claim not in text:
            problems.append(f"{func.name}: its claim is not in the notebook: {claim[:80]!r}")
        stated = {float(n) for n in NUMBER.findall(claim)}
        problems += [
            f"{func.name}: compares with {n!r}, which its claim does not state"
            for n in _compared_numbers(func)
            if float(n) not in stated
        ]
        for name, match in _raises(func):
            if name not in text:
                problems.append(f"{func.name}: expects {name}, which the notebook never mentions")
            if match and _flat(match) not in text:
                problems.append(
                    f"{func.name}: expects the message {match!r}, which the notebook never states"
                )
    return problems


@pytest.mark.parametrize(
    "tests, notebook",
    [
        (
            REPO / "tests" / "16_compression" / "student",
            REPO / "modules" / "16_compression" / "compression_dev.py",
        ),
        (FIXTURES / "student", FIXTURES / "compression_dev.py"),
    ],
    ids=["module16", "fixture"],
)
def test_every_student_test_checks_only_what_the_notebook_states(tests, notebook):
    files = sorted(tests.glob("test_*.py"))
    assert files, tests
    text = student_text(notebook)
    assert "BEGIN SOLUTION" not in text
    problems = [p for f in files for p in unstated(f, text)]
    assert not problems, "\n".join(problems)


HIDDEN = '''
import pytest
def test_bias_required():
    """a 5x5 weight holding 1..25 pruned to 0.75 has 19 zeros."""
    with pytest.raises(ValueError, match="layer has no bias"):
        pass
    assert count() == 18
def test_unquoted():
    assert f() == 19
'''


def test_the_check_flags_an_unstated_message_an_unstated_number_and_an_unquoted_test(tmp_path):
    path = tmp_path / "test_hidden.py"
    path.write_text(HIDDEN)
    problems = unstated(path, student_text(FIXTURES / "compression_dev.py"))
    assert any("ValueError" in p for p in problems)
    assert any("'layer has no bias'" in p for p in problems)
    assert any("compares with 18" in p for p in problems)
    assert any(p.startswith("test_unquoted: no docstring") for p in problems)
    assert not any("test_bias_required: its claim" in p for p in problems)
