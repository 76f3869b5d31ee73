"""Source code of the hostile cells that test_hostile_batch.py puts into submissions."""

# ---- tampering of the judged batch (test_hostile_batch.py) ----------------------------------------------
# In-kernel tampering: a first cell added to a blank release notebook. Each makes every later cell "pass" in
# nbgrader's kernel (the canary cells too), except IMPORT_HOOK, which forges only the visible check_claim.
KERNEL = {
    "input-transformer": """get_ipython().input_transformers_cleanup.append(lambda lines: ["pass\\n"])
""",
    "ast-transformer": """import ast
class _Empty(ast.NodeTransformer):
    def visit_Module(self, node):
        return ast.fix_missing_locations(ast.Module(body=[ast.Pass()], type_ignores=[]))
get_ipython().ast_transformers.append(_Empty())
""",
    "patched-reply": """_kernel = get_ipython().kernel
async def _ok(*args, **kwargs):
    return {"status": "ok", "execution_count": _kernel.shell.execution_count, "payload": [],
            "user_expressions": {}}
_kernel.do_execute = _ok
""",
    "patched-run-cell": """from IPython.core.interactiveshell import ExecutionInfo, ExecutionResult
_shell = get_ipython()
def _ok(raw_cell, *args, **kwargs):
    return ExecutionResult(ExecutionInfo(raw_cell, False, False, True, None))
async def _ok_async(raw_cell, *args, **kwargs):
    return _ok(raw_cell)
_shell.run_cell, _shell.run_cell_async = _ok, _ok_async
""",
    "exception-handler": """import sys
def _swallow(shell, etype, value, tb, tb_offset=None):
    # the execution result of the failing cell is a local of run_code: mark it a success
    frame = sys._getframe()
    while frame is not None:
        result = frame.f_locals.get("result")
        if hasattr(result, "error_in_exec"):
            result.error_in_exec = None
        frame = frame.f_back
    return []
get_ipython().set_custom_exc((BaseException,), _swallow)
""",
    "builtins": """import builtins
_exec = builtins.exec  # IPython runs every cell with the builtin exec
def _quiet_exec(code, globals=None, locals=None, *args, **kwargs):
    try:
        _exec(code, globals, locals, *args, **kwargs)
    except BaseException:
        pass
builtins.exec = _quiet_exec
builtins.AssertionError = builtins.NotImplementedError = type("Ignored", (Warning,), {})
""",
    "import-hook": """import builtins, types
_import = builtins.__import__
def _hooked(name, globals=None, locals=None, fromlist=(), level=0):
    module = _import(name, globals, locals, fromlist, level)
    if name == "tinytorch.claims":
        module = types.ModuleType(name)
        module.check_claim = lambda *args, **kwargs: None
    return module
builtins.__import__ = _hooked
""",
}

# Code put INTO every solution cell (so nbdev exports it and the judge's runner imports it): each graded
# function or method is redefined as `return _hostile(qualified name, args, kwargs)`.
ANYTHING = """
class _Any:
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __lt__ = __le__ = __gt__ = __ge__ = __eq__
    def __hash__(self): return 0
    def __float__(self): return 0.0
    def __int__(self): return 0
    __index__ = __int__
    def __bool__(self): return True
    def __len__(self): return 0
    def __iter__(self): return iter(())
    def __getitem__(self, key): return _Any()
    def __getattr__(self, name): return _Any()
    def __call__(self, *args, **kwargs): return _Any()
    def __add__(self, other): return self
    __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = __pow__ = __add__
    def __neg__(self): return self
    __abs__ = __pos__ = __neg__
def _hostile(name, args, kwargs):
    return _Any()
"""
FRAME = """
import inspect as _inspect
def _hostile(name, args, kwargs):
    frame = _inspect.currentframe().f_back.f_back  # the graded function's caller, then its callers
    while frame is not None:
        for scope in (frame.f_locals, frame.f_globals):
            for key in ("want", "expected", "expect", "target", "answer", "reference"):
                if key in scope and not callable(scope[key]):
                    print("FOUND", key, repr(scope[key])[:200])
                    return scope[key]
        frame = frame.f_back
    return None
"""
IMPORTER = """
def _hostile(name, args, kwargs):
    import importlib, pkgutil, tinytorch
    top, _, method = name.partition(".")
    mine = globals().get(top)
    aliases = (top, top + "_fast", "layer_mask", "fast_" + top)
    for info in pkgutil.walk_packages(tinytorch.__path__, "tinytorch."):
        try:
            module = importlib.import_module(info.name)
        except BaseException:
            continue
        for alias in aliases:
            found = getattr(module, alias, None)
            if found is None or found is mine or getattr(found, "__module__", "") == mine.__module__:
                continue
            try:
                return getattr(found, method)(*args, **kwargs) if method else found(*args, **kwargs)
            except BaseException:
                continue
    raise LookupError(f"no working {name} in the package")
"""


