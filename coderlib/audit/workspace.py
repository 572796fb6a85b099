"""An auditor's own audits: start one under a new id, list the ones to resume.

The demo audit (ids starting ``demo-``, see :func:`coderlib.audit.demo.demo_audit_id`) is
generated data read by the accuracy report; an auditor's work never goes there. Each audit an
auditor starts gets a fresh id from :func:`new_audit_id` (never reusing one in the store), and
:func:`user_audits` lists the audits to resume, newest first, without the demo.

>>> import pandas as pd
>>> frame = pd.DataFrame({"encounter_id": ["E1", "E2", "E3"], "coder": ["Ann", "Bo", "Ann"],
...     "setting": ["office"] * 3, "payer": ["Medicare"] * 3,
...     "service_date": ["2025-10-02"] * 3, "dx": ["I10", "E11.9", "J06.9"]})
>>> s = start_audit(frame, "srs", 2, seed=7, path=":memory:")
>>> s.audit_id, s.progress()
('srs-2-seed7-1', (0, 2))
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from coderlib.audit.demo import TRUTH_COLUMNS
from coderlib.audit.findings import AuditSession, create_audit, list_audits
from coderlib.audit.sampling import draw_sample
from coderlib.store import open_store

DEMO_PREFIX = "demo-"


def new_audit_id(method: str, size: int, seed: int, existing: Iterable[str] = ()) -> str:
    """A fresh audit id naming how the sample was drawn, numbered past ``existing`` ids.

    >>> new_audit_id("srs", 30, 7)
    'srs-30-seed7-1'
    >>> new_audit_id("srs", 30, 7, ["srs-30-seed7-1", "srs-30-seed7-2"])
    'srs-30-seed7-3'
    """
    stem = f"{method}-{int(size)}-seed{int(seed)}"
    pattern = re.compile(rf"^{re.escape(stem)}-(\d+)$")
    taken = [int(m.group(1)) for m in map(pattern.match, existing) if m]
    return f"{stem}-{max(taken, default=0) + 1}"


def is_demo(audit_id: str) -> bool:
    """True for the generated demo audit, which the auditor's app never writes to.

    >>> is_demo("demo-probe-15-seed2026"), is_demo("srs-30-seed7-1")
    (True, False)
    """
    return str(audit_id).startswith(DEMO_PREFIX)


def user_audits(*, path: str | Path | None = None,
                con: sqlite3.Connection | None = None) -> pd.DataFrame:
    """The auditor's audits to resume (not the demo), newest first, with their progress."""
    df = list_audits(path=path, con=con)
    df = df[~df["audit_id"].map(is_demo).astype(bool)]
    return df.sort_values(["created_at", "audit_id"], ascending=False).reset_index(drop=True)


def resume_label(row: dict[str, object] | pd.Series) -> str:
    """One line for the resume list: id, progress and when it was started.

    >>> resume_label({"audit_id": "srs-2-seed7-1", "audited": 1, "sampled": 2,
    ...               "created_at": "2026-12-01T16:00:00+00:00"})
    'srs-2-seed7-1 · 1 of 2 audited · started 2026-12-01'
    """
    return (f"{row['audit_id']} · {row['audited']} of {row['sampled']} audited · started "
            f"{str(row['created_at'])[:10]}")


def start_audit(frame: pd.DataFrame, method: str, size: int, *, seed: int,
                strata: str | None = None, allocation: str | None = None,
                path: str | Path | None = None, con: sqlite3.Connection | None = None,
                population: str = "", auditor: str = "") -> AuditSession:
    """Draw a sample of ``frame`` and store it as a new audit (never the demo's id).

    Columns that only the demo population has (its answer keys) are not stored with the
    sample, so an auditor never sees the answers.
    """
    sample = draw_sample(frame, method, int(size), seed=int(seed),  # type: ignore[arg-type]
                         strata=strata or None, allocation=allocation or None)  # type: ignore[arg-type]
    sample = sample.drop(columns=[c for c in TRUTH_COLUMNS if c in sample.columns])
    con = con or open_store(path)
    existing = list_audits(con=con)["audit_id"].tolist()
    audit_id = new_audit_id(method, size, seed, existing)
    return create_audit(sample, con=con, audit_id=audit_id, population=population,
                        auditor=auditor)
