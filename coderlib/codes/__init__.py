"""Code sets: ICD-10-CM, ICD-10-PCS, HCPCS Level II, CPT and modifiers."""

from coderlib.codes.normalize import dotted_icd10cm, normalize_code

__all__ = ["dotted_icd10cm", "normalize_code"]
