"""Audit findings in the local SQLite store: entered one at a time, never lost, resumable.

Tables (created with :func:`coderlib.store.ensure_schema`): ``audit`` (one row per audit:
sample provenance, threshold, base rate), ``audit_sample`` (the sampled encounters as drawn),
``audit_finding`` (the auditor's codes per encounter, comment, query flag), ``audit_difference``
(each classified difference) and ``audit_finding_history`` (every earlier version of a
finding, so a revision never destroys what was typed).

Each finding is written in one transaction (finding + its differences + history), after it has
been validated in full: a bad finding leaves the store exactly as it was.

>>> import pandas as pd
>>> from coderlib.audit.sampling import draw_sample
>>> frame = pd.DataFrame({"encounter_id": ["E1", "E2"], "coder": ["C1", "C2"],
...     "setting": ["office"] * 2, "payer": ["Medicare"] * 2,
...     "service_date": ["2025-10-02"] * 2, "dx": ["I10", "E11.9"]})
>>> session = create_audit(draw_sample(frame, "srs", 2, seed=1), path=":memory:", audit_id="A1")
>>> _ = session.record("E2", audit_dx="E11.65")
>>> session.progress()
(1, 2)
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from coderlib.audit.differences import CATEGORIES, Difference, classify
from coderlib.audit.population import PopulationError, codes_problem
from coderlib.store import ensure_schema, open_store, transaction

DDL = """
CREATE TABLE IF NOT EXISTS audit (
    audit_id      TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    population    TEXT,
    sample_seed   INTEGER,
    sample_method TEXT,
    frame_size    INTEGER,
    frame_digest  TEXT,
    threshold     REAL NOT NULL DEFAULT 0.95,
    base_rate     REAL,
    auditor       TEXT
);
CREATE TABLE IF NOT EXISTS audit_sample (
    audit_id        TEXT NOT NULL REFERENCES audit(audit_id) ON DELETE CASCADE,
    encounter_id    TEXT NOT NULL,
    selection_order INTEGER NOT NULL,
    coder           TEXT NOT NULL,
    row_json        TEXT NOT NULL,
    PRIMARY KEY (audit_id, encounter_id)
);
CREATE TABLE IF NOT EXISTS audit_finding (
    audit_id     TEXT NOT NULL,
    encounter_id TEXT NOT NULL,
    audit_dx     TEXT NOT NULL DEFAULT '',
    audit_px     TEXT NOT NULL DEFAULT '',
    audit_lines  TEXT NOT NULL DEFAULT '',
    audit_drg    TEXT NOT NULL DEFAULT '',
    comment      TEXT NOT NULL DEFAULT '',
    query_needed INTEGER NOT NULL DEFAULT 0,
    auditor      TEXT NOT NULL DEFAULT '',
    recorded_at  TEXT NOT NULL,
    revision     INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (audit_id, encounter_id),
    FOREIGN KEY (audit_id, encounter_id) REFERENCES audit_sample(audit_id, encounter_id)
        ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS audit_difference (
    audit_id     TEXT NOT NULL,
    encounter_id TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    category     TEXT NOT NULL,
    coder_item   TEXT NOT NULL DEFAULT '',
    auditor_item TEXT NOT NULL DEFAULT '',
    note         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (audit_id, encounter_id, seq),
    FOREIGN KEY (audit_id, encounter_id) REFERENCES audit_finding(audit_id, encounter_id)
        ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS audit_finding_history (
    audit_id     TEXT NOT NULL,
    encounter_id TEXT NOT NULL,
    revision     INTEGER NOT NULL,
    finding_json TEXT NOT NULL,
    replaced_at  TEXT NOT NULL,
    PRIMARY KEY (audit_id, encounter_id, revision)
);
"""

FINDING_COLUMNS = ("audit_dx", "audit_px", "audit_lines", "audit_drg", "comment",
                   "query_needed", "auditor")


class FindingError(ValueError):
    """A finding that cannot be stored: names the audit, encounter/row, field and reason."""

    def __init__(self, reason: str, *, encounter_id: str | None = None, row: int | None = None,
                 column: str | None = None, source: str = "finding") -> None:
        self.reason, self.encounter_id, self.row, self.column = reason, encounter_id, row, column
        where = [source]
        if row is not None:
            where.append(f"row {row}")
        if encounter_id is not None:
            where.append(f"encounter {encounter_id}")
        if column is not None:
            where.append(f"column {column}")
        super().__init__(", ".join(where) + ": " + reason)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"row": self.row, "encounter_id": self.encounter_id, "column": self.column,
                "reason": self.reason, "message": str(self)}


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _jsonable(value: object) -> object:
    if isinstance(value, (pd.Timestamp, dt.date)):
        return value.isoformat()[:10]
    if isinstance(value, np.generic):
        return value.item()
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    return value


@dataclass
class AuditSession:
    """An open audit: its sample, its findings so far, and methods to add more.

    Reopen with :func:`open_audit` at any time; everything recorded is already on disk.
    """

    con: sqlite3.Connection
    audit_id: str
    meta: dict[str, object] = field(default_factory=dict)

    # ------------------------------------------------------------------ reading
    @property
    def sample(self) -> pd.DataFrame:
        """The sampled encounters as drawn, in selection order."""
        rows = self.con.execute(
            "SELECT row_json FROM audit_sample WHERE audit_id=? ORDER BY selection_order",
            (self.audit_id,)).fetchall()
        df = pd.DataFrame([json.loads(r[0]) for r in rows])
        for col in ("dx", "px", "lines", "billed_drg"):
            if col in df.columns:
                df[col] = df[col].fillna("").astype(str)
        return df

    def findings(self) -> pd.DataFrame:
        """Recorded findings (one row per audited encounter)."""
        return pd.read_sql_query(
            "SELECT f.* FROM audit_finding f JOIN audit_sample s USING (audit_id, encounter_id) "
            "WHERE f.audit_id=? ORDER BY s.selection_order", self.con, params=(self.audit_id,))

    def differences(self) -> pd.DataFrame:
        """Every classified difference, with the encounter's coder."""
        return pd.read_sql_query(
            "SELECT d.*, s.coder FROM audit_difference d JOIN audit_sample s "
            "USING (audit_id, encounter_id) WHERE d.audit_id=? "
            "ORDER BY s.selection_order, d.seq", self.con, params=(self.audit_id,))

    def history(self) -> pd.DataFrame:
        """Earlier versions of revised findings."""
        return pd.read_sql_query("SELECT * FROM audit_finding_history WHERE audit_id=? "
                                 "ORDER BY encounter_id, revision", self.con,
                                 params=(self.audit_id,))

    def pending(self) -> list[str]:
        """Encounter ids still to audit, in selection order (resume from the first)."""
        rows = self.con.execute(
            "SELECT s.encounter_id FROM audit_sample s LEFT JOIN audit_finding f "
            "USING (audit_id, encounter_id) WHERE s.audit_id=? AND f.encounter_id IS NULL "
            "ORDER BY s.selection_order", (self.audit_id,)).fetchall()
        return [r[0] for r in rows]

    def progress(self) -> tuple[int, int]:
        """``(audited, sampled)``."""
        done = self.con.execute("SELECT COUNT(*) FROM audit_finding WHERE audit_id=?",
                                (self.audit_id,)).fetchone()[0]
        total = self.con.execute("SELECT COUNT(*) FROM audit_sample WHERE audit_id=?",
                                 (self.audit_id,)).fetchone()[0]
        return int(done), int(total)

    def audited(self) -> pd.DataFrame:
        """Sampled encounters joined to their findings (only audited ones): ready to score."""
        f = self.findings()
        if f.empty:
            return self.sample.iloc[0:0].assign(**{c: [] for c in FINDING_COLUMNS})
        return self.sample.merge(f.drop(columns=["audit_id"]), on="encounter_id", how="inner")

    # ------------------------------------------------------------------ writing
    def _sample_row(self, encounter_id: str) -> dict[str, object]:
        row = self.con.execute("SELECT row_json FROM audit_sample WHERE audit_id=? AND "
                               "encounter_id=?", (self.audit_id, encounter_id)).fetchone()
        if row is None:
            raise FindingError(f"encounter {encounter_id!r} is not in the sample of audit "
                               f"{self.audit_id!r}", encounter_id=encounter_id,
                               column="encounter_id")
        return json.loads(row[0])

    def validate(self, encounter_id: str, *, audit_dx: str = "", audit_px: str = "",
                 audit_lines: str = "", audit_drg: str = "", coder: str | None = None,
                 differences: list[Difference] | None = None,
                 row: int | None = None, source: str = "finding") -> dict[str, object]:
        """Check a finding without writing it; returns the sampled encounter's row."""
        encounter_id = str(encounter_id).strip()
        try:
            sample_row = self._sample_row(encounter_id)
        except FindingError as exc:
            raise FindingError(exc.reason, row=row, column="encounter_id",
                               source=source) from None
        if coder is not None and str(coder).strip() not in ("", str(sample_row["coder"])):
            known = [r[0] for r in self.con.execute(
                "SELECT DISTINCT coder FROM audit_sample WHERE audit_id=? ORDER BY coder",
                (self.audit_id,))]
            reason = (f"unknown coder {coder!r}; coders in this audit: {', '.join(known)}"
                      if coder not in known else
                      f"coder {coder!r} does not match the sampled encounter's coder "
                      f"{sample_row['coder']!r}")
            raise FindingError(reason, encounter_id=encounter_id, row=row, column="coder",
                               source=source)
        for col, text in (("audit_dx", audit_dx), ("audit_px", audit_px),
                          ("audit_lines", audit_lines)):
            problem = codes_problem(col, text, check_sets=True)
            if problem:
                raise FindingError(problem, encounter_id=encounter_id, row=row, column=col,
                                   source=source)
        if not str(audit_dx).strip():
            raise FindingError("the auditor's diagnoses are empty (at least the principal / "
                               "first-listed diagnosis is needed)", encounter_id=encounter_id,
                               row=row, column="audit_dx", source=source)
        drg = str(audit_drg or "").strip()
        if drg:
            from coderlib.audit.reference import drg_table

            if drg.zfill(3) not in drg_table().index and drg.zfill(3) not in ("998", "999"):
                raise FindingError(f"{drg!r} is not an FY2026 MS-DRG", encounter_id=encounter_id,
                                   row=row, column="audit_drg", source=source)
        for d in differences or []:
            if d.category not in CATEGORIES:
                raise FindingError(f"unknown error category {d.category!r}",
                                   encounter_id=encounter_id, row=row, column="category",
                                   source=source)
        return sample_row

    def record(self, encounter_id: str, *, audit_dx: str, audit_px: str = "",
               audit_lines: str = "", audit_drg: str = "", comment: str = "",
               query_needed: bool = False, auditor: str = "", coder: str | None = None,
               differences: list[Difference] | None = None) -> list[Difference]:
        """Validate and store one finding (one transaction). Returns its differences.

        ``differences=None`` classifies them from the codes (:func:`classify`); pass a list to
        record the auditor's own classification. Re-recording an encounter revises it: the
        previous version moves to ``audit_finding_history``.
        """
        encounter_id = str(encounter_id).strip()
        sample_row = self.validate(encounter_id, audit_dx=audit_dx, audit_px=audit_px,
                                   audit_lines=audit_lines, audit_drg=audit_drg, coder=coder,
                                   differences=differences)
        audit_drg = str(audit_drg or "").strip()
        audit_drg = audit_drg.zfill(3) if audit_drg else ""
        if differences is None:
            differences = classify(
                str(sample_row.get("dx") or ""), audit_dx, px=str(sample_row.get("px") or ""),
                audit_px=audit_px, lines=str(sample_row.get("lines") or ""),
                audit_lines=audit_lines, setting=str(sample_row.get("setting", "")))
        now = _now()
        with transaction(self.con):
            old = self.con.execute("SELECT * FROM audit_finding WHERE audit_id=? AND "
                                   "encounter_id=?", (self.audit_id, encounter_id)).fetchone()
            revision = 1
            if old is not None:
                revision = int(old["revision"]) + 1
                old_diffs = [dict(r) for r in self.con.execute(
                    "SELECT category, coder_item, auditor_item, note FROM audit_difference "
                    "WHERE audit_id=? AND encounter_id=? ORDER BY seq",
                    (self.audit_id, encounter_id))]
                self.con.execute(
                    "INSERT INTO audit_finding_history VALUES (?,?,?,?,?)",
                    (self.audit_id, encounter_id, int(old["revision"]),
                     json.dumps({**dict(old), "differences": old_diffs}), now))
                self.con.execute("DELETE FROM audit_finding WHERE audit_id=? AND encounter_id=?",
                                 (self.audit_id, encounter_id))
            self.con.execute(
                "INSERT INTO audit_finding VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (self.audit_id, encounter_id, audit_dx.strip(), audit_px.strip(),
                 audit_lines.strip(), audit_drg, comment, int(bool(query_needed)), auditor, now,
                 revision))
            self.con.executemany(
                "INSERT INTO audit_difference VALUES (?,?,?,?,?,?,?)",
                [(self.audit_id, encounter_id, i + 1, d.category, d.coder_item, d.auditor_item,
                  d.note) for i, d in enumerate(differences)])
        return differences

    def import_findings(self, findings: pd.DataFrame, source: str = "findings") -> int:
        """Validate every row of a findings table, then record each (one transaction each).

        Columns: ``encounter_id``, ``audit_dx`` and optionally ``audit_px``, ``audit_lines``,
        ``audit_drg``, ``comment``, ``query_needed``, ``auditor``, ``coder``. Nothing is
        written unless every row is valid. Returns the number recorded.
        """
        df = findings.copy()
        df.columns = [str(c).strip() for c in df.columns]
        for col in ("encounter_id", "audit_dx"):
            if col not in df.columns:
                raise FindingError("missing required column", column=col, source=source)
        df = df.fillna("")
        seen: dict[str, int] = {}
        rows = []
        for i, r in enumerate(df.to_dict("records")):
            eid = str(r["encounter_id"]).strip()
            if eid in seen:
                raise FindingError(f"duplicate encounter id {eid!r} (first at row {seen[eid]})",
                                   row=i + 2, column="encounter_id", source=source)
            seen[eid] = i + 2
            kwargs = {c: str(r.get(c, "") or "") for c in ("audit_dx", "audit_px",
                                                           "audit_lines", "audit_drg")}
            self.validate(eid, coder=str(r["coder"]) if "coder" in r else None, row=i + 2,
                          source=source, **kwargs)
            rows.append((eid, kwargs, r))
        for eid, kwargs, r in rows:
            self.record(eid, comment=str(r.get("comment", "")),
                        query_needed=str(r.get("query_needed", "")).strip().lower()
                        in ("1", "true", "yes", "y"),
                        auditor=str(r.get("auditor", "")), **kwargs)
        return len(rows)


def _store_int(value: object) -> bool:
    """Whether ``value`` is a whole number SQLite can store (0 .. 2^63 - 1).

    >>> _store_int(7), _store_int(2**63), _store_int("x"), _store_int(3.0)
    (True, False, False, True)
    """
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, (float, np.floating)):
        if not float(value).is_integer():
            return False
        value = int(value)
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        return False
    return 0 <= number <= 2**63 - 1


