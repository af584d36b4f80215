"""The download layer against a local HTTP server that serves the shared mirror and injects faults.

Nothing here touches the internet: the server runs on 127.0.0.1 in a thread, and every fault a
real server or network can produce (a hang, a 5xx, a body cut short, a re-issued file) is played
by it, so that retries, error messages and the cache's cleanliness are all observed directly.
"""
from __future__ import annotations

import collections
import csv
import hashlib
import io
import json
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

MIRROR = Path(__file__).resolve().parents[1].parent / "shared" / "mirror"
if not (MIRROR / "atop_5.1__.csv_.zip").is_file() or not (MIRROR / "states2016.csv").is_file():
    pytest.skip(
        f"source mirror not found at {MIRROR} (needs atop_5.1__.csv_.zip and states2016.csv); "
        "these tests never download from the internet",
        allow_module_level=True,
    )

from pipelines.config import Settings  # noqa: E402
from pipelines.sources.__main__ import main as sources_main  # noqa: E402
from pipelines.sources.cow import STATES_COLUMNS, read_states  # noqa: E402
from pipelines.sources.fetch import (  # noqa: E402
    CACHE_GUARD_NAME,
    _location,
    DownloadError,
    LockOutOfDate,
    SourceChanged,
    SourceTooLarge,
    fetch_all,
    fetch_source,
    load_sources,
    read_lock,
    render_lock,
    update_sources,
)
from pipelines.sources.release import read_release  # noqa: E402

ATOP_ZIP = "atop_5.1__.csv_.zip"
STATES_CSV = "states2016.csv"
ATOP_DIR = "ATOP 5.1 (.csv)/"
ATOP_FILES = [ATOP_DIR + f for f in ("atop5_1m.csv", "atop5_1a.csv", "atop5_1aph.csv", "atop5_1sy.csv")]
READ_TIMEOUT = 0.3  # client side; the "timeout" fault hangs well past it


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def mirror_bytes(name: str) -> bytes:
    return (MIRROR / name).read_bytes()


def changed(body: bytes) -> bytes:
    # One flipped bit at the end: the smallest re-issue that a hash must still catch.
    return body[:-1] + bytes([body[-1] ^ 1])


# ------------------------------------------------------------------------------------- server


