"""Re-run the reliability review's fuzz and fault-injection campaign and print its figures.

Counts, over seeded inputs: inputs tried, tracebacks (target 0), silent wrong answers (an
exit-0 result that disagrees with an independent parse of the same file; target 0), output
files left truncated by a full disk (target 0) and damaged stores detected (target all).

    .venv/bin/python scripts/reliability_campaign.py [--mutations 150] [--out-json FILE]

Everything runs in temporary folders (store, cache of the caller kept).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
from collections import Counter
from pathlib import Path

from typer.testing import CliRunner

from coderlib import store as store_mod
from coderlib.cli import app

GOOD_GROUP = ("id,pdx,sdx,proc,age,sex,discharge_status,discharge_date\n"
              "1,J18.9,E87.1,,70,F,01,2025-11-01\n"
              "2,I50.22,J96.01,,80,M,07,2025-12-01\n"
              "3,K80.10,,0FT44ZZ,50,F,01,2026-05-01\n"
              "4,N39.0,A41.9:N,,66,M,20,2026-01-15\n")
GOOD_POP = ("encounter_id,coder,setting,payer,service_date,dx,chart_id,discharge_status,sex,age\n"
            "E1,Ann,inpatient,Medicare,2025-11-03,A41.9:Y|N39.0:Y,c1,07,F,70\n"
            "E2,Bob,office,Medicare,2025-11-04,I10,c2,,M,44\n"
            "E3,Ann,office,Medicaid,2025-11-05,J18.9,c3,,F,33\n"
            "E4,Cy,emergency,Commercial,2025-11-06,S52.501A,c4,,M,12\n"
            "E5,Bob,inpatient,Self-pay,2025-11-07,I50.22:Y,c5,01,F,81\n")

MUTATIONS = ("insert_comma", "delete_char", "insert_quote", "random_byte", "duplicate_line",
             "trailing_comma", "swap_lines", "insert_cr", "latin1_char", "nul")


def _mutate(text: str, rng: random.Random) -> bytes:
    data = bytearray(text.encode())
    kind = rng.choice(MUTATIONS)
    pos = rng.randrange(len(data))
    if kind == "insert_comma":
        data[pos:pos] = b","
    elif kind == "delete_char":
        del data[pos]
    elif kind == "insert_quote":
        data[pos:pos] = b'"'
    elif kind == "random_byte":
        data[pos] = rng.randrange(256)
    elif kind == "duplicate_line":
        lines = bytes(data).split(b"\n")
        i = rng.randrange(1, max(2, len(lines) - 1))
        lines.insert(i, lines[i])
        data = bytearray(b"\n".join(lines))
    elif kind == "trailing_comma":
        data = bytearray(bytes(data).replace(b"\n", b",\n").replace(b",\n", b"\n", 1))
    elif kind == "swap_lines":
        lines = bytes(data).split(b"\n")
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
        data = bytearray(b"\n".join(lines))
    elif kind == "insert_cr":
        data[pos:pos] = b"\r"
    elif kind == "latin1_char":
        data[pos:pos] = "\u00e9".encode("latin-1")
    else:
        data[pos:pos] = b"\x00"
    return bytes(data)


def _independent_rows(data: bytes) -> list[dict[str, str]] | None:
    """The file parsed by the csv module alone (None when it is not a clean table)."""
    try:
        text = data.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except (UnicodeDecodeError, csv.Error):
        return None
    header = [h.strip() for h in rows[0]] if rows else []
    body = [r for r in rows[1:] if any(c.strip() for c in r)]
    if not header or any(len(r) != len(header) for r in body):
        return None
    return [{h: c.strip() for h, c in zip(header, r, strict=True)} for r in body]


class Tally:
    """Counts per category of outcome."""

    def __init__(self) -> None:
        self.c: Counter[str] = Counter()
        self.examples: dict[str, str] = {}

    def add(self, key: str, example: str = "") -> None:
        self.c[key] += 1
        self.examples.setdefault(key, example)


def _invoke(args: list[str]) -> tuple[int, str, BaseException | None]:
    res = CliRunner().invoke(app, args)
    exc = res.exception if not isinstance(res.exception, SystemExit) else None
    return res.exit_code, res.output, exc


def fuzz_group(folder: Path, n: int, rng: random.Random, t: Tally) -> None:
    from coderlib.drg.batch import encounter_from_row
    from coderlib.drg.grouper import group

    inputs = [GOOD_GROUP.encode()] + [_mutate(GOOD_GROUP, rng) for _ in range(n)]
    for data in inputs:
        src, out = folder / "g.csv", folder / "g.out.csv"
        src.write_bytes(data)
        out.unlink(missing_ok=True)
        t.add("group inputs")
        code, output, exc = _invoke(["group", "--csv", str(src), "--out", str(out), "--json"])
        if exc is not None:
            t.add("group tracebacks", f"{type(exc).__name__}: {exc}")
            continue
        if code == 2:
            t.add("group refused with a message")
            continue
        rows = _independent_rows(data)
        if rows is None:
            t.add("group silent wrong answers", f"accepted a file csv cannot parse: {data!r}")
            continue
        with open(out, newline="", encoding="utf-8") as fh:
            got = list(csv.DictReader(fh))
        for row, res in zip(rows, got, strict=True):
            try:
                want = group(encounter_from_row(row)).drg
            except Exception:  # noqa: BLE001 - a row error is expected to show as error
                want = ""
            if res["drg"] != want or res["id"].lstrip("'") != row["id"]:
                t.add("group silent wrong answers", f"{row} -> {res}")
                break
        else:
            t.add("group grouped as an independent parse says")


def fuzz_population(folder: Path, n: int, rng: random.Random, t: Tally) -> None:
    inputs = [GOOD_POP.encode()] + [_mutate(GOOD_POP, rng) for _ in range(n)]
    for data in inputs:
        src, out = folder / "p.csv", folder / "s.csv"
        src.write_bytes(data)
        out.unlink(missing_ok=True)
        t.add("population inputs")
        code, output, exc = _invoke(["audit", "sample", str(src), "--size", "3", "--seed", "7",
                                     "--out", str(out)])
        if exc is not None:
            t.add("population tracebacks", f"{type(exc).__name__}: {exc}")
            continue
        if code != 0:
            t.add("population refused with a message")
            continue
        rows = _independent_rows(data)
        if rows is None:
            t.add("population silent wrong answers", f"accepted {data!r}")
            continue
        by_id = {r["encounter_id"]: r for r in rows}
        with open(out, newline="", encoding="utf-8") as fh:
            sample = list(csv.DictReader(fh))
        for s in sample:
            r = by_id.get(s["encounter_id"])
            if r is None or any(s[c].lstrip("'") != r[c] for c in ("coder", "discharge_status")
                                if c in r):
                t.add("population silent wrong answers", f"{s} vs {r}")
                break
        else:
            t.add("population sampled as an independent parse says")


def fuzz_small(folder: Path, t: Tally) -> None:
    """The review's remaining tracebacks: params on bad paths, report with no findings, seeds."""
    readme = folder / "README.md"
    readme.write_text("# x\n")
    for path in ("/nope.ipynb", str(folder), str(readme)):
        t.add("other inputs")
        code, output, exc = _invoke(["notebooks", "params", path])
        t.add("other tracebacks" if exc else "other clear messages", str(exc))
    pop = folder / "pop.csv"
    pop.write_text(GOOD_POP)
    store = folder / "small.sqlite"
    for seed in (0, 2**63 - 1, 2**63, 2**64, 2**80):
        t.add("other inputs")
        out = folder / f"s{seed}.csv"
        code, output, exc = _invoke(["audit", "sample", str(pop), "--size", "2", "--seed",
                                     str(seed), "--out", str(out)])
        if exc:
            t.add("other tracebacks", str(exc))
            continue
        if code == 0:
            code, output, exc = _invoke(["audit", "start", str(out), "--audit-id", f"a{seed}",
                                         "--store", str(store)])
            if exc:
                t.add("other tracebacks", str(exc))
                continue
            code, output, exc = _invoke(["audit", "report", "--audit-id", f"a{seed}", "--out",
                                         str(folder / "r.xlsx"), "--store", str(store)])
        t.add("other tracebacks" if exc else "other clear messages", str(exc))


