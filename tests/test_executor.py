"""The executor is configuration: ATOP_EXECUTOR picks it when the definitions are built.

The multiprocess run goes through the real CLI (`dagster job execute -m pipelines.definitions`) in
a subprocess, because that is the only honest way to get what users get: the module-level `defs`
read from the environment, a persistent instance (multiprocess needs one to hand events between
processes) and every step re-imported in its own process.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import dagster
import pytest

from .conftest import ROOT, run_job

DAGSTER_CLI = Path(sys.executable).with_name("dagster")
CORE_TABLES = ("members", "alliances", "terms", "dyad_years_directed", "coding_evidence")


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.parquet"))}


def test_multiprocess_executor_runs_the_full_job(run_env: Path, sheets_dir: Path, tmp_path: Path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    out = tmp_path / "mp_outputs"
    env = {**os.environ, "DAGSTER_HOME": str(home), "ATOP_EXECUTOR": "multiprocess", "ATOP_MAX_CONCURRENT": "2",
           "ATOP_SHEETS_DIR": str(sheets_dir), "ATOP_OUTPUT_DIR": str(out), "ATOP_AS_OF": "2026-11-28"}
    proc = subprocess.run([str(DAGSTER_CLI), "job", "execute", "-m", "pipelines.definitions", "-j", "atop_full_job"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]

    for table in CORE_TABLES:
        assert (out / f"{table}.parquet").stat().st_size > 0, table
    assert (out / "quarantine.json").exists()

    from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus

    with DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs()
        assert [r.job_name for r in runs] == ["atop_full_job"]
        assert runs[0].status == DagsterRunStatus.SUCCESS
        records = instance.all_logs(runs[0].run_id)
    engine = " ".join(r.user_message for r in records
                      if r.dagster_event and r.dagster_event.event_type == DagsterEventType.ENGINE_EVENT)
    assert "multiprocess executor" in engine
    step_pids = {r.dagster_event.pid for r in records
                 if r.dagster_event and r.dagster_event.event_type == DagsterEventType.STEP_START}
    assert len(step_pids) > 1, "steps must run in their own processes, not in the launching one"

    # the executor changes where steps run, never what they produce
    assert run_job().success
    assert _digests(out) == _digests(run_env)


def test_default_and_multiprocess_selection(monkeypatch):
    from pipelines.definitions import build_defs
    from pipelines.executors import executor_from_env

    monkeypatch.delenv("ATOP_EXECUTOR", raising=False)
    assert executor_from_env().name == "in_process"
    monkeypatch.setenv("ATOP_EXECUTOR", " MultiProcess ")
    assert executor_from_env().name == "multiprocess"
    assert build_defs().resolve_job_def("atop_full_job").executor_def.name == "multiprocess"


def test_unknown_executor_is_a_clear_error(monkeypatch):
    from pipelines.definitions import build_defs

    monkeypatch.setenv("ATOP_EXECUTOR", "spark")
    with pytest.raises(ValueError) as err:
        build_defs()
    message = str(err.value)
    assert "ATOP_EXECUTOR" in message and "'spark'" in message
    for option in ("in_process", "multiprocess", "k8s", "celery", "dask"):
        assert option in message


def test_unknown_executor_stops_the_cli_with_the_message(tmp_path):
    # what a user sees: loading the code location fails, naming the variable and the choices
    env = {**os.environ, "ATOP_EXECUTOR": "spark", "DAGSTER_HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", "import pipelines.definitions"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "unknown ATOP_EXECUTOR 'spark'" in proc.stderr


@pytest.mark.parametrize("name, module, package", [
    ("k8s", "dagster_k8s", "dagster-k8s"),
    ("celery", "dagster_celery", "dagster-celery"),
    ("dask", "dagster_dask", "dagster-dask"),
])
def test_cluster_executor_names_the_package_to_install(monkeypatch, name, module, package):
    from pipelines.executors import executor_from_env

    monkeypatch.setenv("ATOP_EXECUTOR", name)
    if importlib.util.find_spec(module) is not None:
        assert isinstance(executor_from_env(), dagster.ExecutorDefinition)
        return
    with pytest.raises(RuntimeError) as err:
        executor_from_env()
    assert f"pip install {package}=={integration_version(dagster.__version__)}" in str(err.value)
    assert isinstance(err.value.__cause__, ImportError)


def integration_version(core: str) -> str:
    """The dagster-* integration release that ships with a dagster core release.

    Integrations are released in lockstep but numbered 0.(minor + 16).patch: dagster 1.13.27 pairs
    with dagster-k8s 0.29.27. There is no dagster-k8s 1.13.27, so a message saying so sends users
    to a pip error.
    """
    major, minor, patch = (int(p) for p in core.split(".")[:3])
    assert major == 1, f"unexpected dagster version {core}"
    return f"0.{minor + 16}.{patch}"


def test_integration_version_mapping():
    assert integration_version("1.13.27") == "0.29.27"
    assert integration_version("1.9.3") == "0.25.3"
