"""The parser's fast paths give exactly what the general code gives.

Parsing speed comes from shortcuts: a one-pass splitter for well-formed sheets, a gate in front of
the date and duration scans, a words-first check before each rule's regex, an array scan for OCR
swaps, one compiled pattern per member name. Each is checked here against the plain code it
replaces, on the real sheets and on mutated ones, so a shortcut can only change the speed.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.sheets import code as rules
from pipelines.sheets import dates, members, split
from pipelines.sheets.errors import SheetError
from pipelines.sheets.evidence import _compiled_lower, _flatten
from pipelines.sheets.read import decode_sheet, read_sheet_text
from pipelines.sheets.split import _split_any, _split_well_formed, rstrip_lines, split_sheet
from pipelines.sheets.text import fold_case

from .conftest import ROOT, SEED
from .test_fuzz import mutated_sheets

CORPUS = ROOT / "tests" / "corpus"
SHEETS = [SEED, *sorted(CORPUS.glob("*.txt")), *sorted(CORPUS.glob("*.pdf")),
          *sorted((ROOT / "tests" / "bad_sheets").glob("*.txt"))]


def _general(text: str, file: str):
    """What the line-by-line splitter makes of the text as read (not right-stripped)."""
    try:
        return _split_any(text, file)
    except SheetError as error:
        return error


def _assert_same_split(text: str, file: str) -> bool:
    """split_sheet agrees with the general splitter; True when the one-pass path decided."""
    expected = _general(text, file)
    stripped = "\n".join(map(str.rstrip, text.split("\n")))
    fast = _split_well_formed(stripped, file)
    if isinstance(expected, SheetError):
        assert fast is None, f"{file}: one-pass split accepted a sheet the general path rejects: {expected}"
        with pytest.raises(SheetError) as raised:
            split_sheet(text, file)
        assert str(raised.value) == str(expected)
        return False
    actual = split_sheet(text, file)
    assert actual.section_headers == expected.section_headers
    for question, answer in expected.answers.items():
        got = actual.answers[question]
        assert (got.text, got.first_line, got.last_line, got.lines) == \
            (answer.text, answer.first_line, answer.last_line, answer.lines), f"{file} Q{question}"
    return fast is not None


def _readable(path: Path) -> str | None:
    try:
        return read_sheet_text(path)
    except SheetError:  # empty and binary files never reach the splitter
        return None


def test_one_pass_split_equals_the_general_split_on_every_real_sheet():
    texts = {path.name: _readable(path) for path in SHEETS}
    fast = [name for name, text in texts.items() if text is not None and _assert_same_split(text, name)]
    # the seed, the corpus (but the OCR-garbled 1335) and the PDF all take the one-pass path
    assert "5030.txt" in fast and "3215.pdf" in fast and "1335.txt" not in fast
    assert len(fast) >= 18


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_sheets())
def test_one_pass_split_equals_the_general_split_on_mutated_sheets(data: bytes):
    text = data.decode("utf-8", errors="replace")
    _assert_same_split(text, "fuzz.txt")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["  ", "\t", " \u00a0", "\n", "\n\n", "- 3 -\n", "Page 2 of 9\n",
                                 "SECTION II: OBLIGATIONS\n", "12.", "1.", "see #19.", "(Yes, No)"]),
                max_size=8),
       st.integers(0, 280))
def test_one_pass_split_handles_inserted_furniture_and_spaces(pieces: list[str], line: int):
    lines = SEED.read_text(encoding="utf-8").split("\n")
    at = min(line, len(lines))
    lines[at:at] = "".join(pieces).split("\n")
    _assert_same_split("\n".join(lines), "5030.txt")


def _plain_mixed_digits(text: str) -> list[int]:
    return [m.start() for m in dates._MIXED.finditer(text)]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="aZl1O0I9 \n\t.é’“\u2003\u00a0K\u212a\ud800_-/?", max_size=40))
def test_ocr_digit_scan_equals_the_regex(text: str):
    assert dates.mixed_digits(dates.ascii_shape(text)) == _plain_mixed_digits(text)


def _plain_decode(data: bytes) -> str:
    """The sheet decoding as first written: decode, then normalize line ends in the text."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = data.decode("latin-1")
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")


