"""The untrusted side of grading: `python -m tinytorch.claims.runner OUT` runs in the student's sandbox.

It reads a request from stdin ({"module": "16", "imports": [module names], "claims": [{"gid", "cases"}]}),
imports the student's exported modules, observes every case and appends one JSON line per claim to OUT:
{"start": gid} before a claim, {"gid", "outcomes"} after it. What it writes is only data: the judge
(tito/grading/judge.py) decides every point, in another process, against values this process never sees."""

import importlib
import json
import math
import signal
import sys

from . import claims_of, observe_case


def _imports(names: list) -> tuple:
    ns, errors = {}, {}
    for name in names:
        try:
            module = importlib.import_module(name)
        except BaseException as exc:  # noqa: BLE001 - a broken export costs the claims that need it
            errors[name] = f"{type(exc).__name__}: {str(exc)[:300]}"
            continue
        ns.update({k: v for k, v in vars(module).items() if not k.startswith("__")})
    return ns, errors


def _alarm(signum, frame):
    raise TimeoutError("the case took longer than the claim's time limit")


def _timed(claim, ns: dict, case: dict, seconds: int) -> dict:
    signal.alarm(seconds)
    try:
        return observe_case(claim, ns, case)
    finally:
        signal.alarm(0)


def main(out_path: str) -> None:
    request = json.loads(sys.stdin.read())
    claims = claims_of(request["module"])
    with open(out_path, "a", encoding="utf-8", buffering=1) as out:
        ns, errors = _imports(request["imports"])
        out.write(json.dumps({"import_errors": errors}) + "\n")
        signal.signal(signal.SIGALRM, _alarm)
        for item in request["claims"]:
            claim = claims[item["gid"]]
            out.write(json.dumps({"start": claim.gid}) + "\n")
            limit = math.ceil(min(claim.seconds, request.get("seconds", claim.seconds)))
            outcomes = [_timed(claim, ns, case, limit) for case in item["cases"]]
            out.write(json.dumps({"gid": claim.gid, "outcomes": outcomes}) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
