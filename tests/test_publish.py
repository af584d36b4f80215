"""What a publication looks like to its readers, and that it is all-or-nothing.

Parquet must read the same in pyarrow, pandas, DuckDB and polars; the CSV and Stata copies must
carry the same rows with missing values intact; CODEBOOK.md must cover every column; and neither a
SIGKILL mid-publication nor a table that fails its suite may change what is already published.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from pipelines.publish.codebook import render_codebook
from pipelines.publish.data_docs import render_data_docs
from pipelines.publish.exports import csv_exporter, export_name, fit_label, stata_exporter, stata_name
from pipelines.schema import TABLES

from .conftest import ROOT, run_job

AS_OF = "2026-11-28"
VERSION = __import__("pipelines").__version__

# WIRING: False until `published` (pipelines/assets.py) passes the exporters, CODEBOOK.md and the
# validation pages to publish(). While False, `_wiring_shim` adds the exporters and the codebook
# around publish() so these tests run now, and the validation-folder test is skipped. Once the
# asset is wired, set True (or delete the shim): the tests then check the real asset.
WIRED = True


@pytest.fixture(autouse=True)
def _wiring_shim(monkeypatch):
    if WIRED:
        return
    from pipelines.publish import parquet

    real = parquet.publish

    def publish(outputs, extra_files, output_dir, run_metadata, exporters=None):
        codebook = render_codebook({n: t for n, t in TABLES.items() if n in outputs}, run_metadata)
        return real(outputs, {**extra_files, "CODEBOOK.md": codebook.encode("utf-8")}, output_dir, run_metadata,
                    exporters=[csv_exporter, stata_exporter])

    # `published` imports publish from the module when it runs, so patching the module attribute is enough
    monkeypatch.setattr(parquet, "publish", publish)


def tree(folder: Path) -> dict[str, str]:
    """sha256 of every visible file under folder (hidden staging folders are not publications)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)}


@pytest.fixture
def publication(run_env: Path) -> Path:
    assert run_job().success
    return run_env


def published_tables(folder: Path) -> list[str]:
    names = sorted(p.stem for p in folder.glob("*.parquet"))
    assert {"members", "alliances", "terms", "dyad_years_directed", "coding_evidence"} <= set(names)
    assert set(names) <= set(TABLES), "a Parquet file that the schema does not describe"
    return names


# ---- Parquet in four readers ------------------------------------------------------------------------

# Arrow type -> (pandas with dtype_backend="numpy_nullable", DuckDB, polars)
READER_TYPES = {
    "int8": ("Int8", "TINYINT", "Int8"), "int16": ("Int16", "SMALLINT", "Int16"),
    "int32": ("Int32", "INTEGER", "Int32"), "float": ("Float32", "FLOAT", "Float32"),
    "date32[day]": ("object", "DATE", "Date"), "string": ("string", "VARCHAR", "String"),
    "bool": ("boolean", "BOOLEAN", "Boolean"),
}


