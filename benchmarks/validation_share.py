"""How much of the library is argument checking (issue 19, item 2).

Definitions (static, with `ast`; nothing is imported or run):

- A **function-body line** is a source line, not blank and not only a comment, inside the body of a
  function or method defined at module or class level, excluding its `def` line(s) and its docstring.
  Nested functions count as part of the outer body.
- An **argument check line** is a function-body line that belongs to a check statement:
  - any line of a function whose name starts with `check_` or `_check` (a check helper), or of any function
    in `tinytorch/core/checks.py` or `tinytorch/core/task_checks.py` (the check modules);
  - a statement whose value is a call to such a helper (`check_int("k", k, low=1)`,
    `named, k = check_magnitude_prune(model, s)`, `return check_array(...)`);
  - `raise TypeError/ValueError/IndexError(...)`;
  - an `if` (or `for`) whose body consists only of check statements (the whole block, condition included).
- The library is every `tinytorch/**/*.py`: hand-written (`tinytorch/core`, `training.py`, ...) and generated
  (`tinytorch/compression/*.py`, exported from the notebooks), reported separately and together.

The graded notebook: the **student's solution lines** are the non-blank, non-comment lines between
`### BEGIN SOLUTION` and `### END SOLUTION` in the code cells of `modules/16_compression/compression_dev.py`;
the **given checks** are the function-body lines (as above) of `tinytorch/core/task_checks.py`, the checks
the graded functions call, plus the check lines written in the graded functions' cells outside the solution.

Run: `python benchmarks/validation_share.py` (about 0.2 s). Prints both shares.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "tinytorch"
CHECK_MODULES = {"checks.py", "task_checks.py"}
ERRORS = {"TypeError", "ValueError", "IndexError"}
GRADED_NOTEBOOK = ROOT / "modules" / "16_compression" / "compression_dev.py"


def _code_lines(source):
    """Set of 1-based line numbers that hold code (not blank, not only a comment)."""
    return {
        i
        for i, line in enumerate(source.splitlines(), 1)
        if line.strip() and not line.strip().startswith("#")
    }


def _is_check_name(name):
    return name.startswith(("check_", "_check"))


def _call_name(node):
    if isinstance(node, ast.Call):
        f = node.func
        return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
    return ""


def _is_check(stmt):
    """True when the statement is an argument check (see the module docstring)."""
    if isinstance(stmt, ast.Raise):
        return _call_name(stmt.exc) in ERRORS or (isinstance(stmt.exc, ast.Name) and stmt.exc.id in ERRORS)
    if isinstance(stmt, (ast.Expr, ast.Assign, ast.AnnAssign, ast.Return)) and stmt.value is not None:
        value = stmt.value
        calls = [n for n in ast.walk(value) if isinstance(n, ast.Call)]
        return (
            isinstance(value, ast.Call)
            and _is_check_name(_call_name(value))
            or (
                isinstance(value, ast.Tuple)
                and calls
                and all(_is_check_name(_call_name(c)) for c in value.elts)
            )
        )
    if isinstance(stmt, (ast.If, ast.For)):
        return all(_is_check(s) for s in stmt.body) and all(_is_check(s) for s in stmt.orelse)
    return False


def _span(node):
    return set(range(node.lineno, node.end_lineno + 1))


def _body(fn):
    body = fn.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    return body


def _functions(tree):
    """Functions and methods at module or class level (nested functions belong to their outer body)."""
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node
        elif isinstance(node, ast.ClassDef):
            yield from (n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))


def count_file(path):
    """(function-body lines, argument check lines) of one Python file."""
    source = path.read_text()
    code = _code_lines(source)
    body_lines, check_lines = set(), set()
    for fn in _functions(ast.parse(source)):
        lines = set().union(*(_span(s) for s in _body(fn))) & code if _body(fn) else set()
        body_lines |= lines
        if path.name in CHECK_MODULES or _is_check_name(fn.name):
            check_lines |= lines
            continue
        for stmt in ast.walk(fn):
            if isinstance(stmt, ast.stmt) and stmt is not fn and _is_check(stmt):
                check_lines |= _span(stmt) & lines
    return len(body_lines), len(check_lines)


def library_share():
    """{"hand-written" | "generated" | "all": (body lines, check lines)}."""
    out = {"hand-written": [0, 0], "generated": [0, 0]}
    for path in sorted(LIB.rglob("*.py")):
        kind = "generated" if path.parent.name == "compression" else "hand-written"
        b, c = count_file(path)
        out[kind][0] += b
        out[kind][1] += c
    out["all"] = [out["hand-written"][0] + out["generated"][0], out["hand-written"][1] + out["generated"][1]]
    return out


def per_module():
    """[(path, body lines, check lines)] for every library file."""
    return [(p.relative_to(ROOT), *count_file(p)) for p in sorted(LIB.rglob("*.py"))]


def notebook_share():
    """(student solution lines, given check lines) of the graded notebook."""
    text = GRADED_NOTEBOOK.read_text()
    solution = 0
    for block in re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", text, flags=re.DOTALL):
        solution += sum(1 for line in block.splitlines() if line.strip() and not line.strip().startswith("#"))
    given = count_file(LIB / "core" / "task_checks.py")[0]
    for cell in re.split(r"^# %%", text, flags=re.MULTILINE):
        if cell.strip() and '"solution": true' in cell.splitlines()[0] and "#| export" in cell:
            outside = re.sub(r"( *)### BEGIN SOLUTION\n.*?### END SOLUTION", r"\1pass", cell, flags=re.DOTALL)
            tree = ast.parse("\n".join(outside.splitlines()[1:]))
            given += sum(
                len(_span(s))
                for fn in ast.walk(tree)
                if isinstance(fn, ast.FunctionDef)
                for s in _body(fn)
                if _is_check(s)
            )
    return solution, given


def main():
    for path, b, c in per_module():
        if b:
            print(f"{path!s:45s} {c:4d} / {b:4d} = {100 * c / b:5.1f} %")
    for kind, (b, c) in library_share().items():
        print(
            f"library, {kind:12s}: {c} of {b} function-body lines are argument checks ({100 * c / b:.1f} %)"
        )
    solution, given = notebook_share()
    print(f"graded notebook: students write {solution} solution lines; the given checks are {given} lines")


if __name__ == "__main__":
    main()
