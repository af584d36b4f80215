"""Dates and durations as coders write them on sheets.

A date may lack its day or month ("June 1949", "1949"): ATOP then leaves DAYENT (or MOENT)
missing, so a partial date keeps None there instead of inventing the first of the month.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Final

from .text import fold_case, match_end, match_group, match_start, once_per_text, sheet_dict

MONTHS: Final = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
}
_MONTH: Final = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR: Final = r"(?P<year>1[89]\d\d|20\d\d)"
_DAY: Final = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_PATTERNS: Final = [
    re.compile(rf"\b{_MONTH}\s+{_DAY}\s*,?\s*{_YEAR}\b", re.IGNORECASE),          # December 23, 2002
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}\s*,?\s*{_YEAR}\b", re.IGNORECASE),  # 23 December 2002
    re.compile(rf"\b(?P<nmonth>[01]?\d)/(?P<day>[0-3]?\d)/{_YEAR}\b"),                # 12/23/2002 (US order)
    re.compile(rf"\b{_YEAR}-(?P<nmonth>[01]\d)-(?P<day>[0-3]\d)\b"),                 # 2002-12-23
    re.compile(rf"\b{_MONTH}\s*,?\s+{_YEAR}\b", re.IGNORECASE),                      # June 1949
    re.compile(rf"(?<![\d/-]){_YEAR}(?!\d|[./-]\d|\s*-?\s*years?)"),                         # 1949
]


# The parser's record classes are dataclasses with an __init__ of their own, and not frozen: the
# dataclass-generated __init__ runs as interpreted Python even in the compiled parser (ten times
# the cost of a compiled one, and sheets make dozens of these), and a frozen class cannot assign
# its fields in its own __init__. They are never changed once built; equality, ordering and
# hashing are the dataclass's, over the fields, as before.
@dataclass(order=True, unsafe_hash=True)
class PartialDate:
    year: int
    month: int | None = None
    day: int | None = None

    def __init__(self, year: int, month: int | None = None, day: int | None = None) -> None:
        self.year = year
        self.month = month
        self.day = day

    def earliest(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    def latest(self) -> dt.date:
        if self.month is None:
            return dt.date(self.year, 12, 31)
        if self.day is None:
            nxt = dt.date(self.year + self.month // 12, self.month % 12 + 1, 1)
            return nxt - dt.timedelta(days=1)
        return dt.date(self.year, self.month, self.day)

    def __str__(self) -> str:
        return "-".join(f"{p:02d}" if i else str(p) for i, p in enumerate((self.year, self.month, self.day)) if p)

    # Pickled through the constructor: the multiprocess executor pickles parsed sheets between
    # steps, and the compiled (mypyc) form of a dataclass cannot be restored field by field.
    def __reduce__(self) -> tuple:
        return PartialDate, (self.year, self.month, self.day)


@dataclass(unsafe_hash=True)  # see PartialDate
class FoundDate:
    date: PartialDate
    start: int
    end: int
    phrase: str

    def __init__(self, date: PartialDate, start: int, end: int, phrase: str) -> None:
        self.date = date
        self.start = start
        self.end = end
        self.phrase = phrase

    def __reduce__(self) -> tuple:  # see PartialDate.__reduce__
        return FoundDate, (self.date, self.start, self.end, self.phrase)


def _valid(year: int, month: int | None, day: int | None) -> bool:
    if month is not None and not 1 <= month <= 12:
        return False
    if day is not None:
        try:
            dt.date(year, month or 1, day)
        except ValueError:
            return False
    return True


_OCR_FIXES: Final = (
    (re.compile(r"^0(?=[a-z]{2,})"), "O"),              # "0ctober"
    (re.compile(r"(?<=\d)[lI]|[lI](?=\d{2,})"), "1"),  # "l879", "19l2"
    (re.compile(r"(?<=\d)O|O(?=\d)"), "0"),            # "19O2"
    (re.compile(r"(?<=[A-Za-z])0(?=\W|$)"), "o"),       # "N0."
    (re.compile(r"(?<=[a-z])1(?=[a-z])"), "l"),          # "Neutra1ity"
)
# every swap above puts a digit next to a letter: only such words are looked at. This pattern is
# the definition; `mixed_digits` finds the same digits faster (tests/test_fast_paths.py)
_MIXED: Final = re.compile(r"[0-9](?:(?<=[A-Za-z][0-9])|(?=[A-Za-z]))")
_SPACE: Final = re.compile(r"\s")


# any of the swaps above: a word none of them matches is left as it is, without trying each
_ANY_FIX: Final = re.compile("|".join(f"(?:{pattern.pattern})" for pattern, _ in _OCR_FIXES))


def _repair_word(word: str) -> str:
    for _ in range(2):  # a repair can expose the next one ("l9l8" → "l918" → "1918")
        if not _ANY_FIX.search(word):
            break
        for pattern, replacement in _OCR_FIXES:
            word = pattern.sub(replacement, word)
    return word


# ASCII digits to "0", ASCII letters to "a", every other byte to " "
_SHAPE: Final = bytes(ord("0") if 48 <= b <= 57 else ord("a") if 65 <= b <= 90 or 97 <= b <= 122 else ord(" ")
                      for b in range(256))


def ascii_shape(text: str) -> bytes:
    """One byte per character of the text: its ASCII letters as "a", digits as "0", anything
    else (non-ASCII characters included, which the encoder writes as "?") as " "."""
    return text.encode("ascii", "replace").translate(_SHAPE)


# a digit with a letter before or after it, in the shape: the pattern opens with one literal
# byte, so the regex engine skips from digit to digit instead of testing every character
_MIXED_SHAPE: Final = re.compile(rb"0(?:(?<=a0)|(?=a))")


# The same shape read off a sheet file's bytes (`read.decode_sheet`), where decoding a sheet and
# encoding it again would cost more: a character of several UTF-8 bytes is several spaces, and a
# digit next to a letter in one shape is next to a letter in the other. The bytes that mark a
# binary file are b"\x00", and the line-end bytes are kept, to be normalized as the file's are.
BINARY_MARK: Final = 0
_CONTROL: Final = frozenset(range(0, 9)) | frozenset(range(14, 32))
BYTE_SHAPE: Final = bytes(BINARY_MARK if b in _CONTROL else b if b in (10, 12, 13) else _SHAPE[b] for b in range(256))


def mixed_digits(shape: bytes) -> list[int]:
    """Positions of the digits `_MIXED` matches in the text (a digit next to an ASCII letter),
    found in its `ascii_shape`: `_MIXED` on the text itself tests a character class at every
    position, several times slower on a whole sheet."""
    return [match_start(m) for m in _MIXED_SHAPE.finditer(shape)]


def undo_ocr(text: str, known_digits: list[int] | None = None) -> str:
    """Length-preserving repairs of OCR's letter/digit swaps, so match positions stay valid.
    `known_digits`: what `mixed_digits` gives for the text, when the caller has it already."""
    if "ycar" in text:
        text = re.sub(r"\bycar", "year", text)  # c for e
    pieces: list[str] = []
    copied = done = 0  # the text is copied up to `copied`; words up to `done` are repaired
    for digit in mixed_digits(ascii_shape(text)) if known_digits is None else known_digits:
        if digit < done:
            continue
        start = max(text.rfind(" ", 0, digit), text.rfind("\n", 0, digit)) + 1
        space = _SPACE.search(text, digit + 1)
        end = match_start(space) if space else len(text)
        if start < done:
            continue
        done = end
        word = text[start:end]
        repaired = _repair_word(word)
        if repaired != word:  # most such words (codes, URLs) need nothing: the text is not rebuilt
            pieces += [text[copied:start], repaired]
            copied = end
    if not pieces:
        return text
    pieces.append(text[copied:])
    return "".join(pieces)


def _numbered(pattern: re.Pattern, index: int) -> str:
    # group names must be unique across the alternatives of one combined pattern
    return re.sub(r"\(\?P<(\w+)>", lambda g: f"(?P<{g.group(1)}{index}>", pattern.pattern)


# one scan instead of six: at any position the most specific reading is tried first
_ANY_DATE: Final = re.compile("|".join(f"(?P<p{i}>{_numbered(p, i)})" for i, p in enumerate(_PATTERNS)), re.IGNORECASE)
# The same patterns (all their literals are lower case) on lower-cased text: re's case-insensitive
# mode is several times slower. They are tried only where a reading can begin (`_gated_matches`):
# a digit not preceded by a digit (the numeric readings open with a word boundary or a no-digit
# lookbehind), or the first three letters of a month, which every month name and abbreviation
# shares, at a word start.
_ANY_DATE_PLAIN: Final = re.compile(_ANY_DATE.pattern)
_MONTH_OPENINGS: Final = sorted({name[:3] for name in MONTHS})


def _gate(openings: list[str]) -> re.Pattern:
    """Where a match can begin: one of `openings` at a word start, or a digit after a non-digit.
    Every alternative opens with a literal character (and checks what precedes it only after it),
    so `re` skips through the text with a table look-up per character and enters the pattern only
    at those characters; a pattern that opens with an assertion is entered at every character."""
    return re.compile("|".join([f"{d}(?<![0-9]{d})" for d in "0123456789"]
                               + [rf"{word}(?<!\w{word})" for word in openings]))


_DATE_GATE: Final = _gate(_MONTH_OPENINGS)


def _gated_matches(gate: re.Pattern, pattern: re.Pattern, low: str) -> list[re.Match]:
    """`pattern.finditer(low)` (whose matches are never empty), trying `pattern` only where `gate`
    finds a place a match can begin."""
    found: list[re.Match] = []
    at = 0
    while True:
        candidate = gate.search(low, at)
        if candidate is None:
            return found
        start = match_start(candidate)
        match = pattern.match(low, start)
        if match is None:
            at = start + 1
        else:
            found.append(match)
            at = match_end(match)


# for each reading "p<i>" (the outermost group, so the match's lastgroup): its year, month name,
# month number and day groups, None where that reading has none
_DATE_GROUPS: Final = {f"p{i}": tuple(_ANY_DATE.groupindex.get(f"{part}{i}") for part in ("year", "month", "nmonth", "day"))
                       for i in range(len(_PATTERNS))}

# Every date has a year, and this finds one by skipping to the next "1" or "2"; the full date
# pattern, an alternation, is tried at every character and costs far more on text with no date.
_ANY_YEAR: Final = re.compile(r"1[89]\d\d|20\d\d")


_DATES: Final[dict[str, tuple[FoundDate, ...]]] = sheet_dict()


def find_dates(text: str) -> tuple[FoundDate, ...]:
    """Every date in the text, most specific reading first where readings overlap, in text order.
    (OCR swaps are repaired once when the sheet is read, not here.) Computed once per text and
    sheet (`text.sheet_dict`)."""
    return once_per_text(_DATES, text, _scan_dates)


def _scan_dates(text: str) -> tuple[FoundDate, ...]:
    found: list[FoundDate] = []
    if not _ANY_YEAR.search(text):
        return ()
    low = fold_case(text)
    matches = _ANY_DATE.finditer(text) if low is None else _gated_matches(_DATE_GATE, _ANY_DATE_PLAIN, low)
    for m in matches:
        reading = m.lastgroup
        assert reading is not None  # every reading is a named group
        year_group, month_group, nmonth_group, day_group = _DATE_GROUPS[reading]
        assert year_group is not None  # every reading has a year
        year = int(match_group(m, year_group))
        month_name = match_group(m, month_group) if month_group else None
        month_number = match_group(m, nmonth_group) if nmonth_group else None
        month = MONTHS[month_name.lower()] if month_name else (int(month_number) if month_number else None)
        day_text = match_group(m, day_group) if day_group else None
        day = int(day_text) if day_text else None
        if not _valid(year, month, day):
            continue
        start, end = match_start(m), match_end(m)
        found.append(FoundDate(PartialDate(year, month, day), start, end, text[start:end]))
    return tuple(found)


NUMBER_WORDS: Final = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "zero": 0, "a": 1, "an": 1,
    "once": 1, "twice": 2, "thrice": 3,
}
_NUMBER_WORD: Final = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_AMOUNT: Final = (rf"(?P<amount>\d+(?:\.\d+)?|(?:{_NUMBER_WORD})(?:[\s-](?:{_NUMBER_WORD}))?)"
                  r"(?:\s*\(\s*(?P<digits>\d+)\s*\))?")
_DURATION: Final = re.compile(rf"\b{_AMOUNT}[\s-]*(?:(?:more|further|additional)\s+)?"
                              r"(?P<unit>years?|months?|yrs?\.?)(?![a-z])",
                              re.IGNORECASE)
# on lower-cased text, behind a lookahead on where an amount can begin: a digit or a number word's
# first letter at a word start. Not `_gated_matches` as dates are: number words open with the
# commonest letters, and entering a many-word gate at each of them costs more than this test.
_DURATION_LOWER: Final = re.compile(
    r"(?<!\w)(?=[0-9" + "".join(sorted({word[0] for word in NUMBER_WORDS})) + "])(?:" + _DURATION.pattern + ")")


def parse_number(token: str) -> float | None:
    token = token.strip().lower()
    try:
        return float(token)
    except ValueError:
        pass
    total = 0
    for part in re.split(r"[\s-]+", token):
        if part not in NUMBER_WORDS:
            return None
        total = total * 100 if part == "hundred" else total + NUMBER_WORDS[part]
    return float(total)


@dataclass(unsafe_hash=True)  # see PartialDate
class FoundDuration:
    months: int
    start: int
    end: int
    phrase: str

    def __init__(self, months: int, start: int, end: int, phrase: str) -> None:
        self.months = months
        self.start = start
        self.end = end
        self.phrase = phrase

    def __reduce__(self) -> tuple:  # see PartialDate.__reduce__
        return FoundDuration, (self.months, self.start, self.end, self.phrase)


_DURATIONS: Final[dict[str, tuple[FoundDuration, ...]]] = sheet_dict()


def find_durations(text: str) -> tuple[FoundDuration, ...]:
    """'twenty years', '20-year', 'ten (10) years', '6 months' → months, in text order. Computed
    once per text and sheet."""
    return once_per_text(_DURATIONS, text, _scan_durations)


def _scan_durations(text: str) -> tuple[FoundDuration, ...]:
    out: list[FoundDuration] = []
    low = fold_case(text)
    # every duration ends in its unit: without one, the scan (tried at every character) is skipped
    if low is not None and "year" not in low and "month" not in low and "yr" not in low:
        return ()
    matches = _DURATION.finditer(text) if low is None else _DURATION_LOWER.finditer(low)
    for m in matches:
        amount = float(m.group("digits")) if m.group("digits") else parse_number(m.group("amount"))
        if amount is None:
            continue
        factor = 1 if m.group("unit").lower().startswith("month") else 12
        start, end = match_start(m), match_end(m)
        out.append(FoundDuration(int(round(amount * factor)), start, end, text[start:end]))
    return tuple(out)
