"""coderlib: an offline training and audit suite for medical coders and billers."""

__version__ = "0.1.0"
