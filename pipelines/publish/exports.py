"""CSV and Stata copies of every published table, for users who do not read Parquet.

File names follow ATOP and COW, which put the data version in the name (`atop5_1m.csv`,
`alliance_v4.1_by_member.csv`) so a file keeps saying which release it is after it is copied
out of its folder:

    csv/atop_<table>_v<package_version>.csv
    stata/atop_<table>_v<package_version>.dta

The as-of date is deliberately not in the name. It changes with every scheduled run, so names
carrying it would pile up stale files beside the current ones (publish replaces files, it never
deletes them) and break links to "the current table". The as-of date is instead recorded inside
every file that has room for it: Parquet metadata, the Stata dataset label, and CODEBOOK.md (a
CSV has nowhere to put it).

Both exports are made from the Arrow table that is written as Parquet, so rows are in key order
and values are already conformed to the schema; the same table and as-of date give the same bytes.

CSV: UTF-8 without BOM, `\\n` line ends, a header of column names, dates as YYYY-MM-DD, booleans
as true/false. Missing values are empty and unquoted; strings are always quoted, so a missing
string (`,,`) stays distinguishable from an empty one (`,"",`).

Stata (format 118, Stata 14 or later, UTF-8): integers keep their width (byte/int/long, widened by
pandas when a value collides with Stata's missing-value codes), missing integers are Stata's `.`
(never 0), dates are %td, booleans are 0/1 bytes, strings are str# (strL when longer than 2045
bytes). Stata has no missing value for strings, so a missing string is written as "". A column
whose name pandas refuses for Stata (its reserved words include Mata's, e.g. `end` of the terms
table) gets a trailing underscore (`end_`); CODEBOOK.md lists these Stata names. Variable
labels are the schema descriptions and the dataset label is the as-of date plus the table's
description, each cut to Stata's 80 characters (CODEBOOK.md has them in full).
"""
from __future__ import annotations

import datetime as dt
import warnings
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from pandas.io.stata import InvalidColumnName, StataParser

from ..schema import Table

STATA_LABEL_LIMIT = 80
STATA_STR_LIMIT = 2045  # longest str# in bytes for format 117+; longer needs strL
_ELLIPSIS = "..."


def export_name(kind: str, table_name: str, run_metadata: dict) -> str:
    """Path of one export relative to the output folder; kind is 'csv' or 'stata'."""
    extension = {"csv": "csv", "stata": "dta"}[kind]
    return f"{kind}/atop_{table_name}_v{_package_version(run_metadata)}.{extension}"


def _package_version(run_metadata: dict) -> str:
    try:
        return str(run_metadata["package_version"])
    except KeyError:
        raise ValueError("run_metadata needs 'package_version' to name the exported files") from None


def _as_of(run_metadata: dict) -> dt.date:
    try:
        return dt.date.fromisoformat(str(run_metadata["as_of"]))
    except KeyError:
        raise ValueError("run_metadata needs 'as_of' (YYYY-MM-DD) for the Stata label and time stamp") from None


def fit_label(text: str, limit: int = STATA_LABEL_LIMIT) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - len(_ELLIPSIS)].rstrip() + _ELLIPSIS


@cache
def _stata_reserved() -> frozenset[str]:
    return frozenset(StataParser().RESERVED_WORDS)


def stata_name(column: str) -> str:
    """The variable name a column has in the .dta file (a trailing '_' after a reserved word)."""
    return f"{column}_" if column in _stata_reserved() else column


def _target(staging: Path, kind: str, table: Table, run_metadata: dict) -> Path:
    path = staging / export_name(kind, table.name, run_metadata)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _data_only(arrow: pa.Table) -> pa.Table:
    # the Parquet key/value metadata is not data; keep exports independent of it
    return arrow.replace_schema_metadata(None)


def write_csv(arrow: pa.Table, path: Path) -> None:
    options = pacsv.WriteOptions(include_header=True, delimiter=",", eol="\n", null_string="",
                                 quoting_style="needed", quoting_header="needed",
                                 batch_size=65536)  # large batches: a third faster on million-row tables
    pacsv.write_csv(_data_only(arrow), path, write_options=options)


