"""A coded value together with where on the sheet it came from."""
from __future__ import annotations

import re
import re._constants as _sre  # the parsed form of a pattern, to find the words it requires
import re._parser as _sre_parse
from functools import lru_cache
from typing import Final, NamedTuple

from .split import Answer
from .text import fold_case, match_end, match_start, once_per_text, sheet_dict


class Coded(NamedTuple):
    """Immutable, and a tuple because a sheet makes a hundred of them (a frozen dataclass costs
    several times more to build)."""
    value: int | None      # None is ATOP's missing: the sheet does not determine the value
    question: int
    first_line: int
    last_line: int
    phrase: str            # the words that decided the value


def coded(value: int | None, answer: Answer, phrase: str | None = None) -> Coded:
    """The value read from `answer`: evidence is the line holding `phrase` (the answer's first
    sentence when no phrase decided it). A module-level function, not a classmethod: a sheet
    builds about a hundred of these, and a plain function is the cheapest call in both CPython
    and the compiled parser."""
    if phrase is None:
        return coded_at(value, answer.question, answer.first_line, answer.last_line, first_sentence(answer.text))
    first, last = answer.first_line, answer.last_line
    opening = phrase[:40]
    if opening and "\n" not in opening:
        line = answer.line_holding(opening)
        if line is not None:
            first = last = line
    return coded_at(value, answer.question, first, last, phrase.strip()[:300])


_tuple_new: Final = tuple.__new__


def coded_at(value: int | None, question: int, first_line: int, last_line: int, phrase: str) -> Coded:
    """`Coded(...)`, built with tuple.__new__: the NamedTuple's own constructor is interpreted
    Python even in the compiled parser."""
    return _tuple_new(Coded, (value, question, first_line, last_line, phrase))


_SENTENCE_END: Final = re.compile(r"(?<=[.;])\s")


_FIRST_SENTENCE: Final[dict[str, str]] = sheet_dict()


def first_sentence(text: str) -> str:
    return once_per_text(_FIRST_SENTENCE, text, _first_sentence)


def _first_sentence(text: str) -> str:
    """The answer's first sentence on one line, as evidence (at most 300 characters).

    Only the text before the first sentence end is flattened: whitespace after "." or ";" in the
    text is the same sentence end in the flattened text, unless only whitespace follows it, and
    then the whole text is one sentence either way."""
    end = _SENTENCE_END.search(text)
    return _flatten(text[:match_start(end)] if end else text)[:300]


_NO: Final = re.compile(r"^\W*(no|none|zero|not\s+applicable|n/?a)\b", re.IGNORECASE)
_YES: Final = re.compile(r"^\W*(yes|yea)\b", re.IGNORECASE)
_UNKNOWN: Final = re.compile(r"^\W*(unknown|unclear|not known|\?|could not|cannot determine)", re.IGNORECASE)


_YES_NO: Final[dict[str, int | None]] = sheet_dict()


def yes_no(text: str) -> int | None:
    return once_per_text(_YES_NO, text, _yes_no)


def _yes_no(text: str) -> int | None:
    """1 for an answer opening with Yes, 0 for No/None/N/A, None when blank or unknown.

    Coders sometimes skip the "Yes" and go straight to the description; a described provision
    counts as Yes.
    """
    # matched on the text as it is: each pattern opens with \W*, which takes leading whitespace,
    # and trailing whitespace ends a word as the end of the text does
    if not text or text.isspace() or _UNKNOWN.match(text):
        return None
    if _YES.match(text):
        return 1
    if _NO.match(text):
        return 0
    return 1


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE)


_FLAT: Final[dict[str, str]] = sheet_dict()
_LOWERED: Final[dict[str, str | None]] = sheet_dict()


def flatten(text: str) -> str:
    """One line, single spaces: wrapped PDF lines read as the sentences they were."""
    return once_per_text(_FLAT, text, _flatten)


def _flatten(text: str) -> str:
    """`" ".join(text.split())`, without splitting the text into words where that is not needed:
    once line breaks are spaces, a printable text (`str.isprintable` is false for every other
    whitespace character) that neither begins nor ends with a space needs only its runs of
    spaces closed up."""
    flat = text.replace("\n", " ") if "\n" in text else text
    if flat[:1] != " " and flat[-1:] != " " and _spaces_only(flat):
        while "  " in flat:
            flat = flat.replace("  ", " ")
        return flat
    return " ".join(text.split())


# str.isspace's ASCII characters but the space and the line break
_OTHER_ASCII_SPACES: Final = ("\t", "\x0b", "\x0c", "\r", "\x1c", "\x1d", "\x1e", "\x1f")


def _spaces_only(text: str) -> bool:
    """Whether the only whitespace in a text without line breaks is the space. For ASCII text a
    few character searches (memchr) decide it; `str.isprintable` reads every character."""
    if text.isascii():
        for space in _OTHER_ASCII_SPACES:
            if space in text:
                return False
        return True
    return text.isprintable()


_UPPER_LITERAL: Final = re.compile(r"(?<!\\)[A-Z]")


