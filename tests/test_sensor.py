"""The new-sheet sensor and the schedule, driven tick by tick without a daemon.

Each tick is evaluated with the cursor the previous tick stored, exactly as the daemon does, so
the test proves the promise in pipelines/sensors.py: a sheet added or changed starts one run, and
nothing else does.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from dagster import DagsterInstance, build_sensor_context

from .conftest import ROOT

OTHER_SHEET = ROOT / "tests" / "corpus" / "3285.txt"


@pytest.fixture
def instance():
    with DagsterInstance.ephemeral() as inst:
        yield inst


@pytest.fixture
def sensor(run_env):
    from pipelines.definitions import build_defs

    return build_defs().resolve_sensor_def("new_sheet_sensor")


class Ticker:
    """Evaluates the sensor the way the daemon does: each tick starts from the last stored cursor."""

    def __init__(self, sensor, instance):
        self.sensor, self.instance, self.cursor = sensor, instance, None
        self.run_keys: list[str] = []

    def tick(self):
        context = build_sensor_context(cursor=self.cursor, instance=self.instance)
        result = self.sensor.evaluate_tick(context)
        if result.cursor is not None:
            self.cursor = result.cursor
        self.run_keys += [r.run_key for r in result.run_requests or []]
        return result


def _touch_later(path: Path) -> None:
    # the fingerprint uses mtime_ns; on coarse-clock filesystems an edit can keep the old stamp
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))


def test_first_tick_requests_one_run_then_skips(sensor, instance, sheets_dir):
    ticker = Ticker(sensor, instance)
    first = ticker.tick()
    assert len(first.run_requests) == 1
    assert first.run_requests[0].tags["atop/changed_sheets"] == "5030.txt"
    assert first.run_requests[0].job_name in (None, "atop_full_job")
    assert ticker.cursor, "the sensor must store a cursor, or every tick would start a run"

    again = ticker.tick()
    assert not again.run_requests
    assert again.skip_message and "no sheet" in again.skip_message


def test_added_sheet_requests_exactly_one_run(sensor, instance, sheets_dir):
    ticker = Ticker(sensor, instance)
    ticker.tick()
    shutil.copy(OTHER_SHEET, sheets_dir / OTHER_SHEET.name)

    added = ticker.tick()
    assert len(added.run_requests) == 1
    assert added.run_requests[0].tags["atop/changed_sheets"] == "3285.txt"
    assert not ticker.tick().run_requests, "the same addition must not start a second run"


def test_modified_sheet_requests_exactly_one_run(sensor, instance, sheets_dir):
    ticker = Ticker(sensor, instance)
    ticker.tick()
    sheet = sheets_dir / "5030.txt"
    sheet.write_text(sheet.read_text(encoding="utf-8") + "\nVersion 5.2: Q14 revised.\n", encoding="utf-8")
    _touch_later(sheet)

    changed = ticker.tick()
    assert len(changed.run_requests) == 1
    assert changed.run_requests[0].tags["atop/changed_sheets"] == "5030.txt"
    assert not ticker.tick().run_requests
    assert len(set(ticker.run_keys)) == len(ticker.run_keys) == 2, "each change gets its own run key"


@pytest.mark.parametrize("name", ["notes.md", "5030.txt.bak", ".~lock.5030.txt#", "scan.png"])
def test_unrelated_file_starts_no_run(sensor, instance, sheets_dir, name):
    ticker = Ticker(sensor, instance)
    ticker.tick()
    (sheets_dir / name).write_text("not a coding sheet\n", encoding="utf-8")
    assert not ticker.tick().run_requests


def test_pdf_sheet_counts_as_a_sheet(sensor, instance, sheets_dir):
    ticker = Ticker(sensor, instance)
    ticker.tick()
    shutil.copy(ROOT / "tests" / "corpus" / "3215.pdf", sheets_dir / "3215.pdf")
    assert len(ticker.tick().run_requests) == 1


def test_missing_sheets_folder_skips_without_error(instance, tmp_path, monkeypatch):
    from pipelines.definitions import build_defs

    monkeypatch.setenv("ATOP_SHEETS_DIR", str(tmp_path / "does-not-exist"))
    sensor = build_defs().resolve_sensor_def("new_sheet_sensor")
    result = Ticker(sensor, instance).tick()
    assert not result.run_requests and result.skip_message


def test_schedule_cron_comes_from_the_environment(monkeypatch):
    from pipelines.definitions import build_defs

    monkeypatch.setenv("ATOP_SCHEDULE_CRON", "15 3 * * 2")
    schedule = build_defs().resolve_schedule_def("atop_weekly")
    assert schedule.cron_schedule == "15 3 * * 2"
    assert schedule.job_name == "atop_full_job"
    assert schedule.execution_timezone == "UTC"

    monkeypatch.delenv("ATOP_SCHEDULE_CRON")
    assert build_defs().resolve_schedule_def("atop_weekly").cron_schedule == "0 6 * * 1"
