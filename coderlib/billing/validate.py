"""Validate an X12 file against its HIPAA implementation guide with ``pyx12``.

``pyx12`` (BSD, maintained, Python 3.11+) walks the file against the X12 5010 maps for
837P (005010X222A1), 837I (005010X223A2) and 835 (005010X221A1) and reports each fault with
its line; we return them as plain records. When ``pyx12`` is not installed (Python 3.10),
:func:`pyx12_available` is False and :func:`validate_x12` says so instead of guessing.

>>> pyx12_available() in (True, False)
True
"""

from __future__ import annotations

import io
import json
import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class ValidationResult:
    """pyx12's verdict: ``ok`` and each error as ``(line, segment, message)``."""

    ok: bool
    errors: list[dict[str, object]] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"ok": self.ok, "errors": self.errors}


def pyx12_available() -> bool:
    """True when the ``pyx12`` validator can be imported."""
    try:
        import pyx12.x12n_document  # noqa: F401
    except ImportError:
        return False
    return True


def _walk(node: object, out: list[dict[str, object]], line: object = None,
          seg: str = "") -> None:
    if isinstance(node, dict):
        line = node.get("cur_line", line)
        seg = node.get("seg_id") or seg
        for err in node.get("errors") or []:
            out.append({"line": line, "segment": seg, "code": err.get("err_cde"),
                        "message": err.get("err_str")})
        for key in ("interchanges", "groups", "transactions", "segments", "elements"):
            for child in node.get(key) or []:
                _walk(child, out, line, seg)


def validate_x12(source: str | Path) -> ValidationResult:
    """Validate X12 text or a file with pyx12; every error pyx12 reports is returned."""
    if not pyx12_available():
        raise RuntimeError("pyx12 is not installed (it needs Python 3.11+): "
                           "pip install pyx12==4.0.0")
    import pyx12.params
    import pyx12.x12n_document

    logger = logging.getLogger("pyx12")
    level, propagate = logger.level, logger.propagate
    logger.setLevel(logging.CRITICAL)
    logger.propagate = False
    tmp = None
    try:
        if isinstance(source, Path):
            path = str(source)
        else:
            tmp = tempfile.NamedTemporaryFile("w", suffix=".x12", delete=False,
                                              encoding="latin-1")
            tmp.write(source)
            tmp.close()
            path = tmp.name
        ack, report = io.StringIO(), io.StringIO()
        ok = pyx12.x12n_document.x12n_document(param=pyx12.params.params(), src_file=path,
                                               fd_997=ack, fd_html=None, fd_json=report)
    finally:
        logger.setLevel(level)
        logger.propagate = propagate
        if tmp is not None:
            Path(tmp.name).unlink(missing_ok=True)
    errors: list[dict[str, object]] = []
    text = report.getvalue()
    if text.strip():
        _walk(json.loads(text), errors)
    return ValidationResult(bool(ok) and not errors, errors)
