"""The row every code-set module hands to the cross-system search index.

Each of ``icd10cm``, ``icd10pcs``, ``hcpcs`` and ``cpt`` exposes
``iter_search_rows() -> Iterable[SearchRow]``, ``get(code)`` (raises ``CodeError``) and
``DATA_VERSION: str``. ``coderlib.codes.search`` builds one index from all four and keys
it on every module's ``DATA_VERSION`` (read at each search): a module whose rows change at
run time (a user's HCPCS annual file or licensed CPT file loaded) must change its
``DATA_VERSION`` too, and the index is rebuilt.

>>> row = SearchRow("icd10cm", "E119", "Type 2 diabetes mellitus without complications",
...                 True, ("Type 2 diabetes mellitus NOS",), "FY2026")
>>> row.system, row.billable
('icd10cm', True)
"""

from __future__ import annotations

from typing import NamedTuple

SYSTEMS = ("icd10cm", "icd10pcs", "hcpcs", "cpt")


class SearchRow(NamedTuple):
    """One searchable code.

    ``code`` is undotted upper-case; ``terms`` holds extra searchable text (inclusion terms,
    synonyms, index entries); ``version`` names the data release (e.g. ``"FY2026"``).
    """

    system: str
    code: str
    description: str
    billable: bool
    terms: tuple[str, ...]
    version: str
