"""Mutated sheets never crash the parser: every outcome is a coded sheet or a located SheetError."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.sheets.errors import SheetError
from pipelines.sheets.read import decode_text
from pipelines.sheets.record import code_sheet
from pipelines.sheets.split import split_sheet

from .conftest import SEED

SEED_LINES = SEED.read_text(encoding="utf-8").split("\n")


@st.composite
def mutated_sheets(draw) -> bytes:
    lines = list(SEED_LINES)
    for _ in range(draw(st.integers(1, 6))):
        if not lines:
            break
        kind = draw(st.sampled_from(["delete", "duplicate", "replace", "insert", "truncate", "swap", "digits"]))
        at = draw(st.integers(0, max(0, len(lines) - 1)))
        if kind == "delete":
            del lines[at: at + draw(st.integers(1, 20))]
        elif kind == "duplicate":
            lines[at:at] = lines[at: at + draw(st.integers(1, 10))]
        elif kind == "replace":
            lines[at] = draw(st.text(max_size=80))
        elif kind == "insert":
            lines.insert(at, draw(st.text(alphabet=st.characters(), max_size=120)))
        elif kind == "truncate":
            lines = lines[:at]
        elif kind == "swap" and len(lines) > 1:
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif kind == "digits":
            lines[at] = "".join(draw(st.sampled_from("0123456789O l.,:")) if c.isdigit() else c for c in lines[at])
    data = "\n".join(lines).encode("utf-8", errors="surrogatepass")
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(data)))
        data = data[:cut] + draw(st.binary(max_size=40)) + data[cut:]
    return data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_sheets())
def test_parser_never_raises_anything_but_a_sheet_error(data: bytes):
    try:
        sheet = code_sheet(split_sheet(decode_text(data, "fuzz.txt"), "fuzz.txt"))
    except SheetError as error:
        assert error.file == "fuzz.txt" and error.reason
        return
    assert sheet.atopid > 0 and len(sheet.members) >= 2
