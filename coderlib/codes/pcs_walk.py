"""The ICD-10-PCS table walk: the valid values for the next character of a code.

>>> ("J", "Appendix") in next_values("0DT")
True
"""

from __future__ import annotations

from coderlib.codes.errors import CodeError
from coderlib.codes.normalize import normalize_code
from coderlib.codes.pcs_decoder import _meaning
from coderlib.codes.pcs_order_file import _PREFIX_RE, _order_codes, _order_next
from coderlib.codes.pcs_sources import _db


def next_values(prefix: str = "", include_invalid: bool = False) -> list[tuple[str, str]]:
    """Valid values for the next character after ``prefix`` (the PCS table walk).

    >>> ("J", "Appendix") in next_values("0DT")
    True
    """
    norm = normalize_code(prefix)
    if not _PREFIX_RE.match(norm):
        raise CodeError(prefix, "malformed",
                        f"{prefix!r} is not a PCS code prefix (0-9, A-Z except I/O, <= 7)")
    if len(norm) == 7:
        return []
    pos = len(norm) + 1
    if include_invalid:
        rows = _db().all(f"SELECT DISTINCT substr(code, {pos}, 1) FROM codes "
                         "WHERE code >= ? AND code < ? ORDER BY 1", (norm, norm + "~"))
    elif _order_codes():
        rows = [(ch,) for ch in _order_next(norm)]
    else:
        rows = _db().all("SELECT value FROM walk WHERE prefix = ? ORDER BY value", (norm,))
    if not rows and norm:
        from coderlib.codes.icd10pcs import nearest_codes

        raise CodeError(prefix, "unknown", f"no valid ICD-10-PCS code starts with {norm}",
                        nearest_codes(norm))
    out = []
    for (ch,) in rows:
        hit = _meaning(norm + ch, pos)
        out.append((ch, hit[0] if hit else "(not in the bundled axis tables)"))
    return out

