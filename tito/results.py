"""Measured compression results of the exported package, computed in a child process (this file run as a
script) so that the freshly exported code is imported and a crash in student code cannot take tito down."""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

# The one report `tito module complete` shows: tinytorch.compression.report.summary_report(), called without
# arguments. Without it (a module that has no report yet), compress_model on the digits MLP is measured
# instead.
REPORT_FUNCTION = "summary_report"


def _as_table(value) -> dict:
    """Normalise a report value to {"columns", "rows"} or {"text"}."""
    if hasattr(value, "to_dict") and hasattr(value, "columns"):  # a DataFrame-like object
        value = value.to_dict("records")
    if isinstance(value, dict) and value and all(isinstance(v, (list, tuple)) for v in value.values()):
        keys = list(value)
        return {"columns": keys, "rows": [list(r) for r in zip(*value.values())]}
    if isinstance(value, dict):
        return {"columns": ["metric", "value"], "rows": [[k, v] for k, v in value.items()]}
    if isinstance(value, (list, tuple)) and value and all(isinstance(r, dict) for r in value):
        columns = list(dict.fromkeys(k for r in value for k in r))
        return {"columns": columns, "rows": [[r.get(c, "") for c in columns] for r in value]}
    if isinstance(value, (list, tuple)) and value and all(isinstance(r, (list, tuple)) for r in value):
        return {"columns": [str(c) for c in value[0]], "rows": [list(r) for r in value[1:]]}
    return {"text": str(value)}


def _report():
    import importlib

    try:
        mod = importlib.import_module("tinytorch.compression.report")
    except ModuleNotFoundError as exc:
        if exc.name in ("tinytorch.compression.report", "tinytorch.compression"):
            return None
        raise
    func = getattr(mod, REPORT_FUNCTION, None)
    if func is None:
        return None
    return {"source": f"tinytorch.compression.report.{REPORT_FUNCTION}()", **_as_table(func())}


def _compress_model_stats():
    from tinytorch import manual_seed
    from tinytorch.compression import compress_model
    from tinytorch.core.layers import Linear, ReLU, Sequential
    from tinytorch.core.losses import CrossEntropyLoss
    from tinytorch.core.optim import Adam
    from tinytorch.data import DataLoader, load_digits, train_test_split
    from tinytorch.training import evaluate, fit

    manual_seed(0)
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=0)
    model = Sequential(Linear(64, 64), ReLU(), Linear(64, 10))
    fit(
        model,
        DataLoader(X_train, y_train, batch_size=32, shuffle=True, seed=0),
        CrossEntropyLoss(),
        Adam(model.parameters(), lr=1e-2),
        epochs=10,
    )
    test_loader = DataLoader(X_test, y_test, batch_size=256)
    dense_accuracy = evaluate(model, test_loader)
    stats = compress_model(model, {"magnitude_prune": 0.8}, eval_loader=test_loader)
    table = _as_table(
        {
            "dense accuracy": round(dense_accuracy, 4),
            **{k: (round(v, 4) if isinstance(v, float) else v) for k, v in stats.items()},
        }
    )
    return {"source": "compress_model(digits MLP 64-64-10, {'magnitude_prune': 0.8})", **table}


def collect() -> dict:
    """{"status": "ok"|"missing"|"error", ...table} for the package importable from sys.path."""
    try:
        result = _report()
        if result is not None:
            return {"status": "ok", **result}
        try:
            import tinytorch.compression as tc
        except ModuleNotFoundError:
            return {"status": "missing", "text": "tinytorch.compression is not exported"}
        if not hasattr(tc, "compress_model"):
            return {
                "status": "missing",
                "text": "tinytorch.compression has neither report nor compress_model",
            }
        return {"status": "ok", **_compress_model_stats()}
    except NotImplementedError as exc:  # a task still holds its stub
        import traceback

        where = traceback.extract_tb(exc.__traceback__)[-1].name
        return {"status": "missing", "text": f"not done yet: {where} raises NotImplementedError"}
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which fails the command
        return {"status": "error", "text": f"{type(exc).__name__}: {exc}"}


def run(root: Path, timeout: float = 600) -> dict:
    """collect() in a child interpreter with the repo first on sys.path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(root), *[p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]]
    )
    with tempfile.TemporaryDirectory(prefix="tito-results-") as tmp:
        out = Path(tmp) / "results.json"
        try:
            # run this very file (not `-m tito.results`, which could pick up another tito copy under root)
            proc = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), str(out)],
                check=False,
                cwd=root,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            return {"status": "error", "text": f"measuring results took longer than {timeout:.0f} s"}
        if not out.exists():
            return {
                "status": "error",
                "text": f"results process crashed (exit {proc.returncode}): {proc.stderr[-2000:]}",
            }
        return json.loads(out.read_text(encoding="utf-8"))


if __name__ == "__main__":
    Path(sys.argv[1]).write_text(json.dumps(collect(), default=str), encoding="utf-8")
