"""Group a whole table of encounters (one row per encounter).

Columns: ``id`` (optional), ``pdx``, ``sdx`` (``;``-separated, ``CODE:N`` for a POA other
than Y, or a list), ``proc`` (or ``procedures``; ``;``-separated or a list), ``age``,
``sex``, ``discharge_status``, ``discharge_date``. Missing optional columns take the
:class:`~coderlib.drg.encounter.Encounter` defaults.

>>> import pandas as pd
>>> out = group_frame(pd.DataFrame({"id": [1], "pdx": ["I5022"], "sdx": ["J9601;E119"]}))
>>> out.loc[0, "drg"], out.loc[0, "severity"]
('291', 'MCC')
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from coderlib.drg.encounter import (
    DEFAULT_DISCHARGE_DATE,
    Encounter,
    EncounterError,
    _norm,
    _parse_date,
    parse_code_list,
)
from coderlib.drg.engine import VersionError, engine_for_date, reset_after_fork
from coderlib.drg.grouper import group

if TYPE_CHECKING:  # pandas is imported on first use: `import coderlib.drg` stays fast
    import pandas as pd

#: Input columns (``procedures`` is accepted for ``proc``).
COLUMNS = ("id", "pdx", "sdx", "proc", "age", "sex", "discharge_status", "discharge_date")
OUTPUT_COLUMNS = ["id", "drg", "mdc", "severity", "weight", "title", "partition", "version",
                  "warnings", "error"]
PROGRESS_MIN_ROWS = 2000
#: Frames this long are grouped by several processes (one per core, at most 2 by default).
PARALLEL_MIN_ROWS = 20_000
#: Rows per task sent to a worker process.
CHUNK_ROWS = 2_000
_JSON = json.JSONEncoder(separators=(",", ":"))

_FIELD_TO_COLUMN = {"pdx": "pdx", "sdx": "sdx", "procedures": "proc", "age": "age",
                    "sex": "sex", "discharge_status": "discharge_status",
                    "discharge_date": "discharge_date", "set_poa": "sdx"}


class RowError(ValueError):
    """A bad input row, naming the row, the column and the reason."""

    def __init__(self, row: object, column: str, reason: str) -> None:
        self.row, self.column, self.reason = row, column, reason
        super().__init__(f"row {row}, column {column}: {reason}")

    def __reduce__(self):  # noqa: ANN204 - survives the trip back from a worker process
        return (RowError, (self.row, self.column, self.reason))


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or (
        isinstance(value, str) and not value.strip())


def encounter_from_row(row: Mapping[str, object]) -> Encounter:
    """Build an :class:`Encounter` from one table row (a mapping of column -> cell).

    >>> encounter_from_row({"pdx": "J189", "sdx": "A419:N", "proc": ""}).sdx
    [('A419', 'N')]
    """
    kwargs: dict[str, object] = {"pdx": "" if _blank(row.get("pdx")) else str(row["pdx"])}
    kwargs["sdx"] = parse_code_list(row.get("sdx"))
    procs = row.get("proc", row.get("procedures"))
    kwargs["procedures"] = parse_code_list(procs)
    for name in ("age", "sex", "discharge_status", "discharge_date"):
        value = row.get(name)
        if not _blank(value):
            if name == "age" and isinstance(value, float) and value.is_integer():
                value = int(value)
            if name == "discharge_status" and isinstance(value, (int, float)):
                value = f"{int(value):02d}"
            kwargs[name] = value
    return Encounter(**kwargs)  # type: ignore[arg-type]


def _column_of(err: EncounterError) -> str:
    base = err.field.split("[", 1)[0]
    return _FIELD_TO_COLUMN.get(base, base)


def default_processes(rows: int) -> int:
    """Worker processes for a frame of ``rows`` rows: 1 below :data:`PARALLEL_MIN_ROWS`,
    else the cores available (at most 2, or ``CODERLIB_PROCESSES``).

    >>> default_processes(10)
    1
    """
    if rows < PARALLEL_MIN_ROWS:
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)
    wanted = int(os.environ.get("CODERLIB_PROCESSES", "2"))
    return max(1, min(cores, wanted))


def group_frame(df: pd.DataFrame, explain: bool = False, on_error: str = "raise",
                progress: bool | None = None, processes: int | None = None) -> pd.DataFrame:
    """Group every row; returns id, drg, mdc, severity, weight, title, partition, version,
    warnings (``; ``-joined edit messages), error, and ``explanation`` (JSON) if asked.

    ``on_error="raise"`` stops at the first bad row with a :class:`RowError`;
    ``"record"`` writes the message to the ``error`` column and goes on. A row that groups
    to 999 or has codes the grouper cannot use carries those reasons in ``error`` (with
    either setting; ``warnings`` lists every edit, errors included). Progress
    (tqdm) shows for frames of 2,000 rows or more unless ``progress`` says otherwise.
    ``processes``: worker processes (default :func:`default_processes`: both cores for
    20,000 rows or more); results are the same as in one process.
    """
    if on_error not in ("raise", "record"):
        raise ValueError(f"on_error must be 'raise' or 'record', got {on_error!r}")
    if "pdx" not in df.columns:
        raise RowError("-", "pdx", f"missing column; the table has {list(df.columns)}")
    show = len(df) >= PROGRESS_MIN_ROWS if progress is None else progress
    names = [str(c) for c in df.columns]
    columns = [df[c].tolist() for c in df.columns]
    records = [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]
    ids = df["id"].tolist() if "id" in df.columns else list(range(1, len(df) + 1))
    workers = default_processes(len(df)) if processes is None else max(1, int(processes))
    bar = None
    if show:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(df), desc="grouping", unit="enc")
    try:
        if workers > 1 and len(df) > CHUNK_ROWS:
            out = _group_parallel(ids, records, explain, on_error, workers, bar)
        else:
            out = []
            for start in range(0, len(records), CHUNK_ROWS):
                part = _group_chunk((start, ids[start:start + CHUNK_ROWS],
                                     records[start:start + CHUNK_ROWS], explain, on_error))
                out.extend(part)
                if bar is not None:
                    bar.update(len(part))
    finally:
        if bar is not None:
            bar.close()
    import pandas as pd

    cols = OUTPUT_COLUMNS + (["explanation"] if explain else [])
    return pd.DataFrame({c: [rec.get(c) for rec in out] for c in cols}, columns=cols)


def _cell_codes(cell: object) -> list[str]:
    if isinstance(cell, str):
        return cell.split(";") if cell else []
    if isinstance(cell, (list, tuple)):
        return [str(c) for c in cell]
    return []


def _prefetch(records: list[dict]) -> None:
    """Validate the new codes of a chunk of rows in bulk before grouping it (one MCE call
    per few hundred codes instead of one per stay; each worker process does its chunks)."""
    engines: dict[object, object] = {}
    by_engine: dict[object, tuple[set[str], set[str]]] = {}
    for row in records:
        when = row.get("discharge_date")
        key = when if isinstance(when, (str, type(None))) else str(when)
        if key not in engines:
            try:
                engines[key] = engine_for_date(_parse_date(when or DEFAULT_DISCHARGE_DATE))
            except (EncounterError, VersionError):
                engines[key] = None
        engine = engines[key]
        if engine is None:
            continue
        dx, pr = by_engine.setdefault(engine, (set(), set()))
        pdx = row.get("pdx")
        if isinstance(pdx, str):
            dx.add(pdx)
        dx.update(item.partition(":")[0] for item in _cell_codes(row.get("sdx")))
        pr.update(_cell_codes(row.get("proc", row.get("procedures"))))
    for engine, (dx, pr) in by_engine.items():
        engine.prefetch_many(sorted({_norm(c.strip()) for c in dx if c.strip()}),  # type: ignore[attr-defined]
                             sorted({_norm(c.strip()) for c in pr if c.strip()}))


def _group_parallel(ids: list, records: list[dict], explain: bool, on_error: str,
                    workers: int, bar) -> list[dict[str, object]]:
    """Group chunks in ``workers`` processes (forked where the platform allows: the worker
    opens its own native grouper, see :func:`~coderlib.drg.engine.reset_after_fork`)."""
    tasks = [(start, ids[start:start + CHUNK_ROWS], records[start:start + CHUNK_ROWS],
              explain, on_error) for start in range(0, len(records), CHUNK_ROWS)]
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    out: list[dict[str, object]] = []
    with ctx.Pool(workers, initializer=reset_after_fork) as pool:
        for part in pool.imap(_group_chunk, tasks):
            out.extend(part)
            if bar is not None:
                bar.update(len(part))
    return out


def _group_chunk(task: tuple) -> list[dict[str, object]]:
    """Group one chunk: (first row index, ids, records, explain, on_error)."""
    start, ids, records, explain, on_error = task
    if len(records) >= 100:
        _prefetch(records)
    out: list[dict[str, object]] = []
    # The grouper's caches are many long-lived objects; Python's cyclic GC would rescan
    # them again and again while the batch allocates small results. Pause it for the batch
    # (nothing here builds reference cycles) and restore the caller's setting afterwards.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        _group_rows(zip(ids, records, strict=True), out, explain, on_error, start)
    finally:
        if gc_was_enabled:
            gc.enable()
    return out


def row_error(res) -> str:
    """The error a grouped row carries: DRG 999 or codes the grouper could not use
    (``""`` when the row is valid).

    >>> from coderlib.drg import Encounter
    >>> row_error(group(Encounter(pdx="I5022", procedures=["ABC"]))).startswith("procedures")
    True
    """
    errors = res.errors
    return "; ".join(e.message for e in errors) if errors else ""


def _group_rows(iterator: Iterable, out: list[dict[str, object]], explain: bool,
                on_error: str, start: int = 0) -> None:
    """Group each (id, row) into ``out``; see :func:`group_frame` for ``on_error``."""
    for n, (rid, row) in enumerate(iterator, start=start + 1):
        label = f"{n} (id={rid})"
        try:
            enc = encounter_from_row(row)
            res = group(enc, explain_result=explain)
        except EncounterError as err:
            if on_error == "raise":
                raise RowError(label, _column_of(err), err.reason) from err
            out.append({"id": rid, "error": str(RowError(label, _column_of(err), err.reason))})
            continue
        except VersionError as err:
            if on_error == "raise":
                raise RowError(label, "discharge_date", str(err)) from err
            out.append({"id": rid, "error": str(RowError(label, "discharge_date", str(err)))})
            continue
        err_text = row_error(res)
        rec = {"id": rid, "drg": res.drg, "mdc": res.mdc, "severity": res.severity,
               "weight": res.weight, "title": res.title, "partition": res.partition,
               "version": res.version,
               "warnings": "; ".join(w.message for w in res.warnings),
               "error": f"row {label}: {err_text}" if err_text else ""}
        if explain:
            rec["explanation"] = _JSON.encode(res.explanation.to_dict() if res.explanation
                                              else None)
        out.append(rec)
