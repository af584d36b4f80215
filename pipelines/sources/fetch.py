"""Download the external sources listed in raw/sources.toml into a verified cache.

The tables must be rebuildable from exactly the bytes they were first built from, so every file is
pinned by SHA-256 in raw/sources.lock.json (committed). The first download of a source records its
hashes; after that any difference, whether the publisher quietly re-issued the file, a mirror is
stale, or a proxy mangled it, stops the run until a person accepts it with `make update-sources`.

The cache only ever holds files that passed that check: downloads land in a temporary file beside
their final name and are renamed into place only after verification, so an interrupted or rejected
download cannot be mistaken for a good one by a later run.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import sys
import tempfile
import time
import tomllib
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Mapping
from urllib.parse import unquote, urlsplit

import requests

from pipelines.config import Settings

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows has no flock; runs there are not concurrent
    fcntl = None  # type: ignore[assignment]

LOCK_FORMAT = 1
UPDATE_COMMAND = "make update-sources"
USER_AGENT = "atop-pipelines/0.1 (source fetcher; python-requests)"
# Held in the cache dir while fetching: Dagster runs assets in parallel processes, and without it two
# first downloads would each read the lock, add their own entry and overwrite the other's.
CACHE_GUARD_NAME = ".fetch.flock"
PART_SUFFIX = ".part"
FILE_MODE = 0o644

_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_FORMATS = ("zip", "csv")


# --------------------------------------------------------------------------------------- errors


class SourceError(Exception):
    """Base class: anything that stops a source from being fetched and trusted."""


class SourceConfigError(SourceError):
    """raw/sources.toml or the lock file cannot be used as written."""


class LockOutOfDate(SourceError):
    """sources.toml asks for something (URL, version, files) that the lock has not pinned."""


class DownloadError(SourceError):
    """The file could not be obtained (network, HTTP status, truncated or unreadable body)."""

    def __init__(self, source: str, url: str, message: str):
        self.source = source
        self.url = url
        super().__init__(f"{source}: could not download {url}: {message}")


class SourceTooLarge(DownloadError):
    """The file (or a member of the archive) exceeds the configured size cap."""


class SourceChanged(SourceError):
    """The downloaded (or cached) bytes differ from the hash the lock pins."""

    def __init__(self, source: str, file: str, expected: str, actual: str, url: str, lock_file: Path):
        self.source = source
        self.file = file
        self.expected = expected
        self.actual = actual
        self.url = url
        super().__init__(
            f"{source}: {file} from {url} has changed: {lock_file} expects sha256 {expected}, "
            f"got {actual}. The changed file was not kept. If the new version is intended, run "
            f"`{UPDATE_COMMAND}` (python -m pipelines.sources update) to accept it and re-lock."
        )


class _Retryable(Exception):
    """A failure worth another attempt (5xx, timeout, broken connection, cut-short body)."""


class _BadContent(Exception):
    """The bytes arrived whole but are not what sources.toml describes (bad zip, missing member)."""


# -------------------------------------------------------------------------------------- options


def _env_number(name: str, default, convert, minimum):
    """A numeric setting from the environment: `default` when unset, a clear error when malformed."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = convert(raw)
    except ValueError as exc:
        kind = "a whole number" if convert is int else "a number"
        raise ValueError(f"{name} must be {kind}, got {raw!r}") from exc
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {raw!r}")
    return value


