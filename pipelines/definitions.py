"""Dagster wiring only: assets, checks, the job, its schedule, the sheet sensor and the executor.

The executor comes from ATOP_EXECUTOR (in_process | multiprocess | k8s | celery | dask), so the
same code runs in one process for `make dataset` or on a cluster, without code changes.
"""
from __future__ import annotations

import os

from dagster import Definitions, define_asset_job, AssetSelection

from .assets import ALL_ASSETS, ALL_CHECKS
from .sensors import sheets_sensor
from .executors import executor_from_env, io_manager_from_env

full_job = define_asset_job("atop_full_job", selection=AssetSelection.all(),
                            description="Every asset and check: sheets (and release) to published tables.")


def build_defs() -> Definitions:
    from dagster import ScheduleDefinition

    schedule = ScheduleDefinition(
        name="atop_weekly", job=full_job, cron_schedule=os.environ.get("ATOP_SCHEDULE_CRON", "0 6 * * 1"),
        execution_timezone="UTC", description="Rebuild every table on a schedule (ATOP_SCHEDULE_CRON).")
    return Definitions(assets=ALL_ASSETS, asset_checks=ALL_CHECKS, jobs=[full_job], schedules=[schedule],
                       sensors=[sheets_sensor(full_job)], executor=executor_from_env(),
                       resources={"io_manager": io_manager_from_env()})


defs = build_defs()
