"""Readers for the files CMS publishes each year for ICD-10-CM and ICD-10-PCS.

Each reader checks it was given the right kind of file and raises :class:`ReleaseFileError`
naming the file and what was expected (a truncated XML, a tabular file where the Index was
expected, an order file in another layout). Parsed forms are plain tuples and dicts, ready
to be marshalled into a cache.

* order files (``icd10cm_order_YYYY.txt``, ``icd10pcs_order_YYYY.txt``): fixed width, order
  number (5), code (7, padded), header flag (``0`` header, ``1`` reportable), short title
  (60), long title;
* the Tabular (``icd10cm_tabular_YYYY.xml``): ``<diag>`` elements with titles and notes;
* the Alphabetic Index, External Cause Index, Neoplasm Table and Table of Drugs and
  Chemicals (``icd10cm_index|eindex|neoplasm|drug_YYYY.xml``): ``<mainTerm>`` / ``<term
  level="n">`` trees with ``<title>`` (``<nemod>`` nonessential modifiers), ``<code>``,
  ``<see>``, ``<seeAlso>`` and, in the two tables, ``<cell col="n">``;
* the PCS Tables (``icd10pcs_tables_YYYY.xml``): ``<pcsTable>`` with axes 1-3 and
  ``<pcsRow>`` axes 4-7.

An index node is ``(title, nemod, code, see, see_also, cells, children)`` where ``cells``
maps column number to code and ``children`` is a tuple of nodes.

>>> node = parse_index_bytes(b'''<ICD10CM.index><version>2027</version>
... <title>ICD-10-CM INDEX TO DISEASES and INJURIES</title><letter><title>A</title>
... <mainTerm><title>Abasia<nemod>(-astasia) (hysterical)</nemod></title><code>F44.4</code>
... </mainTerm></letter></ICD10CM.index>''', "index", "x.xml")["letters"]["A"][0]
>>> node[:3]
('Abasia', '(-astasia) (hysterical)', 'F44.4')
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

#: kind -> (system, extension, XML root element, words the <title> must contain, wording)
KINDS: dict[str, tuple[str, str, str | None, str | None, str]] = {
    "order": ("icd10cm", "txt", None, None, "the ICD-10-CM order file (codes and titles)"),
    "tabular": ("icd10cm", "xml", "ICD10CM.tabular", None, "the ICD-10-CM Tabular List"),
    "index": ("icd10cm", "xml", "ICD10CM.index", "INDEX TO DISEASES",
              "the ICD-10-CM Alphabetic Index to Diseases and Injuries"),
    "eindex": ("icd10cm", "xml", "ICD10CM.index", "EXTERNAL CAUSE",
               "the ICD-10-CM External Cause of Injuries Index"),
    "neoplasm": ("icd10cm", "xml", "ICD10CM.index", "NEOPLASM",
                 "the ICD-10-CM Table of Neoplasms"),
    "drug": ("icd10cm", "xml", "ICD10CM.index", "DRUG",
             "the ICD-10-CM Table of Drugs and Chemicals"),
    "pcs_order": ("icd10pcs", "txt", None, None, "the ICD-10-PCS order file"),
    "pcs_tables": ("icd10pcs", "xml", "ICD10PCS.tabular", None, "the ICD-10-PCS Tables"),
    "pcs_index": ("icd10pcs", "xml", "ICD10PCS.index", None, "the ICD-10-PCS Index"),
}

# icd10cm_order_2027.txt, icd10cm-tabular-2027.xml, icd10pcs_tables_2027.xml,
# icd10cm-order-April-2027.txt ...
FILE_RE = re.compile(r"^icd10(cm|pcs)[-_ ](order|tabular|tables|index|eindex|neoplasm|drug)"
                     r"[-_ ](?:[A-Za-z]+[-_ ])?(\d{4})(?:[-_ ].*)?\.(txt|xml)$", re.IGNORECASE)
_ORDER_CODE = {"icd10cm": re.compile(r"^[A-Z][0-9A-Z]{2,6}$"),
               "icd10pcs": re.compile(r"^[0-9A-HJ-NP-Z]{1,7}$")}


class ReleaseFileError(ValueError):
    """A file that is not what a CMS release file of its kind must be."""


def classify(name: str) -> tuple[str, int] | None:
    """``(kind, year)`` for a CMS release file name, ``None`` for any other file.

    >>> classify("icd10cm_order_2027.txt"), classify("icd10pcs-tables-2027.xml")
    (('order', 2027), ('pcs_tables', 2027))
    >>> classify("README.txt") is None
    True
    """
    m = FILE_RE.match(Path(name).name)
    if not m:
        return None
    system, kind, year, ext = m.group(1).lower(), m.group(2).lower(), int(m.group(3)), \
        m.group(4).lower()
    if system == "pcs":
        kind = {"order": "pcs_order", "tables": "pcs_tables", "index": "pcs_index"}.get(kind, "")
    elif kind == "tables":
        kind = ""
    if kind not in KINDS or KINDS[kind][1] != ext:
        return None
    return kind, year


def parse_order(data: bytes, system: str, name: str) -> dict[str, tuple[bool, str, str]]:
    """``{code: (reportable, short title, long title)}`` from an order file's bytes."""
    text = data.decode("latin-1")
    out: dict[str, tuple[bool, str, str]] = {}
    pattern = _ORDER_CODE[system]
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if len(line) < 17 or not line[:5].isdigit() or line[5] != " " or line[13] != " " \
                or line[14] not in "01" or line[15] != " ":
            raise ReleaseFileError(
                f"{name}, line {lineno}: not in the CMS order-file layout (order number in "
                f"columns 1-5, code in 7-13, flag 0/1 in 15, short title from 17): "
                f"{line[:40]!r}")
        code = line[6:13].strip()
        if not pattern.match(code):
            raise ReleaseFileError(f"{name}, line {lineno}: {code!r} is not an "
                                   f"{'ICD-10-CM' if system == 'icd10cm' else 'ICD-10-PCS'} "
                                   "code")
        out[code] = (line[14] == "1", line[16:76].rstrip(), line[77:].rstrip())
    if not out:
        raise ReleaseFileError(f"{name}: empty; expected one line per code")
    return out


