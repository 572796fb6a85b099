"""Test-wide settings: never touch the user's own store; find the shared reference data."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Set before any kernel starts so notebooks run by nbval inherit it too.
_STORE_DIR = tempfile.mkdtemp(prefix="coderlib-test-store-")
os.environ["CODERLIB_STORE"] = str(Path(_STORE_DIR) / "coderlib.sqlite")

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The team's shared reference data (oracles); tests that need it skip without it."""
    if not SHARED.is_dir():
        pytest.skip(f"shared reference data not found at {SHARED}")
    return SHARED
