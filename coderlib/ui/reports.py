"""``make reports``: the accuracy report (notebook 04) once per coder, into build/reports/,
with an HTML copy of each that reads offline.

Each run is papermill with the parameters ``coder`` and ``out_dir`` (so every coder's Excel
workbook and figures land beside their notebook), on the demo audit unless ``--audit-id`` and
``--store`` name another. The HTML copies are made with
:func:`coderlib.notebooks.offline_html`: no widget manager is needed, every widget output has
a static stand-in, so nothing is blank without the internet.

>>> safe_name("Fay O'Neil")
'Fay_O_Neil'
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from coderlib.paths import REPO_ROOT

NOTEBOOK = REPO_ROOT / "notebooks" / "04_accuracy_report.ipynb"


def safe_name(text: str) -> str:
    """A coder's name as a file-name part."""
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_") or "all"


def coders_of(audit_id: str, store: Path) -> list[str]:
    """The coders sampled in ``audit_id`` (the demo audit is built when missing)."""
    from coderlib.audit.demo import demo_audit_id, ensure_demo_audit
    from coderlib.audit.findings import open_audit

    if audit_id == demo_audit_id():
        session = ensure_demo_audit(store)
    else:
        session = open_audit(audit_id, path=store)
    return sorted(session.sample["coder"].astype(str).unique())


def run_reports(audit_id: str | None = None, store: Path | None = None,
                out_dir: Path | None = None) -> list[Path]:
    """Run notebook 04 once per coder; returns the HTML copies written."""
    import nbformat
    import papermill as pm

    from coderlib.audit.demo import demo_audit_id
    from coderlib.notebooks import ensure_kernel, kernel_config, offline_html

    audit_id = audit_id or demo_audit_id()
    store = store or REPO_ROOT / "build" / "audit_demo.sqlite"
    out_dir = out_dir or REPO_ROOT / "build" / "reports"
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for coder in coders_of(audit_id, store):
        name = f"04_accuracy_report_{safe_name(coder)}"
        output = out_dir / f"{name}.ipynb"
        pm.execute_notebook(str(NOTEBOOK), str(output), kernel_name=ensure_kernel(),
                            parameters={"audit_id": audit_id, "coder": coder,
                                        "store_path": str(store), "out_dir": str(out_dir)},
                            cwd=str(REPO_ROOT), progress_bar=False, config=kernel_config())
        html = output.with_suffix(".html")
        html.write_text(offline_html(nbformat.read(str(output), as_version=4)),
                        encoding="utf-8")
        print(f"{coder:<12} {html}", flush=True)
        written.append(html)
    return written


def main(argv: list[str] | None = None) -> int:
    """``python -m coderlib.ui.reports [--audit-id ID] [--store PATH] [--out DIR]``."""
    parser = argparse.ArgumentParser(description="Run the accuracy report once per coder.")
    parser.add_argument("--audit-id", default=None)
    parser.add_argument("--store", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    files = run_reports(args.audit_id, args.store, args.out)
    print(f"{len(files)} reports in {files[0].parent if files else args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
