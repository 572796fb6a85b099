"""Where coderlib keeps its files: repo data, the rebuildable cache and the user's store.

>>> data_dir().name
'data'
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def data_dir() -> Path:
    """Embedded sample data and generated reference tables (``CODERLIB_DATA`` overrides)."""
    return Path(os.environ.get("CODERLIB_DATA", REPO_ROOT / "data"))


def exercises_dir() -> Path:
    """Exercise sets shipped with the suite (``CODERLIB_EXERCISES`` overrides)."""
    return Path(os.environ.get("CODERLIB_EXERCISES", REPO_ROOT / "exercises"))


def cache_dir() -> Path:
    """Rebuildable caches (code-set indexes); ``CODERLIB_CACHE`` overrides.

    Everything here can be deleted: it is rebuilt from the installed packages.
    """
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "coderlib"
    path = Path(os.environ.get("CODERLIB_CACHE", default))
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_path() -> Path:
    """The user's SQLite store of attempts and audit findings (``CODERLIB_STORE`` overrides)."""
    default = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    path = Path(os.environ.get("CODERLIB_STORE", default / "coderlib" / "coderlib.sqlite"))
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def build_dir() -> Path:
    """Where executed notebooks, reports and demo stores go (``CODERLIB_BUILD`` overrides)."""
    path = Path(os.environ.get("CODERLIB_BUILD", REPO_ROOT / "build"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def notebooks_dir() -> Path:
    """The numbered notebooks of the suite."""
    return REPO_ROOT / "notebooks"
