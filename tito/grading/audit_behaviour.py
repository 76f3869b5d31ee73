"""The release audit by behaviour: no public callable of a student bundle's package may compute what a graded
function computes. Every public function and class of the bundle's `tinytorch` is substituted, in a child
process, for each claim's graded function and run on the claim's visible cases; one that matches every
visible case of a claim is an answer shipped to students. (The stubs raise NotImplementedError and match
nothing.) Markers and quoted solution regions are audited separately, by text (tito/grading/bundle.py)."""

import json
import os
import subprocess
import sys
from pathlib import Path

SKIP = ("tinytorch.claims",)  # the claims themselves: observers, not answers


def _candidates():
    import importlib
    import inspect
    import pkgutil

    import tinytorch

    for info in pkgutil.walk_packages(tinytorch.__path__, "tinytorch."):
        if info.name.startswith(SKIP):
            continue
        try:
            mod = importlib.import_module(info.name)
        except Exception:  # noqa: BLE001 - a module that cannot import answers nothing
            continue
        for name, obj in vars(mod).items():
            if not name.startswith("_") and callable(obj) and getattr(obj, "__module__", None) == info.name:
                if inspect.isfunction(obj) or inspect.isclass(obj):
                    yield f"{info.name}.{name}", obj


def _answers(claim, obj, expected: list) -> bool:
    import signal

    from tinytorch.claims import observe_case, verdict

    ns = dict.fromkeys(claim.needs, obj)
    for case, want in zip(claim.visible, expected):
        signal.alarm(2)
        try:
            if verdict(claim, case, want, observe_case(claim, ns, case)):
                return False
        except BaseException:  # noqa: BLE001 - the alarm, or anything a foreign callable raises
            return False
        finally:
            signal.alarm(0)
    return True


def child(module: str, out: str) -> None:
    """Write to `out` a JSON list of [callable, grade id] pairs where the callable answers the claim (a file:
    the candidates may print)."""
    import signal

    from tinytorch.claims import claims_of, expected_path

    def _late(signum, frame):
        raise TimeoutError

    signal.signal(signal.SIGALRM, _late)
    expected = json.loads(expected_path(module).read_text(encoding="utf-8"))
    claims = claims_of(module)
    found = [
        [name, gid]
        for name, obj in _candidates()
        for gid, claim in claims.items()
        if len(claim.needs) == 1 and _answers(claim, obj, expected[gid])
    ]
    Path(out).write_text(json.dumps(found), encoding="utf-8")


def answering_callables(bundle: Path, module: str = "16", timeout: float = 600) -> list:
    """[(callable, grade id)] of the bundle's package that answer a claim's visible cases."""
    env = {**os.environ, "PYTHONPATH": str(bundle), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    import tempfile

    with tempfile.TemporaryDirectory(prefix="tito-audit-") as tmp:
        out = Path(tmp) / "found.json"
        code = f"from tito.grading.audit_behaviour import child; child({module!r}, {str(out)!r})"
        proc = subprocess.run(
            [sys.executable, "-c", code], cwd=tmp, env=env, capture_output=True, text=True, timeout=timeout
        )
        if proc.returncode != 0 or not out.is_file():
            raise RuntimeError(f"the behaviour audit failed: {proc.stderr[-1500:]}")
        return [tuple(pair) for pair in json.loads(out.read_text(encoding="utf-8"))]