def normalize(value):
    """One Python value per cell whatever the reader: None for every kind of missing."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


def rows(records) -> list[tuple]:
    return [tuple(normalize(v) for v in record) for record in records]


def test_parquet_reads_the_same_in_pyarrow_pandas_duckdb_and_polars(publication: Path):
    nullable_int_with_na = 0
    for name in published_tables(publication):
        path = publication / f"{name}.parquet"
        schema = TABLES[name].arrow_schema()
        reference = pq.read_table(path)
        assert reference.schema.equals(schema, check_metadata=False), name
        expected = rows(tuple(r.values()) for r in reference.to_pylist())
        columns = schema.names
        types = [str(f.type) for f in schema]

        frame = pd.read_parquet(path, dtype_backend="numpy_nullable")
        assert list(frame.columns) == columns and len(frame) == reference.num_rows
        assert [str(frame[c].dtype) for c in columns] == [READER_TYPES[t][0] for t in types], name
        assert rows(frame.itertuples(index=False)) == expected, name

        with duckdb.connect() as con:
            relation = con.sql("SELECT * FROM read_parquet(?)", params=[str(path)])
            assert relation.columns == columns
            assert [str(t) for t in relation.types] == [READER_TYPES[t][1] for t in types], name
            assert rows(relation.fetchall()) == expected, name

        polars = pl.read_parquet(path)
        assert polars.columns == columns
        assert [str(t) for t in polars.dtypes] == [READER_TYPES[t][2] for t in types], name
        assert rows(polars.rows()) == expected, name

        for field in schema:
            values = reference.column(field.name)
            if pa.types.is_date32(field.type):
                assert all(isinstance(v, dt.date) for v in values.to_pylist() if v is not None)
                assert all(isinstance(v, dt.date) for v in frame[field.name].dropna())
            if pa.types.is_integer(field.type) and values.null_count:
                nullable_int_with_na += 1
                # pandas without dtype_backend widens such a column to float64, but NA stays NA
                plain = pd.read_parquet(path, columns=[field.name])[field.name]
                assert plain.isna().tolist() == values.is_null().to_pylist(), (name, field.name)
    assert nullable_int_with_na, "the seed run should have integer columns with NA (e.g. coding_evidence.member)"


# ---- CSV and Stata ---------------------------------------------------------------------------------

def test_exports_are_named_with_the_package_version(publication: Path):
    for name in published_tables(publication):
        assert (publication / f"csv/atop_{name}_v{VERSION}.csv").is_file()
        assert (publication / f"stata/atop_{name}_v{VERSION}.dta").is_file()
    assert export_name("csv", "members", {"package_version": "1.2.3"}) == "csv/atop_members_v1.2.3.csv"


def test_csv_round_trips_to_the_parquet_table(publication: Path):
    for name in published_tables(publication):
        reference = pq.read_table(publication / f"{name}.parquet").replace_schema_metadata(None)
        path = publication / export_name("csv", name, {"package_version": VERSION})
        data = path.read_bytes()
        assert b"\r" not in data and data.endswith(b"\n") and not data.startswith(b"\xef\xbb\xbf")
        data.decode("utf-8")
        header = data.split(b"\n", 1)[0].decode()
        assert header == ",".join(f'"{c}"' for c in reference.column_names)
        parsed = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
            column_types=reference.schema, null_values=[""], strings_can_be_null=True,
            quoted_strings_can_be_null=False))
        assert parsed.column_names == reference.column_names
        assert parsed.to_pylist() == reference.to_pylist(), name
        for field in reference.schema:
            if pa.types.is_date32(field.type):
                dates = [v for v in reference.column(field.name).to_pylist() if v is not None]
                text = data.decode()
                assert all(d.isoformat() in text for d in dates)


def test_exports_are_byte_identical_across_runs_with_the_same_as_of(run_env: Path):
    assert run_job().success
    first = {k: v for k, v in tree(run_env).items() if not k.endswith(".parquet")}
    assert any(k.startswith("csv/") for k in first) and any(k.startswith("stata/") for k in first)
    shutil.rmtree(run_env)
    assert run_job().success
    assert {k: v for k, v in tree(run_env).items() if not k.endswith(".parquet")} == first


def test_stata_files_keep_labels_missing_values_and_dates(publication: Path):
    integer_na_seen = 0
    for name in published_tables(publication):
        table = TABLES[name]
        reference = pq.read_table(publication / f"{name}.parquet")
        path = publication / export_name("stata", name, {"package_version": VERSION})
        with pd.io.stata.StataReader(path) as reader:
            labels = reader.variable_labels()
            data_label = reader.data_label
            time_stamp = reader.time_stamp
            frame = reader.read()
        assert labels == {stata_name(c.name): fit_label(c.description) for c in table.columns}
        assert all(0 < len(label) <= 80 for label in labels.values())
        assert data_label.startswith(f"As of {AS_OF}: ") and len(data_label) <= 80
        assert data_label[len(f"As of {AS_OF}: "):].rstrip(".") in table.description or data_label.endswith("...")
        assert time_stamp == "28 Nov 2026 00:00"
        assert list(frame.columns) == [stata_name(c) for c in table.column_names]
        assert len(frame) == reference.num_rows
        for column in table.columns:
            values = reference.column(column.name).to_pylist()
            got = frame[stata_name(column.name)]
            if pa.types.is_string(column.type):
                # Stata has no missing string: "" stands for it
                assert got.tolist() == [v if v is not None else "" for v in values], (name, column.name)
            elif pa.types.is_date32(column.type):
                assert got.dtype.kind == "M"
                assert [None if pd.isna(v) else v.date() for v in got] == values, (name, column.name)
            elif pa.types.is_boolean(column.type):
                assert [None if pd.isna(v) else bool(v) for v in got] == values, (name, column.name)
            else:
                assert got.isna().tolist() == [v is None for v in values], (name, column.name)
                assert [None if pd.isna(v) else v for v in got] == values, (name, column.name)
                if pa.types.is_integer(column.type) and None in values:
                    integer_na_seen += 1
                    assert 0 not in [got[i] for i, v in enumerate(values) if v is None]
                elif pa.types.is_integer(column.type):
                    assert got.dtype.kind == "i", (name, column.name, got.dtype)
    assert integer_na_seen, "the seed run should have integer columns with NA written to Stata"


def test_stata_export_handles_long_strings_floats_and_missing_booleans(tmp_path: Path):
    from pipelines.schema import Column, Table

    table = Table("probe", "A probe table " + "with a long description " * 5, ("id",), (
        Column("id", pa.int16(), False, "Identifier " + "x" * 100),
        Column("text", pa.string(), True, "Long text."),
        Column("share", pa.float32(), True, "A share."),
        Column("flag", pa.bool_(), True, "A flag."),
        Column("end", pa.date32(), True, "A reserved word in pandas' Stata writer."),
    ))
    arrow = pa.table({"id": pa.array([1, 2, 3], pa.int16()), "text": ["é" * 3000, None, ""],
                      "share": pa.array([0.5, None, 1.25], pa.float32()), "flag": [True, None, False],
                      "end": pa.array([dt.date(1815, 6, 9), None, dt.date(2026, 11, 28)], pa.date32())},
                     schema=table.arrow_schema())
    [path] = stata_exporter(table, None, arrow, tmp_path, {"as_of": AS_OF, "package_version": "9.9"})
    with pd.io.stata.StataReader(path) as reader:
        labels = reader.variable_labels()
        frame = reader.read()
    assert labels["id"].endswith("...") and len(labels["id"]) == 80
    assert list(frame.columns) == ["id", "text", "share", "flag", "end_"]
    assert frame["text"].tolist() == ["é" * 3000, "", ""]
    assert frame["share"].isna().tolist() == [False, True, False] and frame["share"][2] == 1.25
    assert frame["flag"].isna().tolist() == [False, True, False] and frame["flag"][0] == 1
    assert frame["end_"].isna().tolist() == [False, True, False]
    assert frame["end_"][0].date() == dt.date(1815, 6, 9)


# ---- codebook and validation pages ------------------------------------------------------------------

def codebook_row(column) -> str:
    return (f"| `{column.name}` | {column.type} | {'yes' if column.nullable else 'no'} | "
            f"{' '.join(column.description.split()).replace('|', chr(92) + '|')} |")


def test_codebook_lists_every_column_with_type_and_description(publication: Path):
    published = (publication / "CODEBOOK.md").read_text(encoding="utf-8")
    assert f"As of: {AS_OF}" in published and f"Package version: {VERSION}" in published
    for name in published_tables(publication):
        table = TABLES[name]
        assert f"\n## {name}\n" in published and table.description in published
        assert "Key (unique; rows are sorted by it): " + ", ".join(f"`{k}`" for k in table.key) in published
        for column in table.columns:
            assert codebook_row(column) + "\n" in published, (name, column.name)
    # every table of the schema, including those a sheets-only run does not build
    metadata = {"as_of": AS_OF, "package_version": VERSION}
    full = render_codebook(TABLES, metadata)
    assert full == render_codebook(TABLES, dict(metadata))
    for table in TABLES.values():
        assert f"\n## {table.name}\n" in full
        for column in table.columns:
            assert codebook_row(column) + "\n" in full, (table.name, column.name)
    assert "`end` is `end_`" in full


def test_validation_pages_list_every_expectation_and_the_failures(run_env: Path):
    from pipelines.checks import derived
    from pipelines.checks.gx_suites import validate

    result = run_job()
    assert result.success
    members = result.output_for_node("members")
    passing = validate("members", derived.members_checks(members))
    broken = members.copy()
    # COW codes start at 2: negative ones break the range expectation and nothing else
    broken["member"] = pd.array([-1 - i for i in range(len(broken))], dtype="Int64")
    failing = validate("members", derived.members_checks(broken))
    assert passing.success and not failing.success
    assert len(passing.outcomes) == passing.evaluated

    metadata = {"as_of": AS_OF, "package_version": VERSION}
    pages = render_data_docs([passing], metadata)
    assert set(pages) == {"validation/index.html", "validation/members.html"}
    assert pages == render_data_docs([passing], metadata)
    page = pages["validation/members.html"].decode("utf-8")
    assert page.count("<tr><td class=\"num\">") == passing.evaluated
    for outcome in passing.outcomes:
        assert outcome.expectation in page
    assert "FAILED" not in page and "http" not in page and "<script" not in page

    failed_page = render_data_docs([failing], metadata)["validation/members.html"].decode("utf-8")
    assert "FAILED" in failed_page
    assert "expectation expect_column_values_to_be_between on column member failed (2 rows)" in failed_page
    assert ">-1<" in failed_page and ">-2<" in failed_page  # the offending rows are shown


@pytest.mark.skipif(not WIRED, reason="needs `published` wired to render_data_docs (see WIRED above)")
def test_published_validation_pages(publication: Path):
    index = (publication / "validation" / "index.html").read_text(encoding="utf-8")
    for name in published_tables(publication):
        page = (publication / "validation" / f"{name}.html").read_text(encoding="utf-8")
        assert f'href="{name}.html"' in index and "passed" in page and "FAILED" not in page


# ---- all-or-nothing ---------------------------------------------------------------------------------

def _wait_for_staged_file(process: subprocess.Popen, timeout: float) -> Path:
    """Lines from the run's stdout until the publish test hook says a file is staged."""
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    deadline = dt.datetime.now() + dt.timedelta(seconds=timeout)
    while dt.datetime.now() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            if process.poll() is not None:
                break
            continue
        if line.startswith("ATOP_TEST_STAGED "):
            return Path(line.split(" ", 1)[1].strip())
    raise AssertionError(f"the run never reached the staging pause (exit code {process.poll()})")


