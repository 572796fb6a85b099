"""Benchmark the code sets against the baselines named in issue 3; prints ratios.

    .venv/bin/python bench/codes.py [--runs 5] [--seed 7]

- cold start: a new process to its first ICD-10-CM lookup (warm cache), against a new
  process doing ``import simple_icd_10_cm`` (target <= 0.3 s);
- lookup p95 of ``icd10cm.get`` on random codes (target < 50 us);
- search p95 over all systems for 1-3 word queries (target <= 2 ms) and for misspelled
  queries (target <= 15 ms), and a plain SQLite FTS5 baseline over ICD-10-CM descriptions;
- resident memory with every code set and the search index loaded (target < 300 MB);
- command-line start-up (issue 11): ``coderlib --version``, ``coderlib lookup I50.22``,
  ``coderlib search pneumonia`` in a new process (target <= 0.2 s wall each), as a ratio
  against a new process doing ``import coderlib``. Bytecode is compiled first and
  ``PYTHONDONTWRITEBYTECODE`` is cleared for these runs, as on a user's machine.

Ratios below 1.0 mean faster/smaller than the target or baseline. The random queries are
drawn with ``--seed`` (printed).
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

# bench/ holds drg.py etc.; keep it off sys.path so ``import drg`` finds the real package
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]
PY = sys.executable


def _wall(code: str, runs: int) -> float:
    """Median wall time of ``python -c code`` in a fresh process."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([PY, "-c", code], check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _cli_wall(args: list[str], runs: int) -> float:
    """Median wall time of a ``coderlib`` command (or ``python -c``) in a new process."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    exe = [str(Path(PY).with_name("coderlib"))] if args[0] != "-c" else [PY]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(exe + args, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def _typo(word: str, rng: random.Random) -> str:
    """One realistic typo: swap two inner letters, drop one, or double one."""
    i = rng.randrange(1, len(word) - 2)
    kind = rng.choice(("swap", "drop", "double"))
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == "drop":
        return word[:i] + word[i + 1:]
    return word[:i] + word[i] + word[i:]


def _queries(rng: random.Random, n: int) -> tuple[list[str], list[str]]:
    from coderlib.codes import icd10cm, icd10pcs
    from coderlib.codes.search import STOPWORDS, words

    descs = [r.description for r in icd10cm.iter_search_rows()]
    descs += [r.description for r in icd10pcs.iter_search_rows()]
    plain, typos = [], []
    while len(plain) < n:
        ws = [w for w in words(rng.choice(descs)) if w not in STOPWORDS and w.isalpha()]
        if not ws:
            continue
        k = min(len(ws), rng.choice((1, 2, 3)))
        start = rng.randrange(0, len(ws) - k + 1)
        q = ws[start:start + k]
        plain.append(" ".join(q))
        long = [j for j, w in enumerate(q) if len(w) >= 6]
        if long:
            j = rng.choice(long)
            q = q[:j] + [_typo(q[j], rng)] + q[j + 1:]
            typos.append(" ".join(q))
    return plain, typos


def _fts_baseline(queries: list[str], ranked: bool = True) -> float:
    """p95 of a bare FTS5 word query over ICD-10-CM descriptions (in memory).

    ``ranked`` orders by bm25 (``ORDER BY rank``), which must score every matching row;
    unranked takes the first 20 matches, the cheapest query FTS5 can answer.
    """
    from coderlib.codes import icd10cm

    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE f USING fts5(d)")
    con.executemany("INSERT INTO f VALUES (?)",
                    ((r.description,) for r in icd10cm.iter_search_rows()))
    order = " ORDER BY rank" if ranked else ""
    sql = f"SELECT rowid FROM f WHERE f MATCH ?{order} LIMIT 20"
    times = []
    for q in queries:
        match = " ".join(f'"{w}"' for w in q.split())
        t = time.perf_counter()
        con.execute(sql, (match,)).fetchall()
        times.append(time.perf_counter() - t)
    return _p95(times)


_RSS = """
import resource
from coderlib.codes import icd10cm, icd10pcs, hcpcs, cpt, modifiers, search
icd10cm.get('E11.9'); icd10cm.excludes1_conflicts(['E11.9', 'E10.9'])
icd10pcs.decode('0DTJ4ZZ'); icd10pcs.next_values('0DT')
hcpcs.get('E0110'); cpt.get('99213'); modifiers.get('25')
search.search('diabetis'); search.search('fracture femur')
for line in open('/proc/self/status'):
    if line.startswith('VmRSS'):
        print(int(line.split()[1]) / 1024)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="processes per cold-start timing")
    ap.add_argument("--seed", type=int, default=7, help="seed for the random queries/codes")
    ap.add_argument("--queries", type=int, default=300, help="search queries per kind")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    load = open("/proc/loadavg").read().split()[:3] if Path("/proc/loadavg").exists() else "?"
    print(f"bench/codes.py  seed={args.seed}  runs={args.runs}  "
          f"python={sys.version.split()[0]}  load average={' '.join(load)}")

    # make sure every cache exists before timing anything
    from coderlib.codes import icd10cm, search

    icd10cm.get("E11.9")
    search.search("diabetes")

    rows = []
    bare = _wall("pass", args.runs)
    ours = _wall("from coderlib.codes import icd10cm; icd10cm.get('E11.9')", args.runs)
    base = _wall("import simple_icd_10_cm", max(1, args.runs // 2))
    rows.append(("cold start to first ICD-10-CM lookup", f"{ours:.3f} s",
                 f"target 0.3 s: {ours / 0.3:.2f}x",
                 f"import simple_icd_10_cm {base:.2f} s: {ours / base:.3f}x"))
    rows.append(("  (bare interpreter start)", f"{bare:.3f} s", "", ""))

    codes = icd10cm.all_codes(billable_only=False)
    first, other = rng.sample(codes, 3000), rng.sample(codes, 3000)
    for label, sample in (("lookup p95, first touch (3000 random codes)", first),
                          ("lookup p95, warm (3000 other random codes)", other),
                          ("lookup p95, repeated (the same 3000 again)", first)):
        times = []
        for c in sample:
            t = time.perf_counter()
            icd10cm.get(c)
            times.append(time.perf_counter() - t)
        lk, med = _p95(times), statistics.median(times)
        rows.append((label, f"{lk * 1e6:.1f} us", f"target 50 us: {lk / 50e-6:.2f}x",
                     f"median {med * 1e6:.1f} us"))

    plain, typos = _queries(rng, args.queries)
    for label, qs, target in (("search p95, 1-3 words", plain, 2e-3),
                              ("search p95, misspelled", typos, 15e-3)):
        times = []
        for q in qs:
            t = time.perf_counter()
            search.search(q, limit=20)
            times.append(time.perf_counter() - t)
        p = _p95(times)
        rows.append((label, f"{p * 1e3:.2f} ms", f"target {target * 1e3:.0f} ms: "
                     f"{p / target:.2f}x", f"median {statistics.median(times) * 1e3:.2f} ms"))
        if target == 2e-3:
            for ranked in (True, False):
                fts = _fts_baseline(qs, ranked)
                kind = "bm25-ranked" if ranked else "unranked"
                rows.append((f"  FTS5 baseline, {kind} (ICD-10-CM only)", f"{fts * 1e3:.2f} ms",
                             "", f"ours / baseline: {p / fts:.2f}x"))

    import compileall

    import coderlib

    compileall.compile_dir(str(Path(coderlib.__file__).parent), quiet=1)
    imp = _cli_wall(["-c", "import coderlib"], args.runs)
    rows.append(("CLI: python -c 'import coderlib' (baseline)", f"{imp:.3f} s", "", ""))
    for label, cmd in (("CLI: coderlib --version", ["--version"]),
                       ("CLI: coderlib lookup I50.22", ["lookup", "I50.22"]),
                       ("CLI: coderlib lookup --date 2026-12-01",
                        ["lookup", "E11.9", "--date", "2026-12-01"]),
                       ("CLI: coderlib search pneumonia", ["search", "pneumonia"])):
        wall = _cli_wall(cmd, args.runs)
        rows.append((label, f"{wall:.3f} s", f"target 0.2 s: {wall / 0.2:.2f}x",
                     f"vs import coderlib: {wall / imp:.2f}x"))

    out = subprocess.run([PY, "-c", _RSS], check=True, capture_output=True, text=True)
    rss, peak = (float(x) for x in out.stdout.split())
    rows.append(("RSS, all code sets + search loaded", f"{rss:.0f} MB",
                 f"target 300 MB: {rss / 300:.2f}x", f"peak {peak:.0f} MB"))

    width = max(len(r[0]) for r in rows)
    for name, value, vs_target, vs_base in rows:
        print(f"{name:<{width}}  {value:>10}  {vs_target:<24} {vs_base}")
    print("examples:", plain[:3], typos[:3])


if __name__ == "__main__":
    main()