@dataclass(frozen=True)
class FetchOptions:
    """How hard to try. Kept out of Settings because none of it changes what the tables contain."""

    connect_timeout: float = 10.0
    # Per socket read, not for the whole body: a slow but live download is not cut off.
    read_timeout: float = 60.0
    attempts: int = 4
    # Delay before attempt n+1 is backoff * 2**(n-1): 1, 2, 4 s by default.
    backoff: float = 1.0
    max_bytes: int = 200 * 1024 * 1024
    progress_min_bytes: int = 10 * 1024 * 1024
    chunk_size: int = 64 * 1024

    @classmethod
    def from_env(cls) -> "FetchOptions":
        """ATOP_FETCH_TIMEOUT ("read" or "connect,read" seconds), ATOP_FETCH_ATTEMPTS,
        ATOP_FETCH_BACKOFF (seconds), ATOP_FETCH_MAX_BYTES, ATOP_FETCH_PROGRESS_BYTES."""
        connect, read = cls.connect_timeout, cls.read_timeout
        raw_timeout = os.environ.get("ATOP_FETCH_TIMEOUT", "").strip()
        if raw_timeout:
            parts = [p.strip() for p in raw_timeout.split(",")]
            try:
                numbers = [float(p) for p in parts]
            except ValueError as exc:
                raise ValueError(
                    f"ATOP_FETCH_TIMEOUT must be 'seconds' or 'connect,read', got {raw_timeout!r}"
                ) from exc
            if len(numbers) not in (1, 2) or any(n <= 0 for n in numbers):
                raise ValueError(
                    f"ATOP_FETCH_TIMEOUT must be 'seconds' or 'connect,read', got {raw_timeout!r}"
                )
            connect, read = (numbers[0], numbers[0]) if len(numbers) == 1 else tuple(numbers)
        return cls(
            connect_timeout=connect,
            read_timeout=read,
            attempts=_env_number("ATOP_FETCH_ATTEMPTS", cls.attempts, int, 1),
            backoff=_env_number("ATOP_FETCH_BACKOFF", cls.backoff, float, 0),
            max_bytes=_env_number("ATOP_FETCH_MAX_BYTES", cls.max_bytes, int, 1),
            progress_min_bytes=_env_number("ATOP_FETCH_PROGRESS_BYTES", cls.progress_min_bytes, int, 0),
        )


# -------------------------------------------------------------------------------------- sources


@dataclass(frozen=True)
class SourceSpec:
    name: str
    url: str
    version: str
    format: str
    files: tuple[str, ...]
    title: str = ""

    @property
    def url_basename(self) -> str:
        """Last path segment of the official URL, as written (still percent-encoded)."""
        return urlsplit(self.url).path.rstrip("/").rsplit("/", 1)[-1]

    @property
    def filename(self) -> str:
        return unquote(self.url_basename)