def test_sigkill_while_staging_leaves_the_previous_publication_intact(run_env: Path, tmp_path: Path):
    assert run_job().success
    before = tree(run_env)
    # a later as-of date changes every file, so a publication that got through would show
    env = {**os.environ, "ATOP_AS_OF": "2027-01-01", "ATOP_TEST_PAUSE_AFTER_FIRST_FILE": "600",
           "PYTHONUNBUFFERED": "1"}
    with open(tmp_path / "killed_run.log", "wb") as log:
        process = subprocess.Popen([sys.executable, "-c", "from tests.conftest import run_job; run_job()"],
                                   cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=log, text=True)
        try:
            staged = _wait_for_staged_file(process, timeout=300)
            assert staged.is_file() and staged.parent.parent == run_env
            assert staged.parent.name.startswith(".staging-")
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=60)
        finally:
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL

    assert tree(run_env) == before
    for path in run_env.glob("*.parquet"):
        assert pq.read_table(path).num_rows >= 0
        assert pq.read_metadata(path).metadata[b"as_of"] == AS_OF.encode()
    leftovers = [p for p in run_env.iterdir() if p.name not in {Path(k).parts[0] for k in before}]
    assert leftovers == [staged.parent], "only the killed run's hidden staging folder may remain"

    # the next publication clears the dead run's staging folder
    assert run_job().success
    assert not list(run_env.glob(".staging-*"))
    assert tree(run_env) == before


def test_a_table_that_fails_its_suite_publishes_nothing(run_env: Path, monkeypatch):
    import pipelines.assets as assets

    assert run_job().success
    before = tree(run_env)
    derive = assets.build_terms

    def exit_before_entry(*args, **kwargs):
        terms, members = derive(*args, **kwargs)
        members = members.copy()
        first = members.index[0]
        members.loc[first, ["yrexit", "moexit", "dayexit"]] = [int(members.loc[first, "yrent"]) - 1, 12, 31]
        return terms, members

    monkeypatch.setattr(assets, "build_terms", exit_before_entry)
    monkeypatch.setenv("ATOP_AS_OF", "2027-01-01")  # a run that would otherwise change every file

    result = run_job()

    assert not result.success
    evaluations = [e.event_specific_data for e in result.all_events
                   if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    failed = {e.check_name: e.description for e in evaluations if not e.passed}
    assert "members_suite" in failed
    assert "expect_column_values_to_be_in_set on column check_entry_not_after_exit" in failed["members_suite"]
    materialized = {e.asset_key.path[-1] for e in result.all_events if e.event_type_value == "ASSET_MATERIALIZATION"}
    assert "published" not in materialized
    assert tree(run_env) == before
    assert not list(run_env.glob(".staging-*"))
