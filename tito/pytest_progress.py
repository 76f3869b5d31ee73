"""A pytest plugin for `tito module complete` (loaded with `-p tito.pytest_progress`): one line per test file
when its last test finishes, with the file's counts and the run's progress, e.g.

    [tito-progress] tests/16_compression/test_low_rank.py: 41 passed [212/1240 tests, 38 s]

tito shows these lines on the terminal (without the prefix) and sends the rest of pytest's output to the
log."""

import time
from collections import Counter

PREFIX = "[tito-progress] "
_run = {"last": {}, "counts": {}, "done": 0, "total": 0, "start": 0.0}


def _file(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def pytest_collection_finish(session) -> None:
    _run["last"] = {_file(item.nodeid): item.nodeid for item in session.items}
    _run["total"], _run["start"] = len(session.items), time.monotonic()


def pytest_runtest_logreport(report) -> None:
    """One outcome per test: its call's, or a setup that did not pass, or a teardown that failed (error)."""
    if report.when == "call" or (report.when != "call" and not report.passed):
        outcome = "error" if report.when != "call" and report.failed else report.outcome
        _run["counts"].setdefault(_file(report.nodeid), {})[report.nodeid] = outcome


def pytest_runtest_logfinish(nodeid: str, location) -> None:
    _run["done"] += 1
    name = _file(nodeid)
    if _run["last"].get(name) != nodeid:
        return
    counts = Counter(_run["counts"].get(name, {}).values())
    text = ", ".join(f"{n} {what}" for what, n in sorted(counts.items())) or "no outcome"
    elapsed = time.monotonic() - _run["start"]
    line = f"{PREFIX}{name}: {text} [{_run['done']}/{_run['total']} tests, {elapsed:.0f} s]"
    reporter = _reporter()
    if reporter is not None:
        reporter.write_line(line)
    else:
        print(line, flush=True)


_config = {}


def pytest_configure(config) -> None:
    _config["config"] = config


def _reporter():
    config = _config.get("config")
    return config.pluginmanager.get_plugin("terminalreporter") if config is not None else None
