"""Compare coderlib's grouping with CMS's official Java MS-DRG grouper (tests and benchmarks).

CMS's grouper and a harness live outside the product, in ``../shared/oracles/cms-msdrg-java/``
(``group.sh VERSION IN.csv OUT.csv``, Java 17). Nothing in coderlib needs it: this module only
runs it when present, to check that :func:`coderlib.drg.group` gives the same final DRG,
MDC and severity on the same encounters.

>>> cms_version("v43.1")
'v431'
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pandas as pd

from coderlib.drg.batch import group_frame
from coderlib.paths import REPO_ROOT

#: Where the shared oracle is looked for (``CODERLIB_CMS_GROUPER`` overrides).
DEFAULT_ORACLE = REPO_ROOT.parent / "shared" / "oracles" / "cms-msdrg-java"
COMPARED = ("drg", "mdc", "severity")


def oracle_dir() -> Path:
    """The folder holding CMS's Java grouper and ``group.sh``."""
    return Path(os.environ.get("CODERLIB_CMS_GROUPER", DEFAULT_ORACLE))


def oracle_missing() -> str | None:
    """Why the CMS grouper cannot run here (None when it can)."""
    script = oracle_dir() / "group.sh"
    if not script.exists():
        return f"CMS's Java MS-DRG grouper is not present ({script} not found)"
    if shutil.which("java") is None:
        return "Java is not installed: CMS's Java MS-DRG grouper cannot run"
    return None


def cms_version(version: str) -> str:
    """The CMS component name of a coderlib version name (``v43.1`` -> ``v431``)."""
    major, _, minor = version.lstrip("v").partition(".")
    return f"v{major}{minor or '0'}"


def run_cms(frame: pd.DataFrame, version: str) -> pd.DataFrame:
    """Group ``frame`` (id, pdx, sdx, proc, age, sex, discharge_status) with CMS's jar.

    Returns id, cms_drg (3 digits), cms_mdc (2 digits), cms_severity and the jar's other
    columns. Raises RuntimeError when the grouper cannot run.
    """
    why = oracle_missing()
    if why:
        raise RuntimeError(why)
    cols = ["id", "pdx", "sdx", "proc", "age", "sex", "discharge_status"]
    with tempfile.TemporaryDirectory(prefix="coderlib-cms-") as tmp:
        src, dst = Path(tmp) / "in.csv", Path(tmp) / "out.csv"
        frame[cols].to_csv(src, index=False)
        done = subprocess.run([str(oracle_dir() / "group.sh"), cms_version(version), str(src),
                               str(dst)], capture_output=True, text=True, check=False)
        if done.returncode != 0 or not dst.exists():
            raise RuntimeError(f"CMS grouper failed ({done.returncode}): {done.stderr[-800:]}")
        out = pd.read_csv(dst, dtype=str, keep_default_na=False)
    out["cms_drg"] = out["cms_drg"].str.zfill(3)
    out["cms_mdc"] = out["cms_mdc"].str.zfill(2)
    return out


def compare(frame: pd.DataFrame, cms: pd.DataFrame, processes: int | None = None,
            ) -> pd.DataFrame:
    """coderlib's results beside CMS's, one row per encounter, with ``match`` (final DRG,
    MDC and severity all equal)."""
    ours = group_frame(frame.drop(columns=[c for c in ("case_type",) if c in frame.columns]),
                       on_error="record", progress=False, processes=processes)
    ours["id"] = ours["id"].astype(str)
    merged = frame.assign(id=frame["id"].astype(str)).merge(ours, on="id", how="left").merge(
        cms.assign(id=cms["id"].astype(str)), on="id", how="left")
    merged["match"] = ((merged["drg"] == merged["cms_drg"])
                       & (merged["mdc"] == merged["cms_mdc"])
                       & (merged["severity"] == merged["cms_severity"]))
    return merged
