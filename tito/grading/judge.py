"""The trusted judge: decides every automatic point of a graded module without running student code.

The student's exported modules run only in tinytorch/claims/runner.py, in a separate process (under
bubblewrap when grading), which hands back plain JSON. Here, in a process that never imports student code,
each claim's cases are observed on the instructor's reference (or read from the shipped visible
expectations) and compared with that JSON. Hidden cases live in grading/<module>/hidden.py, which no
student bundle contains, and reach only the runner's stdin."""

import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path

from tinytorch.claims import claims_of, expected_path, observe_case, verdict

IMPORTS = {
    "16": [
        f"tinytorch.compression.{name}"
        for name in ("sparsity", "magnitude", "structured", "distillation", "low_rank", "pipeline", "design")
    ]
}


@dataclass(frozen=True)
class Case:
    case: dict
    hidden: bool


@dataclass
class Verdict:
    """One claim's outcome: passed, and the first failing case's message (student-safe for hidden cases)."""

    gid: str
    passed: bool
    message: str = ""


def hidden_cases(root: Path, key: str) -> dict:
    """{grade id: [case]} from <root>/grading/<key>/hidden.py (instructor only), or {} when absent."""
    path = Path(root) / "grading" / key / "hidden.py"
    if not path.is_file():
        return {}
    spec = importlib.util.spec_from_file_location(f"hidden_{key}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.HIDDEN


def cases(module: str, hidden: dict) -> dict:
    """{grade id: [Case]}: the visible cases of each claim, then its hidden ones."""
    return {
        gid: [Case(c, False) for c in claim.visible] + [Case(c, True) for c in hidden.get(gid, [])]
        for gid, claim in claims_of(module).items()
    }


def reference_ns(module: str) -> dict:
    """The instructor's reference implementation (the package export of the solution notebook)."""
    import importlib

    ns = {}
    for name in IMPORTS[module]:
        mod = importlib.import_module(name)
        ns.update({k: v for k, v in vars(mod).items() if not k.startswith("__")})
    return ns


def expected_from(module: str, all_cases: dict, ns: dict) -> dict:
    """{grade id: [plain observation]} of every case on the implementation in `ns` (the reference)."""
    claims = claims_of(module)
    out = {}
    for gid, items in all_cases.items():
        outcomes = [observe_case(claims[gid], ns, c.case) for c in items]
        bad = [o["error"] for o in outcomes if "error" in o]
        if bad:
            raise RuntimeError(f"the reference fails claim {gid}: {bad[0]}")
        judged = claims[gid].judged
        out[gid] = [o["got"] if judged is None else judged(o["got"], c.case) for o, c in zip(outcomes, items)]
    return out


def shipped_expected(module: str) -> dict:
    """The visible cases' expected observations shipped with the package
    (tinytorch/claims/expected_NN.json)."""
    return json.loads(expected_path(module).read_text(encoding="utf-8"))


def write_shipped_expected(module: str) -> Path:
    """Regenerate expected_NN.json from the reference (instructor repository only)."""
    visible = {gid: items for gid, items in cases(module, {}).items()}
    data = expected_from(module, visible, reference_ns(module))
    path = expected_path(module)
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path


def _valid_outcomes(outcomes, n: int) -> bool:
    return (
        isinstance(outcomes, list)
        and len(outcomes) == n
        and all(
            isinstance(o, dict) and len(o) == 1 and ("got" in o or isinstance(o.get("error"), str))
            for o in outcomes
        )
    )


def decide(module: str, all_cases: dict, expected: dict, answers: dict, problems: dict) -> dict:
    """{grade id: Verdict} from the runner's answers {gid: outcomes} and per-claim problems {gid: reason}."""
    claims = claims_of(module)
    verdicts = {}
    for gid, items in all_cases.items():
        if gid in problems:
            verdicts[gid] = Verdict(gid, False, problems[gid])
            continue
        outcomes = answers.get(gid)
        if not _valid_outcomes(outcomes, len(items)):
            verdicts[gid] = Verdict(gid, False, "the check returned malformed data")
            continue
        verdicts[gid] = Verdict(gid, True)
        hidden_index = 0
        for item, want, got in zip(items, expected[gid], outcomes):
            hidden_index += item.hidden
            message = verdict(claims[gid], item.case, want, got)
            if message:
                if item.hidden:  # no text of the student's process: it held the hidden cases
                    message = f"hidden case {hidden_index} failed"
                verdicts[gid] = Verdict(gid, False, message)
                break
    return verdicts


def split(all_cases: dict) -> tuple:
    """({gid: visible Cases}, {gid: hidden Cases}): they are run in separate processes, so that no process
    whose messages a student may see has held a hidden case."""
    visible = {g: [c for c in items if not c.hidden] for g, items in all_cases.items()}
    hidden = {
        g: [c for c in items if c.hidden] for g, items in all_cases.items() if any(c.hidden for c in items)
    }
    return visible, hidden


HIDDEN_PROBLEM = "the check of the hidden cases stopped early"


def combine(all_cases: dict, visible: tuple, hidden: tuple) -> tuple:
    """(answers, problems) of both runs merged per claim, visible outcomes first; a hidden run's problem is
    reported without its details."""
    (a1, p1), (a2, p2) = visible, hidden
    answers, problems = {}, dict(p1)
    for gid in all_cases:
        if gid in problems:
            continue
        if gid in p2:
            problems[gid] = HIDDEN_PROBLEM
            continue
        first, second = a1.get(gid), a2.get(gid, [])
        answers[gid] = first + second if isinstance(first, list) and isinstance(second, list) else None
    return answers, problems


def cache_key(module: str, all_cases: dict, root: Path) -> str:
    """A hash of everything the expected values depend on: the cases, the claims' code, the reference."""
    import hashlib

    digest = hashlib.sha256(json.dumps({g: [c.case for c in v] for g, v in all_cases.items()}).encode())
    sources = sorted((root / "tinytorch" / "claims").rglob("*.py")) + [
        root / (name.replace(".", "/") + ".py") for name in IMPORTS[module]
    ]
    for path in sources:
        digest.update(path.read_bytes() if path.is_file() else b"-")
    return digest.hexdigest()[:20]


def expected_cached(module: str, all_cases: dict, root: Path, cache: Path | None) -> dict:
    """expected_from() on the reference, stored in `cache` (a folder) under a key of all it depends on, with
    the design task's dense-model numbers, so that a batch computes them once."""
    from tinytorch.claims.module16 import design

    path = (
        None
        if cache is None
        else Path(cache) / f"expected-{module}-{cache_key(module, all_cases, root)}.json"
    )
    if path is not None and path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            design._NUMBERS.update(data["design"])
            return data["expected"]
        except (ValueError, KeyError, TypeError):
            pass
    expected = expected_from(module, all_cases, reference_ns(module))
    if path is not None:
        from tito.state import atomic_write

        path.parent.mkdir(parents=True, exist_ok=True)
        design.save_setup(path.with_suffix(".npz"))
        atomic_write(path, json.dumps({"expected": expected, "design": design.reference_numbers()}))
    return expected


def setup_file(module: str, all_cases: dict, root: Path, cache: Path | None) -> Path | None:
    """The cached design-task setup (dense model and data) that goes with expected_cached(), if any."""
    if cache is None:
        return None
    path = Path(cache) / f"expected-{module}-{cache_key(module, all_cases, root)}.npz"
    return path if path.is_file() else None
