"""Synthetic inpatient encounters across every MS-DRG case type (for checks and benchmarks).

:func:`synthetic_frame` draws seeded encounters in the ``coderlib group --csv`` layout (id,
pdx, sdx, proc, age, sex, discharge_status, discharge_date) from CMS's FY2026 code lists
(ICD-10-CM and the CC/MCC lists of Tables 6I/6J shipped in the ``drg`` package, ICD-10-PCS
from its Tuva list), mixing the case types in :data:`CASE_TYPES`: medical stays with CC/MCC
and POA mixes, surgical stays (O.R. procedures matched to the principal's body system, and
unrelated ones), multiple and bilateral joint procedures, obstetric, newborn (birth weights,
gestational age, transfers, deaths), HIV, hospital-acquired conditions with POA N/U/W/1/blank,
pre-MDC transplants, ECMO, tracheostomy, CAR-T, mechanical ventilation hours, burns,
multiple trauma, every discharge status (valid and invalid), age/sex edits and invalid
codes. Synthetic only: no patient data.

>>> df = synthetic_frame(50, seed=1)
>>> len(df), list(df.columns)[:3]
(50, ['id', 'pdx', 'sdx'])
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
from functools import cache

import pandas as pd

from coderlib.drg.engine import drg_package_file, engine_for_version

#: Discharge date used for each version when generating (inside its period).
VERSION_DATES = {"v43": "2025-11-15", "v43.1": "2026-05-15", "v44": "2026-11-15"}

# Principal-diagnosis prefixes by ICD-10-PCS body system (2nd character), for O.R.
# procedures that are related to the principal's MDC.
_SYSTEM_PDX = {
    "0": ("G", "I60", "I61", "I62", "I63", "S06", "C71", "D33", "D43"),
    "1": ("G5", "G6", "S14", "S24", "S34", "M54"),
    "2": ("I2", "I3", "I4", "I5", "Q2", "T82"),
    "3": ("I6", "I7", "S15", "S25", "S45"), "4": ("I7", "I8", "S35", "S75", "K55"),
    "5": ("I8", "I87", "T82"), "6": ("I8", "I82", "K64"),
    "7": ("C77", "C81", "C83", "C85", "D36", "I89"), "8": ("H", "C69", "S05"),
    "9": ("H6", "H7", "H9", "J3", "C30", "C32"), "B": ("J", "C34", "S27", "C78"),
    "C": ("K0", "K1", "C0", "J3"), "D": ("K2", "K3", "K4", "K5", "K6", "C1", "C20", "C21"),
    "F": ("K7", "K8", "C22", "C23", "C24", "C25"), "G": ("E0", "E2", "C73", "C74", "D35"),
    "H": ("L", "C50", "N6", "C43", "C44"), "J": ("L0", "L8", "T81", "S31", "S41", "S71"),
    "K": ("M6", "S46", "S76"), "L": ("M6", "M7", "S46", "S66", "S86"),
    "N": ("S02", "M8", "C41"), "P": ("S22", "S42", "S52", "M8", "M4"),
    "Q": ("S32", "S72", "S82", "M8", "M4"), "R": ("M1", "M19", "S43", "S53", "M75"),
    "S": ("M16", "M17", "M4", "S73", "S83", "T84"), "T": ("N0", "N1", "N2", "N3", "C64",
                                                        "C65", "C66", "C67"),
    "U": ("N7", "N8", "N9", "C51", "C52", "C53", "C54", "C56", "D25"),
    "V": ("N4", "N5", "C60", "C61", "C62", "C63"), "W": ("K4", "K6", "R18", "S3", "T81"),
    "X": ("S4", "S5", "S6", "L0"), "Y": ("S7", "S8", "S9", "L97", "E11"),
}

#: Secondary diagnoses in CMS hospital-acquired condition categories (HAC 01-14).
HAC_SDX = ("T8060XA", "T80211A", "T80219A", "T800XXA", "T8030XA", "T81500A", "T8189XA",
           "L89154", "L89314", "L89153", "W010XXA", "S72001A", "S0990XA", "T83511A",
           "T83518A", "T826XXA", "J95811", "I2699", "I82401", "I82411", "E1100", "E1101",
           "E11641", "E1065", "E1300", "T8141XA", "K6811", "T8142XA", "J9811", "T8149XA",
           "I2609", "E871", "N390", "T8143XA", "E1165", "J95821", "T8172XA")
#: Procedures that complete HAC criteria (hip/knee replacement, CABG, bariatric, spine,
#: CIED, central venous catheter).
HAC_PROC = ("0SR9019", "0SRB019", "0SRC0J9", "0SRD0JZ", "021009W", "02100Z9", "0D16479",
            "0DV64CZ", "0SG0070", "0RG60A0", "0JH604Z", "02H63JZ", "02HV33Z", "0JH63XZ",
            "0QS634Z")
#: Pre-MDC procedures: transplants, ECMO, tracheostomy, bone marrow, CAR-T.
PRE_MDC_PROC = ("02YA0Z0", "0FY00Z0", "0BYK0Z0", "0BYM0Z0", "0TY00Z0", "0FYG0Z0",
                "0DY80Z0", "5A1522F", "5A1522G", "5A1522H", "5A15223", "0B110F4",
                "0B113F4", "0B114F4", "0B21XFZ", "30233G0", "30243G0", "30233U1",
                "XW033C7", "XW043C7", "XW033H7", "3E0J3U1", "02HA0RJ", "02HA3RZ",
                "0WHG33Z", "02YA0Z2")
MV_PROC = ("5A1935Z", "5A1945Z", "5A1955Z", "5A09357", "5A09457", "5A09557")
OB_PROC = ("10E0XZZ", "10D00Z1", "10D00Z0", "10D00Z2", "10A07ZZ", "0UL74ZZ", "0UT90ZZ",
           "10S07ZZ", "0W8NXZZ", "0UQGXZZ", "10D07Z8", "3E0P7GC", "10900ZC", "0UDB7ZZ",
           "0UT20ZZ", "10T20ZZ")
NEWBORN_SDX = ("P0700", "P0701", "P0702", "P0703", "P0710", "P0714", "P0717", "P0718",
               "P0720", "P0721", "P0726", "P0730", "P0732", "P0734", "P0737", "P0739",
               "P220", "P221", "P369", "P5900", "P599", "P2911", "P0500", "P0509", "P270",
               "P912", "P916", "Q900", "Q2111", "P0811", "P0821", "P700", "P703", "P90",
               "P0781", "P0789", "Z3A26", "P783", "Q213", "P2410")
NEWBORN_PDX = ("Z3800", "Z3801", "Z3830", "Z3831", "Z382", "Z3861", "Z3862", "P0701",
               "P0703", "P0714", "P0730", "P220", "P369", "P599", "P5900", "P2911", "P912",
               "P0500", "Q2111", "P0734")
NEWBORN_PROC = ("0VTTXZZ", "5A1955Z", "5A1945Z", "5A1935Z", "3E0234Z", "0BH17EZ",
                "02HV33Z", "5A09357", "0W9930Z", "3E0F7SF", "0DTJ4ZZ", "02VR0ZT")
HIV_RELATED = ("B59", "A150", "A310", "B250", "B258", "C460", "C469", "B376", "B451",
               "A072", "J189", "A419", "G9349", "D619", "R64", "B009", "A812", "C8330",
               "J159", "A1801", "B3781", "N390", "B0229", "E43", "D696")
BURN_PDX = ("T3110", "T3120", "T3132", "T3155", "T3166", "T3211", "T3233", "T3255",
            "T2030XA", "T2130XA", "T2230XA", "T2430XA", "T2530XA", "T2020XA", "T3162",
            "T3177", "T2730XA", "T2630XA", "T3001")
BURN_PROC = ("0HR0X72", "0HRMX73", "0HRSX74", "0HDJXZZ", "0HBKXZZ", "0JDK0ZZ",
             "0HRDX72", "0HRKX74")
TRAUMA_SDX = ("S065X0A", "S066X1A", "S270XXA", "S2241XA", "S36116A", "S37001A",
              "S72001A", "S82201A", "S32810A", "S12000A", "S42201A", "S52501A",
              "S0101XA", "S31000A", "S060X0A", "S22061A", "S36020A", "S3210XA", "S14101A")
TRAUMA_PROC = ("00C40ZZ", "0QS604Z", "0QSB04Z", "0SRB0J9", "0WJG0ZZ", "0DTN0ZZ",
               "07TP0ZZ", "0RG10A0", "0PSC04Z", "0QH604Z", "0W3F0ZZ")
JOINT_PAIRS = (("0SRB0J9", "0SR90J9"), ("0SRD0J9", "0SRC0J9"), ("0SRB0J9", "0SRD0J9"),
               ("0SR90JZ", "0SRC0JZ"), ("0SRE0JZ", "0SRA0JZ"), ("0SRR0J9", "0SRS0J9"),
               ("0SRT0JZ", "0SRU0JZ"), ("0SRV0JZ", "0SRW0JZ"), ("0RRJ0JZ", "0RRK0JZ"))
JOINT_PDX = ("M1611", "M1612", "M170", "M1711", "M1712", "S72001A", "S72011A", "M87051",
             "M160", "M1990", "T84010A", "T84011A", "M8788", "M1A0710", "M05761")
#: Invalid or malformed codes of several kinds (header codes, deleted, made up).
BAD_CODES = ("N40", "I50", "XYZ", "T3011XA", "J9600X", "A0", "Z99999", "I5022A", "E11",
             "S72", "0000000", "ABCDEFG", "0SR9", "")
STATUSES_VALID = ("01", "02", "03", "04", "05", "06", "07", "20", "21", "30", "43", "50",
                  "51", "61", "62", "63", "64", "65", "66", "69", "70", "81", "82", "83",
                  "84", "85", "86", "87", "88", "89", "90", "91", "92", "93", "94", "95")
POAS = ("Y", "Y", "Y", "N", "U", "W", "1", "")
_INVALID_STATUSES = tuple(f"{n:02d}" for n in range(100) if f"{n:02d}" not in STATUSES_VALID)


@cache
def cm_codes() -> tuple[str, ...]:
    """Billable FY2026 ICD-10-CM codes (CMS list shipped in the ``drg`` package)."""
    with drg_package_file("data", "cms", "icd_10_cm.csv").open(newline="",
                                                              encoding="utf-8") as fh:
        return tuple(sorted(row[0] for row in csv.reader(fh) if row and row[0]))


@cache
def severity_codes(level: str) -> tuple[str, ...]:
    """The CC (Table 6J) or MCC (Table 6I) list, undotted.

    >>> "J9601" in severity_codes("MCC")
    True
    """
    name = {"CC": "cc_list.txt", "MCC": "mcc_list.txt"}[level]
    out = []
    with drg_package_file("data", "cms", name).open(encoding="cp1252") as fh:
        for line in fh:
            code = line.split("\t", 1)[0].strip()
            if code[:1].isalpha() and code[1:2].isdigit():
                out.append(code.replace(".", ""))
    return tuple(out)


@cache
def pcs_codes() -> tuple[str, ...]:
    """ICD-10-PCS codes (the Tuva list shipped in the ``drg`` package)."""
    with drg_package_file("data", "tuva", "icd_10_pcs.csv").open(newline="",
                                                                encoding="utf-8") as fh:
        return tuple(sorted(row[0] for row in csv.reader(fh) if row and len(row[0]) == 7))


@cache
def or_procedures(version: str = "v43", sample: int = 6000, seed: int = 43) -> tuple[str, ...]:
    """O.R. procedures among a seeded sample of PCS codes, by CMS logic
    (:meth:`~coderlib.drg.engine.Engine.procedure_kind`)."""
    rng = random.Random(seed)
    codes = pcs_codes()
    eng = engine_for_version(version)
    picked = rng.sample(codes, min(sample, len(codes)))
    return tuple(sorted(c for c in picked if eng.procedure_kind(c)[0] == "or"))


class _Draw:
    """Helpers bound to one random generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.cm = cm_codes()
        self.cc = severity_codes("CC")
        self.mcc = severity_codes("MCC")
        self.by_prefix: dict[str, list[str]] = {}

    def prefixed(self, prefixes: tuple[str, ...]) -> str:
        p = self.rng.choice(prefixes)
        pool = self.by_prefix.get(p)
        if pool is None:
            pool = self.by_prefix[p] = [c for c in self.cm if c.startswith(p)] or list(self.cm)
        return self.rng.choice(pool)

    def sdx(self, n: int, poa_mix: bool = True) -> list[str]:
        out = []
        for _ in range(n):
            r = self.rng.random()
            code = self.rng.choice(self.mcc if r < 0.25 else self.cc if r < 0.6 else self.cm)
            poa = self.rng.choice(POAS) if poa_mix and self.rng.random() < 0.3 else ""
            out.append(code + (f":{poa}" if poa else ""))
        return out


