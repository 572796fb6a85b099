"""Coding-convention checks on an answer key, each with the rule a careful coder applies.

The rules, and the data files they read (all shipped in ``data/``, each naming its source):

- **POA exempt** (``poa_exempt.yaml``, ICD-10-CM Official Guidelines Appendix I): POA ``1``
  only on codes on the exempt list, and exempt codes carry ``1`` (or no POA).
- **External cause 7th character**: the 7th character of an external-cause code (V00-Y38)
  matches the encounter of the injury it accompanies: A for initial (injury A, B, C), D for
  subsequent (injury D-R), S for sequela (OCG I.C.20.a.3).
- **Same-day E/M** (``global_days.yaml``, CMS MPFS global days): an E/M line beside a
  procedure with a 000/010-day global carries modifier 25, beside a 090-day global
  modifier 57 (decision for surgery) or 25; a global procedure without an E/M line says why
  in ``key.no_separate_em``.
- **Underdosing** (OCG I.C.19.e.5.c): an underdosing code (T36-T50, 6th character 6) is
  paired with a noncompliance or complication-of-care code (Z91.1-, Z91.A-, Y63.6-Y63.9);
  words such as "ran out of his ..." in a note with no underdosing code in the key are a hint.
- **Give-aways** (``giveaway_phrases.yaml``): the documentation must not state the answer
  (E/M level words, notes to the coder, code numbers).

>>> is_poa_exempt("Z7901"), is_poa_exempt("I10"), is_poa_exempt("V0081XA")
(True, False, False)
>>> external_cause_encounter("S52501A"), external_cause_encounter("S52501K")
('A', 'D')
>>> is_underdosing("T43596A"), is_underdosing("T43591A")
(True, False)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import yaml

from coderlib.codes.normalize import normalize_code
from coderlib.paths import data_dir


# ---------------------------------------------------------------- POA exempt list
@dataclass(frozen=True)
class ExemptEntry:
    """One line of the POA-exempt list: a prefix or prefix range, with exceptions."""

    first: str
    last: str
    title: str
    exceptions: tuple[str, ...] = ()
    uncertain: bool = False

    def covers(self, code: str) -> bool:
        """True when ``code`` (undotted) falls under this entry and not under an exception."""
        if any(code.startswith(e) for e in self.exceptions):
            return False
        width = len(self.first)
        return self.first <= code[:width] <= self.last


@cache
def poa_exempt_list() -> tuple[ExemptEntry, ...]:
    """The POA-exempt categories and codes from ``data/poa_exempt.yaml``."""
    data = yaml.safe_load((data_dir() / "poa_exempt.yaml").read_text(encoding="utf-8"))
    out = []
    for row in data["exempt"]:
        first, _, last = str(row["prefix"]).partition("-")
        first = normalize_code(first)
        last = normalize_code(last) if last else first
        out.append(ExemptEntry(first, last, str(row["title"]),
                               tuple(normalize_code(e) for e in row.get("except", ())),
                               bool(row.get("uncertain", False))))
    return tuple(out)


def poa_exempt_entry(code: str) -> ExemptEntry | None:
    """The exempt-list entry covering ``code``, or None when POA must be reported."""
    code = normalize_code(code)
    return next((e for e in poa_exempt_list() if e.covers(code)), None)


def is_poa_exempt(code: str) -> bool:
    """True when ``code`` is exempt from POA reporting (Appendix I)."""
    return poa_exempt_entry(code) is not None


# ---------------------------------------------------------------- external causes
_ENCOUNTER_OF_7TH = {"A": "A", "B": "A", "C": "A", "S": "S"}


def external_cause_encounter(injury_code: str) -> str | None:
    """The external-cause 7th character an injury code's 7th character calls for.

    Initial-encounter characters (A, and B/C for open fractures) call for A; subsequent
    ones (D, E-H, J, K, M, N, P, Q, R) for D; sequela S for S. None when the code has no
    7th character (not a 7-character chapter 19 code).
    """
    code = normalize_code(injury_code)
    if len(code) != 7 or code[0] not in "ST":
        return None
    seventh = code[6]
    return _ENCOUNTER_OF_7TH.get(seventh, "D" if seventh.isalpha() else None)


def is_external_cause_with_7th(code: str) -> bool:
    """True for V00-Y38 codes that carry a 7th (encounter) character."""
    code = normalize_code(code)
    return len(code) == 7 and (code[0] in "VWX" or (code[0] == "Y" and code[1:3] <= "38"))


# ---------------------------------------------------------------- underdosing
_UNDERDOSING = re.compile(r"^T(3[6-9]|4[0-9]|50)[0-9A-Z]{2}6")
_UNDERDOSING_PARTNERS = ("Z911", "Z91A", "Y636", "Y638", "Y639")


def is_underdosing(code: str) -> bool:
    """True for an underdosing code: T36-T50 with 6th character 6."""
    return bool(_UNDERDOSING.match(normalize_code(code)))


_UNDERDOSING_HINT = re.compile(
    r"\b(ran out of (?!money|cash|food|alcohol|beer|gas|cigarettes|time)|"
    r"stopped (taking )?(his|her|their) \w+|stopped \w+ (on (his|her) own|"
    r"\d+ (days|weeks|months) ago)|not taking (his|her|their) \w+|skipp(ed|ing) (doses|"
    r"(his|her) \w+)|(half|less than) (of )?(his|her|the) (prescribed|usual)|"
    r"rationing|cannot afford (his|her|the)? ?(refills|medication|insulin))", re.IGNORECASE)


def underdosing_hint(text: str) -> str | None:
    """Words in a note that suggest underdosing (a prescribed drug taken less or stopped).

    >>> underdosing_hint("He ran out of his tiotropium inhaler last week.")
    'ran out of '
    >>> underdosing_hint("Last drink 30 h ago; ran out of money.") is None
    True
    """
    m = _UNDERDOSING_HINT.search(text)
    return m.group(0) if m else None


def is_underdosing_partner(code: str) -> bool:
    """Z91.1- (patient), Z91.A- (caregiver) noncompliance or Y63.6-Y63.9 (care error)."""
    return normalize_code(code).startswith(_UNDERDOSING_PARTNERS)


# ---------------------------------------------------------------- global periods
@cache
def _global_table() -> tuple[dict[str, str], frozenset[str]]:
    data = yaml.safe_load((data_dir() / "global_days.yaml").read_text(encoding="utf-8"))
    table = {f"{int(c):05d}": days for days, codes in data["global_days"].items()
             for c in codes}
    return table, frozenset(f"{int(c):05d}" for c in data.get("uncertain", ()))


def global_days(code: str) -> str | None:
    """``000``, ``010`` or ``090`` for a procedure with a global period, else None.

    >>> global_days("25605"), global_days("12002"), global_days("99213")
    ('090', '000', None)
    """
    return _global_table()[0].get(normalize_code(code))


def global_days_uncertain(code: str) -> bool:
    """True when the table's global period for ``code`` was not checked against CMS's file."""
    return normalize_code(code) in _global_table()[1]


_EM = re.compile(r"^99(2[0-9]{2}|3[0-9]{2}|4[0-9]{2})$")
_NOT_EM = {"99024", "99100", "99116", "99135", "99140", "99354", "99355", "99356", "99357",
           "99358", "99359", "99360", "99415", "99416", "99417", "99418", "99406", "99407",
           "99408", "99409", "99411", "99412", "99401", "99402", "99403", "99404", "99439",
           "99437", "99487", "99489", "99490", "99491", "99495", "99496", "99453", "99454",
           "99457", "99458", "99091", "99446", "99447", "99448", "99449", "99451", "99452",
           "99464", "99465"}


def is_em(code: str) -> bool:
    """True for an E/M visit line (99202-99499) that can carry modifier 25/57.

    Add-on time codes, counseling, care management, qualifying circumstances and the
    post-op follow-up 99024 are not visit lines.

    >>> is_em("99214"), is_em("99024"), is_em("99417"), is_em("20610")
    (True, False, False, False)
    """
    code = normalize_code(code)
    return bool(_EM.match(code)) and code not in _NOT_EM


# ---------------------------------------------------------------- give-away phrases
@dataclass(frozen=True)
class Giveaway:
    """A phrase that hands over the answer, with why."""

    pattern: re.Pattern[str]
    why: str


@cache
def giveaway_phrases() -> tuple[Giveaway, ...]:
    """The forbidden documentation phrases from ``data/giveaway_phrases.yaml``."""
    data = yaml.safe_load((data_dir() / "giveaway_phrases.yaml").read_text(encoding="utf-8"))
    out = []
    for row in data["phrases"]:
        text = row["pattern"] if "pattern" in row else re.escape(row["phrase"])
        out.append(Giveaway(re.compile(text, re.IGNORECASE), str(row["why"])))
    return tuple(out)


def find_giveaways(text: str) -> list[tuple[str, str]]:
    """Every ``(matched text, why)`` give-away in ``text``.

    >>> find_giveaways("MDM: moderate. Billing note: add 25.")[0]
    ('MDM: moderate', 'states the MDM level')
    >>> find_giveaways("HEART score 3, low risk for MACE; discharged.")
    []
    """
    hits = []
    for g in giveaway_phrases():
        for m in g.pattern.finditer(text):
            hits.append((m.group(0), g.why))
    return hits
