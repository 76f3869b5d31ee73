"""Source code of the hostile cells that the `batch` fixture (conftest.py) puts into submissions.

SPY is a str.format template (course, repo, home, and a hidden-test line split in two); KILLER is plain code."""

SPY = """import json, os, pathlib, socket
here, course, repo = pathlib.Path.cwd(), pathlib.Path({course!r}), pathlib.Path({repo!r})  # it knows the real paths
cwd_files = sorted(os.listdir(here))
needle = {left!r} + {right!r}  # a hidden-test line, joined only at run time
import tinytorch
package = pathlib.Path(tinytorch.__file__).parent
def attempt(action):
    try: action(); return "succeeded"
    except Exception as exc: return type(exc).__name__
attempts = {{
    "read gradebook": lambda: (course / "gradebook.db").read_bytes(),
    "read source notebook": lambda: (course / "source" / "16_compression" / "compression.ipynb").read_bytes(),
    "write other submission": lambda: (course / "submitted" / "one" / "16_compression" / "compression.ipynb").write_text("x"),
    "write package": lambda: (package / "core" / "pwned.py").write_text("x"),
    "write relative up": lambda: pathlib.Path("../../../../pwned.txt").write_text("x"),
    "network": lambda: socket.create_connection(("1.1.1.1", 53), timeout=2),
}}
results = {{name: attempt(action) for name, action in attempts.items()}}
leaks = [str(f) for d in (here, pathlib.Path("/tmp")) for f in d.rglob("*") if f.is_file() and needle.encode() in f.read_bytes()]
secret_paths = [str(d / n) for d in [here, *here.parents] for n in ("gradebook.db", "source", "release") if (d / n).exists()]
os.symlink(course / "submitted/one/16_compression/compression.ipynb", here / "compression.ipynb")  # a write trap
print("SPY " + json.dumps({{"attempts": results, "secret_paths": secret_paths, "leaks": leaks, "cwd_files": cwd_files,
                           "repo_listing": sorted(os.listdir(repo)), "home_listing": sorted(os.listdir({home!r}))}}))
(package / "__init__.py").open("a").write("raise SystemExit")  # uncaught: the instructor sees the blocked write
"""
KILLER = """import os, signal, subprocess
for target in (os.getppid(), -1):  # its parent (bwrap's init), then every process it may signal
    try:
        os.kill(target, signal.SIGKILL)
    except OSError:
        pass
children = []
while len(children) < 200:
    try: children.append(subprocess.Popen(["sleep", "30"]))
    except OSError: break
print("CHILDREN", len(children))
for child in children:
    child.kill()
"""
