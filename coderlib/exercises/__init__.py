"""Exercise charts with answer keys: load and validate them, grade answers, pick drills.

>>> from coderlib.exercises import grade, parse_answer
>>> parse_answer("PDX: A41.51:Y").principal_dx.code
'A4151'

``coderlib.exercises.grade`` is the grading function (its module is
``coderlib.exercises.grade`` in ``sys.modules``; import names from it with
``from coderlib.exercises.grade import GradeResult``).
"""

from coderlib.exercises.answer import Answer, AnswerDx, AnswerLine, AnswerProc, parse_answer
from coderlib.exercises.grade import CodeVerdict, GradeResult, grade
from coderlib.exercises.loader import (
    ChartFileError,
    find_chart,
    load_all,
    load_chart,
    load_set,
)
from coderlib.exercises.model import Chart, Dates, Doc, DxCode, Key, Line, Patient, ProcCode, Query
from coderlib.exercises.validate import ValidationReport, validate_chart, validate_path

__all__ = [
    "Answer", "AnswerDx", "AnswerLine", "AnswerProc", "Chart", "ChartFileError", "CodeVerdict",
    "Dates", "Doc", "DxCode", "GradeResult", "Key", "Line", "Patient", "ProcCode", "Query",
    "ValidationReport", "find_chart", "grade", "load_all", "load_chart", "load_set",
    "parse_answer", "validate_chart", "validate_path",
]