_REPEATS: Final = (_sre.MAX_REPEAT, _sre.MIN_REPEAT, getattr(_sre, "POSSESSIVE_REPEAT", _sre.MAX_REPEAT))


def _required_literals(items) -> frozenset[str] | None:
    """Strings of which every match of the parsed pattern `items` contains at least one (the most
    selective such set found), or None when the pattern requires no literal text."""
    best: frozenset[str] | None = None

    def consider(candidate: frozenset[str] | None) -> None:
        nonlocal best
        if candidate and all(candidate) and (best is None or min(map(len, candidate)) > min(map(len, best))):
            best = candidate

    run: list[str] = []
    for op, av in items:
        if op is _sre.LITERAL:
            run.append(chr(av))
            continue
        consider(frozenset(["".join(run)]) if run else None)
        run = []
        if op is _sre.SUBPATTERN and not av[1] & re.IGNORECASE:
            consider(_required_literals(av[3]))
        elif op is _sre.BRANCH:
            branches = [_required_literals(branch) for branch in av[1]]
            if all(branch is not None for branch in branches):
                consider(frozenset(word for branch in branches if branch for word in branch))
        elif op in _REPEATS and av[0] >= 1:
            consider(_required_literals(av[2]))
    consider(frozenset(["".join(run)]) if run else None)
    return best


def _leading_literals(items) -> frozenset[str] | None:
    """Strings one of which every match of the parsed pattern `items` begins with (after
    zero-width assertions such as \\b), or None when some match may begin otherwise."""
    index = 0
    while index < len(items) and items[index][0] is _sre.AT:
        index += 1
    if index == len(items):
        return None
    op, av = items[index]
    if op is _sre.LITERAL:
        run = []
        while index < len(items) and items[index][0] is _sre.LITERAL:
            run.append(chr(items[index][1]))
            index += 1
        return frozenset(["".join(run)])
    if op is _sre.SUBPATTERN and not av[1] & re.IGNORECASE:
        return _leading_literals(av[3])
    if op is _sre.BRANCH:
        branches = [_leading_literals(branch) for branch in av[1]]
        if all(branch is not None for branch in branches):
            return frozenset(word for branch in branches if branch for word in branch)
    return None


_LOWER_PATTERNS: Final[dict[str, tuple[re.Pattern, tuple[str, ...] | None, tuple[str, ...] | None]]] = {}


def _compiled_lower(pattern: str) -> tuple[re.Pattern, tuple[str, ...] | None, tuple[str, ...] | None]:
    compiled = _LOWER_PATTERNS.get(pattern)
    if compiled is None:  # rules' patterns are a fixed set: the dict stays small
        compiled = _LOWER_PATTERNS[pattern] = _compile_lower(pattern)
    return compiled


def _compile_lower(pattern: str) -> tuple[re.Pattern, tuple[str, ...] | None, tuple[str, ...] | None]:
    """The pattern for lower-cased text, and literals one of which any match must contain.

    Case-insensitive matching is several times slower in `re` (no literal-prefix scan), so rules
    search lower-cased text with lower-cased literals; escapes such as `\\W` and `\\S` keep their case.
    A pattern that opens with an alternation or a class is tried at every character; checking
    first (with `in`, a fast substring search) that one of its required words occurs at all
    skips most of those scans, since most rules' words are absent from most answers.
    """
    compiled = re.compile(_UPPER_LITERAL.sub(lambda m: m.group().lower(), pattern))
    parsed = _sre_parse.parse(compiled.pattern)
    if parsed.state.flags & re.IGNORECASE:
        return compiled, None, None
    required = _required_literals(parsed.data)
    leading = _leading_literals(parsed.data)
    return compiled, tuple(sorted(required)) if required else None, tuple(sorted(leading)) if leading else None


def lowered(text: str) -> str | None:
    """The flattened text case-folded (`fold_case`: positions kept); None for the two characters
    folding would move, and the caller then matches case-insensitively instead."""
    return once_per_text(_LOWERED, text, _fold_flat)


def _fold_flat(text: str) -> str | None:
    return fold_case(flatten(text))


def mentions(text: str, *patterns: str) -> str | None:
    """The first sentence-sized phrase around a match of any pattern, or None."""
    flat = flatten(text)
    low = lowered(text)
    for pattern in patterns:
        if low is not None:
            compiled, required, leading = _compiled_lower(pattern)
            if leading is not None:
                # every match begins with one of these words: none can begin before the first
                # of them, so the scan starts there (and is skipped when none occurs)
                start = -1
                for word in leading:
                    at = low.find(word)
                    if at >= 0 and (start < 0 or at < start):
                        start = at
                if start < 0:
                    continue
                m = compiled.search(low, start)
            else:
                if required is not None:
                    for word in required:
                        if word in low:
                            break
                    else:
                        continue
                m = compiled.search(low)
        else:
            m = _compiled(pattern).search(flat)
        if m:
            start = max(0, flat.rfind(".", 0, match_start(m)) + 1)
            end = flat.find(".", match_end(m))
            return flat[start: end + 1 if end != -1 else len(flat)].strip()
    return None