class MirrorServer:
    def __init__(self, root: Path):
        self.root = root
        self.faults: dict[str, str] = {}
        self.requests: collections.Counter[str] = collections.Counter()
        self.release = threading.Event()
        self._lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.mirror = self  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def count(self, name: str) -> int:
        with self._lock:
            self.requests[name] += 1
            return self.requests[name]


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        mirror: MirrorServer = self.server.mirror  # type: ignore[attr-defined]
        name = unquote(urlsplit(self.path).path.lstrip("/"))
        seen = mirror.count(name)
        fault = mirror.faults.get(name)
        if fault == "500" or (fault == "500-once" and seen == 1):
            self.send_error(500, "injected failure")
            return
        path = mirror.root / name
        if "/" in name or not path.is_file():
            self.send_error(404)
            return
        if fault == "timeout":
            # Hang without answering; released at teardown so no thread outlives the test.
            mirror.release.wait(READ_TIMEOUT * 10)
            return
        body = path.read_bytes()
        if fault == "changed":
            body = changed(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if fault == "truncated":
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
            return
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # keep pytest output readable
        pass


@pytest.fixture
def server():
    mirror = MirrorServer(MIRROR)
    # A short poll keeps shutdown (once per test) from costing half a second each.
    thread = threading.Thread(target=mirror.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield mirror
    finally:
        mirror.release.set()
        mirror.httpd.shutdown()
        mirror.httpd.server_close()
        thread.join(5)


@pytest.fixture
def env(tmp_path, monkeypatch):
    """Cache and lock in tmp_path, tiny timeouts and backoff; returns a Settings factory."""
    monkeypatch.setenv("ATOP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ATOP_LOCK_FILE", str(tmp_path / "sources.lock.json"))
    monkeypatch.delenv("ATOP_SOURCES_FILE", raising=False)
    monkeypatch.delenv("ATOP_MIRROR", raising=False)
    monkeypatch.setenv("ATOP_FETCH_TIMEOUT", f"2,{READ_TIMEOUT}")
    monkeypatch.setenv("ATOP_FETCH_ATTEMPTS", "3")
    monkeypatch.setenv("ATOP_FETCH_BACKOFF", "0.01")
    monkeypatch.delenv("ATOP_FETCH_MAX_BYTES", raising=False)
    monkeypatch.delenv("ATOP_FETCH_PROGRESS_BYTES", raising=False)
    # A proxy from the surrounding environment must not intercept the loopback server.
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    return Settings.from_env


@pytest.fixture
def http_mirror(env, server, monkeypatch):
    monkeypatch.setenv("ATOP_MIRROR", server.url)
    return server


def cache_files(settings: Settings) -> list[str]:
    """Every file in the cache except the inter-process guard (which never holds data)."""
    root = settings.cache_dir
    if not root.exists():
        return []
    return sorted(
        p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and p.name != CACHE_GUARD_NAME
    )


def expected_inner_hashes() -> dict[str, str]:
    with zipfile.ZipFile(MIRROR / ATOP_ZIP) as archive:
        return {name: sha256_of(archive.read(name)) for name in ATOP_FILES}


# --------------------------------------------------------------------------------- happy paths


def test_http_mirror_fetch_writes_lock_and_then_uses_cache(http_mirror, env):
    settings = env()
    fetched = fetch_all(settings)

    assert list(fetched) == ["atop", "cow_states"]
    lock = read_lock(settings.lock_file)
    assert lock["atop"]["sha256"] == sha256_of(mirror_bytes(ATOP_ZIP))
    assert lock["atop"]["files"] == expected_inner_hashes()
    assert lock["atop"]["url"] == "http://www.atopdata.org/uploads/6/9/1/3/69134503/atop_5.1__.csv_.zip"
    assert lock["atop"]["version"] == "5.1"
    assert lock["cow_states"]["sha256"] == sha256_of(mirror_bytes(STATES_CSV))
    assert lock["cow_states"]["files"] == {}
    assert lock["cow_states"]["version"] == "2016"
    # Deterministic: the file is exactly the canonical rendering (sorted keys, fixed indent).
    text = settings.lock_file.read_text(encoding="utf-8")
    assert text == render_lock(json.loads(text)["sources"])
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"

    atop = fetched["atop"]
    assert atop.path == settings.cache_dir / "atop" / ATOP_ZIP
    assert atop.path.read_bytes() == mirror_bytes(ATOP_ZIP)
    assert atop.sha256 == lock["atop"]["sha256"]
    assert atop.inner_sha256 == lock["atop"]["files"]
    assert sorted(atop.members) == sorted(ATOP_FILES)
    assert cache_files(settings) == ["atop/" + ATOP_ZIP, "cow_states/" + STATES_CSV]
    assert http_mirror.requests == {ATOP_ZIP: 1, STATES_CSV: 1}

    again = fetch_all(settings)
    assert http_mirror.requests == {ATOP_ZIP: 1, STATES_CSV: 1}, "a verified cache must not re-download"
    assert again["atop"].sha256 == atop.sha256
    assert settings.lock_file.read_text(encoding="utf-8") == text


def test_directory_mirror_writes_the_same_lock_as_http(env, server, tmp_path, monkeypatch):
    monkeypatch.setenv("ATOP_MIRROR", str(MIRROR))
    via_dir = env()
    fetch_all(via_dir)
    assert server.requests == {}
    lock = read_lock(via_dir.lock_file)
    assert lock["atop"]["sha256"] == sha256_of(mirror_bytes(ATOP_ZIP))
    assert lock["atop"]["files"] == expected_inner_hashes()
    assert lock["cow_states"]["sha256"] == sha256_of(mirror_bytes(STATES_CSV))
    assert cache_files(via_dir) == ["atop/" + ATOP_ZIP, "cow_states/" + STATES_CSV]

    # The lock pins content and official URLs, never where a run happened to fetch from.
    monkeypatch.setenv("ATOP_MIRROR", server.url)
    monkeypatch.setenv("ATOP_CACHE_DIR", str(tmp_path / "cache-http"))
    monkeypatch.setenv("ATOP_LOCK_FILE", str(tmp_path / "lock-http.json"))
    via_http = env()
    fetch_all(via_http)
    assert via_http.lock_file.read_bytes() == via_dir.lock_file.read_bytes()


def test_release_reader(env, monkeypatch):
    monkeypatch.setenv("ATOP_MIRROR", str(MIRROR))
    tables = read_release(fetch_source("atop", env()))

    assert set(tables) == {"members", "alliances", "phases", "state_years"}
    members, alliances = tables["members"], tables["alliances"]
    assert len(members) == 2510
    assert len(alliances) == 789
    assert len(tables["phases"]) == 849
    assert len(tables["state_years"]) == 11923
    assert list(members.columns[:8]) == ["atopid", "cowid", "cow4id", "member", "cowsys", "yrent", "moent", "dayent"]
    for column in ("atopid", "member", "yrent", "moent", "dayent", "yrexit", "cowid"):
        assert members[column].dtype == "Int64", column
    assert alliances["begyr"].dtype == "Int64"
    assert tables["state_years"]["year"].dtype == "Int64"
    assert tables["phases"]["atopidphase"].iloc[0] == "1005"

    # Blank cells are NA, never 0: compare with the raw CSV text.
    with zipfile.ZipFile(MIRROR / ATOP_ZIP) as archive:
        raw = list(csv.DictReader(io.StringIO(archive.read(ATOP_DIR + "atop5_1m.csv").decode("utf-8"))))
    blank = [i for i, row in enumerate(raw) if row["dayent"] == ""]
    assert blank, "the release has members with an unknown day of entry"
    assert members["dayent"].isna().sum() == len(blank)
    assert members["dayent"].iloc[blank].isna().all()
    assert members["cowid"].isna().any()

    row = members[(members["atopid"] == 5030) & (members["member"] == 710)]
    assert len(row) == 1
    assert row["yrent"].iloc[0] == 2002


def test_cow_reader(env, monkeypatch):
    monkeypatch.setenv("ATOP_MIRROR", str(MIRROR))
    states = read_states(fetch_source("cow_states", env()))

    assert tuple(states.columns) == STATES_COLUMNS
    assert len(states) == len(mirror_bytes(STATES_CSV).decode("utf-8").strip().splitlines()) - 1
    for column in ("ccode", "styear", "stmonth", "stday", "endyear", "endmonth", "endday", "version"):
        assert states[column].dtype == "Int64", column
    usa = states[states["stateabb"] == "USA"].iloc[0]
    assert (usa["ccode"], usa["statenme"], usa["styear"]) == (2, "United States of America", 1816)
    assert not states["ccode"].isna().any()


def test_progress_is_reported_for_large_downloads(http_mirror, env, monkeypatch, capsys):
    monkeypatch.setenv("ATOP_FETCH_PROGRESS_BYTES", "1")
    fetch_source("atop", env())
    err = capsys.readouterr().err
    assert "atop: downloading: 100%" in err
    assert err.count("atop: downloading:") >= 2


# --------------------------------------------------------------------------------------- faults


@pytest.mark.parametrize(
    ("fault", "says"),
    [
        ("timeout", "timed out"),
        ("500", "HTTP 500"),
        ("truncated", "cut short"),
    ],
)
def test_network_faults_retry_then_fail_cleanly(http_mirror, env, fault, says, capsys):
    settings = env()
    http_mirror.faults[ATOP_ZIP] = fault

    with pytest.raises(DownloadError) as caught:
        fetch_source("atop", settings)

    assert http_mirror.requests[ATOP_ZIP] == 3, "each attempt must reach the server"
    message = str(caught.value)
    assert message.startswith("atop: could not download ")
    assert f"{http_mirror.url}/{ATOP_ZIP}" in message
    assert "atopdata.org" in message, "the message names the official URL the mirror stands for"
    assert says in message and "after 3 attempts" in message
    assert "retrying" in capsys.readouterr().err
    assert cache_files(settings) == []
    assert not settings.lock_file.exists()


@pytest.mark.parametrize(("source", "filename"), [("atop", ATOP_ZIP), ("cow_states", STATES_CSV)])
def test_changed_file_retries_then_stops_and_is_not_kept(http_mirror, env, source, filename):
    settings = env()
    fetch_source(source, settings)
    locked = settings.lock_file.read_bytes()
    (settings.cache_dir / source / filename).unlink()
    http_mirror.requests.clear()
    http_mirror.faults[filename] = "changed"

    with pytest.raises(SourceChanged) as caught:
        fetch_source(source, settings)

    assert http_mirror.requests[filename] > 1
    error = caught.value
    expected, actual = sha256_of(mirror_bytes(filename)), sha256_of(changed(mirror_bytes(filename)))
    assert (error.source, error.file, error.expected, error.actual) == (source, filename, expected, actual)
    message = str(error)
    for part in (source, filename, expected, actual, f"{http_mirror.url}/", "make update-sources"):
        assert part in message
    assert cache_files(settings) == []
    assert settings.lock_file.read_bytes() == locked


def test_changed_inner_member_is_named(http_mirror, env):
    settings = env()
    fetch_source("atop", settings)
    doc = json.loads(settings.lock_file.read_text(encoding="utf-8"))
    member = ATOP_DIR + "atop5_1m.csv"
    doc["sources"]["atop"]["files"][member] = "0" * 64
    settings.lock_file.write_text(json.dumps(doc), encoding="utf-8")
    http_mirror.requests.clear()

    with pytest.raises(SourceChanged) as caught:
        fetch_source("atop", settings)

    assert caught.value.file == member and caught.value.expected == "0" * 64
    assert http_mirror.requests[ATOP_ZIP] > 1
    assert cache_files(settings) == []


def test_damaged_cache_is_discarded_and_downloaded_again(http_mirror, env):
    settings = env()
    first = fetch_source("cow_states", settings)
    first.path.write_bytes(b"stateabb,ccode\n")

    again = fetch_source("cow_states", settings)

    assert http_mirror.requests[STATES_CSV] == 2
    assert again.path.read_bytes() == mirror_bytes(STATES_CSV)
    assert cache_files(settings) == ["cow_states/" + STATES_CSV]


def test_one_server_error_is_retried_to_success(http_mirror, env):
    settings = env()
    http_mirror.faults[STATES_CSV] = "500-once"
    fetched = fetch_source("cow_states", settings)
    assert http_mirror.requests[STATES_CSV] == 2
    assert fetched.sha256 == sha256_of(mirror_bytes(STATES_CSV))


def test_missing_file_is_not_retried(env, server, monkeypatch):
    monkeypatch.setenv("ATOP_MIRROR", server.url + "/nowhere")
    settings = env()
    with pytest.raises(DownloadError, match=r"cow_states: could not download .*/nowhere/states2016.csv.*HTTP 404"):
        fetch_source("cow_states", settings)
    assert server.requests == {"nowhere/states2016.csv": 1}
    assert cache_files(settings) == []


def test_size_cap(http_mirror, env, monkeypatch):
    monkeypatch.setenv("ATOP_FETCH_MAX_BYTES", "1000")
    settings = env()
    with pytest.raises(SourceTooLarge, match=r"atop: .*140617 bytes, over the cap of 1000"):
        fetch_source("atop", settings)
    assert http_mirror.requests[ATOP_ZIP] == 1
    assert cache_files(settings) == []


def test_update_sources_accepts_a_new_version(http_mirror, env, capsys):
    settings = env()
    fetch_all(settings)
    http_mirror.faults[STATES_CSV] = "changed"
    new_hash = sha256_of(changed(mirror_bytes(STATES_CSV)))

    (settings.cache_dir / "cow_states" / STATES_CSV).unlink()
    with pytest.raises(SourceChanged):
        fetch_source("cow_states", settings)

    updated = update_sources(settings)
    assert updated["cow_states"].sha256 == new_hash
    assert read_lock(settings.lock_file)["cow_states"]["sha256"] == new_hash
    assert read_lock(settings.lock_file)["atop"]["sha256"] == sha256_of(mirror_bytes(ATOP_ZIP))
    assert "cow_states: changed from" in capsys.readouterr().err
    assert fetch_source("cow_states", settings).sha256 == new_hash


def test_update_failure_leaves_cache_and_lock_alone(http_mirror, env):
    settings = env()
    fetch_all(settings)
    locked = settings.lock_file.read_bytes()
    http_mirror.faults[STATES_CSV] = "500"
    with pytest.raises(DownloadError):
        update_sources(settings)
    assert settings.lock_file.read_bytes() == locked
    assert cache_files(settings) == ["atop/" + ATOP_ZIP, "cow_states/" + STATES_CSV]


def test_sources_toml_change_requires_update(http_mirror, env, tmp_path, monkeypatch):
    settings = env()
    fetch_source("cow_states", settings)
    sources = tmp_path / "sources.toml"
    sources.write_text(
        settings.sources_file.read_text(encoding="utf-8").replace('version = "2016"', 'version = "2017"'),
        encoding="utf-8",
    )
    monkeypatch.setenv("ATOP_SOURCES_FILE", str(sources))
    with pytest.raises(LockOutOfDate, match=r"cow_states: .*version is '2017'.*make update-sources"):
        fetch_source("cow_states", env())


def test_cli(http_mirror, env, capsys):
    assert sources_main(["fetch"]) == 0
    out = capsys.readouterr().out
    assert f"atop\t5.1\tsha256:{sha256_of(mirror_bytes(ATOP_ZIP))}" in out
    assert f"cow_states\t2016\tsha256:{sha256_of(mirror_bytes(STATES_CSV))}" in out

    http_mirror.faults[STATES_CSV] = "changed"
    assert sources_main(["update"]) == 0
    http_mirror.faults[STATES_CSV] = "500"
    (env().cache_dir / "cow_states" / STATES_CSV).unlink()
    assert sources_main(["fetch"]) == 1
    assert "error: cow_states: could not download" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("mirror", "expected", "local"),
    [
        (None, "http://www.atopdata.org/uploads/6/9/1/3/69134503/atop_5.1__.csv_.zip", False),
        ("https://example.org/m/", "https://example.org/m/atop_5.1__.csv_.zip", False),
        ("/srv/mirror", "/srv/mirror/atop_5.1__.csv_.zip", True),
        ("file:///srv/mirror", "/srv/mirror/atop_5.1__.csv_.zip", True),
    ],
)
def test_mirror_replaces_the_official_address(env, monkeypatch, mirror, expected, local):
    if mirror is None:
        monkeypatch.delenv("ATOP_MIRROR", raising=False)
    else:
        monkeypatch.setenv("ATOP_MIRROR", mirror)
    settings = env()
    spec = load_sources(settings.sources_file)["atop"]
    assert _location(spec, settings) == (expected, local)