def _root(data: bytes, kind: str, name: str):  # noqa: ANN202 - an ElementTree element
    """Parse ``data`` and check its root element and title match ``kind``."""
    import xml.etree.ElementTree as ET

    _, _, root_tag, title_words, wording = KINDS[kind]
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ReleaseFileError(f"{name}: not complete, well-formed XML ({exc}); expected "
                               f"{wording} — is the file truncated?") from exc
    if root.tag != root_tag:
        raise ReleaseFileError(f"{name}: expected {wording} (root element <{root_tag}>), "
                               f"found <{root.tag}>")
    title = (root.findtext("title") or "").upper()
    if title_words and title_words not in title:
        raise ReleaseFileError(f"{name}: expected {wording}, but its title is "
                               f"{root.findtext('title')!r}")
    if kind == "index" and ("NEOPLASM" in title or "DRUG" in title or "EXTERNAL" in title):
        raise ReleaseFileError(f"{name}: expected {wording}, but its title is {title!r}")
    return root


def xml_version(root) -> int | None:  # noqa: ANN001
    """The ``<version>`` year of a CMS XML file, when it has one."""
    text = (root.findtext("version") or "").strip()
    return int(text) if text.isdigit() else None


def _title(el) -> tuple[str, str]:  # noqa: ANN001
    """(title text, nonessential modifiers) of a <mainTerm>/<term> element."""
    t = el.find("title")
    if t is None:
        return "", ""
    nemod = " ".join((n.text or "").strip() for n in t.findall("nemod"))
    main = " ".join(((t.text or "") + " ".join(c.tail or "" for c in t)).split())
    return main, " ".join(nemod.split())


def _node(el) -> tuple:  # noqa: ANN001
    title, nemod = _title(el)
    cells = {}
    for cell in el.findall("cell"):
        col = int(cell.get("col", "0") or 0)
        value = (cell.text or "").strip()
        if value and value not in ("-", "--"):
            cells[col] = value
    children = tuple(_node(t) for t in el.findall("term"))
    code = el.findtext("code") or el.findtext("codes") or el.findtext("tab") or ""
    see = "; ".join(" ".join("".join(s.itertext()).split()) for s in el.findall("see")) \
        or el.findtext("use") or ""
    return (title, nemod, code.strip() or None, see.strip() or None,
            (el.findtext("seeAlso") or "").strip() or None, cells, children)


