"""The MS-DRG engine: drgpy's CMS logic, with the fixes that make it match the CMS grouper.

drgpy (0.2.1) carries the CMS MS-DRG v36-v43.1 definitions (MDC assignment, DRG logic,
CC/MCC list, PDX exclusion collections, O.R. flags). Grouping is drgpy's; this module adds:

* **CC/MCC codes without an exclusion list.** drgpy's Appendix C parser keeps only codes
  followed by a PDX collection number, so the 41 FY2026 codes marked ``No Excl`` (J12.82,
  Z16.x, Z59.x, D89.83x, L49.x, K77) never counted. They are read from CMS Table 6K (shipped
  in the ``drg`` package) and added with an empty exclusion list.
* **Invalid principal diagnosis.** drgpy silently drops the last character of an unknown PDX
  and tries again; the CMS grouper returns DRG 999 (ungroupable). Codes are validated first
  (see :mod:`coderlib.drg.mce`) and an invalid PDX gives DRG 999 with an error saying why.
* **Sex and MDC 12/13.** drgpy drops a male-only PDX for a woman (and vice versa). The CMS
  grouper assigns the PDX's MDC whatever the sex; sex only chooses between MDC 12 and 13 for
  the few codes listed in both. The conflict is reported as an edit.
* **HAC POA logic.** drgpy's tables carry no HAC categories; :mod:`coderlib.drg.hac`
  supplies them and codes reported POA=N/U in a HAC category are excluded from CC/MCC.
* **Extensive burns (MDC 22).** drgpy requires MV >96 hours for every DRG 927/933 stay, so
  the 88 extensive-burn codes without MV grouped nowhere; CMS's logic is "extensive burns,
  or full-thickness burns with MV >96 hours" (see :meth:`Engine.group_codes`).

>>> eng = engine_for_version("v43")
>>> eng.version
'v43'
"""

from __future__ import annotations

import re
from collections import defaultdict

try:  # C-accelerated counting used by collections.Counter
    from collections import _count_elements  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    def _count_elements(mapping, iterable):  # type: ignore[no-redef]
        for elem in iterable:
            mapping[elem] = mapping.get(elem, 0) + 1
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from drgpy._versions import SUPPORTED_VERSIONS
from drgpy.msdrg import DRGEngine

#: Versions this layer groups with, by first discharge date (CMS FY2026 MS-DRG v43/v43.1).
VERSIONS: tuple[tuple[date, str], ...] = (
    (date(2025, 10, 1), "v43"),
    (date(2026, 4, 1), "v43.1"),
)
#: Last discharge date covered (FY2026 ends 2026-09-30; v44 is not in drgpy 0.2.1).
LAST_DATE = date(2026, 9, 30)


_EXTENSIVE_BURNS = "927&933|EXTENSIVE BURNS PSDX"
_BURN_MV = "927&933|MECHANICAL VENTILATION >96 HOURS NON-ORPCS"


class VersionError(ValueError):
    """No supported MS-DRG version covers the discharge date."""


def version_for_date(discharge_date: date, allow_older: bool = False) -> str:
    """The MS-DRG version in force on a discharge date.

    v43 from 2025-10-01, v43.1 from 2026-04-01. Earlier dates raise :class:`VersionError`
    unless ``allow_older`` is set, in which case drgpy's older version (v36-v42.1) is used;
    the weights table and oracle checks are for FY2026 only.

    >>> version_for_date(date(2026, 4, 1))
    'v43.1'
    """
    if discharge_date > LAST_DATE:
        raise VersionError(
            f"discharge_date {discharge_date.isoformat()} is after {LAST_DATE.isoformat()}: "
            "MS-DRG v44 (FY2027) is not available in drgpy 0.2.1")
    if discharge_date < VERSIONS[0][0]:
        if not allow_older:
            raise VersionError(
                f"discharge_date {discharge_date.isoformat()} is before 2025-10-01: coderlib "
                "groups FY2026 stays (MS-DRG v43/v43.1); pass allow_older=True "
                "(CLI: --allow-older) to use drgpy's older version for that date "
                "(weights stay FY2026)")
        matches = [v for v in SUPPORTED_VERSIONS if v.effective_date <= discharge_date]
        if not matches:
            raise VersionError(f"discharge_date {discharge_date.isoformat()} is before MS-DRG "
                               "v36 (2018-10-01), the oldest version drgpy carries")
        return matches[-1].name
    name = VERSIONS[0][1]
    for start, version in VERSIONS:
        if discharge_date >= start:
            name = version
    return name