def create_audit(sample: pd.DataFrame, *, path: str | Path | None = None,
                 con: sqlite3.Connection | None = None, audit_id: str | None = None,
                 name: str = "", population: str = "", threshold: float = 0.95,
                 base_rate: float | None = None, auditor: str = "") -> AuditSession:
    """Store a drawn sample as a new audit (one transaction) and return the open session.

    Raises ``FindingError`` when ``audit_id`` exists already (reopen it with
    :func:`open_audit`) and ``PopulationError`` for a sample without provenance columns.
    """
    con = con or open_store(path)
    ensure_schema(con, DDL)
    for col in ("encounter_id", "coder", "selection_order", "sample_seed", "sample_method",
                "frame_size"):
        if col not in sample.columns:
            raise PopulationError("sample", "missing column (draw the sample with "
                                  "coderlib.audit.sampling.draw_sample)", column=col)
    if sample["encounter_id"].duplicated().any():
        dup = sample["encounter_id"][sample["encounter_id"].duplicated()].iloc[0]
        raise PopulationError("sample", f"duplicate encounter id {dup!r}", column="encounter_id")
    for col in ("sample_seed", "frame_size", "selection_order"):
        for value in sample[col].unique():
            if not _store_int(value):
                raise PopulationError("sample", f"{value!r} is not a whole number from 0 to "
                                      "2^63 - 1 (redraw the sample with coderlib audit sample)",
                                      column=col)
    audit_id = audit_id or f"audit-{uuid.uuid4().hex[:8]}"
    if con.execute("SELECT 1 FROM audit WHERE audit_id=?", (audit_id,)).fetchone():
        raise FindingError(f"audit {audit_id!r} already exists; reopen it with open_audit",
                           source="audit")
    first = sample.iloc[0]
    records = sample.to_dict("records")
    with transaction(con):
        con.execute("INSERT INTO audit VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (audit_id, name or audit_id, _now(), population, int(first["sample_seed"]),
                     str(first["sample_method"]), int(first["frame_size"]),
                     str(first.get("frame_digest", "")), float(threshold), base_rate, auditor))
        con.executemany(
            "INSERT INTO audit_sample VALUES (?,?,?,?,?)",
            [(audit_id, str(r["encounter_id"]), int(r["selection_order"]), str(r["coder"]),
              json.dumps({k: _jsonable(v) for k, v in r.items()})) for r in records])
    return open_audit(audit_id, con=con)