def load_sources(path: Path) -> dict[str, SourceSpec]:
    """Parse and check raw/sources.toml; sources come back in file order."""
    try:
        doc = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SourceConfigError(f"sources file {path} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SourceConfigError(f"sources file {path} is not valid TOML: {exc}") from exc
    table = doc.get("sources")
    if not isinstance(table, dict) or not table:
        raise SourceConfigError(f"{path} has no [sources.<name>] tables")
    specs: dict[str, SourceSpec] = {}
    for name, entry in table.items():
        where = f"{path} [sources.{name}]"
        # The name becomes a cache directory and a lock key, so keep it boring.
        if not _NAME_RE.match(name):
            raise SourceConfigError(f"{where}: name must match {_NAME_RE.pattern}")
        url, version, fmt = entry.get("url"), entry.get("version"), entry.get("format")
        if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
            raise SourceConfigError(f"{where}: url must be an http(s) URL, got {url!r}")
        if not isinstance(version, str) or not version:
            raise SourceConfigError(f"{where}: version must be a non-empty string, got {version!r}")
        if fmt not in _FORMATS:
            raise SourceConfigError(f"{where}: format must be one of {_FORMATS}, got {fmt!r}")
        files = entry.get("files", [])
        if not isinstance(files, list) or not all(isinstance(f, str) and f for f in files):
            raise SourceConfigError(f"{where}: files must be a list of member paths")
        if fmt == "zip" and not files:
            raise SourceConfigError(f"{where}: a zip source must list the files used inside it")
        if fmt == "csv" and files:
            raise SourceConfigError(f"{where}: a csv source is a single file and takes no files list")
        if len(set(files)) != len(files):
            raise SourceConfigError(f"{where}: files lists a member twice")
        spec = SourceSpec(name, url, version, fmt, tuple(files), str(entry.get("title", "")))
        if not spec.filename or spec.filename in (".", ".."):
            raise SourceConfigError(f"{where}: url {url!r} does not end in a file name")
        specs[name] = spec
    return specs


# ---------------------------------------------------------------------------------- the result


@dataclass(frozen=True)
class FetchedSource:
    """A source whose bytes were checked against the lock.

    `members` holds the very bytes that were hashed, so readers parse what was verified rather than
    re-reading a file that could have changed on disk since. For a zip it maps each used member
    path to its content; for a plain file it maps the file name to the whole file.
    """

    name: str
    version: str
    url: str
    path: Path
    sha256: str
    size: int
    inner_sha256: dict[str, str]
    members: dict[str, bytes] = field(repr=False)

    def read(self, member: str | None = None) -> bytes:
        if member is None:
            if len(self.members) != 1:
                raise KeyError(
                    f"{self.name} has {len(self.members)} members; name one of {sorted(self.members)}"
                )
            return next(iter(self.members.values()))
        try:
            return self.members[member]
        except KeyError:
            raise KeyError(
                f"{self.name} has no member {member!r}; the ones used are {sorted(self.members)} "
                f"(add others to raw/sources.toml)"
            ) from None

    def open(self, member: str | None = None) -> io.BytesIO:
        return io.BytesIO(self.read(member))


# ---------------------------------------------------------------------------------------- lock


def read_lock(path: Path) -> dict[str, dict]:
    """The lock's per-source entries; {} when there is no lock yet."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceConfigError(
            f"lock file {path} is not valid JSON ({exc}); restore it from version control or run "
            f"`{UPDATE_COMMAND}`"
        ) from exc
    if not isinstance(doc, dict) or doc.get("format") != LOCK_FORMAT or not isinstance(doc.get("sources"), dict):
        raise SourceConfigError(
            f"lock file {path} is not a format-{LOCK_FORMAT} source lock; run `{UPDATE_COMMAND}`"
        )
    return doc["sources"]


def render_lock(entries: Mapping[str, dict]) -> str:
    # No timestamps or mirror addresses: re-locking the same bytes must not produce a diff.
    doc = {"format": LOCK_FORMAT, "sources": dict(entries)}
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _write_lock(path: Path, entries: Mapping[str, dict]) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(path, render_lock(entries).encode("utf-8"))


def _lock_entry(spec: SourceSpec, sha256: str, size: int, inner: Mapping[str, str]) -> dict:
    return {
        "url": spec.url,
        "version": spec.version,
        "sha256": sha256,
        "size": size,
        "files": dict(inner),
    }


def _check_entry_matches_spec(spec: SourceSpec, entry: dict, lock_file: Path) -> None:
    problems = []
    if entry.get("url") != spec.url:
        problems.append(f"url is {spec.url!r} in sources.toml but {entry.get('url')!r} in the lock")
    if entry.get("version") != spec.version:
        problems.append(
            f"version is {spec.version!r} in sources.toml but {entry.get('version')!r} in the lock"
        )
    locked_files = entry.get("files")
    if not isinstance(locked_files, dict) or sorted(locked_files) != sorted(spec.files):
        problems.append(
            f"files are {sorted(spec.files)} in sources.toml but "
            f"{sorted(locked_files) if isinstance(locked_files, dict) else locked_files!r} in the lock"
        )
    if not isinstance(entry.get("sha256"), str):
        problems.append("the lock entry has no sha256")
    if problems:
        raise LockOutOfDate(
            f"{spec.name}: raw/sources.toml and {lock_file} disagree ({'; '.join(problems)}). "
            f"Run `{UPDATE_COMMAND}` to download what sources.toml asks for and re-lock it."
        )


# ------------------------------------------------------------------------------- file helpers


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _unlink(path: Path | str | None) -> None:
    if path is not None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = _mkstemp(path.parent, path.name)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        _unlink(tmp)
        raise


@contextlib.contextmanager
def _cache_guard(cache_dir: Path) -> Iterator[None]:
    cache_dir.mkdir(parents=True, exist_ok=True)
    if fcntl is None:  # pragma: no cover
        yield
        return
    with open(cache_dir / CACHE_GUARD_NAME, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB"


class _Progress:
    """Prints at each new tenth of a download, and only for ones long enough to wonder about."""

    def __init__(self, label: str, total: int | None, min_bytes: int):
        self.label = label
        self.total = total
        self.enabled = total is not None and total > 0 and total >= min_bytes
        self.next_tenth = 1

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        tenth = min(10, done * 10 // self.total)
        if tenth >= self.next_tenth:
            print(f"{self.label}: {tenth * 10}% ({_mb(done)} of {_mb(self.total)})", file=sys.stderr, flush=True)
            self.next_tenth = tenth + 1


# ------------------------------------------------------------------------------- one attempt


def _location(spec: SourceSpec, settings: Settings) -> tuple[str, bool]:
    """Where to get the file this run, and whether that is a local path."""
    mirror = settings.mirror
    if not mirror:
        return spec.url, False
    if mirror.startswith(("http://", "https://")):
        return f"{mirror.rstrip('/')}/{spec.url_basename}", False
    base = Path(unquote(urlsplit(mirror).path)) if mirror.startswith("file://") else Path(mirror).expanduser()
    return str(base / spec.filename), True


def _describe(spec: SourceSpec, location: str) -> str:
    return location if location == spec.url else f"{location} (mirror of {spec.url})"


def _mkstemp(directory: Path, name: str) -> tuple[int, str]:
    fd, part = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=PART_SUFFIX)
    # mkstemp makes the file owner-only; the lock is committed and the cache may be shared, so
    # they get ordinary file permissions once renamed.
    try:
        os.chmod(part, FILE_MODE)
    except BaseException:
        os.close(fd)
        _unlink(part)
        raise
    return fd, part


def _new_part(dest_dir: Path, spec: SourceSpec) -> tuple[int, str]:
    return _mkstemp(dest_dir, spec.filename)


def _download_http(
    spec: SourceSpec, url: str, dest_dir: Path, options: FetchOptions, session: requests.Session
) -> Path:
    where = _describe(spec, url)
    # identity: the bytes hashed must be the file itself, not whatever transfer encoding a server picks.
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    with session.get(
        url, stream=True, headers=headers, timeout=(options.connect_timeout, options.read_timeout)
    ) as resp:
        status = f"HTTP {resp.status_code} {resp.reason or ''}".strip()
        if resp.status_code >= 500 or resp.status_code in (408, 429):
            raise _Retryable(status)
        if resp.status_code != 200:
            raise DownloadError(spec.name, where, status)
        announced = _content_length(resp)
        if announced is not None and announced > options.max_bytes:
            raise SourceTooLarge(
                spec.name, where,
                f"the server announces {announced} bytes, over the cap of {options.max_bytes} "
                f"(raise ATOP_FETCH_MAX_BYTES if this size is expected)",
            )
        encoded = resp.headers.get("Content-Encoding", "identity").strip().lower() not in ("", "identity")
        progress = _Progress(f"{spec.name}: downloading", announced, options.progress_min_bytes)
        fd, part = _new_part(dest_dir, spec)
        try:
            received = 0
            with os.fdopen(fd, "wb") as out:
                for chunk in resp.iter_content(options.chunk_size):
                    received += len(chunk)
                    if received > options.max_bytes:
                        raise SourceTooLarge(
                            spec.name, where,
                            f"the body passed the cap of {options.max_bytes} bytes "
                            f"(raise ATOP_FETCH_MAX_BYTES if this size is expected)",
                        )
                    out.write(chunk)
                    progress.update(received)
                out.flush()
                os.fsync(out.fileno())
            # urllib3 usually notices a short body itself; this catches the cases it lets through.
            if announced is not None and not encoded and received != announced:
                raise _Retryable(
                    f"truncated body: received {received} of the {announced} bytes in Content-Length"
                )
        except BaseException:
            _unlink(part)
            raise
    return Path(part)


def _content_length(resp: requests.Response) -> int | None:
    raw = resp.headers.get("Content-Length")
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None


def _copy_local(spec: SourceSpec, source: Path, dest_dir: Path, options: FetchOptions) -> Path:
    where = _describe(spec, str(source))
    try:
        size = source.stat().st_size
    except FileNotFoundError:
        raise DownloadError(spec.name, where, "no such file in the mirror directory") from None
    except OSError as exc:
        raise DownloadError(spec.name, where, f"cannot read it: {exc}") from exc
    if size > options.max_bytes:
        raise SourceTooLarge(
            spec.name, where,
            f"it is {size} bytes, over the cap of {options.max_bytes} (raise ATOP_FETCH_MAX_BYTES)",
        )
    progress = _Progress(f"{spec.name}: copying", size, options.progress_min_bytes)
    fd, part = _new_part(dest_dir, spec)
    try:
        copied = 0
        with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
            while chunk := src.read(options.chunk_size):
                copied += len(chunk)
                if copied > options.max_bytes:
                    raise SourceTooLarge(spec.name, where, f"it grew past the cap of {options.max_bytes} bytes")
                out.write(chunk)
                progress.update(copied)
            out.flush()
            os.fsync(out.fileno())
    except OSError as exc:
        _unlink(part)
        raise DownloadError(spec.name, where, f"cannot read it: {exc}") from exc
    except BaseException:
        _unlink(part)
        raise
    return Path(part)


# ------------------------------------------------------------------------------- verification


def _inspect(spec: SourceSpec, data: bytes, options: FetchOptions, where: str) -> tuple[dict, dict]:
    """Members used and their hashes; raises _BadContent when the bytes are not the promised kind."""
    if spec.format == "csv":
        return {spec.filename: data}, {}
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise _BadContent(f"not a readable zip archive ({exc})") from exc
    with archive:
        present = set(archive.namelist())
        missing = [f for f in spec.files if f not in present]
        if missing:
            raise _BadContent(
                f"the archive lacks {missing} listed in raw/sources.toml; it holds {sorted(present)}"
            )
        members, inner = {}, {}
        for member in spec.files:
            declared = archive.getinfo(member).file_size
            if declared > options.max_bytes:
                raise SourceTooLarge(
                    spec.name, where,
                    f"member {member} unpacks to {declared} bytes, over the cap of {options.max_bytes}",
                )
            try:
                content = archive.read(member)  # zipfile checks the member's CRC here
            except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
                raise _BadContent(f"member {member} is damaged ({exc})") from exc
            members[member] = content
            inner[member] = _sha256(content)
    return members, inner


def _check_against_lock(
    spec: SourceSpec, entry: dict, sha256: str, inner: Mapping[str, str], where: str, lock_file: Path
) -> None:
    if sha256 != entry["sha256"]:
        raise SourceChanged(spec.name, spec.filename, entry["sha256"], sha256, where, lock_file)
    for member in spec.files:
        if inner[member] != entry["files"][member]:
            raise SourceChanged(spec.name, member, entry["files"][member], inner[member], where, lock_file)


@dataclass
class _Verified:
    part: Path
    sha256: str
    size: int
    members: dict[str, bytes]
    inner: dict[str, str]


def _obtain(
    spec: SourceSpec, settings: Settings, options: FetchOptions, entry: dict | None,
    session: requests.Session,
) -> _Verified:
    """Download with retries into a .part file that has passed every check, or raise.

    The .part file is the caller's to rename or delete; on any failure here none is left behind.
    """
    location, local = _location(spec, settings)
    where = _describe(spec, location)
    dest_dir = settings.cache_dir / spec.name
    dest_dir.mkdir(parents=True, exist_ok=True)
    last: Exception | None = None
    for attempt in range(1, options.attempts + 1):
        part: Path | None = None
        try:
            if local:
                part = _copy_local(spec, Path(location), dest_dir, options)
            else:
                part = _download_http(spec, location, dest_dir, options, session)
            data = part.read_bytes()
            sha256 = _sha256(data)
            if entry is not None and sha256 != entry["sha256"]:
                # Checked before unpacking so a changed archive is reported as changed, not as broken.
                raise SourceChanged(spec.name, spec.filename, entry["sha256"], sha256, where, settings.lock_file)
            members, inner = _inspect(spec, data, options, where)
            if entry is not None:
                _check_against_lock(spec, entry, sha256, inner, where, settings.lock_file)
            return _Verified(part, sha256, len(data), members, inner)
        except (requests.Timeout, requests.ConnectionError) as exc:
            last = _Retryable(f"{'timed out' if isinstance(exc, requests.Timeout) else 'connection failed'} ({exc})")
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError) as exc:
            last = _Retryable(f"the body was cut short or garbled ({exc})")
        except (_Retryable, SourceChanged, _BadContent) as exc:
            last = exc
        except requests.RequestException as exc:
            _unlink(part)
            raise DownloadError(spec.name, where, f"request failed: {exc}") from exc
        except BaseException:
            _unlink(part)
            raise
        _unlink(part)
        # A local mirror gives the same bytes every time, so only a network fetch is worth repeating.
        if local or attempt == options.attempts:
            break
        delay = options.backoff * 2 ** (attempt - 1)
        print(
            f"{spec.name}: attempt {attempt} of {options.attempts} failed ({last}); "
            f"retrying in {delay:g} s",
            file=sys.stderr, flush=True,
        )
        time.sleep(delay)
    tries = f"after {attempt} attempt{'s' if attempt > 1 else ''}"
    if isinstance(last, SourceChanged):
        raise last
    raise DownloadError(spec.name, where, f"{last} ({tries})") from last


def _load_cached(
    spec: SourceSpec, path: Path, entry: dict, options: FetchOptions, lock_file: Path
) -> FetchedSource | None:
    """The cached file if it still matches the lock; otherwise delete it and return None."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    sha256 = _sha256(data)
    try:
        if sha256 != entry["sha256"]:
            raise SourceChanged(spec.name, spec.filename, entry["sha256"], sha256, str(path), lock_file)
        members, inner = _inspect(spec, data, options, str(path))
        _check_against_lock(spec, entry, sha256, inner, str(path), lock_file)
    except (SourceChanged, _BadContent) as exc:
        # A cached copy that disagrees is either damaged or predates a lock someone else updated;
        # neither may be used, and the download that replaces it is checked against the lock again.
        print(f"{spec.name}: discarding cached {path}: {exc}", file=sys.stderr, flush=True)
        _unlink(path)
        return None
    return FetchedSource(spec.name, spec.version, spec.url, path, sha256, len(data), inner, members)


def _as_fetched(spec: SourceSpec, path: Path, verified: _Verified) -> FetchedSource:
    return FetchedSource(
        spec.name, spec.version, spec.url, path, verified.sha256, verified.size,
        verified.inner, verified.members,
    )


def _cache_path(settings: Settings, spec: SourceSpec) -> Path:
    return settings.cache_dir / spec.name / spec.filename


# ------------------------------------------------------------------------------------ public API


def fetch_source(name: str, settings: Settings, options: FetchOptions | None = None) -> FetchedSource:
    """Return source `name`, from the cache when it still matches the lock, else downloaded.

    The first download of a source writes its hashes into the lock. Any later mismatch raises
    SourceChanged and keeps nothing; `update_sources` is the only way to accept new bytes.
    """
    specs = load_sources(settings.sources_file)
    if name not in specs:
        raise SourceConfigError(
            f"unknown source {name!r}; {settings.sources_file} lists {sorted(specs)}"
        )
    spec = specs[name]
    options = options or FetchOptions.from_env()
    final = _cache_path(settings, spec)
    with _cache_guard(settings.cache_dir):
        entry = read_lock(settings.lock_file).get(name)
        if entry is not None:
            _check_entry_matches_spec(spec, entry, settings.lock_file)
            cached = _load_cached(spec, final, entry, options, settings.lock_file)
            if cached is not None:
                return cached
        with requests.Session() as session:
            verified = _obtain(spec, settings, options, entry, session)
        try:
            os.replace(verified.part, final)
            if entry is None:
                # Re-read under the guard so entries written since are kept.
                entries = read_lock(settings.lock_file)
                entries[name] = _lock_entry(spec, verified.sha256, verified.size, verified.inner)
                _write_lock(settings.lock_file, entries)
        except BaseException:
            _unlink(verified.part)
            # Without its lock entry the file is unverified for the next run, so it must not stay.
            if entry is None:
                _unlink(final)
            raise
    return _as_fetched(spec, final, verified)


def cached_source(name: str, settings: Settings, options: FetchOptions | None = None) -> FetchedSource | None:
    """The source from the cache if it is there and matches the lock; never touches the network
    (offline runs use it for what a verified copy can tell, such as the list of COW codes)."""
    spec = load_sources(settings.sources_file).get(name)
    if spec is None:
        return None
    with _cache_guard(settings.cache_dir):
        entry = read_lock(settings.lock_file).get(name)
        if entry is None:
            return None
        return _load_cached(spec, _cache_path(settings, spec), entry, options or FetchOptions.from_env(),
                            settings.lock_file)


def fetch_all(settings: Settings, options: FetchOptions | None = None) -> dict[str, FetchedSource]:
    """Every source in raw/sources.toml, in file order."""
    options = options or FetchOptions.from_env()
    return {name: fetch_source(name, settings, options) for name in load_sources(settings.sources_file)}


def update_sources(settings: Settings, options: FetchOptions | None = None) -> dict[str, FetchedSource]:
    """Re-download every source, ignoring cache and lock, and rewrite the lock from what arrived.

    All sources are downloaded before anything is replaced, so a failure part-way leaves the old
    cache and lock as they were. Entries for sources no longer in sources.toml are dropped.
    """
    specs = load_sources(settings.sources_file)
    options = options or FetchOptions.from_env()
    with _cache_guard(settings.cache_dir):
        try:
            old = read_lock(settings.lock_file)
        except SourceConfigError:
            old = {}  # a broken lock is exactly what an update is for
        staged: dict[str, _Verified] = {}
        try:
            with requests.Session() as session:
                for name, spec in specs.items():
                    staged[name] = _obtain(spec, settings, options, None, session)
            fetched = {}
            for name, spec in specs.items():
                final = _cache_path(settings, spec)
                os.replace(staged[name].part, final)
                fetched[name] = _as_fetched(spec, final, staged[name])
            entries = {
                name: _lock_entry(spec, staged[name].sha256, staged[name].size, staged[name].inner)
                for name, spec in specs.items()
            }
            _write_lock(settings.lock_file, entries)
        except BaseException:
            for verified in staged.values():
                _unlink(verified.part)
            raise
    for name in specs:
        before = old.get(name, {}).get("sha256")
        now = entries[name]["sha256"]
        state = "new" if before is None else ("unchanged" if before == now else f"changed from {before}")
        print(f"{name}: {state} (sha256 {now})", file=sys.stderr)
    for name in sorted(set(old) - set(specs)):
        print(f"{name}: dropped from the lock (no longer in {settings.sources_file})", file=sys.stderr)
    return fetched