def _medical(d: _Draw, ors: tuple[str, ...] = ()) -> dict:
    return {"pdx": d.rng.choice(d.cm), "sdx": d.sdx(d.rng.randint(0, 8))}


def _surgical_related(d: _Draw, ors: tuple[str, ...]) -> dict:
    procs = [d.rng.choice(ors) for _ in range(d.rng.randint(1, 3))]
    pdx = d.prefixed(_SYSTEM_PDX.get(procs[0][1], ("M",)))
    if d.rng.random() < 0.4:
        procs.append(d.rng.choice(pcs_codes()))
    return {"pdx": pdx, "sdx": d.sdx(d.rng.randint(0, 6)), "proc": procs}


def _surgical_any(d: _Draw, ors: tuple[str, ...]) -> dict:
    procs = [d.rng.choice(ors)] + [d.rng.choice(pcs_codes())
                                   for _ in range(d.rng.randint(0, 3))]
    return {"pdx": d.rng.choice(d.cm), "sdx": d.sdx(d.rng.randint(0, 6)), "proc": procs}


def _non_or(d: _Draw, ors: tuple[str, ...]) -> dict:
    procs = [d.rng.choice(pcs_codes()) for _ in range(d.rng.randint(1, 4))]
    return {"pdx": d.rng.choice(d.cm), "sdx": d.sdx(d.rng.randint(0, 6)), "proc": procs}