def open_audit(audit_id: str, *, path: str | Path | None = None,
               con: sqlite3.Connection | None = None) -> AuditSession:
    """Reopen (resume) an audit from the store.

    >>> open_audit("nope", path=":memory:")
    Traceback (most recent call last):
    ...
    coderlib.audit.findings.FindingError: audit: no audit 'nope' in the store
    """
    con = con or open_store(path)
    ensure_schema(con, DDL)
    row = con.execute("SELECT * FROM audit WHERE audit_id=?", (audit_id,)).fetchone()
    if row is None:
        raise FindingError(f"no audit {audit_id!r} in the store", source="audit")
    return AuditSession(con, audit_id, dict(row))


def list_audits(*, path: str | Path | None = None,
                con: sqlite3.Connection | None = None) -> pd.DataFrame:
    """Every audit in the store with its progress."""
    con = con or open_store(path)
    ensure_schema(con, DDL)
    return pd.read_sql_query(
        "SELECT a.audit_id, a.name, a.created_at, a.sample_method, a.sample_seed, a.frame_size,"
        " (SELECT COUNT(*) FROM audit_sample s WHERE s.audit_id=a.audit_id) AS sampled,"
        " (SELECT COUNT(*) FROM audit_finding f WHERE f.audit_id=a.audit_id) AS audited"
        " FROM audit a ORDER BY a.created_at, a.audit_id", con)


