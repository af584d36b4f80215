"""The Dagster UI shows the whole pipeline: every asset on the lineage graph, every check.

A real webserver is started on a free port with a throw-away DAGSTER_HOME, and Debian's headless
Chromium renders the pages a user opens. Two views are checked because each can fail alone: the
GraphQL API (what the UI is fed) and the rendered DOM (what the user sees). The lineage screenshot
is kept in test-artifacts/ui-asset-graph.png for a human to look at.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from .conftest import ROOT, SEED

ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOT = ARTIFACTS / "ui-asset-graph.png"
WEBSERVER = Path(sys.executable).with_name("dagster-webserver")
CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
LOAD_TIMEOUT_S = 60
_install_attempted = False


# ---- browser -------------------------------------------------------------------------------------

def _find_chromium() -> str | None:
    return next((p for p in CHROMIUM_PATHS if os.access(p, os.X_OK)), None) or shutil.which("chromium")


@pytest.fixture(scope="module")
def chromium() -> str:
    global _install_attempted
    path = _find_chromium()
    if path is None and not _install_attempted and shutil.which("apt-get") and os.geteuid() == 0:
        _install_attempted = True  # one attempt per session: a failed install will not fix itself
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run("apt-get update -qq && apt-get install -y -qq chromium", shell=True, env=env,
                       capture_output=True, timeout=900)
        path = _find_chromium()
    if path is None:
        pytest.skip("Debian Chromium is not installed (/usr/bin/chromium) and `apt-get install -y chromium` "
                    "was not possible here; the UI cannot be rendered")
    return path


def render(chromium: str, url: str, profile: Path, screenshot: Path | None = None, budget_ms: int = 15000) -> str:
    """The page's DOM after `budget_ms` of virtual time, optionally with a screenshot."""
    command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-dev-shm-usage", "--hide-scrollbars", f"--user-data-dir={profile}",
               "--window-size=1600,1000", f"--virtual-time-budget={budget_ms}", "--dump-dom"]
    if screenshot is not None:
        command.append(f"--screenshot={screenshot}")
    proc = subprocess.run(command + [url], capture_output=True, text=True, timeout=90, cwd=profile.parent)
    assert proc.returncode == 0, f"chromium failed on {url}: {proc.stderr[-2000:]}"
    return proc.stdout


