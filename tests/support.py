"""Helpers shared by the test plugins."""

import os

import pytest


def unavailable(reason: str):
    """A tool a test needs is missing: skip on a developer's machine, fail in CI, where the
    test command installs every tool and a skip would hide a broken install."""
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"{reason} (CI must run this test)", pytrace=False)
    pytest.skip(reason)
