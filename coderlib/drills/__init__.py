"""CPC and CCS exam drills: item bank, generated and case items, sessions, spaced repetition,
mastery reports and class hand-outs.

>>> from coderlib.drills import load_blueprint
>>> sorted(load_blueprint())
['CCS', 'CPC']
"""

from coderlib.drills.blueprint import Exam, load_blueprint
from coderlib.drills.model import Item

__all__ = ["Exam", "Item", "load_blueprint"]