def csv_exporter(table: Table, frame: pd.DataFrame, arrow: pa.Table, staging: Path,
                 run_metadata: dict) -> list[Path]:
    """Write csv/atop_<table>_v<version>.csv into staging; `frame` is unused (arrow is canonical)."""
    path = _target(staging, "csv", table, run_metadata)
    write_csv(arrow, path)
    return [path]


def _categorical(values: pa.ChunkedArray) -> pd.Categorical:
    """Codes and sorted labels straight from Arrow's dictionary encoding (matching millions of
    strings against the labels in pandas is what made the big tables slow to write)."""
    encoded = pc.dictionary_encode(values).combine_chunks()
    labels = encoded.dictionary.to_pylist()
    order = sorted(range(len(labels)), key=labels.__getitem__)
    rank = np.empty(len(labels), dtype=np.int64)
    rank[order] = np.arange(len(labels))
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    missing = encoded.indices.is_null().to_numpy(zero_copy_only=False)
    codes = np.where(missing, -1, rank[np.where(missing, 0, indices).astype(np.int64)] if len(labels) else -1)
    return pd.Categorical.from_codes(codes, categories=[labels[i] for i in order])


# string columns that hold a fixed list of codes
ENUMERATED = frozenset({"basis", "system_basis", "kind", "status", "next_event"})


def stata_frame(table: Table, arrow: pa.Table) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """The frame to_stata writes, the %td date columns, and the columns that need strL."""
    nullable_ints = {pa.int8(): pd.Int8Dtype(), pa.int16(): pd.Int16Dtype(), pa.int32(): pd.Int32Dtype(),
                     pa.int64(): pd.Int64Dtype()}
    frame = _data_only(arrow).to_pandas(types_mapper=nullable_ints.get, date_as_object=False)
    dates, strl = {}, []
    for column in table.columns:
        series = frame[column.name]
        if pa.types.is_date32(column.type):
            frame[column.name] = pd.to_datetime(series)
            dates[column.name] = "td"
        elif pa.types.is_boolean(column.type):
            frame[column.name] = series.astype("boolean").astype("Int8")
        elif pa.types.is_string(column.type) and column.name in ENUMERATED:
            # Stata's own form for a code list: an integer with value labels (and 100x faster to write
            # than millions of padded strings)
            frame[column.name] = _categorical(arrow.column(column.name))
        elif pa.types.is_string(column.type):
            longest = pc.max(pc.binary_length(arrow.column(column.name))).as_py() or 0
            if longest > STATA_STR_LIMIT:
                strl.append(column.name)
    return frame, dates, strl


def stata_exporter(table: Table, frame: pd.DataFrame, arrow: pa.Table, staging: Path,
                   run_metadata: dict) -> list[Path]:
    """Write stata/atop_<table>_v<version>.dta into staging; `frame` is unused (arrow is canonical)."""
    as_of = _as_of(run_metadata)
    data, dates, strl = stata_frame(table, arrow)
    names = {c.name: stata_name(c.name) for c in table.columns}
    data = data.rename(columns=names)
    dates = {names[c]: fmt for c, fmt in dates.items()}
    strl = [names[c] for c in strl]
    labels = {names[c.name]: fit_label(c.description) for c in table.columns}
    path = _target(staging, "stata", table, run_metadata)
    with warnings.catch_warnings():
        # pandas would silently rename a variable Stata cannot take; a renamed column must fail instead
        warnings.simplefilter("error", InvalidColumnName)
        data.to_stata(path, write_index=False, version=118, convert_dates=dates, convert_strl=strl,
                      variable_labels=labels, data_label=fit_label(f"As of {as_of.isoformat()}: {table.description}"),
                      # Stata stores a save time in the file; the as-of date keeps the bytes reproducible
                      time_stamp=dt.datetime.combine(as_of, dt.time()))
    return [path]


EXPORTERS = [csv_exporter, stata_exporter]
