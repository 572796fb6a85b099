"""Classify the differences between a coder's codes and the auditor's.

Categories (``CATEGORIES``): wrong principal dx, missed secondary dx, unsupported code,
wrong specificity, wrong 7th character, wrong POA, wrong PCS, wrong sequencing,
wrong/missing modifier, wrong E/M level, plus missed code (a service line the coder left
off) and other (e.g. units).

>>> diffs = classify("S72.001A:Y|I10:Y", "S72.001D:Y|I10:Y|E11.9:Y", setting="inpatient")
>>> [d.category for d in diffs]
['wrong_7th_character', 'missed_secondary_dx']
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from coderlib.audit.population import parse_dx, parse_lines, parse_px

CATEGORIES: dict[str, str] = {
    "wrong_principal_dx": "Wrong principal / first-listed diagnosis",
    "missed_secondary_dx": "Missed secondary diagnosis",
    "unsupported_code": "Code not supported by the documentation",
    "wrong_specificity": "Wrong specificity (same category, different code)",
    "wrong_7th_character": "Wrong 7th character",
    "wrong_poa": "Wrong present-on-admission indicator",
    "wrong_pcs": "Wrong or missed ICD-10-PCS procedure",
    "wrong_sequencing": "Wrong sequencing (principal listed as secondary)",
    "wrong_modifier": "Wrong or missing modifier",
    "wrong_em_level": "Wrong E/M level",
    "missed_code": "Missed CPT/HCPCS service line",
    "other": "Other difference (units, etc.)",
}


@dataclass(frozen=True)
class Difference:
    """One classified difference: category, the coder's item, the auditor's item, a note."""

    category: str
    coder_item: str
    auditor_item: str
    note: str = ""

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(f"unknown error category {self.category!r}; expected one of "
                             f"{', '.join(CATEGORIES)}")

    def to_dict(self) -> dict[str, str]:
        """Plain dict."""
        return asdict(self)


def _is_em(code: str) -> bool:
    return code.isdigit() and 99202 <= int(code) <= 99499


def _near(c: str, a: str) -> str | None:
    """Category for two different dx codes that are related, else None."""
    if len(c) == 7 and len(a) == 7 and c[:6] == a[:6]:
        return "wrong_7th_character"
    if c[:3] == a[:3]:
        return "wrong_specificity"
    return None


def classify(dx: str, audit_dx: str, *, px: str = "", audit_px: str = "", lines: str = "",
             audit_lines: str = "", setting: str = "inpatient") -> list[Difference]:
    """Every difference between the coder's and the auditor's codes, classified.

    >>> [d.category for d in classify("I10|E11.9", "E11.9|I10", setting="office")]
    ['wrong_sequencing']
    >>> [d.category for d in classify("I10", "I10", lines="99215", audit_lines="99213",
    ...                               setting="office")]
    ['wrong_em_level']
    """
    out: list[Difference] = []
    inpatient = setting == "inpatient"
    c_dx, a_dx = parse_dx(dx), parse_dx(audit_dx)
    c_poa = {c: p for c, p in c_dx}
    a_poa = {c: p for c, p in a_dx}
    c_rest = [c for c, _ in c_dx[1:]]
    a_rest = [c for c, _ in a_dx[1:]]
    if c_dx and a_dx:
        cp, ap = c_dx[0][0], a_dx[0][0]
        if cp != ap:
            if ap in c_rest and cp in a_rest:
                out.append(Difference("wrong_sequencing", cp, ap,
                                      f"{ap} should be sequenced first, ahead of {cp}"))
                c_rest.remove(ap)
                a_rest.remove(cp)
            elif ap in c_rest:
                out.append(Difference("wrong_sequencing", cp, ap, f"{ap} should be principal"))
                c_rest.remove(ap)
                c_rest.append(cp)  # the coder's principal now competes as a secondary
            else:
                near = _near(cp, ap)
                out.append(Difference(near or "wrong_principal_dx", cp, ap))
        elif inpatient and c_dx[0][1] != a_dx[0][1]:
            out.append(Difference("wrong_poa", f"{cp}:{c_dx[0][1]}", f"{ap}:{a_dx[0][1]}"))
    elif a_dx:
        out.append(Difference("wrong_principal_dx", "", a_dx[0][0], "no diagnosis coded"))
    elif c_dx:
        out.append(Difference("unsupported_code", c_dx[0][0], "", "auditor reports no diagnosis"))
    # secondaries
    extra = [c for c in c_rest if c not in a_rest]
    missing = [a for a in a_rest if a not in c_rest]
    for a in list(missing):
        for c in extra:
            near = _near(c, a)
            if near:
                out.append(Difference(near, c, a))
                extra.remove(c)
                missing.remove(a)
                break
    for a in missing:
        out.append(Difference("missed_secondary_dx", "", a))
    for c in extra:
        out.append(Difference("unsupported_code", c, ""))
    if inpatient:
        for c in c_rest:
            if c in a_rest and c_poa.get(c) != a_poa.get(c):
                out.append(Difference("wrong_poa", f"{c}:{c_poa.get(c)}", f"{c}:{a_poa.get(c)}"))
    # procedures
    c_px, a_px = parse_px(px), parse_px(audit_px)
    px_extra = [c for c in c_px if c not in a_px]
    px_missing = [a for a in a_px if a not in c_px]
    for i in range(max(len(px_extra), len(px_missing))):
        c = px_extra[i] if i < len(px_extra) else ""
        a = px_missing[i] if i < len(px_missing) else ""
        out.append(Difference("wrong_pcs", c, a))
    # service lines
    c_ln, a_ln = parse_lines(lines), parse_lines(audit_lines)
    a_left = list(a_ln)
    c_left = []
    for item in c_ln:
        if item in a_left:
            a_left.remove(item)
        else:
            c_left.append(item)
    for code, mods, units in list(c_left):
        match = next((x for x in a_left if x[0] == code), None)
        if match is not None:
            cat = "wrong_modifier" if sorted(mods) != sorted(match[1]) else "other"
            note = "" if cat == "wrong_modifier" else f"units {units} vs {match[2]}"
            out.append(Difference(cat, _line_text(code, mods, units), _line_text(*match), note))
        elif _is_em(code):
            match = next((x for x in a_left if _is_em(x[0]) and x[0][:4] == code[:4]), None)
            if match is None:
                continue
            out.append(Difference("wrong_em_level", _line_text(code, mods, units),
                                  _line_text(*match)))
        else:
            continue
        a_left.remove(match)
        c_left.remove((code, mods, units))
    for item in c_left:
        out.append(Difference("unsupported_code", _line_text(*item), ""))
    for item in a_left:
        out.append(Difference("missed_code", "", _line_text(*item)))
    return out


def _line_text(code: str, mods: tuple[str, ...], units: int) -> str:
    return code + "".join(f"-{m}" for m in mods) + (f"*{units}" if units != 1 else "")