def open_or_create_audit(sample: pd.DataFrame, *, audit_id: str, path: str | Path | None = None,
                         con: sqlite3.Connection | None = None, replace_if_stale: bool = False,
                         **kwargs: object) -> AuditSession:
    """Resume ``audit_id`` if it exists (checking it holds this very sample), else create it.

    Raises ``FindingError`` when the stored audit was drawn differently (other encounters,
    other order, or another frame: the population file changed), so a resumed audit can never
    silently mix two samples. ``replace_if_stale=True`` deletes such a stale audit and starts
    afresh instead: meant for the generated demo audit, never for an audit a person typed.
    """
    con = con or open_store(path)
    ensure_schema(con, DDL)
    try:
        return _check_same(open_audit(audit_id, con=con), sample)
    except FindingError as exc:
        if "different sample" in exc.reason and replace_if_stale:
            delete_audit(audit_id, con=con)
        elif "no audit" not in exc.reason:
            raise
    try:
        return create_audit(sample, con=con, audit_id=audit_id, **kwargs)  # type: ignore[arg-type]
    except (FindingError, sqlite3.IntegrityError):  # created meanwhile by another process
        return _check_same(open_audit(audit_id, con=con), sample)


def delete_audit(audit_id: str, *, path: str | Path | None = None,
                 con: sqlite3.Connection | None = None) -> None:
    """Remove an audit with its sample, findings, differences and history (one transaction)."""
    con = con or open_store(path)
    ensure_schema(con, DDL)
    with transaction(con):
        for table in ("audit_difference", "audit_finding_history", "audit_finding",
                      "audit_sample", "audit"):
            con.execute(f"DELETE FROM {table} WHERE audit_id=?", (audit_id,))