_WRITE = textwrap.dedent("""
    import resource, sys
    from coderlib.cli import app
    limit = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    sys.argv = ["coderlib", *sys.argv[2:]]
    app()
""")


def disk_full(folder: Path, t: Tally) -> None:
    """Commands writing under ``ulimit -f``: the previous file must stay whole."""
    big = folder / "big.csv"
    lines = [GOOD_GROUP.splitlines()[0]] + [
        f"{i},J18.9,E87.1,,70,F,01,2025-11-01" for i in range(3000)]
    big.write_text("\n".join(lines) + "\n")
    pop = folder / "bigpop.csv"
    header, *rows = GOOD_POP.splitlines()
    pop.write_text(header + "\n" + "".join(
        rows[i % 5].replace(f"E{i % 5 + 1},", f"E{i},", 1) + "\n" for i in range(3000)))
    runs = [(["group", "--csv", str(big), "--out"], "g.csv"),
            (["audit", "sample", str(pop), "--size", "2000", "--seed", "1", "--out"], "s.csv"),
            (["audit", "sample", str(pop), "--size", "2000", "--seed", "1", "--out"], "s.xlsx")]
    for limit in (16384, 65536):
        for args, name in runs:
            target = folder / "full" / name
            target.parent.mkdir(exist_ok=True)
            target.write_bytes(b"previous whole file\n")
            t.add("disk-full runs")
            proc = subprocess.run([sys.executable, "-c", _WRITE, str(limit), *args, str(target)],
                                  capture_output=True, text=True, timeout=600)
            left = sorted(p.name for p in target.parent.iterdir())
            if target.read_bytes() != b"previous whole file\n" and proc.returncode != 0:
                t.add("disk-full files left truncated", f"{name} {limit}")
            if left != [target.name]:
                t.add("disk-full temp files left", str(left))
            if "Traceback" in proc.stderr:
                t.add("disk-full tracebacks", proc.stderr[-300:])
            elif proc.returncode != 0 and str(target) in proc.stderr + proc.stdout:
                t.add("disk-full clear messages")
            shutil.rmtree(target.parent)


