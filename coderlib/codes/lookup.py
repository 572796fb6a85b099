"""Look up any code: decide which code set it belongs to, then ask that module.

Formats: ICD-10-CM ``E11.9``/``S72.001A`` (letter, digit, 1-5 more); ICD-10-PCS ``0DTJ4ZZ``
(7 characters, no I/O); HCPCS Level II ``J1885`` (letter + 4 digits); CPT ``99213``,
``1234F``, ``0042T``, ``0001U``; modifiers ``25``, ``-LT``. Some strings fit two formats
(``J1100`` is HCPCS J1100 and ICD-10-CM J11.00): a dotted code is ICD-10-CM; otherwise the
first system, in format-specific order, that knows the code wins and ``also`` names the
others.

>>> lookup("e11.9").system
'icd10cm'
>>> lookup("0DTJ4ZZ").system
'icd10pcs'
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field, is_dataclass
from importlib import import_module

from coderlib.codes.errors import CodeError
from coderlib.codes.normalize import dotted_icd10cm, normalize_code

SYSTEMS = ("icd10cm", "icd10pcs", "hcpcs", "cpt", "modifier")
_MODULE = {"icd10cm": "icd10cm", "icd10pcs": "icd10pcs", "hcpcs": "hcpcs", "cpt": "cpt",
           "modifier": "modifiers"}
_FORMATS = {
    "icd10cm": re.compile(r"^[A-Z][0-9A-Z][0-9A-Z](?:[0-9A-Z]{1,4})?$"),
    "icd10pcs": re.compile(r"^[0-9A-HJ-NP-Z]{7}$"),
    "hcpcs": re.compile(r"^[A-V][0-9]{4}$"),
    "cpt": re.compile(r"^(?:[0-9]{5}|[0-9]{4}[FTU])$"),
    "modifier": re.compile(r"^[0-9A-Z]{2}$"),
}
_TAKES_DATE = {"icd10cm", "icd10pcs", "hcpcs"}


@dataclass
class LookupResult:
    """A code, the system it belongs to and that system's record for it."""

    system: str
    code: str
    display: str
    description: str
    billable: bool
    record: object
    also: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form; ``record`` is the system's dataclass as a dict."""
        rec = self.record.to_dict() if hasattr(self.record, "to_dict") else (
            asdict(self.record) if is_dataclass(self.record) else {"value": str(self.record)})
        return {"system": self.system, "code": self.code, "display": self.display,
                "description": self.description, "billable": self.billable,
                "also": list(self.also), "record": _jsonable(rec)}


def _jsonable(obj: object) -> object:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, dt.date):
        return obj.isoformat()
    return obj


def candidate_systems(code: str) -> list[str]:
    """Systems whose code format ``code`` fits, most likely first.

    >>> candidate_systems("J1100"), candidate_systems("J11.00")
    (['hcpcs', 'icd10cm'], ['icd10cm'])
    """
    raw = code.strip().upper()
    if "." in raw:
        return ["icd10cm"] if _FORMATS["icd10cm"].match(normalize_code(raw)) else []
    norm = normalize_code(raw).lstrip("-")
    if raw.startswith("-"):
        return ["modifier"] if _FORMATS["modifier"].match(norm) else []
    order = ["cpt", "hcpcs", "icd10pcs", "icd10cm", "modifier"]
    if len(norm) == 7 and norm[0].isalpha():
        order = ["icd10cm", "icd10pcs"]
    return [s for s in order if _FORMATS[s].match(norm)]


def _describe(system: str, code: str, rec: object) -> LookupResult:
    if system == "icd10cm":
        return LookupResult(system, rec.code, rec.dotted, rec.description, rec.billable, rec)
    if system == "modifier":
        return LookupResult(system, rec.code, rec.display, rec.meaning, True, rec)
    desc = getattr(rec, "description", "")
    billable = True
    if system == "icd10pcs":
        billable = getattr(rec, "status", "valid") == "valid"
    return LookupResult(system, code, code, desc, billable, rec)


def _get(system: str, code: str, on: dt.date | str | None) -> object:
    mod = import_module(f"coderlib.codes.{_MODULE[system]}")
    if on is not None and system in _TAKES_DATE:
        return mod.get(code, on)
    return mod.get(code)


def lookup(code: str, on: dt.date | str | None = None, system: str | None = None) -> LookupResult:
    """Describe ``code`` from whichever code set it belongs to (``system`` to force one).

    Raises ``CodeError``: ``unknown_system`` for a bad ``system``, ``malformed`` when no
    format fits, else the most likely system's own error (``unknown``,
    ``not_valid_on_date``).

    >>> lookup("J1100").also
    ['icd10cm']
    """
    if system is not None and system not in SYSTEMS:
        raise CodeError(str(system), "unknown_system",
                        f"unknown code system {system!r}; expected one of {', '.join(SYSTEMS)}")
    if not isinstance(code, str) or not code.strip():
        raise CodeError(str(code), "malformed", f"{code!r} is empty, not a code")
    systems = [system] if system else candidate_systems(code)
    if not systems:
        raise CodeError(code, "malformed",
                        f"{code!r} does not look like an ICD-10-CM, ICD-10-PCS, HCPCS, CPT "
                        "or modifier code (e.g. E11.9, 0DTJ4ZZ, J1885, 99213, 25)")
    norm = normalize_code(code).lstrip("-")
    found: list[LookupResult] = []
    errors: list[CodeError] = []
    for sys_ in systems:
        try:
            found.append(_describe(sys_, norm, _get(sys_, code, on)))
        except CodeError as err:
            errors.append(err)
    if not found:
        # the most informative error: a date problem beats unknown beats malformed
        rank = {"not_valid_on_date": 0, "header": 1, "unknown": 2, "malformed": 3}
        raise min(errors, key=lambda e: rank.get(e.reason, 9))
    best = found[0]
    best.also = [r.system for r in found[1:]]
    return best


