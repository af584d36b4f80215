"""The compiled sheet parser (mypyc, `pipelines/native.py`) gives exactly what its Python source gives.

`make setup` compiles `pipelines/sheets`; the pipeline and these tests then run the compiled
modules. Here the same sheets (the real ones and a few hundred mutated ones) are parsed both ways,
the Python way in a child process with ATOP_PURE_PYTHON=1, and every coded value, piece of
evidence, date and error must be identical.
"""
from __future__ import annotations

import json
import os
import pickle
import random
import subprocess
import sys
from pathlib import Path

import pytest

import pipelines.sheets
from pipelines.native import BUILD_ROOT, DIGEST_FILE, MODULES
from pipelines.sheets.errors import SheetError
from pipelines.sheets.read import read_sheet_text
from pipelines.sheets.record import load_sheets, parse_sheet_file
from pipelines.sheets.split import split_sheet

from .conftest import ROOT, SEED

CORPUS = ROOT / "tests" / "corpus"
REAL_SHEETS = [SEED, *sorted(CORPUS.glob("*.txt")), *sorted(CORPUS.glob("*.pdf")),
               *sorted((ROOT / "tests" / "bad_sheets").glob("*.txt"))]
MUTATIONS_PER_SHEET = 12


def _mutate(lines: list[str], rng: random.Random) -> list[str]:
    """The edits sheets suffer (lost, repeated, moved and garbled lines; OCR digits), at random."""
    lines = list(lines)
    for _ in range(rng.randint(1, 4)):
        if not lines:
            break
        at = rng.randrange(len(lines))
        kind = rng.choice(["delete", "duplicate", "swap", "digits", "garble", "truncate"])
        if kind == "delete":
            del lines[at:at + rng.randint(1, 15)]
        elif kind == "duplicate":
            lines[at:at] = lines[at:at + rng.randint(1, 8)]
        elif kind == "swap":
            other = rng.randrange(len(lines))
            lines[at], lines[other] = lines[other], lines[at]
        elif kind == "digits":
            lines[at] = "".join(rng.choice("0123456789O l.,:") if c.isdigit() else c for c in lines[at])
        elif kind == "garble":
            chars = list(lines[at])
            for _ in range(rng.randint(1, 6)):
                if chars:
                    chars[rng.randrange(len(chars))] = rng.choice("Il0O1 .,;:()’\u00e9\u212a")
            lines[at] = "".join(chars)
        else:
            lines = lines[:at]
    return lines


def write_mutated_sheets(folder: Path) -> list[Path]:
    rng = random.Random(20261130)  # the same mutations on every run
    paths = []
    for source in REAL_SHEETS:
        if source.suffix != ".txt":
            continue
        lines = source.read_text(encoding="utf-8", errors="replace").split("\n")
        for index in range(MUTATIONS_PER_SHEET):
            path = folder / f"{source.stem}-m{index:02d}.txt"
            path.write_text("\n".join(_mutate(lines, rng)), encoding="utf-8")
            paths.append(path)
    return paths


def _date(value) -> list | None:
    return None if value is None else [value.year, value.month, value.day]


def snapshot(paths: list[Path]) -> list:
    """Everything parsing decides about each file, as plain JSON values."""
    result = []
    for path in paths:
        try:
            sheet = parse_sheet_file(path)
        except SheetError as error:
            result.append([path.name, "error", str(error), error.question, error.line])
            continue
        except Exception as error:  # noqa: BLE001 - a crash must also be the same crash
            result.append([path.name, "crash", type(error).__name__, str(error)])
            continue
        members = [[m.code, m.name, _date(m.entry), _date(m.exit)] for m in sheet.members]
        termination = [sheet.termination.in_effect, _date(sheet.termination.observed_through)]
        result.append([path.name, "sheet", sheet.atopid, sheet.phase, members, termination, sheet.evidence])
    return json.loads(json.dumps(result))


def test_the_compiled_parser_is_in_use():
    """After `make setup` the pipeline runs the compiled parser, not a stale or missing build."""
    if os.environ.get("ATOP_PURE_PYTHON") == "1":
        pytest.skip("ATOP_PURE_PYTHON=1 asks for the Python parser")
    if not (BUILD_ROOT / DIGEST_FILE).exists():
        pytest.skip(f"no compiled parser in {BUILD_ROOT} (no C compiler when `make setup` ran?)")
    assert pipelines.sheets.COMPILED, "the compiled parser is older than its sources: run `make setup`"
    for module in MODULES:
        loaded = sys.modules.get(f"pipelines.sheets.{module}") or __import__(
            f"pipelines.sheets.{module}", fromlist=["_"])
        assert Path(loaded.__file__).is_relative_to(BUILD_ROOT), f"{module} loaded from {loaded.__file__}"


def test_compiled_and_python_parsers_agree(tmp_path: Path):
    if not pipelines.sheets.COMPILED:
        pytest.skip("the compiled parser is not in use; nothing to compare")
    paths = REAL_SHEETS + write_mutated_sheets(tmp_path)
    compiled = snapshot(paths)
    script = ("import json, sys; from pathlib import Path; import pipelines.sheets; "
              "assert not pipelines.sheets.COMPILED; from tests.test_native import snapshot; "
              "print(json.dumps(snapshot([Path(p) for p in sys.argv[1:]])))")
    child = subprocess.run([sys.executable, "-c", script, *map(str, paths)], cwd=ROOT, capture_output=True,
                           text=True, env={**os.environ, "ATOP_PURE_PYTHON": "1"}, check=True)
    python = json.loads(child.stdout)
    assert len(compiled) == len(python) == len(paths)
    outcomes = {kind: sum(1 for entry in python if entry[1] == kind) for kind in ("sheet", "error", "crash")}
    # the mutations must reach both outcomes, or the comparison would cover only one of them
    assert outcomes["sheet"] >= 50 and outcomes["error"] >= 50, outcomes
    for mine, theirs in zip(compiled, python):
        assert mine == theirs, f"{mine[0]}: compiled and Python parsers differ"


def test_parsed_sheets_survive_pickling():
    """The multiprocess executor pickles parsed sheets between steps; compiled classes included."""
    batch = load_sheets(CORPUS)
    assert batch.sheets
    restored = pickle.loads(pickle.dumps(batch))
    assert restored.quarantine == batch.quarantine
    for before, after in zip(batch.sheets, restored.sheets, strict=True):
        assert after.evidence == before.evidence
        assert after.members == before.members and after.termination == before.termination
    split = split_sheet(read_sheet_text(SEED), SEED.name)
    assert pickle.loads(pickle.dumps(split)).answers == split.answers
    error = SheetError("bad.txt", "missing questions: Q7", 7, 12)
    assert str(pickle.loads(pickle.dumps(error))) == str(error)
