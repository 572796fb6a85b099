"""The one error every code-set check raises: a reason a coder can act on.

>>> err = CodeError("E11", "header", "E11 is a category header, not billable", ["E11.9"])
>>> err.reason
'header'
"""

from __future__ import annotations

from dataclasses import dataclass, field

REASONS = ("malformed", "unknown", "header", "not_valid_on_date", "unknown_system")


@dataclass
class CodeError(ValueError):
    """A code that cannot be used, with why and what to use instead.

    ``reason`` is one of ``REASONS``; ``suggestions`` lists dotted codes (billable children,
    nearest valid codes) where useful.
    """

    code: str
    reason: str
    message: str
    suggestions: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.reason not in REASONS:
            raise ValueError(f"unknown CodeError reason {self.reason!r}; expected one of {REASONS}")
        super().__init__(self.message)

    def __str__(self) -> str:
        if not self.suggestions:
            return self.message
        shown = ", ".join(self.suggestions[:10])
        more = f" (+{len(self.suggestions) - 10} more)" if len(self.suggestions) > 10 else ""
        return f"{self.message}; try: {shown}{more}"

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form for ``--json`` output."""
        return {"code": self.code, "reason": self.reason, "message": self.message,
                "suggestions": list(self.suggestions)}