def _joints(d: _Draw, ors: tuple[str, ...]) -> dict:
    pair = list(d.rng.choice(JOINT_PAIRS))
    procs = pair if d.rng.random() < 0.7 else pair[:1]
    if d.rng.random() < 0.3:
        procs.append(d.rng.choice(ors))
    return {"pdx": d.rng.choice(JOINT_PDX), "sdx": d.sdx(d.rng.randint(0, 5)), "proc": procs}


def _obstetric(d: _Draw, ors: tuple[str, ...]) -> dict:
    procs = d.rng.sample(OB_PROC, d.rng.randint(0, 3))
    sdx = [d.prefixed(("O",)) for _ in range(d.rng.randint(0, 3))]
    sdx += [d.prefixed(("Z3A",)), d.rng.choice(("Z370", "Z371", "Z372", "Z3759"))]
    sdx += d.sdx(d.rng.randint(0, 3))
    return {"pdx": d.prefixed(("O",)), "sdx": sdx, "proc": procs,
            "age": d.rng.randint(13, 50), "sex": "F"}


def _newborn(d: _Draw, ors: tuple[str, ...]) -> dict:
    sdx = d.rng.sample(NEWBORN_SDX, d.rng.randint(0, 5)) + d.sdx(d.rng.randint(0, 2))
    procs = d.rng.sample(NEWBORN_PROC, d.rng.randint(0, 2))
    status = d.rng.choice(("01", "01", "01", "02", "05", "06", "20", "66", "65", "30"))
    return {"pdx": d.rng.choice(NEWBORN_PDX), "sdx": sdx, "proc": procs, "age": 0,
            "discharge_status": status}


