"""A sensor on the sheets folder: a sheet added or changed starts exactly one run.

The cursor is the fingerprint (name, size, mtime) of every sheet seen so far; a change in the
fingerprint yields one run request keyed by that fingerprint, so a change is never run twice.
"""

import hashlib
import json

from dagster import RunRequest, SensorEvaluationContext, SkipReason, sensor

from .config import Settings
from .sheets.read import SHEET_SUFFIXES


def sheets_fingerprint(settings: Settings) -> dict[str, str]:
    if not settings.sheets_dir.is_dir():
        return {}
    out = {}
    for path in sorted(settings.sheets_dir.iterdir()):
        # hidden files (editors' temp copies) are not sheets: load_sheets skips them too
        if path.is_file() and path.suffix.lower() in SHEET_SUFFIXES and not path.name.startswith("."):
            stat = path.stat()
            out[path.name] = f"{stat.st_size}:{stat.st_mtime_ns}"
    return out


def sheets_sensor(job):
    @sensor(name="new_sheet_sensor", job=job, minimum_interval_seconds=30,
            description="Starts a full run when a sheet in ATOP_SHEETS_DIR is added or changed.")
    def _sensor(context: SensorEvaluationContext):
        current = sheets_fingerprint(Settings.from_env())
        previous = json.loads(context.cursor) if context.cursor else {}
        changed = sorted(name for name, stamp in current.items() if previous.get(name) != stamp)
        if not changed:
            return SkipReason("no sheet added or changed")
        context.update_cursor(json.dumps(current, sort_keys=True))
        run_key = hashlib.sha256(json.dumps(current, sort_keys=True).encode()).hexdigest()[:16]
        return RunRequest(run_key=run_key, tags={"atop/changed_sheets": ",".join(changed)[:200]})

    return _sensor