def parse_index_bytes(data: bytes, kind: str, name: str) -> dict[str, Any]:
    """An Index, External Cause Index, Neoplasm Table or Drug Table as nested nodes.

    Returns ``{"version": year, "title": ..., "heads": [column titles], "letters":
    {letter: (main-term node, ...)}}``.
    """
    root = _root(data, kind, name)
    letters: dict[str, tuple] = {}
    for letter in root.findall("letter"):
        key = (letter.findtext("title") or "?").strip()[:1].upper()
        letters[key] = letters.get(key, ()) + tuple(_node(m) for m in letter.findall("mainTerm"))
    if not letters:
        raise ReleaseFileError(f"{name}: no <letter>/<mainTerm> entries; expected "
                               f"{KINDS[kind][4]}")
    heads = [" ".join((h.text or "").split()) for h in root.iter("head")]
    if kind in ("neoplasm", "drug") and len(heads) < 7:
        raise ReleaseFileError(f"{name}: expected {KINDS[kind][4]} with 7 column headings "
                               f"(<indexHeading><head>), found {len(heads)}")
    return {"version": xml_version(root), "title": root.findtext("title") or "",
            "heads": heads, "letters": letters}


_NOTE_TAGS = {"includes": "includes", "inclusionTerm": "inclusion_term",
              "excludes1": "excludes1", "excludes2": "excludes2", "codeFirst": "code_first",
              "useAdditionalCode": "use_additional_code", "codeAlso": "code_also",
              "notes": "note", "sevenChrNote": "seventh_character_note"}


def parse_tabular_bytes(data: bytes, name: str) -> dict[str, Any]:
    """``{"version": year, "codes": {code: (title, {note kind: [texts]})}}`` (undotted)."""
    root = _root(data, "tabular", name)
    codes: dict[str, tuple[str, dict[str, list[str]]]] = {}
    for diag in root.iter("diag"):
        code = (diag.findtext("name") or "").replace(".", "").strip().upper()
        if not code:
            continue
        notes: dict[str, list[str]] = {}
        for tag, kind in _NOTE_TAGS.items():
            for holder in diag.findall(tag):
                texts = [" ".join((n.text or "").split()) for n in holder.findall("note")]
                if texts:
                    notes.setdefault(kind, []).extend(texts)
        codes[code] = (" ".join((diag.findtext("desc") or "").split()), notes)
    if not codes:
        raise ReleaseFileError(f"{name}: no <diag> codes; expected {KINDS['tabular'][4]}")
    return {"version": xml_version(root), "codes": codes}


def parse_pcs_tables_bytes(data: bytes, name: str) -> dict[str, Any]:
    """``{"version": year, "labels": {(prefix, pos, value): meaning}, "rows": n}``.

    Axes 1-3 of a ``<pcsTable>`` are labelled with an empty context; axes 4-7 of each
    ``<pcsRow>`` with the table's three characters as context.
    """
    root = _root(data, "pcs_tables", name)
    labels: dict[tuple[str, int, str], str] = {}
    rows = 0
    for table in root.findall("pcsTable"):
        head = ""
        for axis in table.findall("axis"):
            pos = int(axis.get("pos", "0"))
            for label in axis.findall("label"):
                labels[(head[:pos - 1], pos, label.get("code", ""))] = (label.text or "").strip()
            first = axis.find("label")
            head += first.get("code", "") if first is not None else ""
        for row in table.findall("pcsRow"):
            rows += 1
            for axis in row.findall("axis"):
                pos = int(axis.get("pos", "0"))
                for label in axis.findall("label"):
                    labels[(head, pos, label.get("code", ""))] = (label.text or "").strip()
    if not rows:
        raise ReleaseFileError(f"{name}: no <pcsTable>/<pcsRow>; expected "
                               f"{KINDS['pcs_tables'][4]}")
    return {"version": xml_version(root), "labels": labels, "rows": rows}