def _hiv(d: _Draw, ors: tuple[str, ...]) -> dict:
    r = d.rng.random()
    if r < 0.35:
        pdx, sdx = "B20", d.rng.sample(HIV_RELATED, d.rng.randint(0, 4))
    elif r < 0.8:
        pdx, sdx = d.rng.choice(HIV_RELATED), ["B20"] + d.rng.sample(HIV_RELATED, 2)
    else:
        pdx, sdx = d.rng.choice(HIV_RELATED + ("J189", "I5022")), ["Z21"]
    procs = [d.rng.choice(ors)] if d.rng.random() < 0.3 else []
    return {"pdx": pdx, "sdx": sdx + d.sdx(d.rng.randint(0, 3)), "proc": procs}


def _hac(d: _Draw, ors: tuple[str, ...]) -> dict:
    sdx = [f"{c}:{d.rng.choice(POAS)}" for c in d.rng.sample(HAC_SDX, d.rng.randint(1, 4))]
    procs = d.rng.sample(HAC_PROC, d.rng.randint(0, 2))
    pdx = d.rng.choice(("J189", "S72001A", "M1611", "I214", "E6601", "I5022", "A419",
                        "M4806", "I2510", "K8010", d.rng.choice(d.cm)))
    return {"pdx": pdx, "sdx": sdx + d.sdx(d.rng.randint(0, 3)), "proc": procs}


