"""What ``coderlib lookup`` and ``coderlib search`` print, without the command-line framework.

``coderlib.codes.commands`` wraps these for Typer; :func:`fast` lets ``coderlib.cli.main``
run the two most frequent commands straight from ``sys.argv`` (standard-library argument
parsing), so they start without importing Typer and pydantic. Both paths print the same.

>>> fast(["lookup", "E11.9", "--help"]) is None  # help: left to Typer
True
"""

from __future__ import annotations

import json
import sys

SYSTEM_HELP = "icd10cm | icd10pcs | hcpcs | cpt"


def fail(err: Exception, as_json: bool) -> int:
    """Report a ``CodeError`` (or bad input); return the exit status 1."""
    payload = err.to_dict() if hasattr(err, "to_dict") else {"reason": "error",
                                                             "message": str(err)}
    if as_json:
        print(json.dumps({"error": payload}, indent=2))
    else:
        print(f"error: {err}", file=sys.stderr)
    return 1


def run_lookup(code: str, date: str | None, system: str | None, as_json: bool) -> int:
    """Print a code's page (or JSON); return the exit status."""
    from coderlib.codes.errors import CodeError
    from coderlib.codes.lookup import detail_lines, lookup

    try:
        res = lookup(code, on=date, system=system)
    except (CodeError, ValueError) as err:
        return fail(err, as_json)
    if as_json:
        out = res.to_dict()
        if res.system == "icd10pcs":
            from dataclasses import asdict

            from coderlib.codes import icd10pcs

            out["decoded"] = [asdict(a) for a in icd10pcs.decode(res.code).axes]
        print(json.dumps(out, indent=2, default=str))
        return 0
    print("\n".join(detail_lines(res)))
    return 0


def run_search(text: str, system: str | None, limit: int, as_json: bool) -> int:
    """Print search hits (or JSON); return the exit status."""
    from coderlib.codes.errors import CodeError
    from coderlib.codes.search import search

    try:
        hits = search(text, system=system, limit=limit)
    except CodeError as err:
        return fail(err, as_json)
    if as_json:
        print(json.dumps([h.to_dict() for h in hits], indent=2))
        return 0
    if not hits:
        print(f"no codes match {text!r}")
        return 0
    for h in hits:
        flag = " " if h.billable else "h"
        via = f"  (term: {h.matched_term})" if h.matched_term else ""
        print(f"{h.system:<8} {h.dotted:<9}{flag} {h.description}{via}")
    return 0


class _Refuse(Exception):
    """The arguments need Typer (help, a usage error): fall back to it."""


def fast(argv: list[str]) -> int | None:
    """Run ``lookup``/``search`` from raw arguments; ``None`` when Typer should handle them."""
    import argparse

    if not argv or argv[0] not in ("lookup", "search") or any(
            a in ("--help", "-h") for a in argv):
        return None

    class Parser(argparse.ArgumentParser):
        def error(self, message: str) -> None:  # noqa: D401 - argparse hook
            raise _Refuse(message)

    p = Parser(prog=f"coderlib {argv[0]}", add_help=False, allow_abbrev=False)
    p.add_argument("value")
    p.add_argument("--system", default=None)
    p.add_argument("--json", dest="as_json", action="store_true")
    if argv[0] == "lookup":
        p.add_argument("--date", default=None)
    else:
        p.add_argument("--limit", type=int, default=20)
    try:
        args = p.parse_args(argv[1:])
    except _Refuse:
        return None
    if argv[0] == "lookup":
        return run_lookup(args.value, args.date, args.system, args.as_json)
    if not 1 <= args.limit <= 500:
        return None  # Typer reports the range error
    return run_search(args.value, args.system, args.limit, args.as_json)