_BYTE_PIECES = [b"a", b"Z", b"l", b"1", b"O", b"0", b"9", b" ", b"\n", b"\r\n", b"\r", b"\f", b"\t", b".", b"\xef\xbb\xbf",
                "é".encode(), "’".encode(), "\u2003".encode(), "€".encode(), b"\xe9", b"\x92", b"\x81", b"\xff", b"\x01"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_BYTE_PIECES), max_size=16))
def test_ocr_digits_found_on_the_bytes_equal_those_of_the_text(pieces: list[bytes]):
    data = b"".join(pieces)
    try:
        text, digits = decode_sheet(data, "x.txt")
    except SheetError:
        return  # empty or binary
    assert text == _plain_decode(data)
    assert digits == dates.mixed_digits(dates.ascii_shape(text))


def test_ocr_digits_found_on_the_bytes_of_every_real_sheet():
    for path in SHEETS:
        if path.suffix == ".txt" and path.stat().st_size:
            data = path.read_bytes()
            try:
                text, digits = decode_sheet(data, path.name)
            except SheetError:
                continue
            assert text == _plain_decode(data)
            assert digits == dates.mixed_digits(dates.ascii_shape(text)), path.name


_DATE_WORDS = ["december", "Dec.", "23", "2002", "1949", " ", ",", "of", "12/23/2002", "2002-12-23", "June",
               "x", "-", "/", "years", "year", "Twenty", "ten (10)", "months", "a", "5", "5th", "\n", "é",
               "_", "sept", "may", "yrs.", "thirty-five", "1918", "an", "one", "xjan", "jan", "0", "9", "aone"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_DATE_WORDS), max_size=10))
def test_gated_date_and_duration_scans_equal_the_plain_patterns(words: list[str]):
    text = "".join(words)
    low = text.lower()
    plain_dates = re.compile(dates._ANY_DATE.pattern)
    plain_durations = re.compile(dates._DURATION.pattern)
    gated_dates = dates._gated_matches(dates._DATE_GATE, dates._ANY_DATE_PLAIN, low)
    assert [m.span() for m in gated_dates] == [m.span() for m in plain_dates.finditer(low)]
    assert [m.span() for m in dates._DURATION_LOWER.finditer(low)] == \
        [m.span() for m in plain_durations.finditer(low)]
    # and the year / unit checks that skip the scan never skip a text with a date or duration
    found_dates = [(d.date, d.start, d.end) for d in dates._scan_dates(text)]
    if found_dates:
        assert dates._ANY_YEAR.search(text)
    assert len(dates._scan_durations(text)) == len(list(plain_durations.finditer(low)))


_SPACES = ["a", "b", " ", "  ", "\t", "\n", "\n\n", "\u00a0", "\u2003", "\x1c", "\x0b", "\x85", "\r", "\u2028",
           "\u3000", "é", "“", "\x00", "\u200b"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_SPACES), max_size=16))
def test_line_stripping_and_flattening_equal_the_plain_code(pieces: list[str]):
    text = "".join(pieces)
    assert rstrip_lines(text) == "\n".join(map(str.rstrip, text.split("\n")))
    assert _flatten(text) == " ".join(text.split())


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(list(split._PROMPT_CLOSING + split._ANSWER_OPENING) + ["a", "\n", "  " * 9, "?:" * 9]),
                max_size=12), st.integers(0, 3))
def test_answer_start_equals_the_lead_pattern(pieces: list[str], start: int):
    text = "".join(pieces)
    lead = re.compile(f"[{re.escape(split._PROMPT_CLOSING)}]*[{re.escape(split._ANSWER_OPENING)}]*")
    start = min(start, len(text))  # a prompt ends inside the sheet
    assert split._answer_begins(text, start) == lead.match(text, start).end()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["ab", "b", " ", "\n", "a b", "\n\n"]), max_size=10),
       st.sampled_from(["a", "b", "ab", "a b", "x"]), st.integers(1, 300))
