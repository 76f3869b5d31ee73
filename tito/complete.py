"""The body of `tito module complete` (registered in tito/commands/module.py): sync and export, the module's
tests, the graded cells of the student's notebook, the measured results, and a summary with the next step."""

import argparse
from pathlib import Path

from tito.errors import EXIT_FAILURE, EXIT_OK, TitoError

MAX_TEST_LINES = 20  # failing tests listed by `complete`; the rest are in the log


def _complete_tests(root, module, log, verbose: bool) -> int:
    """Step 2: pytest on tests/NN_name, output to the log; one line per failing test. Returns pytest's exit
    code."""
    import tempfile

    from tito import output, workflow

    if not module.tests.is_dir():
        output.warn(f"tests/{module.key} does not exist")
        return 4
    with tempfile.TemporaryDirectory(prefix="tito-junit-") as tmp:
        junit = Path(tmp) / "junit.xml"
        code = workflow.pytest(
            root,
            [module.tests],
            ["-p", "no:cacheprovider", "-m", "not slow", f"--junitxml={junit}"],
            log=log,
            echo=verbose,
            progress=True,
        )
        report = workflow.junit_summary(junit)
    counts = report["counts"]
    if counts:
        output.say(
            "  " + ", ".join(f"{n} {what}" for what, n in counts.items() if n or what in ("passed", "failed"))
        )
    elif code:
        output.say(f"  pytest exit {code} before running any test (see the log)")
    problems = report["problems"]
    for test, status, first in problems[:MAX_TEST_LINES]:
        output.say(
            f"  {status:<12}  {test}: {first}" if status != "not done yet" else f"  {status:<12}  {test}"
        )
    if len(problems) > MAX_TEST_LINES:
        output.say(f"  ... and {len(problems) - MAX_TEST_LINES} more failing tests (see the log)")
    return code


def _complete_grade(module, log, verbose: bool):
    """Step 3: the graded cells of the student's notebooks. Returns (cells, ok)."""
    from tito import notebooks, output
    from tito.grading import selfgrade
    from tito.paths import notebook_name

    if not module.graded_notebooks():
        output.say("  no graded notebook in this module")
        return [], True
    try:
        nbs = {
            notebook_name(s): notebooks.read_ipynb(module.folder / f"{s}.ipynb")
            for s in module.graded_notebooks()
        }
        result = selfgrade.grade(module.root, nbs, None if verbose else log)
    except TitoError as err:  # e.g. a damaged notebook nbgrader cannot process: report it, keep going
        output.say(f"  could not grade your notebook: {str(err).splitlines()[0]}")
        output.append(log, str(err))
        return [], False
    selfgrade.print_cells(result["cells"], result["notes"], verbose)
    score, max_score = selfgrade.totals(result["cells"])
    manual = sum(c["max_score"] for c in result["cells"] if c["kind"] == "manual")
    output.say(
        f"  auto-graded points: {score:g} / {max_score:g}"
        + (f" (+{manual:g} graded by your instructor)" if manual else "")
    )
    return result["cells"], score >= max_score


def _next_step(module, cells, tests_ok, points_ok, results_ok) -> str:
    again = f"then run `tito module complete {module.number}` again"
    todo = next((c for c in cells if c["status"] not in ("pass", "manual")), None)
    if todo is not None and todo["status"] == "not done yet":
        return f"next: write the code that '{todo['grade_id']}' tests ({todo['detail']}), {again}"
    if todo is not None:
        return f"next: fix '{todo['grade_id']}' ({todo['detail'] or todo['status']}), {again}"
    if not points_ok:
        return f"next: fix the problem reported in step 3, {again}"
    if not tests_ok:
        return f"next: fix the failing tests of step 2 (tracebacks in the log), {again}"
    if not results_ok:
        return f"next: fix the error of step 4, {again}"
    stem = module.graded_notebooks()[0] if module.graded_notebooks() else "your notebook"
    return (
        f"next: submit modules/{module.key}/{stem}.ipynb renamed to <your-student-id>.ipynb "
        f"(see README.md, 'Submit'); your instructor's run adds the hidden cases and the manual points"
    )


def _print_synced(module, done) -> None:
    """The graded notebook first (marked), then one line per companion notebook."""
    from tito import output

    graded = module.graded_notebooks()
    for stem, action, files in sorted(done, key=lambda item: item[0] not in graded):
        changed = sum(1 for _, c in files if c)
        what = "graded notebook" if stem in graded else "companion"
        output.say(f"  {what:<15}  {stem}: {action}; {len(files)} package file(s), {changed} changed")


def _print_results(root):
    """The module's measured compression results (tito/results.py), printed; returns them."""
    from tito import output, results

    res = results.run(root)
    if "columns" in res:
        output.table(res.get("source", "results"), res["columns"], res["rows"])
    else:
        output.say("  " + res.get("text", ""))
    return res


def cmd_complete(args: argparse.Namespace) -> int:
    import time
    from datetime import datetime

    from tito import output, state, workflow
    from tito.grading import selfgrade
    from tito.paths import find_root, resolve_module

    start = time.perf_counter()
    root = find_root()
    module = resolve_module(root, args.module)
    log = output.log_path(root, f"complete-{module.key}")
    output.say(f"== 1/4 sync and export {module.key}")
    done = workflow.sync_and_export(module)
    if args.verbose:
        workflow.print_export(done)
    _print_synced(module, done)
    output.say(
        f"== 2/4 tests: tests/{module.key} (pytest -m 'not slow'; `tito test --all` runs the slow ones too)"
    )
    code = _complete_tests(root, module, log, args.verbose)
    tests_ok = code == 0
    output.say("== 3/4 graded cells of your notebook (the judge, on the visible cases)")
    cells, points_ok = _complete_grade(module, log, args.verbose)
    score, max_score = selfgrade.totals(cells)
    output.say("== 4/4 measured compression results")
    res = _print_results(root)
    results_ok = res["status"] != "error"
    ok = tests_ok and points_ok and results_ok
    state.update(
        root,
        "complete",
        module.key,
        {
            "ok": ok,
            "score": score,
            "max_score": max_score,
            "tests_exit": code,
            "when": datetime.now().isoformat(timespec="seconds"),
        },
    )
    output.table(
        f"Summary {module.key}",
        ["check", "result"],
        [
            ["tests", f"{'pass' if tests_ok else 'FAIL'} (pytest exit {code})"],
            ["points", f"{'pass' if points_ok else 'FAIL'} ({score:g}/{max_score:g})"],
            ["results", {"ok": "pass", "missing": "not available", "error": "FAIL"}[res["status"]]],
            ["module", "COMPLETE" if ok else "NOT COMPLETE"],
        ],
    )
    output.say(f"full log: {log}")
    output.say(
        f"done in {time.perf_counter() - start:.1f} s; "
        + _next_step(module, cells, tests_ok, points_ok, results_ok)
    )
    return EXIT_OK if ok else EXIT_FAILURE
