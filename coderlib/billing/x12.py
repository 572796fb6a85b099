"""X12 5010 interchanges: split a file into segments, check the envelope, write one.

The reader never stops at the first problem: it returns every segment it could read plus a
list of :class:`X12Problem` (segment id, segment number, plain message) for the envelope
faults a clearinghouse rejects a file for: not X12 at all, a short ISA, a truncated
interchange (no IEA), and wrong counts in SE01 / GE01 / IEA01 or control numbers that do not
match. The segment number is the 1-based position in the file (the line number when each
segment sits on its own line, as coderlib writes them).

>>> text = envelope(["ST*837*0001*005010X222A1", "BHT*0019*00*1*20260105*1200*CH",
...                  "SE*3*0001"], "HC", "005010X222A1", sender="ME", receiver="YOU")
>>> doc = read_x12(text)
>>> [s.id for s in doc.segments][:3], doc.problems
(['ISA', 'GS', 'ST'], [])
>>> bad = read_x12(text.replace("SE*3*0001", "SE*9*0001"))
>>> print(bad.problems[0])
segment 5 (SE): SE01 says 9 segments but transaction 0001 has 3 (ST through SE)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

ISA_LENGTH = 106


class X12Error(ValueError):
    """A file that cannot be read as X12 at all (names the segment and its number)."""

    def __init__(self, segment: str, number: int, message: str) -> None:
        self.segment, self.number, self.message = segment, number, message
        super().__init__(f"segment {number} ({segment}): {message}")


@dataclass(frozen=True)
class X12Problem:
    """An envelope or structure fault: which segment (id and number) and what is wrong."""

    segment: str
    number: int
    message: str

    def __str__(self) -> str:
        return f"segment {self.number} ({self.segment}): {self.message}"

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"segment": self.segment, "number": self.number, "message": self.message}


@dataclass(slots=True)
class Segment:
    """One segment: its id, its elements (``elements[0]`` is the id) and its number."""

    elements: list[str]
    number: int

    @property
    def id(self) -> str:
        """The segment id (``NM1``, ``CLM`` ...)."""
        return self.elements[0]

    def get(self, i: int, default: str = "") -> str:
        """Element ``i`` (X12 numbering: ``get(1)`` is NM101), or ``default``."""
        return self.elements[i] if i < len(self.elements) else default


@dataclass
class X12Document:
    """The segments of a file, its delimiters and the envelope problems found."""

    segments: list[Segment]
    element_sep: str = "*"
    component_sep: str = ":"
    segment_term: str = "~"
    problems: list[X12Problem] = field(default_factory=list)
    version: str = ""  # GS08, e.g. 005010X222A1

    def transactions(self) -> list[list[Segment]]:
        """The segments of each ST..SE transaction set (an unclosed one runs to the end)."""
        out: list[list[Segment]] = []
        cur: list[Segment] | None = None
        for seg in self.segments:
            if seg.id == "ST":
                cur = [seg]
                out.append(cur)
            elif cur is not None:
                cur.append(seg)
                if seg.id == "SE":
                    cur = None
        return out


def read_x12(source: str | Path) -> X12Document:
    """Read an X12 interchange from text or a path; raise :class:`X12Error` if it is not X12.

    >>> try:
    ...     read_x12("hello")
    ... except X12Error as err:
    ...     print(err.segment, err.number, err.message[:14])
    hello 1 not an X12 fil
    """
    text = Path(source).read_text(encoding="latin-1") if isinstance(source, Path) else source
    start = text.lstrip("\ufeff \r\n\t")
    if not start.startswith("ISA"):
        first = start[:20].split("\n")[0].strip() or "(empty)"
        raise X12Error(first, 1, "not an X12 file: it must begin with an ISA segment")
    if len(start) < ISA_LENGTH:
        raise X12Error("ISA", 1, f"the ISA segment is cut short ({len(start)} characters, "
                                 f"{ISA_LENGTH} expected): truncated interchange")
    elem, comp, term = start[3], start[104], start[105]
    if start[:ISA_LENGTH].count(elem) != 16:
        raise X12Error("ISA", 1, f"the ISA segment must have 16 elements of fixed width "
                                 f"({ISA_LENGTH} characters with its terminator)")
    raw = start.split(term)
    segments: list[Segment] = []
    for piece in raw:
        piece = piece.strip("\r\n\t ")
        if piece:
            segments.append(Segment(piece.split(elem), len(segments) + 1))
    doc = X12Document(segments, elem, comp, term)
    _check_envelope(doc, ended_cleanly=not raw[-1].strip("\r\n\t "))
    return doc


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _check_envelope(doc: X12Document, ended_cleanly: bool) -> None:
    """Count ST/SE, GS/GE, ISA/IEA pairs and their control numbers; record problems."""
    p = doc.problems
    isa = doc.segments[0]
    groups = 0
    gs: Segment | None = None
    st: Segment | None = None
    st_in_group = 0
    seg_in_st = 0
    iea_seen = False
    for seg in doc.segments[1:]:
        sid = seg.id
        if st is not None:
            seg_in_st += 1
        if sid == "GS":
            if gs is not None:
                p.append(X12Problem("GS", seg.number, "a new functional group starts before "
                                    f"the GE of group {gs.get(6)}"))
            gs, st_in_group = seg, 0
            groups += 1
            doc.version = doc.version or seg.get(8)
        elif sid == "ST":
            if st is not None:
                p.append(X12Problem("ST", seg.number, f"transaction {st.get(2)} has no SE "
                                    "before the next ST"))
            st, seg_in_st = seg, 1
            st_in_group += 1
        elif sid == "SE" and st is not None:
            count = _int(seg.get(1))
            if count != seg_in_st:
                p.append(X12Problem("SE", seg.number, f"SE01 says {seg.get(1)} segments but "
                                    f"transaction {st.get(2)} has {seg_in_st} (ST through SE)"))
            if seg.get(2) != st.get(2):
                p.append(X12Problem("SE", seg.number, f"SE02 {seg.get(2)} does not match "
                                    f"ST02 {st.get(2)}"))
            st = None
        elif sid == "GE" and gs is not None:
            if st is not None:
                p.append(X12Problem("GE", seg.number, f"transaction {st.get(2)} has no SE"))
                st = None
            if _int(seg.get(1)) != st_in_group:
                p.append(X12Problem("GE", seg.number, f"GE01 says {seg.get(1)} transaction "
                                    f"sets but group {gs.get(6)} has {st_in_group}"))
            if seg.get(2) != gs.get(6):
                p.append(X12Problem("GE", seg.number, f"GE02 {seg.get(2)} does not match "
                                    f"GS06 {gs.get(6)}"))
            gs = None
        elif sid == "IEA":
            iea_seen = True
            if _int(seg.get(1)) != groups:
                p.append(X12Problem("IEA", seg.number, f"IEA01 says {seg.get(1)} functional "
                                    f"groups but the interchange has {groups}"))
            if seg.get(2).strip() != isa.get(13).strip():
                p.append(X12Problem("IEA", seg.number, f"IEA02 {seg.get(2)} does not match "
                                    f"ISA13 {isa.get(13)}"))
    last = doc.segments[-1]
    if not iea_seen or not ended_cleanly:
        where = "its last segment is cut off" if not ended_cleanly else "it has no IEA"
        open_parts = []
        if st is not None:
            open_parts.append(f"transaction {st.get(2)} has no SE")
        if gs is not None:
            open_parts.append(f"group {gs.get(6)} has no GE")
        extra = ("; " + "; ".join(open_parts)) if open_parts else ""
        p.append(X12Problem(last.id, last.number, f"truncated interchange: {where} (after "
                            f"segment {last.number}, {last.id}){extra}"))


def _pad(text: str, width: int) -> str:
    return text[:width].ljust(width)


def envelope(transactions: list[str], functional_id: str, version: str, sender: str,
             receiver: str, control: int = 1, when: dt.datetime | None = None,
             usage: str = "T") -> str:
    """Wrap ST..SE segments (strings without terminators) in GS/GE and ISA/IEA.

    One segment per line, ``~`` terminator, ``*`` element and ``:`` component separators,
    ``^`` repetition separator. ``when`` defaults to a fixed time so output is reproducible.
    """
    when = when or dt.datetime(2026, 1, 5, 12, 0)
    ctl = f"{control:09d}"
    isa = ("ISA*00*" + " " * 10 + "*00*" + " " * 10 + f"*ZZ*{_pad(sender, 15)}"
           f"*ZZ*{_pad(receiver, 15)}*{when:%y%m%d}*{when:%H%M}*^*00501*{ctl}*0*{usage}*:")
    n_st = sum(1 for s in transactions if s.startswith("ST*"))
    lines = [isa, f"GS*{functional_id}*{sender}*{receiver}*{when:%Y%m%d}*{when:%H%M}*{control}"
             f"*X*{version}", *transactions, f"GE*{n_st}*{control}", f"IEA*1*{ctl}"]
    return "~\n".join(lines) + "~\n"


def clean(text: object) -> str:
    """Make a value safe inside an element: no delimiters, upper case, trimmed.

    >>> clean("O'Brien*Jr~")
    "O'BRIEN JR"
    """
    out = str(text or "").upper()
    for ch in "*~:^\n\r":
        out = out.replace(ch, " ")
    return " ".join(out.split())


def d8(day: dt.date | None) -> str:
    """A date as CCYYMMDD (empty for None)."""
    return day.strftime("%Y%m%d") if day else ""


def parse_d8(text: str) -> dt.date | None:
    """CCYYMMDD to a date; None when empty or invalid.

    >>> parse_d8("20260105"), parse_d8("2026013")
    (datetime.date(2026, 1, 5), None)
    """
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def money(value: float) -> str:
    """An amount as X12 writes it: no trailing zeros, no thousands separator.

    >>> money(120.0), money(80.5), money(0)
    ('120', '80.5', '0')
    """
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"