def _damages(data: bytes, rng: random.Random) -> list[tuple[str, bytes]]:
    out = [("truncated to 0", b""), ("truncated to half", data[: len(data) // 2]),
           ("bad header", b"not a database!!" + data[16:]),
           ("random bytes", bytes(rng.randrange(256) for _ in range(len(data))))]
    for page in range(1, min(8, len(data) // 4096)):
        out.append((f"zeroed page {page + 1}",
                    data[: page * 4096] + bytes(4096) + data[(page + 1) * 4096:]))
    for k in range(16):
        flipped = bytearray(data)
        for _ in range(200):
            flipped[rng.randrange(100, len(flipped))] ^= 1 << rng.randrange(8)
        out.append((f"200 flipped bytes #{k}", bytes(flipped)))
    return out


def damaged_stores(folder: Path, rng: random.Random, t: Tally) -> None:
    from coderlib.audit.demo import ensure_demo_audit, load_demo, truth_as_findings
    from coderlib.exercises import attempts

    base = folder / "base.sqlite"
    session = ensure_demo_audit(base, method="srs", size=12, seed=3, audit_id="camp")
    con = attempts.connect(base)
    for i in range(200):
        attempts.save_attempt(con, f"c{i}", "PDX: A41.51:Y " + "x" * 80)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    ids = list(session.sample["encounter_id"])[:2]
    session.con.close()
    truth = truth_as_findings(load_demo().set_index("encounter_id").loc[ids].reset_index())
    findings = folder / "f.csv"
    truth[["encounter_id", "audit_dx", "audit_px", "audit_lines"]].to_csv(findings, index=False)
    data = base.read_bytes()
    commands = [["audit", "list"], ["audit", "findings", "camp", str(findings)],
                ["audit", "report", "--audit-id", "camp", "--out", str(folder / "r.csv")],
                ["exercises", "history"]]
    for name, damaged in _damages(data, rng):
        path = folder / "d.sqlite"
        for extra in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            extra.unlink(missing_ok=True)
        path.write_bytes(damaged)
        shutil.rmtree(folder / "backups", ignore_errors=True)
        t.add("damaged stores")
        outcomes = set()
        for args in commands:
            store_mod._CHECKED.clear()
            code, output, exc = _invoke([*args, "--store", str(path)])
            if exc is not None:
                outcomes.add("traceback")
                t.add("store tracebacks", f"{name}: {args[:2]} {type(exc).__name__}: {exc}")
            elif code == 2 and "damaged" in output:
                outcomes.add("detected")
            else:
                outcomes.add("accepted")
        if outcomes == {"detected"}:
            t.add("damaged stores detected")
            continue
        check = sqlite3.connect(path)
        check.text_factory = bytes
        try:
            ok = check.execute("PRAGMA integrity_check").fetchone()[0] == b"ok"
        except (sqlite3.DatabaseError, UnicodeDecodeError):
            ok = False
        finally:
            check.close()
        t.add("damage only inside values (store sound, not detectable)" if ok
              else "damaged stores missed", name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mutations", type=int, default=150)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--out-json", type=Path)
    parser.add_argument("--skip", nargs="*", default=[])
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="coderlib-campaign-"))
    os.environ["CODERLIB_STORE"] = str(folder / "user.sqlite")
    os.environ["CODERLIB_BUILD"] = str(folder / "build")
    rng = random.Random(args.seed)
    t = Tally()
    steps = {"group": lambda: fuzz_group(folder, args.mutations, rng, t),
             "population": lambda: fuzz_population(folder, args.mutations, rng, t),
             "small": lambda: fuzz_small(folder, t),
             "disk": lambda: disk_full(folder, t),
             "store": lambda: damaged_stores(folder, rng, t)}
    for name, step in steps.items():
        if name not in args.skip:
            step()
            print(f"-- {name} done", file=sys.stderr, flush=True)
    for key in sorted(t.c):
        print(f"{key:<60} {t.c[key]:>6}")
    bad = {k: v for k, v in t.examples.items()
           if any(w in k for w in ("traceback", "wrong", "truncated", "missed", "temp"))}
    for key, example in bad.items():
        print(f"  e.g. {key}: {example[:300]}")
    if args.out_json:
        args.out_json.write_text(json.dumps({"counts": t.c, "examples": t.examples}, indent=2))
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
