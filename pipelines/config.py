"""Run settings, read from the environment once per run.

Every setting that changes what the tables contain (the as-of date above all) is recorded in the
outputs' metadata, so a file always says how it was made.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The ATOP 5.1 release codes "in effect" as of this day (codebook: INEFFECT, TERM).
RELEASE_COVERAGE_END = dt.date(2018, 12, 31)


def _as_of_from_env() -> dt.date:
    raw = os.environ.get("ATOP_AS_OF", "").strip()
    if not raw:
        # Defaulting to today is the one place the run date enters; it is recorded as as_of.
        return dt.date.today()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise ValueError(f"ATOP_AS_OF must be YYYY-MM-DD, got {raw!r}") from exc


def _path_from_env(name: str, default: str) -> Path:
    path = Path(os.environ.get(name) or default)
    return path if path.is_absolute() else (Path.cwd() / path)


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    sheets_dir: Path
    output_dir: Path
    as_of: dt.date
    use_release: bool
    mirror: str | None
    cache_dir: Path
    lock_file: Path
    sources_file: Path

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(
            sheets_dir=_path_from_env("ATOP_SHEETS_DIR", "raw/sheets"),
            output_dir=_path_from_env("ATOP_OUTPUT_DIR", "outputs"),
            as_of=_as_of_from_env(),
            use_release=_flag("ATOP_USE_RELEASE"),
            mirror=os.environ.get("ATOP_MIRROR") or None,
            cache_dir=_path_from_env("ATOP_CACHE_DIR", str(PROJECT_ROOT / ".cache" / "sources")),
            lock_file=_path_from_env("ATOP_LOCK_FILE", str(PROJECT_ROOT / "raw" / "sources.lock.json")),
            sources_file=_path_from_env("ATOP_SOURCES_FILE", str(PROJECT_ROOT / "raw" / "sources.toml")),
        )
