"""CODEBOOK.md: every table and column of a publication, rendered from pipelines/schema.py.

Nothing here is written by hand, so the codebook cannot drift from the files it describes. The
output depends only on the tables and the run metadata it is given (no clock, no environment), so
the same publication always gets the same bytes.
"""
from __future__ import annotations

from ..schema import Table
from .exports import export_name, stata_name

# run_metadata keys shown in the header, in this order; others (e.g. input hashes) live in the
# Parquet metadata, where they travel with each file
_HEADER_FIELDS = (("as_of", "As of"), ("package_version", "Package version"),
                  ("atop_version", "ATOP release"), ("cow_version", "COW states"))


def _cell(text: object) -> str:
    # a '|' would end the markdown cell and a newline the row
    return " ".join(str(text).split()).replace("|", "\\|")


def _anchor(name: str) -> str:
    return name.lower().replace(" ", "-")


def _table_section(table: Table, run_metadata: dict) -> list[str]:
    files = [f"`{table.name}.parquet`"]
    if "package_version" in run_metadata:
        files += [f"`{export_name(kind, table.name, run_metadata)}`" for kind in ("csv", "stata")]
    renamed = [(c.name, stata_name(c.name)) for c in table.columns if stata_name(c.name) != c.name]
    lines = [f"## {table.name}", "", _cell(table.description), "",
             f"- Key (unique; rows are sorted by it): {', '.join(f'`{k}`' for k in table.key)}",
             f"- Files: {', '.join(files)}",
             f"- Columns: {len(table.columns)}"]
    if renamed:
        lines.append("- Stata variable names that differ: "
                     + ", ".join(f"`{old}` is `{new}`" for old, new in renamed))
    lines += ["", "| column | Arrow type | nullable | description |", "|---|---|---|---|"]
    lines += [f"| `{c.name}` | {_cell(c.type)} | {'yes' if c.nullable else 'no'} | {_cell(c.description)} |"
              for c in table.columns]
    return lines + [""]


def render_codebook(tables: dict[str, Table], run_metadata: dict) -> str:
    """The markdown text of CODEBOOK.md for these tables, in the order given."""
    header = [f"{label}: {_cell(run_metadata[key])}" for key, label in _HEADER_FIELDS if key in run_metadata]
    lines = ["# ATOP tables: codebook", "",
             "Generated from `pipelines/schema.py` with the files it describes; do not edit by hand.", ""]
    lines += [f"- {entry}" for entry in header]
    lines += ["", "## Conventions", "",
              "- Parquet is the reference format: Arrow types exactly as listed below, each column's "
              "description in its field metadata, provenance (as-of date, versions, input hashes) in the "
              "file metadata.",
              "- CSV (`csv/`): UTF-8, `\\n` line ends, dates `YYYY-MM-DD`, booleans `true`/`false`; "
              "a missing value is an empty unquoted field, strings are always quoted (so `\"\"` is an "
              "empty string, not a missing one).",
              "- Stata (`stata/`, format 118, Stata 14+): missing numbers are `.`, dates are `%td`, "
              "booleans are 0/1; Stata has no missing string, so a missing string is `\"\"`. Variable and "
              "dataset labels are cut to Stata's 80 characters; the descriptions here are complete.",
              "- `nullable: no` means the column never has a missing value (a blocking validation checks it).",
              "", "## Tables", ""]
    lines += [f"- [{name}](#{_anchor(name)}): {_cell(table.description)}" for name, table in tables.items()]
    lines.append("")
    for table in tables.values():
        lines += _table_section(table, run_metadata)
    return "\n".join(lines).rstrip("\n") + "\n"
