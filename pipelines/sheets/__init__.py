"""Coding sheets to ATOP variables: read → split → code. Loads the mypyc build of these modules
when it was made from the sources on disk (`pipelines/native.py`), else runs them as Python."""
from ..native import activate as _activate

COMPILED = _activate(__path__)
