"""Per-sheet caches, and case folding that keeps every character at its position (fast on the
mostly-ASCII text of sheets)."""
from __future__ import annotations

import re
from typing import Callable, Final, TypeVar

_Value = TypeVar("_Value")
_SHEET_DICTS: Final[list[dict]] = []
_MISSING: Final = object()  # not yet computed (a cached value may itself be None)


def sheet_dict() -> dict:
    """A cache of a pure function of an answer's text, for the sheet being coded. Several rules
    read the same answer (Q10 for SPECLGTH, LENGTH and the notice period; Q21 for four variables),
    so each text is scanned once. The cache is emptied when the next sheet begins (`new_sheet`):
    a cache kept across sheets would make a batch of similar sheets, and so the benchmark, look
    faster than new text is coded. A plain dict read through `once_per_text`: in the compiled
    parser that is a direct C call, where an lru_cache wrapper is a Python-level call."""
    cache: dict = {}
    _SHEET_DICTS.append(cache)
    return cache


def once_per_text(cache: dict[str, _Value], text: str, compute: Callable[[str], _Value]) -> _Value:
    """`compute(text)`, from `cache` (a `sheet_dict`) when this sheet already computed it."""
    value = cache.get(text, _MISSING)
    if value is _MISSING:
        value = cache[text] = compute(text)
    return value  # type: ignore[return-value]  # _MISSING never leaves this function


# re.Match's methods, for calling unbound (`match_start(m)`): in the compiled parser `m.start()`
# looks the method up by name on every call, which costs as much again as the call itself
match_start: Final = re.Match.start
match_end: Final = re.Match.end
match_group: Final = re.Match.group


def new_sheet() -> None:
    for values in _SHEET_DICTS:
        values.clear()

# The only characters whose str.lower() is ASCII or longer than one character (checked over all of
# Unicode): KELVIN SIGN -> "k", LATIN CAPITAL LETTER I WITH DOT ABOVE -> "i" + combining dot.
_LOWER_NOT_IN_PLACE: Final = ("\u212a", "\u0130")


def fold_case(text: str) -> str | None:
    """ASCII letters lower-cased, every other character kept, so positions match `text`; None when
    the text holds a character whose lower case would move positions or become ASCII.

    Patterns written in lower-case ASCII match the result exactly where they match text.lower().
    str.lower() on text with any non-ASCII character (a curly quote, an accent) runs the full
    Unicode case mapping and is several times slower than lower-casing the UTF-8 bytes, where
    multi-byte sequences are left alone.
    """
    if text.isascii():
        return text.lower()
    if any(c in text for c in _LOWER_NOT_IN_PLACE):
        return None
    return text.encode("utf-8", "surrogatepass").lower().decode("utf-8", "surrogatepass")