def drg_package_file(*parts: str) -> Path:
    """A data file of the installed ``drg`` distribution (CMS tables it ships).

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


def _table_6k_path() -> Path:
    return drg_package_file("data", "cms", "cc_exclusions.txt")


@lru_cache(maxsize=1)
def no_exclusion_cc_codes() -> dict[str, str]:
    """CC/MCC codes that CMS Table 6K (FY2026) lists with ``No Excl``: code -> level.

    >>> no_exclusion_cc_codes()["J1282"]
    'MCC'
    """
    pattern = re.compile(r"^\s*([A-Z][A-Z0-9]{2,6})\s+(MCC|CC)\s+No Excl")
    out: dict[str, str] = {}
    with _table_6k_path().open("r", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if line.startswith("PDX collection"):
                break  # part 2 (the collections) holds no severity lines
            m = pattern.match(line)
            if m:
                out[m.group(1)] = m.group(2)
    return out


@dataclass
class RawGrouping:
    """What the engine decided, before explanation.

    ``candidates`` lists every DRG whose logic matched, best first; ``severity_exclusions``
    are the DRG-specific CC exclusions (Appendix C part 3) in force for the final DRG.
    """

    drg: str | None
    candidates: list[str]
    features: dict[str, int]  # drgpy feature counts (labels read by the logic may show as 0)
    severity_exclusions: frozenset[str]


class Engine(DRGEngine):
    """A drgpy engine for one MS-DRG version with the tables completed (see module doc)."""

    #: Entries kept in the memo of drgpy's MDC logic (cleared when full).
    MEMO_SIZE = 200_000

    def __init__(self, version: str) -> None:
        super().__init__(version=version)
        self.ccmap = dict(self.ccmap)
        for code, level in no_exclusion_cc_codes().items():
            if code not in self.ccmap and self.dxmap.get(code):
                self.ccmap[code] = {"pdx": None, "level": level, "hac": None, "aowa": False}
        self.dxmap = dict(self.dxmap)  # plain dict: lookups must not insert keys
        self.prmap = dict(self.prmap)
        # per-MDC flags of the PDX: MDC numbers (as "05") the code is assigned to
        self._mdcs_cache: dict[str, tuple[str, ...]] = {}
        self._dx_parts_cache: dict[str, tuple] = {}
        self._pr_parts_cache: dict[str, tuple] = {}
        self._named_cache: dict[str, frozenset[str]] = {}
        self._evaluate_memo: dict[frozenset, tuple[str, ...]] = {}
        #: per-code MCE facts, filled by coderlib.drg.mce
        self.mce_facts: dict[str, tuple[bool, str | None, str | None, str | None]] = {}

    # -- code facts ------------------------------------------------------------------------
    def dx_labels(self, code: str) -> list[str]:
        """drgpy's value-set labels for a diagnosis (empty when unknown)."""
        return self.dxmap.get(code) or []

    def pdx_mdcs(self, code: str) -> tuple[str, ...]:
        """The MDCs (``"05"``; ``"24"`` for multiple trauma) a principal diagnosis maps to."""
        hit = self._mdcs_cache.get(code)
        if hit is None:
            out = []
            for label in self.dx_labels(code):
                if label.startswith("_MDC") and label[4:6].isdigit():
                    out.append(label[4:6])
            hit = tuple(dict.fromkeys(out))
            self._mdcs_cache[code] = hit
        return hit

    def is_known_dx(self, code: str) -> bool:
        """True when the code is in this version's diagnosis tables."""
        return bool(self.dxmap.get(code))

    def proc_named_drgs(self, code: str) -> frozenset[str]:
        """DRG numbers whose definitions name this procedure (from drgpy's labels), cached."""
        cache = self._named_cache
        hit = cache.get(code)
        if hit is None:
            hit = cache[code] = frozenset(
                d for lab in self.prmap.get(code) or () for d in
                re.findall(r"\d{3}", lab.split("|", 1)[0]))
        return hit

    def is_known_pr(self, code: str) -> bool:
        """True when the code is in this version's procedure tables."""
        return code in self.prmap or code in self.orpcsmap

    def grouping_sex(self, pdx: str, sex: str) -> str:
        """The sex drgpy needs so the PDX reaches its own MDC.

        MDC 12 is male-only and MDC 13 female-only in drgpy; the CMS grouper uses sex only to
        choose between them for codes listed in both (the conflict itself is an edit).

        >>> engine_for_version("v43").grouping_sex("N921", "M")
        'F'
        """
        mdcs = self.pdx_mdcs(pdx)
        in12, in13 = "12" in mdcs, "13" in mdcs
        if in13 and not in12:
            return "F"
        if in12 and not in13:
            return "M"
        return "F" if sex == "F" else "M"

    # -- features ---------------------------------------------------------------------------
    def _dx_parts(self, code: str) -> tuple[tuple[str, ...], tuple[str, ...], frozenset[str],
                                            bool]:
        """Per-code pieces of drgpy's feature loop, computed once: (labels as principal,
        labels as secondary, MDC 24 trauma sites, is an MDC 24 principal)."""
        cache = self._dx_parts_cache
        hit = cache.get(code)
        if hit is None:
            labels = tuple(self.dxmap.get(code) or ())
            sdx_labels = tuple(lab for lab in labels if "PDX OR SDX" in lab
                               or ("PDX" not in lab and "_MDC" not in lab))
            sites = frozenset(lab.removeprefix("_TRAUMA24_SITE_") for lab in labels
                              if lab.startswith("_TRAUMA24_SITE_"))
            hit = cache[code] = (labels, sdx_labels, sites, "_MDC24_PDX" in labels)
        return hit

    def _pr_parts(self, code: str) -> tuple[tuple[tuple[str, tuple[str, ...]], ...],
                                            tuple[str, ...]]:
        """Per-procedure pieces: (multi-procedure rules as (label, other codes needed),
        single labels incl. the O.R. flags drgpy adds)."""
        cache = self._pr_parts_cache
        hit = cache.get(code)
        if hit is None:
            multi = []
            single = []
            for lab in self.prmap.get(code) or ():
                tokens = lab.split("|")
                if len(tokens) >= 3:
                    multi.append((tokens[0] + "|" + tokens[1], tuple(tokens[2:])))
                else:
                    single.append(lab)
            orflags: list[str] = []
            if code in self.orpcsmap:
                orflags.append("_ORPCS_UNIQUE")
                for matched in self.orpcsmap[code]:
                    orflags += [f"_ORPCS|{matched}", "_ORPCS_ANY"]
                orflags.append("_ORPCS_NON_EXTENSIVE" if code in self.neoormap
                               else "_ORPCS_EXTENSIVE")
            hit = cache[code] = (tuple(multi), tuple(single), tuple(orflags))
        return hit

    def get_features(self, dx_lst, pr_lst, gender="F", is_alive=True, poa=None,
                     discharge_status="01", severity_exclusions=None):
        """drgpy's ``DRGEngine.get_features`` with per-code work cached (same counts).

        Equivalence with drgpy's own method is checked in tests/test_drg_engine.py.
        """
        dx_lst = list(dict.fromkeys(dx_lst))
        pr_lst = list(dict.fromkeys(pr_lst))
        severity_exclusions = severity_exclusions or ()
        gender = gender.strip().upper() if isinstance(gender, str) else gender
        if gender not in ("F", "M"):
            raise ValueError("gender must be 'F' or 'M'")
        x: list[str] = []
        if dx_lst:
            pdx = dx_lst[0]
            if not self.dxmap.get(pdx):
                pdx = pdx[:-1]  # drgpy's fallback (coderlib validates the PDX first)
                dx_lst[0] = pdx
            labels, _, sites, mdc24_principal = self._dx_parts(pdx)
            x.extend(labels)
            site_sets = [sites] if sites else []
            ccmap = self.ccmap
            exmap = self.exmap
            for j in range(1, len(dx_lst)):
                dx = dx_lst[j]
                _, sdx_labels, sites, _ = self._dx_parts(dx)
                if sites:
                    site_sets.append(sites)
                x.extend(sdx_labels)
                info = ccmap.get(dx)
                if info is not None:
                    if (pdx in exmap.get(info["pdx"], ()) or dx in severity_exclusions
                            or (info["aowa"] and not is_alive)):
                        continue
                    if info.get("hac") is not None:
                        value = "Y"
                        if isinstance(poa, dict):
                            value = poa.get(dx, "Y").upper()
                        elif poa is not None and j < len(poa):
                            value = poa[j].upper()
                        if value in ("N", "U"):
                            continue
                    x.append("_" + info["level"])
            if mdc24_principal and len(site_sets) >= 2 and len(frozenset().union(*site_sets)) >= 2:
                x.append("_MDC24")
            if "_MDC18" in x and "853&854&855|PDX FROM MDC 18 EXCEPT" not in x:
                x.append("853&854&855|PDX")
        multi_proc_set = set()
        pr_set = set(pr_lst)
        parts = [self._pr_parts(pr) for pr in pr_lst]
        for pr, (multi, _, _) in zip(pr_lst, parts, strict=True):
            for label, others in multi:
                if all(o in pr_set for o in others):
                    x.append(label)
                    if label == "466&467&468|ORPCS":
                        multi_proc_set.add(pr)
                        multi_proc_set.update(others)
        for pr, (_, single, orflags) in zip(pr_lst, parts, strict=True):
            if pr not in multi_proc_set:
                x.extend(single)
            x.extend(orflags)
        x.append("_FEMALE" if gender == "F" else "_MALE")
        if is_alive:
            x.append("_ALIVE")
        if len(dx_lst) == 1:
            x.append("_NDX1")
        elif len(dx_lst) > 1:
            x.append("_NDX2+")
        x.append(f"_STATUS{discharge_status}")
        # drgpy's MDC logic only reads x[label] (never iterates or tests membership), so a
        # defaultdict(int) gives the same answers as a Counter with C-speed missing keys.
        feats: defaultdict[str, int] = defaultdict(int)
        _count_elements(feats, x)
        return feats

    # -- grouping --------------------------------------------------------------------------
    def group_codes(self, dx: list[str], pr: list[str], sex: str, alive: bool,
                    discharge_status: str, drop: frozenset[str] = frozenset()) -> RawGrouping:
        """Group already-validated codes; ``drop`` are secondaries denied CC/MCC (HAC POA).

        Mirrors drgpy's ``get_drg_all`` loop (DRG-specific severity exclusions are found by
        grouping, then regrouping) with extra per-encounter exclusions added.
        """
        exclusions: frozenset[str] = drop
        previous = None
        results: list[str] = []
        features: dict[str, int] = {}
        memo = self._evaluate_memo
        for _ in range(3):
            features = self.get_features(dx, pr, sex, alive, None, discharge_status,
                                         exclusions)
            if (features.get("_MDC22") and features.get(_EXTENSIVE_BURNS)
                    and not features.get(_BURN_MV)):
                # drgpy reads DRG 927/933 as "(extensive OR full-thickness burns) AND MV >96 h";
                # CMS's title and logic are "extensive burns, OR full-thickness burns with MV
                # >96 h", so an extensive burn without MV had no DRG at all. Supplying the MV
                # condition for extensive burns gives drgpy's own formula the CMS reading.
                features[_BURN_MV] = 1
            # drgpy's MDC logic is a pure function of the feature counts: stays with the same
            # features (same PDX value sets, CC/MCC counts, procedure labels, flags) share it.
            key = frozenset(features.items())
            cached = memo.get(key)
            if cached is None:
                if len(memo) >= self.MEMO_SIZE:
                    memo.clear()
                cached = memo[key] = tuple(self._evaluate(features))
            results = list(cached)
            selected = results[0] if results else None
            if selected is None or selected == previous:
                break
            previous = selected
            updated = frozenset(self.drg_exclusions.get(selected, ())) | drop
            if updated == exclusions:
                break
            exclusions = updated
        drg = results[0] if results else None
        final_excl = frozenset(self.drg_exclusions.get(drg, ())) if drg else frozenset()
        return RawGrouping(drg, results, features, final_excl)


@cache
def engine_for_version(version: str) -> Engine:
    """The (cached) engine for an MS-DRG version name such as ``"v43"``."""
    return Engine(version)


@lru_cache(maxsize=1024)
def engine_for_date(discharge_date: date, allow_older: bool = False) -> Engine:
    """The engine for the version in force on ``discharge_date``."""
    return engine_for_version(version_for_date(discharge_date, allow_older))


@dataclass(frozen=True)
class CodePools:
    """Sorted code lists to draw synthetic encounters from (benchmarks, property tests)."""

    principal: list[str]  # diagnoses that assign an MDC as principal
    cc: list[str]  # diagnoses on the CC/MCC list
    or_procedures: list[str]  # O.R. procedures
    procedures: list[str]  # every procedure the grouper knows


@cache
def code_pools(version: str = "v43") -> CodePools:
    """The code pools of one MS-DRG version.

    >>> "J189" in code_pools().principal
    True
    """
    eng = engine_for_version(version)
    return CodePools(principal=sorted(c for c in eng.dxmap if eng.pdx_mdcs(c)),
                     cc=sorted(eng.ccmap), or_procedures=sorted(eng.orpcsmap),
                     procedures=sorted(eng.prmap))
