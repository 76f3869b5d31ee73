"""Typed grading data: the autograde options (limits, paths, timeout, sandbox, gradebook, cluster) and the
outcome of grading one submission, plus argparse types that check numeric ranges at parse time.

The grading code still passes plain dicts between processes (JSON result files, Dask messages): `as_dict`
and `from_dict` convert at those borders, so a field added here travels everywhere."""

import argparse
from dataclasses import asdict, dataclass, field, fields, replace

from tito.grading.bwrap import Limits

DEFAULT_TIMEOUT = 120  # seconds a cell may run
MAX_SECONDS = 3600  # wall-clock seconds for one submission before its grading process is killed


def int_at_least(low: int, high: int | None = None):
    """An argparse `type`: an int in [low, high]; anything else is a usage error naming the value."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < low or (high is not None and value > high):
            bound = f">= {low}" if high is None else f"in [{low}, {high}]"
            raise argparse.ArgumentTypeError(f"{value} is out of range; expected an int {bound}")
        return value

    parse.__name__ = "int"  # argparse names the type in "invalid int value" messages
    return parse


def scheduler_address(text: str) -> str:
    """An argparse `type`: a Dask scheduler address, tcp://HOST:PORT or tls://HOST:PORT, or
    gateway://CLUSTER_NAME for a cluster of the Dask Gateway this process is configured for."""
    scheme, sep, rest = text.partition("://")
    host, _, port = rest.rpartition(":")
    ok = sep and (
        (scheme in ("tcp", "tls") and host and port.isdigit()) or (scheme == "gateway" and rest.strip())
    )
    if not ok:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a scheduler address; expected tcp://HOST:PORT (or gateway://CLUSTER_NAME)"
        )
    return text


def database_url(text: str) -> str:
    """An argparse `type`: an SQLAlchemy URL (sqlite:///path, postgresql+psycopg://user@host/db, ...)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(text)
    except ArgumentError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an SQLAlchemy database URL; expected e.g. postgresql+psycopg://user@host/db"
        ) from None
    return text


@dataclass(frozen=True)
class GradeOptions:
    """How submissions are graded: per-cell timeout, sandbox and its limits, gradebook and cluster."""

    timeout: int = DEFAULT_TIMEOUT
    sandbox: bool = False
    limits: Limits = field(default_factory=Limits)
    overlays: dict = field(default_factory=dict)  # {package subfolder: folder of its release (stub) export}
    max_seconds: float = MAX_SECONDS
    db: str | None = None  # course gradebook URL; None: <course>/gradebook.db
    scheduler: str | None = None  # Dask scheduler address; None: processes on this machine

    def __post_init__(self):
        for name in ("timeout", "max_seconds"):
            if not isinstance(getattr(self, name), int | float) or getattr(self, name) <= 0:
                raise ValueError(f"{name}={getattr(self, name)!r} must be a positive number")
        if not isinstance(self.limits, Limits):
            raise TypeError(f"limits must be a bwrap.Limits, got {type(self.limits).__name__}")

    def kernel_limits(self) -> dict:
        """The dict tito.grading.sandbox.CappedExecute takes: the limits plus the stub overlays."""
        return {**asdict(self.limits), "overlays": dict(self.overlays)}

    def with_overlays(self, overlays: dict) -> "GradeOptions":
        return replace(self, overlays=dict(overlays))


@dataclass
class SubmissionResult:
    """The outcome of grading one submission. `interrupted`: Ctrl-C stopped it (its old scores stay)."""

    student: str
    ok: bool
    message: str = ""
    notes: list = field(default_factory=list)
    interrupted: bool = False

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "SubmissionResult":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