# ---- webserver -----------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def graphql(base: str, query: str) -> dict:
    request = urllib.request.Request(f"{base}/graphql", data=json.dumps({"query": query}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        body = json.load(response)
    assert not body.get("errors"), body["errors"]
    return body["data"]


LOCATIONS = """{ workspaceOrError { __typename ... on Workspace { locationEntries { name loadStatus
  locationOrLoadError { __typename ... on PythonError { message } } } } } }"""
ASSETS = """{ assetNodes { assetKey { path } groupName repository { name location { name } }
  assetChecksOrError { __typename ... on AssetChecks { checks { name blocking } } } } }"""


def _stop(proc: subprocess.Popen) -> None:
    # the webserver runs its code server as a child: signal the whole session we started, by its id
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        if proc.poll() is not None:
            break
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(wait)
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="module")
def webserver(tmp_path_factory) -> str:
    tmp = tmp_path_factory.mktemp("ui")
    home, sheets = (tmp / "dagster_home").resolve(), tmp / "sheets"
    home.mkdir()
    sheets.mkdir()
    shutil.copy(SEED, sheets / SEED.name)
    # no telemetry calls and no "join the community" dialog over the graph
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\nnux:\n  enabled: false\n")
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home), "ATOP_SHEETS_DIR": str(sheets),
           "ATOP_OUTPUT_DIR": str(tmp / "outputs"), "ATOP_AS_OF": "2026-11-28", "ATOP_EXECUTOR": "in_process"}
    env.pop("ATOP_USE_RELEASE", None)
    log = (tmp / "webserver.log").open("w")
    proc = subprocess.Popen([str(WEBSERVER), "-m", "pipelines.definitions", "-h", "127.0.0.1", "-p", str(port)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline, last = time.monotonic() + LOAD_TIMEOUT_S, "no answer"
        while True:
            if proc.poll() is not None:
                pytest.fail(f"dagster-webserver exited ({proc.returncode}):\n{(tmp / 'webserver.log').read_text()[-3000:]}")
            try:
                entries = graphql(base, LOCATIONS)["workspaceOrError"]["locationEntries"]
                if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                    errors = [e["locationOrLoadError"] for e in entries
                              if e["locationOrLoadError"]["__typename"] == "PythonError"]
                    assert not errors, f"code location failed to load: {errors}"
                    break
                last = f"locations {[(e['name'], e['loadStatus']) for e in entries]}"
            except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
                last = repr(exc)
            if time.monotonic() > deadline:
                pytest.fail(f"webserver did not load the code location in {LOAD_TIMEOUT_S} s ({last})")
            time.sleep(0.5)
        yield base
    finally:
        _stop(proc)
        log.close()


@pytest.fixture(scope="module")
def expected():
    """Assets and checks as the code defines them, to compare with what the UI shows."""
    from pipelines.definitions import build_defs

    graph = build_defs().resolve_asset_graph()
    assets = {key.to_user_string() for key in graph.get_all_asset_keys()}
    checks = {(key.asset_key.to_user_string(), key.name) for key in graph.asset_check_keys}
    return assets, checks


@pytest.fixture(scope="module")
def nodes(webserver) -> list[dict]:
    return graphql(webserver, ASSETS)["assetNodes"]


# ---- the tests -----------------------------------------------------------------------------------

def test_graphql_serves_every_asset_and_check(nodes, expected):
    assets, checks = expected
    served = {"/".join(n["assetKey"]["path"]) for n in nodes}
    assert served == assets
    served_checks = set()
    for node in nodes:
        result = node["assetChecksOrError"]
        assert result["__typename"] == "AssetChecks", result
        served_checks |= {("/".join(node["assetKey"]["path"]), c["name"]) for c in result["checks"]}
        assert all(c["blocking"] for c in result["checks"]), "every suite must block publishing"
    assert served_checks == checks


def _shown(name: str, labels: list[str]) -> bool:
    # narrow nodes shorten long names in the middle ("dyad_yea…_directed")
    for label in labels:
        if label == name:
            return True
        if "…" in label:
            head, tail = label.split("…", 1)
            if name.startswith(head) and name.endswith(tail) and len(head) + len(tail) < len(name):
                return True
    return False


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "screenshot is not a PNG"
    return struct.unpack(">II", data[16:24])


def test_asset_graph_page_shows_every_asset(webserver, chromium, nodes, expected, tmp_path):
    assets, _ = expected
    # groups start collapsed when there are several; the `expanded` parameter opens them all. The id
    # format depends on a UI feature flag, so both spellings are passed; unknown ids are ignored.
    groups = sorted({n["groupName"] for n in nodes})
    locations = sorted({(n["repository"]["name"], n["repository"]["location"]["name"]) for n in nodes})
    ids = [f"global@global:{g}" for g in groups] + [f"{r}@{loc}:{g}" for r, loc in locations for g in groups]
    url = f"{webserver}/asset-groups?expanded={urllib.parse.quote(','.join(ids), safe='@:,_')}"
    ARTIFACTS.mkdir(exist_ok=True)
    SCREENSHOT.unlink(missing_ok=True)
    dom = render(chromium, url, tmp_path / "profile", screenshot=SCREENSHOT, budget_ms=20000)
    (ARTIFACTS / "ui-asset-graph.html").write_text(dom, encoding="utf-8")

    assert "Global asset lineage" in dom
    labels = [m.strip() for m in re.findall(r'class="[^"]*AssetNode_assetName[^"]*"[^>]*>([^<]+)<', dom)]
    missing = sorted(a for a in assets if not _shown(a, labels))
    assert not missing, f"assets missing from the rendered graph: {missing} (labels: {labels})"
    assert len(labels) >= len(assets)
    assert SCREENSHOT.exists() and SCREENSHOT.stat().st_size > 20_000, "screenshot missing or blank"
    assert _png_size(SCREENSHOT) == (1600, 1000)


def test_asset_pages_show_every_check(webserver, chromium, expected, tmp_path):
    _, checks = expected
    by_asset: dict[str, set[str]] = {}
    for asset, name in checks:
        by_asset.setdefault(asset, set()).add(name)

    def page(asset: str) -> tuple[str, str]:
        url = f"{webserver}/assets/{urllib.parse.quote(asset)}?view=checks"
        return asset, render(chromium, url, tmp_path / f"profile-{asset.replace('/', '_')}", budget_ms=10000)

    # two cores: three browsers at a time keeps the page loads overlapping without starving the server
    with ThreadPoolExecutor(max_workers=3) as pool:
        rendered = dict(pool.map(page, sorted(by_asset)))
    missing = {asset: sorted(n for n in names if n not in rendered[asset]) for asset, names in by_asset.items()}
    missing = {a: n for a, n in missing.items() if n}
    assert not missing, f"checks not shown on their asset's Checks tab: {missing}"