_CODED_COLUMNS = ("coder", "dx", "px", "lines", "billed_drg")


def _coded(value: object) -> str:
    """A coded field as comparable text (missing values read as empty)."""
    return "" if value is None or value != value else str(value)


def _check_same(session: AuditSession, sample: pd.DataFrame) -> AuditSession:
    stored = [r[0] for r in session.con.execute(
        "SELECT encounter_id FROM audit_sample WHERE audit_id=? ORDER BY selection_order",
        (session.audit_id,))]
    if stored != sample["encounter_id"].astype(str).tolist():
        raise FindingError(f"audit {session.audit_id!r} exists with a different sample "
                           f"({len(stored)} encounters); choose another audit id",
                           source="audit")
    rows = [json.loads(r[0]) for r in session.con.execute(
        "SELECT row_json FROM audit_sample WHERE audit_id=?", (session.audit_id,))]
    stored_rows = {row["encounter_id"]: row for row in rows}
    for record in sample.to_dict("records"):
        before = stored_rows[str(record["encounter_id"])]
        changed = [c for c in _CODED_COLUMNS if c in record and c in before
                   and _coded(before[c]) != _coded(_jsonable(record[c]))]
        if changed:
            raise FindingError(f"audit {session.audit_id!r} exists with a different sample: "
                               f"encounter {record['encounter_id']} now has other "
                               f"{', '.join(changed)} (the population changed); choose another "
                               "audit id", source="audit")
    return session


def audit_drg_for(sample_row: dict[str, object] | pd.Series, audit_dx: str,
                  audit_px: str = "") -> str:
    """Group the auditor's codes for an inpatient encounter (``coderlib.drg.group``).

    Uses the encounter's age, sex, discharge status and discharge date from the sample row.
    """
    from coderlib.audit.population import parse_dx, parse_px
    from coderlib.drg import Encounter, group

    row = dict(sample_row)
    dx = parse_dx(audit_dx)
    if not dx:
        raise FindingError("no principal diagnosis to group", column="audit_dx")
    status = str(row.get("discharge_status") or "01").split(".")[0].zfill(2)
    enc = Encounter(pdx=dx[0][0], sdx=[(c, p) for c, p in dx[1:]], procedures=parse_px(audit_px),
                    age=int(float(row.get("age") or 65)), sex=str(row.get("sex") or "U"),
                    discharge_status=status,
                    discharge_date=str(row.get("service_date"))[:10])
    return group(enc).drg
