"""Shape limits: no file over 300 lines (library, CLI, tests and benchmarks), no function over 60 lines
(library and CLI).

Measured with ast over every .py file under tinytorch/ and tito/ (generated modules included; the one
exception is tinytorch/compression/__init__.py, the re-export of the graded notebook's modules).
A function's size is its full extent, decorators and docstring included (end_lineno - first line + 1).
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("tinytorch", "tito")
MAX_FILE_LINES, MAX_FUNCTION_LINES = 300, 60
EXEMPT_FILES = {"tinytorch/compression/__init__.py"}


def _sources():
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")


def file_offenders(sources):
    return [
        f"{rel}: {len(text.splitlines())} lines"
        for rel, text in sources
        if rel not in EXEMPT_FILES and len(text.splitlines()) > MAX_FILE_LINES
    ]


def function_offenders(sources):
    out = []
    for rel, text in sources:
        for node in ast.walk(ast.parse(text, filename=rel)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = min([node.lineno] + [d.lineno for d in node.decorator_list])
                size = node.end_lineno - first + 1
                if size > MAX_FUNCTION_LINES:
                    out.append(f"{rel}:{node.lineno} {node.name}: {size} lines")
    return out


def test_the_measure_flags_a_long_file_and_a_long_function_and_passes_short_ones():
    long_fn = "def f():\n" + "    x = 1\n" * 60
    short_fn = "def g():\n" + "    x = 1\n" * 59
    assert function_offenders([("a.py", long_fn), ("b.py", short_fn)]) == ["a.py:1 f: 61 lines"]
    assert file_offenders([("c.py", "x = 1\n" * 301), ("d.py", "x = 1\n" * 300)]) == ["c.py: 301 lines"]
    decorated = "class C:\n    @staticmethod\n    def g():\n" + "        x = 1\n" * 59  # the decorator counts
    assert function_offenders([("e.py", decorated)]) == ["e.py:3 g: 61 lines"]


def test_no_library_or_cli_file_is_over_300_lines():
    offenders = file_offenders(_sources())
    assert not offenders, "files over 300 lines:\n" + "\n".join(offenders)


def test_no_library_or_cli_function_is_over_60_lines():
    offenders = function_offenders(_sources())
    assert not offenders, "functions over 60 lines:\n" + "\n".join(offenders)


def test_no_test_or_benchmark_file_is_over_300_lines():
    sources = [
        (path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8"))
        for folder in ("tests", "benchmarks")
        for path in sorted((ROOT / folder).rglob("*.py"))
    ]
    offenders = file_offenders(sources)
    assert not offenders, "files over 300 lines:\n" + "\n".join(offenders)
