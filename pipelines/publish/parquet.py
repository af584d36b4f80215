"""Writing the outputs: typed Parquet with descriptions and provenance, all-or-nothing.

Every table is first written into a staging folder beside the outputs, then moved into place
with os.replace (atomic on one filesystem). A run that fails or is killed before the moves
leaves the previous outputs exactly as they were; a reader never sees a half-written file.

A run killed while staging leaves its hidden `.staging-<host>-<pid>-*` folder behind; the next
publish removes such folders once their process is gone (same host only: a pid means nothing
elsewhere, and the folder of a run still writing must not be pulled from under it).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import tempfile
from concurrent.futures import ThreadPoolExecutor
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..schema import Table


def file_metadata(table: Table, run_metadata: dict) -> dict[bytes, bytes]:
    entries = {"atop_pipelines": json.dumps({"table": table.name, "description": table.description,
                                             "key": list(table.key), **run_metadata}, sort_keys=True)}
    entries.update({k: str(v) for k, v in run_metadata.items() if isinstance(v, (str, int, float))})
    return {k.encode(): v.encode() for k, v in sorted(entries.items())}


_PANDAS_INTEGER = {pa.int8(): "Int8", pa.int16(): "Int16", pa.int32(): "Int32", pa.int64(): "Int64"}


def pandas_metadata(table: Table) -> bytes:
    """pandas' own schema note, so `pd.read_parquet` gives nullable integers (NA stays NA, the
    column stays an integer) instead of floats for every code column with a missing value."""
    empty = pd.DataFrame({c.name: pd.array([], dtype=_PANDAS_INTEGER.get(c.type, "object")) for c in table.columns})
    return pa.Schema.from_pandas(empty, preserve_index=False).metadata[b"pandas"]


def to_parquet_bytes_table(table: Table, frame: pd.DataFrame, run_metadata: dict) -> pa.Table:
    arrow = table.to_arrow(frame)
    return arrow.replace_schema_metadata({**file_metadata(table, run_metadata), b"pandas": pandas_metadata(table)})


def write_parquet(arrow: pa.Table, path: Path) -> None:
    # fixed writer options: the same inputs give the same bytes (with the pinned pyarrow)
    pq.write_table(arrow, path, compression="zstd", write_statistics=True, use_dictionary=True,
                   data_page_version="2.0", store_schema=True)


_STAGING = re.compile(r"^\.staging-(?P<host>.+)-(?P<pid>\d+)-[a-z0-9_]+$")


def _host() -> str:
    # '-' separates the fields of the folder name; keep the host part free of it
    return socket.gethostname().replace("-", "_") or "host"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_staging(output_dir: Path) -> list[Path]:
    """Delete staging folders left by runs of this host that were killed mid-publication."""
    removed = []
    for path in sorted(output_dir.glob(".staging-*")):
        match = _STAGING.match(path.name)
        if not path.is_dir() or not match or match["host"] != _host() or _alive(int(match["pid"])):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _test_pause_after_first_file(path: Path) -> None:
    """TEST HOOK for tests/test_publish.py (kill during publication); inert unless the variable is set.

    Announces the staged file on stdout and sleeps, so the test can SIGKILL the run at a known point
    between staging and the moves into place.
    """
    seconds = os.environ.get("ATOP_TEST_PAUSE_AFTER_FIRST_FILE")
    if seconds:
        print(f"ATOP_TEST_STAGED {path}", flush=True)
        time.sleep(float(seconds))


MANIFEST = "MANIFEST.json"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _export_and_hash(exporter, table, frame, arrow, staging, run_metadata) -> list[tuple[Path, str]]:
    return [(path, _sha256(path)) for path in exporter(table, frame, arrow, staging, run_metadata)]


def _manifest_files(path: Path) -> set[str]:
    try:
        return set(json.loads(path.read_text(encoding="utf-8"))["files"])
    except (OSError, ValueError, KeyError):
        return set()


def publish(outputs: dict[str, tuple[Table, pd.DataFrame]], extra_files: dict[str, bytes], output_dir: Path,
            run_metadata: dict, exporters: list | None = None) -> list[Path]:
    """Write every table (and extra files such as quarantine.json) into output_dir atomically."""
    output_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(output_dir)
    staging = Path(tempfile.mkdtemp(prefix=f".staging-{_host()}-{os.getpid()}-", dir=output_dir))
    try:
        staged: list[Path] = []
        hashes: dict[Path, str] = {}  # exports are hashed by the thread that wrote them
        # Parquet and CSV writing run in pyarrow's C++ without the GIL; a second thread overlaps them
        # with the Python-bound Stata writer. Every task writes its own file, so order does not matter.
        with ThreadPoolExecutor(max_workers=2) as pool:
            pending = []
            for name, (table, frame) in sorted(outputs.items()):
                arrow = to_parquet_bytes_table(table, frame, run_metadata)
                path = staging / f"{name}.parquet"
                write_parquet(arrow, path)
                staged.append(path)
                if len(staged) == 1:
                    _test_pause_after_first_file(path)
                pending += [pool.submit(_export_and_hash, exporter, table, frame, arrow, staging, run_metadata)
                            for exporter in exporters or []]
            for future in pending:
                for path, digest in future.result():
                    staged.append(path)
                    hashes[path] = digest
        for name, data in sorted(extra_files.items()):
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            staged.append(path)
        manifest = staging / MANIFEST
        manifest.write_text(json.dumps({
            "run": {k: v for k, v in sorted(run_metadata.items()) if k != "input_sha256"},
            "files": {str(p.relative_to(staging)): hashes.get(p) or _sha256(p) for p in staged},
        }, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        staged.append(manifest)
        for path in staged:
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
        previous = _manifest_files(output_dir / MANIFEST)
        published = []
        for path in staged:  # the manifest is last: it is replaced only once every file it lists is in place
            target = output_dir / path.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
            published.append(target)
        # a table the new publication does not include (a sheets-only run after a full one) must not
        # linger beside it with another as-of date
        current = {str(p.relative_to(output_dir)) for p in published}
        for stale in sorted(previous - current):
            (output_dir / stale).unlink(missing_ok=True)
        return published
    finally:
        shutil.rmtree(staging, ignore_errors=True)
