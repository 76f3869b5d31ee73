"""Shared pytest configuration: the hypothesis "ci" profile (loaded by default; override with
HYPOTHESIS_PROFILE=<name>)."""

import os

from hypothesis import settings

settings.register_profile("ci", deadline=None, max_examples=30, derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_configure(config):
    # `tito module complete` runs a module's tests with -m "not slow"; `tito test --all` runs them all
    config.addinivalue_line("markers", "slow: executes whole notebooks; left to `tito test --all`")
