"""Choosing the executor by configuration (ATOP_EXECUTOR), never inside an asset."""
from __future__ import annotations

import importlib
import os

from dagster import ExecutorDefinition, in_process_executor, multiprocess_executor

# cluster executors live in their own packages (pinned to the dagster version in requirements);
# they are imported only when chosen, so the default install stays small
_CLUSTER = {
    "k8s": ("dagster_k8s", "k8s_job_executor"),
    "celery": ("dagster_celery", "celery_executor"),
    "dask": ("dagster_dask", "dask_executor"),
}


def executor_from_env() -> ExecutorDefinition:
    name = os.environ.get("ATOP_EXECUTOR", "in_process").strip().lower()
    if name in ("in_process", "inprocess", ""):
        return in_process_executor
    if name == "multiprocess":
        workers = int(os.environ.get("ATOP_MAX_CONCURRENT", "2"))
        # a forkserver that has imported the pipeline once saves every step a fresh Python's imports
        return multiprocess_executor.configured({"max_concurrent": workers, "start_method": {
            "forkserver": {"preload_modules": ["pipelines.definitions"]}}})
    if name in _CLUSTER:
        module, attribute = _CLUSTER[name]
        try:
            return getattr(importlib.import_module(module), attribute)
        except ImportError as exc:
            # integration packages are versioned 0.(minor+16).patch alongside dagster 1.minor.patch
            raise RuntimeError(f"ATOP_EXECUTOR={name} needs `pip install {module.replace('_', '-')}==0.29.27` "
                               "(the release that goes with dagster 1.13.27)") from exc
    raise ValueError(f"unknown ATOP_EXECUTOR {name!r}: use in_process, multiprocess, k8s, celery or dask")


def io_manager_from_env():
    """In one process, table values pass from step to step in memory: pickling a two-million-row
    panel to disk and back for each consumer cost about a second a run. Any other executor runs
    steps in separate processes and needs Dagster's file-system store."""
    from dagster import fs_io_manager, mem_io_manager

    name = os.environ.get("ATOP_EXECUTOR", "in_process").strip().lower()
    return mem_io_manager if name in ("in_process", "inprocess", "") else fs_io_manager
