"""tito's own state in <repo>/.tito/ (git-ignored): state.json, backups/ and the cached release notebooks."""

import json
import os
import shutil
import tempfile
from datetime import datetime
from pathlib import Path


def tito_dir(root: Path) -> Path:
    return root / ".tito"


def load(root: Path) -> dict:
    path = tito_dir(root) / "state.json"
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def update(root: Path, section: str, key: str, value) -> None:
    """Set state[section][key] = value and write state.json atomically."""
    data = load(root)
    data.setdefault(section, {})[key] = value
    atomic_write(tito_dir(root) / "state.json", json.dumps(data, indent=1, sort_keys=True) + "\n")


def forget(root: Path, section: str, key: str) -> None:
    """Remove state[section][key] (a result that no longer describes the files), if present."""
    data = load(root)
    if key in data.get(section, {}):
        del data[section][key]
        atomic_write(tito_dir(root) / "state.json", json.dumps(data, indent=1, sort_keys=True) + "\n")


def atomic_write(path: Path, text) -> None:
    """Write text (str or bytes) to a temp file in the same folder, then os.replace it over `path`. The file
    gets the usual mode 0666 & ~umask, not mkstemp's 0600: package files must stay readable, e.g. by the
    sandboxed grading kernel, which runs under another uid."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8") if isinstance(text, str) else text
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def timestamp() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M%S-%f")


def backup(root: Path, files: list, label: str) -> Path | None:
    """Copy the existing files among `files` to .tito/backups/<timestamp>-<label>/<path in repo>; None if none
    exist."""
    existing = [Path(f) for f in files if Path(f).exists()]
    if not existing:
        return None
    dest = tito_dir(root) / "backups" / f"{timestamp()}-{label}"
    for src in existing:
        target = dest / src.resolve().relative_to(root.resolve())
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
    return dest