def _pre_mdc(d: _Draw, ors: tuple[str, ...]) -> dict:
    procs = d.rng.sample(PRE_MDC_PROC, d.rng.randint(1, 2))
    if d.rng.random() < 0.5:
        procs.append(d.rng.choice(MV_PROC))
    if d.rng.random() < 0.3:
        procs.append(d.rng.choice(ors))
    pdx = d.rng.choice(("I5022", "I255", "K7030", "J8410", "N186", "E1010", "C9100",
                        "J9601", "C8338", "S12000A", "C020", "C320", "A419", "K8590",
                        d.rng.choice(d.cm)))
    return {"pdx": pdx, "sdx": d.sdx(d.rng.randint(0, 5)), "proc": procs}


def _ventilation(d: _Draw, ors: tuple[str, ...]) -> dict:
    procs = [d.rng.choice(MV_PROC)] + ([d.rng.choice(ors)] if d.rng.random() < 0.2 else [])
    pdx = d.rng.choice(("J9601", "J9621", "A419", "A4189", "J189", "J441", "I5023",
                        "R6521", "J80", "T401X1A", "I469", d.rng.choice(d.cm)))
    return {"pdx": pdx, "sdx": d.sdx(d.rng.randint(0, 6)), "proc": procs}


def _burns(d: _Draw, ors: tuple[str, ...]) -> dict:
    procs = d.rng.sample(BURN_PROC, d.rng.randint(0, 2))
    if d.rng.random() < 0.4:
        procs.append(d.rng.choice(MV_PROC))
    sdx = d.rng.sample(BURN_PDX, d.rng.randint(0, 2)) + ["T2700XA"] * (d.rng.random() < 0.2)
    return {"pdx": d.rng.choice(BURN_PDX), "sdx": sdx + d.sdx(d.rng.randint(0, 3)),
            "proc": procs}


