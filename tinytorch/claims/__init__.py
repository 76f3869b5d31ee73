"""The claims a graded notebook makes, as data: each graded cell's claim, its visible cases and how one
case is observed. The judge (tito/grading/judge.py) runs `observe` on the student's export in a sandbox and
on the instructor's reference in its own process, and compares the plain data the two return.

A claim's observe(ns, case) looks the graded functions up in `ns` (the notebook's globals, or the
student's exported modules) and returns a dict of plain data (tinytorch/claims/plain.py). In a notebook,
`check_claim("test-...", globals())` runs the visible cases against the expected values shipped in
expected_<module>.json and raises AssertionError naming the first difference."""

import json
from dataclasses import dataclass, field
from pathlib import Path

from .plain import difference, to_plain

__all__ = ["Claim", "check_claim", "claims_of", "difference", "observe_case", "register", "to_plain"]

REGISTRY: dict = {}  # grade id -> Claim
HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Claim:
    """One graded cell: grade id, module (e.g. "16"), the text of its claim, the names it calls, the
    observe function, its visible cases (dicts with a "label"), float tolerances, a time limit per case (s),
    and for claims decided by measurement, the judge's own measurement of the answer."""

    gid: str
    module: str
    text: str
    needs: tuple
    observe: object
    visible: list = field(default_factory=list)
    rtol: float = 1e-6
    atol: float = 1e-9
    seconds: float = 10.0
    judged: object = None  # judged(plain answer, case) -> plain observation, computed by the judge itself


def register(gid: str, module: str, text: str, needs: tuple, visible: list, **options):
    """Decorator: registers observe(ns, case) as the claim `gid`."""

    def wrap(observe):
        REGISTRY[gid] = Claim(gid, module, text, tuple(needs), observe, list(visible), **options)
        return observe

    return wrap


def claims_of(module: str) -> dict:
    """{grade id: Claim} of one module, in registration (notebook) order; imports its claim definitions."""
    if module == "16":
        from . import module16  # noqa: F401 - registers the claims
    return {gid: c for gid, c in REGISTRY.items() if c.module == module}


def observe_case(claim: Claim, ns: dict, case: dict) -> dict:
    """{"got": plain observation} or {"error": "ExceptionName: message"} of one case."""
    missing = [name for name in claim.needs if name not in ns]
    if missing:
        return {"error": f"NameError: {', '.join(missing)} is not defined"}
    try:
        return {"got": to_plain(claim.observe(ns, case))}
    except Exception as exc:  # noqa: BLE001 - the student's error is the observation
        return {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}


def verdict(claim: Claim, case: dict, expected: dict, outcome: dict):
    """None when the outcome matches the expected observation, else the message a student sees."""
    if "error" in outcome:
        return f"{case['label']}: {outcome['error']}"
    got = outcome.get("got")
    if claim.judged is not None:
        try:
            got = claim.judged(got, case)
        except Exception as exc:  # noqa: BLE001 - an answer that cannot be measured earns nothing
            return f"{case['label']}: the returned model could not be measured: {str(exc)[:200]}"
    diff = difference(expected, got, claim.rtol, claim.atol)
    return diff and f"{case['label']}: {diff}"


def expected_path(module: str) -> Path:
    return HERE / f"expected_{module}.json"


def check_claim(gid: str, ns: dict) -> None:
    """Run the visible cases of claim `gid` on the functions in `ns` (pass globals()); AssertionError on the
    first case whose observation differs from the expected one."""
    claim = claims_of(gid.split("/")[0] if "/" in gid else "16")[gid]
    expected = json.loads(expected_path(claim.module).read_text(encoding="utf-8"))[gid]
    for case, want in zip(claim.visible, expected):
        message = verdict(claim, case, want, observe_case(claim, ns, case))
        if message:
            raise AssertionError(message)
