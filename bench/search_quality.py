"""Search quality: does ``coderlib search`` find what coders and patients type?

    .venv/bin/python bench/search_quality.py [--verbose]

Each query names the codes that count as the right answer (any one of them) and whether it
is one of the 50 most common searches (those must be in the top 3; every other query in the
top 5). Queries cover lay terms, abbreviations, misspellings, procedures and phrasings that
are not verbatim in coderlib's lay vocabulary. Prints hit@3 and hit@5 per kind and overall
(the bar: hit@5 >= 95%, and every common query in its top 3), then the misses.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]

# (query, acceptable codes as shown by search (dotted ICD-10-CM), kind, common)
COMMON = [
    ("heart attack", "I21.9", "lay"), ("chf", "I50.9", "abbrev"), ("copd", "J44.9", "abbrev"),
    ("afib", "I48.91", "abbrev"), ("uti", "N39.0", "abbrev"), ("dka", "E11.10 E10.10", "abbrev"),
    ("ckd", "N18.9", "abbrev"), ("esrd", "N18.6", "abbrev"), ("stroke", "I63.9", "lay"),
    ("cva", "I63.9", "abbrev"), ("tia", "G45.9", "abbrev"), ("dvt", "I82.409", "abbrev"),
    ("pe", "I26.99", "abbrev"), ("pneumonia", "J18.9", "lay"), ("htn", "I10", "abbrev"),
    ("hypertension", "I10", "lay"), ("diabetes", "E11.9", "lay"),
    ("type 2 diabetes", "E11.9", "lay"), ("asthma", "J45.909", "lay"),
    ("hip fracture", "S72.009A S72.001A S72.002A", "lay"),
    ("broken wrist", "S52.509A S52.501A", "lay"), ("appendectomy", "0DTJ0ZZ 0DTJ4ZZ 44970",
                                                    "procedure"),
    ("lap appy", "0DTJ4ZZ 44970", "procedure"), ("lap chole", "0FT44ZZ 47562", "procedure"),
    ("cabg", "021009W 021109W", "procedure"), ("tka", "0SRD0JZ 0SRC0JZ 27447", "procedure"),
    ("c-section", "10D00Z1 O82", "procedure"), ("depression", "F32.A F32.9", "lay"),
    ("anxiety", "F41.9", "lay"), ("gerd", "K21.9", "abbrev"), ("hypothyroidism", "E03.9", "lay"),
    ("high cholesterol", "E78.5 E78.00", "lay"), ("obesity", "E66.9", "lay"),
    ("anemia", "D64.9", "lay"), ("sepsis", "A41.9", "lay"), ("cellulitis", "L03.90", "lay"),
    ("back pain", "M54.50", "lay"), ("osteoarthritis", "M19.90", "lay"),
    ("migraine", "G43.909", "lay"), ("headache", "R51.9", "lay"), ("chest pain", "R07.9", "lay"),
    ("abdominal pain", "R10.9", "lay"), ("fainting", "R55", "lay"), ("fever", "R50.9", "lay"),
    ("cough", "R05.9", "lay"), ("sob", "R06.02 R06.00", "abbrev"), ("covid", "U07.1", "lay"),
    ("flu", "J11.1", "lay"), ("kidney stone", "N20.0", "lay"), ("colonoscopy", "45378 0DJD8ZZ",
                                                               "procedure"),
]
OTHER = [
    # lay terms and abbreviations
    ("mi", "I21.9", "abbrev"), ("ami", "I21.9", "abbrev"), ("stemi", "I21.3", "abbrev"),
    ("nstemi", "I21.4", "abbrev"), ("cad", "I25.10", "abbrev"), ("a fib", "I48.91", "abbrev"),
    ("svt", "I47.10", "abbrev"), ("pvd", "I73.9", "abbrev"), ("aaa", "I71.40", "abbrev"),
    ("hld", "E78.5", "abbrev"), ("ms", "G35.D", "abbrev"), ("als", "G12.21", "abbrev"),
    ("osa", "G47.33", "abbrev"), ("ptsd", "F43.10", "abbrev"), ("adhd", "F90.9", "abbrev"),
    ("ocd", "F42.9", "abbrev"), ("bph", "N40.0 N40.1", "abbrev"), ("aki", "N17.9", "abbrev"),
    ("ibs", "K58.9", "abbrev"), ("uc", "K51.90", "abbrev"), ("c diff", "A04.72", "abbrev"),
    ("hiv", "B20", "abbrev"), ("ra", "M06.9", "abbrev"), ("sle", "M32.9", "abbrev"),
    ("djd", "M19.90", "abbrev"), ("lbp", "M54.50", "abbrev"), ("acl tear", "S83.519A", "abbrev"),
    ("mva", "V43.52XA V89.2XXA", "abbrev"), ("pcos", "E28.2", "abbrev"),
    ("gdm", "O24.419", "abbrev"), ("uri", "J06.9", "abbrev"), ("tb", "A15.9", "abbrev"),
    ("ams", "R41.82", "abbrev"), ("si", "R45.851", "abbrev"),
    ("high blood pressure", "I10", "lay"), ("blood clot in leg", "I82.409", "lay"),
    ("blood clot in lung", "I26.99", "lay"), ("mini stroke", "G45.9", "lay"),
    ("broken hip", "S72.009A", "lay"), ("broken ankle", "S82.899A", "lay"),
    ("sprained ankle", "S93.409A", "lay"), ("twisted ankle", "S93.409A", "lay"),
    ("broken arm", "S52.90XA", "lay"), ("broken rib", "S22.39XA", "lay"),
    ("bladder infection", "N39.0 N30.90", "lay"), ("kidney infection", "N10", "lay"),
    ("stomach flu", "K52.9 A08.4", "lay"), ("throwing up", "R11.2", "lay"),
    ("belly pain", "R10.9", "lay"), ("acid reflux", "K21.9", "lay"),
    ("heartburn", "K21.9", "lay"), ("low blood sugar", "E16.2", "lay"),
    ("underactive thyroid", "E03.9", "lay"), ("sugar diabetes", "E11.9", "lay"),
    ("passed out", "R55", "lay"), ("racing heart", "R00.0", "lay"),
    ("pink eye", "H10.9", "lay"), ("ear infection", "H66.90", "lay"),
    ("strep throat", "J02.0", "lay"), ("sore throat", "J02.9", "lay"),
    ("bedsore", "L89.90", "lay"), ("shingles", "B02.9", "lay"), ("hives", "L50.9", "lay"),
    ("dog bite", "W54.0XXA", "lay"), ("bee sting", "T63.441A", "lay"),
    ("fell out of bed", "W06.XXXA", "lay"), ("tylenol overdose", "T39.1X1A", "lay"),
    ("missed insulin doses", "T38.3X6A", "lay"), ("warfarin bleeding", "T45.515A", "lay"),
    ("on dialysis", "Z99.2", "lay"), ("former smoker", "Z87.891", "lay"),
    ("smoker", "F17.210", "lay"), ("flu shot", "Z23 90471", "lay"),
    ("annual physical", "Z00.00", "lay"), ("well child visit", "Z00.129", "lay"),
    ("morning sickness", "O21.0 O21.9", "lay"), ("miscarriage", "O03.9", "lay"),
    ("hot flashes", "N95.1", "lay"), ("enlarged prostate", "N40.0 N40.1", "lay"),
    ("ringing in ears", "H93.19", "lay"), ("earwax", "H61.20", "lay"),
    # misspellings and British spellings
    ("heart atack", "I21.9", "misspelling"), ("pnuemonia", "J18.9", "misspelling"),
    ("pnemonia", "J18.9", "misspelling"), ("diabetis", "E11.9 E11", "misspelling"),
    ("hypertention", "I10", "misspelling"), ("asthama", "J45.909", "misspelling"),
    ("alzhiemers", "G30.9", "misspelling"), ("appendectomey", "0DTJ0ZZ 0DTJ4ZZ 44970",
                                             "misspelling"),
    ("cholecystecomy", "0FT40ZZ 0FT44ZZ 47562", "misspelling"),
    ("gastroenteritus", "K52.9 A08.4", "misspelling"),
    ("bronchitus", "J40 J20.9", "misspelling"), ("sinusitus", "J32.9 J01.90", "misspelling"),
    ("migrane", "G43.909", "misspelling"), ("colonscopy", "45378 0DJD8ZZ", "misspelling"),
    ("hemorroids", "K64.9", "misspelling"), ("fibromialgia", "M79.7", "misspelling"),
    ("excema", "L20.9", "misspelling"), ("cellulitus", "L03.90", "misspelling"),
    ("osteoporsis", "M81.0", "misspelling"), ("atrial fibrilation", "I48.91", "misspelling"),
    ("congestive heart failiure", "I50.9", "misspelling"),
    ("urinary tract infecton", "N39.0", "misspelling"),
    ("tonsilectomy", "0CTPXZZ", "misspelling"), ("hysterectomey", "0UT90ZZ 0UT94ZZ",
                                                 "misspelling"),
    ("cateract", "H26.9", "misspelling"), ("glocoma", "H40.9", "misspelling"),
    ("diarrhoea", "R19.7", "misspelling"), ("anaemia", "D64.9", "misspelling"),
    ("schitzophrenia", "F20.9", "misspelling"), ("dementa", "F03.90", "misspelling"),
    ("hypothyroidsm", "E03.9", "misspelling"), ("pancreatitus", "K85.90", "misspelling"),
    # procedures
    ("appendix removal", "0DTJ0ZZ 0DTJ4ZZ 44970", "procedure"),
    ("laparoscopic appendectomy", "0DTJ4ZZ 44970", "procedure"),
    ("gallbladder removal", "0FT40ZZ 0FT44ZZ 47562", "procedure"),
    ("knee replacement", "0SRD0JZ 0SRC0JZ 27447", "procedure"),
    ("total hip replacement", "0SR90JZ 0SRB0JZ", "procedure"),
    ("coronary bypass", "021009W 021109W", "procedure"),
    ("heart cath", "4A023N7", "procedure"), ("coronary stent", "0270346 02703DZ", "procedure"),
    ("pacemaker insertion", "0JH606Z", "procedure"), ("hysterectomy", "0UT90ZZ 0UT94ZZ",
                                                      "procedure"),
    ("tonsillectomy", "0CTPXZZ", "procedure"), ("colonoscopy with biopsy", "45380 0DBE8ZX",
                                                 "procedure"),
    ("egd", "43239 0DB68ZX", "procedure"), ("cataract surgery", "66984 08RJ3JZ", "procedure"),
    ("mechanical ventilation", "5A1955Z 5A1945Z 5A1935Z", "procedure"),
    ("intubation", "0BH17EZ", "procedure"), ("blood transfusion", "30233N1", "procedure"),
    ("central line", "02HV33Z", "procedure"), ("chest tube", "0W9930Z", "procedure"),
    ("spinal tap", "009U3ZX", "procedure"), ("paracentesis", "0W9G3ZZ", "procedure"),
    ("thoracentesis", "0W993ZZ", "procedure"), ("circumcision", "0VTTXZZ", "procedure"),
    ("vasectomy", "0VLQ0ZZ", "procedure"), ("ekg", "93000", "procedure"),
    ("chest x-ray", "71046 71045", "procedure"), ("cbc", "85025", "procedure"),
    ("a1c", "83036", "procedure"), ("urinalysis", "81002", "procedure"),
    ("stitches", "12001", "procedure"),
    # phrasings not verbatim in the vocabulary (descriptions, word order, laterality)
    ("type 2 diabetes without complications", "E11.9", "phrase"),
    ("diabetes mellitus type 2", "E11.9", "phrase"),
    ("essential hypertension", "I10", "phrase"),
    ("acute myocardial infarction unspecified", "I21.9", "phrase"),
    ("major depressive disorder single episode", "F32.9", "phrase"),
    ("gastro-esophageal reflux disease", "K21.9", "phrase"),
    ("chronic obstructive pulmonary disease", "J44.9", "phrase"),
    ("acute kidney failure", "N17.9", "phrase"),
    ("left femoral neck fracture", "S72.002A", "phrase"),
    ("fracture neck of right femur", "S72.001A", "phrase"),
    ("pain in right knee", "M25.561", "phrase"),
    ("sepsis due to e coli", "A41.51", "phrase"),
    ("obstructive sleep apnea", "G47.33", "phrase"),
    ("iron deficiency anemia", "D50.9", "phrase"),
    ("streptococcal pharyngitis", "J02.0", "phrase"),
    ("morbid obesity", "E66.01", "phrase"),
    ("vitamin d deficiency", "E55.9", "phrase"),
    ("alcohol dependence uncomplicated", "F10.20", "phrase"),
    ("resection of appendix open", "0DTJ0ZZ", "phrase"),
    ("atherosclerotic heart disease of native coronary artery", "I25.10", "phrase"),
]
QUERIES = [(q, set(c.split()), k, True) for q, c, k in COMMON] + \
    [(q, set(c.split()), k, False) for q, c, k in OTHER]


def run(verbose: bool = False) -> dict[str, object]:
    """Run every query; return the scores and the misses."""
    from coderlib.codes.search import search

    rows = []
    for query, want, kind, common in QUERIES:
        shown = [h.dotted for h in search(query, limit=5)]
        rank = next((i + 1 for i, c in enumerate(shown) if c in want), None)
        needed = 3 if common else 5
        rows.append({"query": query, "kind": kind, "common": common, "rank": rank,
                     "ok": rank is not None and rank <= needed, "want": sorted(want),
                     "top5": shown})
    out: dict[str, object] = {"queries": len(rows), "common": sum(r["common"] for r in rows)}
    for label, sel in (("all", rows), ("common (top 3 required)", [r for r in rows
                                                                    if r["common"]])):
        n = len(sel)
        out[label] = {"hit@3": sum(1 for r in sel if r["rank"] and r["rank"] <= 3) / n,
                      "hit@5": sum(1 for r in sel if r["rank"]) / n, "n": n}
    kinds = sorted({r["kind"] for r in rows})
    out["by_kind"] = {k: {"n": len([r for r in rows if r["kind"] == k]),
                          "hit@5": sum(1 for r in rows if r["kind"] == k and r["rank"])
                          / len([r for r in rows if r["kind"] == k])} for k in kinds}
    out["misses"] = [r for r in rows if not r["ok"]]
    out["rows"] = rows if verbose else []
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--verbose", action="store_true", help="print every query")
    args = ap.parse_args()
    res = run(args.verbose)
    print(f"bench/search_quality.py: {res['queries']} queries, {res['common']} common "
          "(top 3 required), the rest top 5")
    for label in ("all", "common (top 3 required)"):
        s = res[label]
        print(f"  {label:<26} n={s['n']:<4} hit@3 {s['hit@3']:.1%}  hit@5 {s['hit@5']:.1%}")
    for kind, s in res["by_kind"].items():
        print(f"  kind {kind:<21} n={s['n']:<4} hit@5 {s['hit@5']:.1%}")
    bar = res["all"]["hit@5"] >= 0.95 and not [m for m in res["misses"] if m["common"]]
    print(f"  bar (hit@5 >= 95%, every common query in its top 3): "
          f"{'met' if bar else 'NOT met'}")
    for m in res["misses"]:
        print(f"  miss: {m['query']!r} want {m['want']} (rank {m['rank']}) got {m['top5']}")
    for r in res["rows"]:
        print(f"  {r['rank'] or '-':>2}  {r['query']!r} -> {r['top5'][:3]}")


if __name__ == "__main__":
    main()