def _trauma(d: _Draw, ors: tuple[str, ...]) -> dict:
    sdx = d.rng.sample(TRAUMA_SDX, d.rng.randint(1, 4))
    procs = d.rng.sample(TRAUMA_PROC, d.rng.randint(0, 2))
    return {"pdx": d.rng.choice(TRAUMA_SDX), "sdx": sdx + d.sdx(d.rng.randint(0, 3)),
            "proc": procs}


def _edits(d: _Draw, ors: tuple[str, ...]) -> dict:
    base = d.rng.choice((_medical, _newborn, _obstetric, _surgical_any))
    rec = base(d, ors)
    r = d.rng.random()
    if r < 0.3:
        rec["pdx"] = d.rng.choice(BAD_CODES[:-1] + ("W010XXA", "V0001XA", "D631", "Z8546"))
    elif r < 0.6:
        rec["sdx"] = list(rec.get("sdx", [])) + [d.rng.choice(BAD_CODES[:-1])]
    else:
        rec["proc"] = list(rec.get("proc", [])) + [d.rng.choice(("ABCDEFG", "0SR9",
                                                                 "0000000", "0FT44Z"))]
    rec["age"] = d.rng.choice((0, 1, 10, 17, 40, 70, 124))
    rec["sex"] = d.rng.choice("MFU")
    if d.rng.random() < 0.5:  # an invalid status, on stays whose logic may read it
        rec["discharge_status"] = d.rng.choice(_INVALID_STATUSES)
        if d.rng.random() < 0.5:
            rec["pdx"] = d.rng.choice(("I214", "I2109", "F1020", "F1120", "Z3800", "P0701",
                                       "J189", "A419"))
            rec["sdx"] = list(rec.get("sdx", [])) + ["I469"] * (d.rng.random() < 0.3)
    return rec


#: Case type -> (share of the frame, builder).
CASE_TYPES: dict[str, tuple[float, Callable]] = {
    "medical": (0.14, _medical), "surgical_related": (0.14, _surgical_related),
    "surgical_any": (0.06, _surgical_any), "non_or_procedures": (0.06, _non_or),
    "joints": (0.05, _joints), "obstetric": (0.08, _obstetric),
    "newborn": (0.08, _newborn), "hiv": (0.06, _hiv), "hac_poa": (0.08, _hac),
    "pre_mdc": (0.06, _pre_mdc), "ventilation": (0.05, _ventilation),
    "burns": (0.04, _burns), "trauma": (0.05, _trauma), "edits": (0.05, _edits),
}


def synthetic_frame(n: int, seed: int = 2026, version: str = "v43",
                    discharge_date: str | None = None) -> pd.DataFrame:
    """``n`` seeded encounters mixing :data:`CASE_TYPES` (column ``case_type`` says which).

    Discharge statuses: mostly 01, otherwise any valid status and, on 3% of stays, an
    invalid one (00-99); ages 18-95 unless the case type sets them; sex M/F (U on 2%).
    """
    rng = random.Random(seed)
    d = _Draw(rng)
    ors = or_procedures(version)
    names = list(CASE_TYPES)
    weights = [CASE_TYPES[k][0] for k in names]
    when = discharge_date or VERSION_DATES.get(version, "2025-11-15")
    rows = []
    for i in range(n):
        kind = rng.choices(names, weights)[0]
        rec = CASE_TYPES[kind][1](d, ors)
        r = rng.random()
        status = rec.get("discharge_status") or (
            "01" if r < 0.6 else rng.choice(STATUSES_VALID) if r < 0.97
            else f"{rng.randint(0, 99):02d}")
        sdx = [s for s in dict.fromkeys(rec.get("sdx", [])) if s]
        rows.append({"id": i + 1, "pdx": rec["pdx"], "sdx": ";".join(sdx),
                     "proc": ";".join(p for p in rec.get("proc", []) if p),
                     "age": rec.get("age", rng.randint(18, 95)),
                     "sex": rec.get("sex", "U" if rng.random() < 0.02 else rng.choice("MF")),
                     "discharge_status": status, "discharge_date": when, "case_type": kind})
    return pd.DataFrame(rows)
