"""A coded value together with where on the sheet it came from."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from .split import Answer


class Coded(NamedTuple):
    """Immutable, and a tuple because a sheet makes a hundred of them (a frozen dataclass costs
    several times more to build)."""
    value: int | None      # None is ATOP's missing: the sheet does not determine the value
    question: int
    first_line: int
    last_line: int
    phrase: str            # the words that decided the value

    @classmethod
    def of(cls, value: int | None, answer: Answer, phrase: str | None = None) -> "Coded":
        first, last = answer.first_line, answer.last_line
        if phrase is None:
            phrase = first_sentence(answer.text)
        else:
            for number, text in answer.lines:
                if phrase[:40] and phrase[:40] in text:
                    first = last = number
                    break
        return cls(value, answer.question, first, last, phrase.strip()[:300])


_SENTENCE_END = re.compile(r"(?<=[.;])\s")


@lru_cache(maxsize=4096)
def first_sentence(text: str) -> str:
    flat = " ".join(text.split())
    return _SENTENCE_END.split(flat, 1)[0] if flat else ""


_NO = re.compile(r"^\W*(no|none|zero|not\s+applicable|n/?a)\b", re.IGNORECASE)
_YES = re.compile(r"^\W*(yes|yea)\b", re.IGNORECASE)
_UNKNOWN = re.compile(r"^\W*(unknown|unclear|not known|\?|could not|cannot determine)", re.IGNORECASE)


def yes_no(text: str) -> int | None:
    """1 for an answer opening with Yes, 0 for No/None/N/A, None when blank or unknown.

    Coders sometimes skip the "Yes" and go straight to the description; a described provision
    counts as Yes.
    """
    stripped = text.strip()
    if not stripped or _UNKNOWN.match(stripped):
        return None
    if _YES.match(stripped):
        return 1
    if _NO.match(stripped):
        return 0
    return 1


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE)


@lru_cache(maxsize=4096)
def flatten(text: str) -> str:
    """One line, single spaces: wrapped PDF lines read as the sentences they were."""
    return " ".join(text.split())


_UPPER_LITERAL = re.compile(r"(?<!\\)[A-Z]")


@lru_cache(maxsize=1024)
def _compiled_lower(pattern: str) -> re.Pattern:
    # Case-insensitive matching is several times slower in `re` (no literal-prefix scan), so rules
    # search lower-cased text with lower-cased literals; escapes such as \W and \S keep their case.
    return re.compile(_UPPER_LITERAL.sub(lambda m: m.group().lower(), pattern))


@lru_cache(maxsize=4096)
def lowered(text: str) -> str | None:
    """The flattened text in lower case, when lower-casing keeps every position (ASCII and most
    scripts); None otherwise, and the caller matches case-insensitively instead."""
    flat = flatten(text)
    low = flat.lower()
    return low if len(low) == len(flat) else None


def mentions(text: str, *patterns: str) -> str | None:
    """The first sentence-sized phrase around a match of any pattern, or None."""
    flat = flatten(text)
    low = lowered(text)
    for pattern in patterns:
        m = _compiled_lower(pattern).search(low) if low is not None else _compiled(pattern).search(flat)
        if m:
            start = max(0, flat.rfind(".", 0, m.start()) + 1)
            end = flat.find(".", m.end())
            return flat[start: end + 1 if end != -1 else len(flat)].strip()
    return None
