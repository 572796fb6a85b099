"""`coderlib pcs decode|next` and `coderlib modifiers check`, text and --json."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from coderlib.cli import app

runner = CliRunner()


def test_pcs_decode_json_names_every_axis() -> None:
    result = runner.invoke(app, ["pcs", "decode", "0dtj4zz", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    meanings = [a["meaning"] for a in data["axes"]]
    assert meanings == ["Medical and Surgical", "Gastrointestinal System", "Resection",
                        "Appendix", "Percutaneous Endoscopic", "No Device", "No Qualifier"]


def test_pcs_decode_malformed_is_a_clear_error() -> None:
    result = runner.invoke(app, ["pcs", "decode", "0DTJ4Z", "--json"])
    assert result.exit_code == 1
    assert json.loads(result.output)["error"]["reason"] == "malformed"


def test_pcs_next_walks_the_table() -> None:
    result = runner.invoke(app, ["pcs", "next", "0DT", "--json"])
    assert result.exit_code == 0
    values = {v["value"]: v["meaning"] for v in json.loads(result.output)}
    assert values["J"] == "Appendix"
    text = runner.invoke(app, ["pcs", "next", "0DTJ"]).output
    assert "0DTJ4" in text and "Percutaneous Endoscopic" in text


def test_modifiers_check_flags_conflicts_and_passes_clean_lines() -> None:
    bad = runner.invoke(app, ["modifiers", "check", "50", "RT", "--json"])
    assert bad.exit_code == 1
    assert json.loads(bad.output)["conflicts"][0]["rule"] == "mutually_exclusive"
    good = runner.invoke(app, ["modifiers", "check", "26", "LT"])
    assert good.exit_code == 0 and "no conflicts" in good.output
    unknown = runner.invoke(app, ["modifiers", "check", "ZZZ9"])
    assert unknown.exit_code == 1 and "error" in unknown.output
