"""The NHS ODS registry importer, in rooms of one job each.

`read` checks and reads the CSV files row by row; `kinds` says what each code is, from the
evidence of the files; `graph` makes the RDF with row provenance; `listing` adds the third
listing's undated names and where it disagrees with etr.csv; `compare` proposes links to the
documents' organisations; `importer` runs them and writes the result atomically.
"""

from .importer import import_files
from .read import OdsError

__all__ = ["import_files", "OdsError"]