def test_line_found_by_counting_equals_the_listed_lines(pieces: list[str], fragment: str, first_line: int):
    text = "".join(pieces)
    counted = split.Answer(7, text, first_line, first_line + text.count("\n"))
    listed = split.Answer(7, text, first_line, first_line + text.count("\n"),
                          tuple(enumerate(text.split("\n"), first_line)) if text else ())
    assert counted.line_holding(fragment) == listed.line_holding(fragment)


def test_only_the_space_is_both_whitespace_and_printable():
    """The flattening shortcut relies on it: a printable text has no whitespace but spaces."""
    assert [c for c in map(chr, range(0x110000)) if c.isspace() and c.isprintable()] == [" "]


# every pattern a rule searches with: the words-first check must never skip a real match
_RULE_PATTERNS = sorted({value for name in dir(rules) if name.isupper() or name.startswith("_")
                         for value in [getattr(rules, name)] if isinstance(value, str) and "|" in value}
                        | {rules._AUTOMATIC, rules._ACTIVE, rules._INDEFINITE, rules._CONDITION, rules._DENY})


@pytest.mark.parametrize("pattern", _RULE_PATTERNS + [r"grant|loan|credit|subsid|financ", r"\btreaty\b|\bratif",
                                                      r"United Nations|\bU\.?N\.?\b|UN Charter",
                                                      r"(make|place|put)\s+\w*\s*(territory|ports?)"])
def test_required_words_are_in_every_match(pattern: str):
    compiled, required_words, leading = _compiled_lower(pattern)
    required = set(required_words or ())
    assert required, f"no required words found for {pattern!r}"
    probe = st.lists(st.sampled_from(sorted(required | set(leading or ())) + [" ", "x", "no ", "not ", ".", "the "]),
                     max_size=12)

    @settings(max_examples=200, deadline=None)
    @given(probe)
    def check(words: list[str]):
        text = "".join(words)
        match = compiled.search(text)
        if match:
            assert any(word in text for word in required)
        if leading is not None:
            # the scan that starts at the first leading word finds the same match
            starts = [text.find(word) for word in leading if word in text]
            found = compiled.search(text, min(starts)) if starts else None
            assert (found and found.span()) == (match and match.span())

    check()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["china", " ", "-", "kazakhstan", "xchina", "america", "united states",
                                 "germany", "federal republic of germany", "a", ".", "russia", "_", "côte d'ivoire"]),
                max_size=6))
def test_member_name_pattern_equals_one_search_per_alias(words: list[str]):
    text = "".join(words)
    for name in ["China", "Kazakhstan", "United States of America", "Federal Republic of Germany",
                 "Côte d'Ivoire", "U.S.S.R."]:
        one_by_one = any(re.search(rf"(?<![\w-]){re.escape(alias.lower())}(?![\w-])", text)
                         for alias in members.name_aliases(name))
        assert bool(members._name_pattern(name).search(text)) == one_by_one


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=30))
def test_case_folding_keeps_positions_and_lowers_ascii(text: str):
    folded = fold_case(text)
    if folded is None:
        assert "\u212a" in text or "\u0130" in text
        return
    assert len(folded) == len(text)
    for original, low in zip(text, folded):
        assert low == (original.lower() if original.isascii() else original)
    # patterns written in lower-case ASCII see the same text as under str.lower()
    assert [m.span() for m in re.finditer(r"[a-z0-9]+", folded)] == \
        [m.span() for m in re.finditer(r"[a-z0-9]+", text.lower())] or len(text.lower()) != len(text)


def test_seed_codes_the_same_with_every_fast_path():
    """The seed through split_sheet and through the general splitter codes to identical values."""
    from pipelines.sheets.record import code_sheet

    text = read_sheet_text(SEED)
    fast = code_sheet(split_sheet(text, "5030.txt"))
    general = code_sheet(_split_any(text, "5030.txt"))
    assert fast.alliance == general.alliance and fast.member_level == general.member_level
    assert fast.evidence == general.evidence
