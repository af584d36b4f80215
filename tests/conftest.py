"""Shared test fixtures: the real seed sheet, the mirror of downloads, and a runner for the job."""
from __future__ import annotations

import csv
import io
import shutil
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "raw" / "sheets" / "5030.txt"
MIRROR = ROOT.parent / "shared" / "mirror"
RELEASE_ZIP = MIRROR / "atop_5.1__.csv_.zip"


def release_csv(name: str) -> list[dict]:
    """Rows of one CSV inside the ATOP 5.1 release zip in the mirror (skips when absent)."""
    if not RELEASE_ZIP.exists():
        pytest.skip(f"the ATOP release mirror is not at {RELEASE_ZIP}")
    with zipfile.ZipFile(RELEASE_ZIP) as archive:
        data = archive.read(f"ATOP 5.1 (.csv)/{name}").decode("utf-8")
    return list(csv.DictReader(io.StringIO(data)))


@pytest.fixture
def sheets_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "sheets"
    folder.mkdir()
    shutil.copy(SEED, folder / "5030.txt")
    return folder


@pytest.fixture
def run_env(tmp_path: Path, sheets_dir: Path, monkeypatch) -> Path:
    """Environment for one in-process run writing to a temporary output folder."""
    out = tmp_path / "outputs"
    monkeypatch.setenv("ATOP_SHEETS_DIR", str(sheets_dir))
    monkeypatch.setenv("ATOP_OUTPUT_DIR", str(out))
    monkeypatch.setenv("ATOP_AS_OF", "2026-11-28")
    monkeypatch.delenv("ATOP_USE_RELEASE", raising=False)
    monkeypatch.delenv("ATOP_EXPECTATIONS_DIR", raising=False)
    return out


def run_job():
    """The real job (every asset and blocking check) in process, on a throwaway instance."""
    from dagster import DagsterInstance

    from pipelines.definitions import build_defs

    job = build_defs().resolve_job_def("atop_full_job")
    with DagsterInstance.ephemeral() as instance:
        return job.execute_in_process(instance=instance, raise_on_error=False)


def cow_codes() -> set[int]:
    """COW country codes from the mirror's states2016.csv (skips when absent)."""
    path = MIRROR / "states2016.csv"
    if not path.exists():
        pytest.skip(f"COW states mirror not at {path}")
    with open(path, newline="", encoding="utf-8") as handle:
        return {int(row["ccode"]) for row in csv.DictReader(handle)}