def validate(code: str, on: dt.date | str | None = None, system: str | None = None
             ) -> LookupResult:
    """Like :func:`lookup` but a header (non-billable) ICD-10-CM code raises ``header``.

    >>> validate("E11")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    coderlib.codes.errors.CodeError: ICD-10-CM E11 (Type 2 diabetes mellitus) is a ...
    """
    res = lookup(code, on=on, system=system)
    if res.system == "icd10cm" and not res.billable:
        from coderlib.codes import icd10cm

        icd10cm.validate(res.code, on)
    return res


def display(system: str, code: str) -> str:
    """Dotted ICD-10-CM, others as printed.

    >>> display("icd10cm", "S72001A")
    'S72.001A'
    """
    return dotted_icd10cm(code) if system == "icd10cm" else normalize_code(code)


def _icd_lines(rec: object) -> list[str]:
    lines = [f"{rec.dotted}  {rec.description}",
             f"ICD-10-CM FY{rec.fiscal_year} (valid {rec.valid_from}..{rec.valid_to}); "
             f"{'billable' if rec.billable else rec.kind + ' header, not billable'}"]
    lines += _year_change_lines(rec)
    for lvl in rec.ancestors:
        name = "Chapter" if lvl.kind == "chapter" else lvl.kind.capitalize()
        lines.append(f"  {name} {lvl.code}: {lvl.description}")
    if rec.needs_seventh:
        lines.append("Needs a 7th character: " + ", ".join(rec.children))
    elif rec.billable_children:
        kids = rec.billable_children
        more = f" (+{len(kids) - 20} more)" if len(kids) > 20 else ""
        lines.append(f"Billable codes under it ({len(kids)}): {', '.join(kids[:20])}{more}")
    if rec.seventh_characters:
        lines.append(f"7th characters (from {rec.seventh_source}):")
        lines += [f"  {k}  {v}" for k, v in rec.seventh_characters.items()]
    if rec.notes:
        lines.append("Notes (nearest first):")
        lines += [f"  {n.label} [{n.source}]: {n.text}" for n in rec.notes]
    return lines


def _year_change_lines(rec: object) -> list[str]:
    """A warning when the code changed in a later fiscal year than the one shown.

    E.g. I42.0 shown from the FY2026 Tabular: "deleted for FY2027 ... report I42.00, ...".
    """
    if not rec.billable:
        return []
    from coderlib.codes import years

    try:
        newest = years.horizon()
    except Exception:  # noqa: BLE001 - validity tables unavailable: nothing to add
        return []
    if years.fiscal_year(newest) <= rec.fiscal_year:
        return []
    v = years.status("icd10cm", rec.code, newest)
    if v.valid:
        return []
    kids = years.codes_under("icd10cm", rec.code, newest, limit=12)
    shown = ", ".join(f"{k[:3]}.{k[3:]}" for k in kids)
    last = v.spans[-1][1] if v.spans else None
    return [f"Note: deleted for FY{v.fiscal_year} (last valid {last}); give a date of service "
            "to check a claim" + (f"; FY{v.fiscal_year} codes: {shown}" if shown else "")]


def _other_lines(res: LookupResult) -> list[str]:
    lines = [f"{res.display}  {res.description}", f"System: {res.system}"]
    if res.system == "icd10pcs":
        from coderlib.codes import icd10pcs

        src = getattr(res.record, "description_source", "")
        if src and src not in ("icd10coder", "tuva"):
            lines.append(f"  (title: {src})")
        for ax in icd10pcs.decode(res.code).axes:
            defn = f" - {ax.definition}" if ax.definition else ""
            lines.append(f"  {ax.position} {ax.axis:<15} {ax.value}  {ax.meaning}{defn}")
        return lines
    for name in ("section", "description_source", "category", "source", "kind", "usage"):
        value = getattr(res.record, name, None)
        if value:
            lines.append(f"  {name.replace('_', ' ')}: {getattr(value, 'name', value)}")
    return lines


def detail_lines(res: LookupResult) -> list[str]:
    """A coder-readable page for a lookup result (used by the CLI and the encoder).

    >>> detail_lines(lookup("E11.21"))[0]
    'E11.21  Type 2 diabetes mellitus with diabetic nephropathy'
    """
    lines = _icd_lines(res.record) if res.system == "icd10cm" else _other_lines(res)
    if res.also:
        lines.append(f"Also a valid code in: {', '.join(res.also)} (use --system to choose)")
    return lines
