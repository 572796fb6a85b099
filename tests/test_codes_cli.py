"""``coderlib lookup`` / ``search`` / ``excludes1``: human and --json output."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from coderlib.cli import app

runner = CliRunner()


def test_lookup_json_parses() -> None:
    res = runner.invoke(app, ["lookup", "e119", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["system"] == "icd10cm" and data["display"] == "E11.9"
    assert any(n["source"] == "E11" and "E10" in n["text"]
               for n in data["record"]["notes"] if n["kind"] == "excludes1")


def test_lookup_header_human_output_lists_children() -> None:
    res = runner.invoke(app, ["lookup", "E11.2"])
    assert res.exit_code == 0
    assert "not billable" in res.output and "E11.21, E11.22, E11.29" in res.output


def test_lookup_pcs_json_decodes() -> None:
    res = runner.invoke(app, ["lookup", "0DTJ4ZZ", "--json"])
    data = json.loads(res.output)
    assert data["system"] == "icd10pcs"
    assert data["decoded"][2]["meaning"] == "Resection"


def test_lookup_error_json_and_exit_code() -> None:
    res = runner.invoke(app, ["lookup", "I42.0", "--date", "2026-12-01", "--json"])
    assert res.exit_code == 1
    assert json.loads(res.output)["error"]["reason"] == "not_valid_on_date"
    res = runner.invoke(app, ["lookup", "E11.9", "--system", "icd9", "--json"])
    assert json.loads(res.output)["error"]["reason"] == "unknown_system"


def test_search_json_parses() -> None:
    res = runner.invoke(app, ["search", "diabetis", "--system", "icd10cm", "--limit", "3",
                              "--json"])
    assert res.exit_code == 0, res.output
    hits = json.loads(res.output)
    assert len(hits) == 3 and all(h["system"] == "icd10cm" for h in hits)
    assert all("diabet" in h["description"].lower() for h in hits)


def test_search_unknown_system() -> None:
    res = runner.invoke(app, ["search", "x", "--system", "icd9", "--json"])
    assert res.exit_code == 1
    assert json.loads(res.output)["error"]["reason"] == "unknown_system"


def test_excludes1_command() -> None:
    res = runner.invoke(app, ["excludes1", "E11.9", "E10.9", "--json"])
    assert res.exit_code == 1
    pairs = {(c["code"], c["excluded"]) for c in json.loads(res.output)}
    assert ("E11.9", "E10.9") in pairs
    assert runner.invoke(app, ["excludes1", "E11.9", "I10"]).exit_code == 0


def test_lookup_e11_9_on_a_fy2027_date() -> None:
    """The issue's first complaint: E11.9 on 2026-12-01 is valid in FY2027."""
    res = runner.invoke(app, ["lookup", "E11.9", "--date", "2026-12-01"])
    assert res.exit_code == 0, res.output
    assert "ICD-10-CM FY2027" in res.output