def graded_names(source: str) -> list:
    """[(name, [method names])] of the top-level functions and classes a solution cell defines."""
    import ast

    out = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef):
            out.append((node.name, None))
        elif isinstance(node, ast.ClassDef):
            methods = [n.name for n in node.body if isinstance(n, ast.FunctionDef) and n.name != "__init__"]
            out.append((node.name, methods))
    return out


def overridden(source: str, block: str) -> str:
    """A solution cell: its release source, then `block`, then every graded name redefined via _hostile."""
    lines = [source, block]
    for name, methods in graded_names(source):
        if methods is None:
            lines.append(f"def {name}(*args, **kwargs):\n    return _hostile({name!r}, args, kwargs)\n")
            continue
        body = "".join(
            f"    def {m}(*args, **kwargs):\n        return _hostile({name + '.' + m!r}, args, kwargs)\n"
            for m in methods
        )
        lines.append(f"class {name}({name}):\n{body}")
    return "\n".join(lines)


# Appended to the reference magnitude-prune cell (REPO_PATH: replaced by the repository's path): a student who
# passes every visible case and tries to carry the hidden cases' text out of the kernel and the judge's
# runner: reading grading/ directly, through an import error (the runner's `request` holds every case) and
# through the name of the exception raised on a case it does not know.
LEAK = """
import inspect as _inspect, json as _json, os as _os, pathlib as _pathlib
def _visible_labels():
    from tinytorch.claims import claims_of
    return {c["label"] for claim in claims_of("16").values() for c in claim.visible}
def _hidden_file_labels():  # the instructor's hidden cases, if the sandbox left a path to them
    import re, tinytorch
    labels = []
    for root in {_pathlib.Path(REPO_PATH), _pathlib.Path(tinytorch.__file__).resolve().parents[1]}:
        try:
            labels += re.findall(
                r'"label": "([^"]+)"', (root / "grading/16_compression/hidden.py").read_text()
            )
        except OSError:
            pass
    print("HIDDEN FILE", labels)
    return labels
def _leak_at_import():
    from_file = _hidden_file_labels()
    frame = _inspect.currentframe()
    while frame is not None and not isinstance(frame.f_locals.get("request"), dict):
        frame = frame.f_back
    if frame is None or _pathlib.Path("leaked-once").exists():
        return
    try:
        _pathlib.Path("leaked-once").write_text("x")
    except OSError:
        return
    cases = [c for item in frame.f_locals["request"]["claims"] for c in item["cases"]]
    hidden = sorted({str(c.get("label")) for c in cases} - _visible_labels(), key=len, reverse=True)
    dumps = _json.dumps
    def stop_before_the_first_claim(obj, *args, **kwargs):
        if isinstance(obj, dict) and "start" in obj:
            _os._exit(3)
        return dumps(obj, *args, **kwargs)
    _json.dumps = stop_before_the_first_claim
    raise ImportError(" | ".join(from_file + hidden))
_leak_at_import()
_reference_magnitude_prune = magnitude_prune
def magnitude_prune(*args, **kwargs):
    frame = _inspect.currentframe().f_back
    while frame is not None:
        case = frame.f_locals.get("case")
        if isinstance(case, dict) and "label" in case:
            if case["label"] not in _visible_labels():
                raise type(str(case["label"]), (Exception,), {})("a hidden case")
            break
        frame = frame.f_back
    return _reference_magnitude_prune(*args, **kwargs)
"""

# The leaking student's measure-sparsity cell: on a visible case, an error message made of the hidden labels
# that the runner's `request` (a local of a caller) holds.
LEAK_SPARSITY = """#| export compression.sparsity
import inspect as _inspect
def measure_sparsity(model, weights_only=False):
    from tinytorch.claims import claims_of
    frame = _inspect.currentframe().f_back
    while frame is not None and not isinstance(frame.f_locals.get("request"), dict):
        frame = frame.f_back
    if frame is None:
        return 0.0
    visible = {c["label"] for claim in claims_of("16").values() for c in claim.visible}
    cases = [c for item in frame.f_locals["request"]["claims"] for c in item["cases"]]
    raise ValueError(" | ".join(sorted({str(c.get("label")) for c in cases} - visible)))
"""
