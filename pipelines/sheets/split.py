"""Split a sheet's text into its 61 answers, each with the lines it came from.

Text extracted from PDFs is messy in known ways: prompts wrap over lines, the answer can sit on
the prompt's own line, "44," stands for "44.", section headers are mis-numbered, URLs and page
furniture land inside answers, OCR swaps O/0 and l/1. A question starts where a line begins with
a number whose following text reads like that question's printed prompt; the prompt is then
aligned word by word with the known wording and whatever follows it is the answer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Final

from .errors import SheetError
from .questions import PROMPTS, QUESTION_COUNT, section_of
from .text import fold_case, match_end, match_group, match_start

# OCR splits or swaps digits ("2 3." for "23.", "l0." for "10."); the prompt check filters false starts
_QUESTION_START: Final = re.compile(r"^\s*([0-9OoIl](?: ?[0-9OoIl])?)\s*[.,:;]\s*(.*)$")
_SECTION_HEADER: Final = re.compile(r"^\s*SECTI[O0]N\s+[IVXL0-9]+\s*[:.]", re.IGNORECASE)
_PAGE_FURNITURE: Final = re.compile(r"^\s*(page\s+\d+(\s+of\s+\d+)?|-\s*\d+\s*-)\s*$", re.IGNORECASE)
# the same three line shapes, found in one pass over the whole text (parsing speed: see BENCHMARKS.md)
# a literal newline first lets the regex engine jump from line to line instead of trying every character
_CANDIDATE_LINE: Final = re.compile(r"\n[ \t]*(?:[0-9OoIl](?: ?[0-9OoIl])?[ \t]*[.,:;]|SECTI[O0]N[ \t]|page[ \t]+\d"
                                    r"|-[ \t]*\d)",
                                    re.IGNORECASE)


def _candidate_line_indices(text: str) -> list[int]:
    """0-based indices of lines that may open a question or be a header or page furniture."""
    text = "\n" + text
    indices, line, last = [], -1, 0
    for m in _CANDIDATE_LINE.finditer(text):
        line += text.count("\n", last, m.start() + 1)
        last = m.start() + 1
        indices.append(line)
    return indices
_TOKEN: Final = re.compile(r"[a-z0-9#]+")
_OCR_DIGITS: Final = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1"})


def _tokens(text: str) -> list[str]:
    # "#19" in the printed prompt reads "#109" on the seed: cross-references compare as one token
    return ["#" if t[0] == "#" else t for t in _TOKEN.findall(text.lower())]


_PROMPT_TOKENS: Final = {n: _tokens(p) for n, p in PROMPTS.items()}
_PROMPT_HEADS: Final = {n: " ".join(tokens[:10]) for n, tokens in _PROMPT_TOKENS.items()}
_HEAD_LENGTH: Final = 6  # tokens compared exactly before falling back to fuzzy matching
_PROMPT_OPENINGS: Final = {n: p[:min(len(p), 18)].lower() for n, p in PROMPTS.items()}
_PROMPT_CLOSING: Final = ").?:;,”\"'"   # punctuation that ends a printed prompt (tokens leave it out)
_ANSWER_OPENING: Final = " :.\t"         # what a coder puts before the answer on the prompt's line
_PROMPT_MAX_LINES: Final = 8            # a printed prompt is looked for in its block's first lines


def _prompt_regex(tokens: list[str]) -> re.Pattern:
    parts = [r"#\d*" if t == "#" else re.escape(t) for t in tokens]
    # matched against lower-cased text: re's case-insensitive mode is several times slower
    head = min(_HEAD_LENGTH, len(parts))
    # group "head": the words `_prompt_similarity` compares exactly
    return re.compile(r"[^a-z0-9#]*(?P<head>" + r"[^a-z0-9#]+".join(parts[:head]) + ")"
                      + "".join(r"[^a-z0-9#]+" + part for part in parts[head:]))


# the prompt as printed, any punctuation/line breaks between its words: one C-level match per answer
_PROMPT_REGEX: Final = {n: _prompt_regex(tokens) for n, tokens in _PROMPT_TOKENS.items()}


class Answer:
    """One question's answer. `lines` is built on first use: most rules read only the text, and a
    sheet whose answer lines run on without a gap needs no per-line bookkeeping."""
    __slots__ = ("question", "text", "first_line", "last_line", "_lines")

    def __init__(self, question: int, text: str, first_line: int, last_line: int,
                 lines: tuple[tuple[int, str], ...] | None = None) -> None:
        self.question = question
        self.text = text                # the coder's answer, line breaks kept
        self.first_line = first_line    # 1-based line numbers in the file; the prompt line when empty
        self.last_line = last_line
        self._lines = lines

    @property
    def lines(self) -> tuple[tuple[int, str], ...]:
        """(line number, text) of each answer line."""
        if self._lines is None:
            self._lines = tuple(enumerate(self.text.split("\n"), self.first_line)) if self.text else ()
        return self._lines

    def line_holding(self, fragment: str) -> int | None:
        """The number of the first answer line that holds `fragment` (which holds no line break),
        or None. An answer whose lines were never listed runs on without a gap, so the line is
        told by counting line breaks, without listing them."""
        if self._lines is not None:
            for number, text in self._lines:
                if fragment in text:
                    return number
            return None
        at = self.text.find(fragment)
        return None if at < 0 else self.first_line + self.text.count("\n", 0, at)

    def __reduce__(self) -> tuple:
        # the compiled (mypyc) class has no instance dict to restore: pickled by its constructor
        return Answer, (self.question, self.text, self.first_line, self.last_line, self._lines)

    @property
    def section(self) -> str:
        """The sheet section, from the question number (printed headers can be mis-numbered)."""
        return section_of(self.question)

    def _key(self) -> tuple:
        return self.question, self.text, self.first_line, self.last_line, self.lines

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Answer) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (f"Answer(question={self.question}, text={self.text!r}, first_line={self.first_line}, "
                f"last_line={self.last_line})")


@dataclass  # with its own __init__: see dates.PartialDate
class SplitSheet:
    file: str
    answers: dict[int, Answer]
    section_headers: tuple[tuple[int, str], ...]
    # values already coded from this sheet: rules that build on others (LENGTH on SPECLGTH) reuse them
    coded: dict = field(default_factory=dict, compare=False, repr=False)

    def __init__(self, file: str, answers: dict[int, Answer], section_headers: tuple[tuple[int, str], ...],
                 coded: dict | None = None) -> None:
        self.file = file
        self.answers = answers
        self.section_headers = section_headers
        self.coded = {} if coded is None else coded

    def __reduce__(self) -> tuple:  # see PartialDate.__reduce__
        return SplitSheet, (self.file, self.answers, self.section_headers, self.coded)

    def __getitem__(self, question: int) -> Answer:
        return self.answers[question]


def _prompt_similarity(number: int, rest: str) -> float:
    """1.0 when the text opens with the printed prompt's words; a fuzzy ratio otherwise (OCR)."""
    if rest.lstrip().lower().startswith(_PROMPT_OPENINGS[number]):
        return 1.0  # printed as on the form: the common case, decided without tokenizing
    words = _tokens(rest)
    if not words:
        return 0.0
    prompt = _PROMPT_TOKENS[number]
    k = min(_HEAD_LENGTH, len(prompt))
    if words[:k] == prompt[:k]:
        return 1.0
    head = _PROMPT_HEADS[number]
    candidate = " ".join(words[: len(head.split())])
    return SequenceMatcher(None, head, candidate, autojunk=False).ratio()


def _question_number(token: str) -> int | None:
    digits = token.replace(" ", "").translate(_OCR_DIGITS)
    return int(digits) if digits.isdigit() else None


def _opens_question(line: str, next_line: str | None, expected: int) -> tuple[int, re.Match] | None:
    """(question number, match) when the line opens a question: a number in range followed by text
    that reads like that question's prompt (loosely when it is the number expected next)."""
    match = _QUESTION_START.match(line)
    if not match:
        return None
    number = _question_number(match.group(1))
    if number is None or not 1 <= number <= QUESTION_COUNT:
        return None
    rest = match.group(2)
    if len(rest.split()) < 4 and next_line is not None:
        rest = f"{rest} {next_line}"  # a prompt wrapped right after its first words
    score = _prompt_similarity(number, rest)
    if score < 0.6 and not (number == expected and score >= 0.35):
        return None
    return number, match


def find_question_starts(lines: list[str], file: str,
                         candidates: list[int] | None = None) -> list[tuple[int, int, str]]:
    """(question number, 0-based line index, text after the number) for every line that opens a
    question, in order."""
    starts: list[tuple[int, int, str]] = []
    seen: dict[int, int] = {}
    for index in (range(len(lines)) if candidates is None else candidates):
        line = lines[index]
        expected_next = (starts[-1][0] + 1) if starts else 1
        opened = _opens_question(line, lines[index + 1] if index + 1 < len(lines) else None, expected_next)
        if opened is None:
            continue
        number, match = opened
        if number in seen:
            raise SheetError(file, f"duplicate question {number} (first on line {seen[number] + 1})",
                             question=number, line=index + 1)
        if starts and number < starts[-1][0]:
            raise SheetError(file, f"question {number} comes after question {starts[-1][0]}",
                             question=number, line=index + 1)
        seen[number] = index
        starts.append((number, index, match.group(2)))
    return starts


def _check_complete(starts: list[tuple[int, int, str]], file: str, lines: list[str]) -> None:
    line_count = len(lines)
    present = {n for n, _, _ in starts}
    missing = [n for n in range(1, QUESTION_COUNT + 1) if n not in present]
    if not missing:
        return
    first = missing[0]
    following = [i for n, i, _ in starts if n > first]
    preceding = [i for n, i, _ in starts if n < first]
    line = (following[0] + 1) if following else line_count
    # where the missing question should have begun: a section header standing in its place, else
    # the next question that is present
    if preceding:
        for index in range(preceding[-1] + 1, line - 1):
            if _SECTION_HEADER.match(lines[index]):
                line = index + 1
                break
    runs: list[str] = []
    run_start = missing[0]
    for prev, cur in zip(missing, missing[1:] + [0]):  # 0 closes the last run
        if cur != prev + 1:
            runs.append(f"Q{run_start}" if run_start == prev else f"Q{run_start}–Q{prev}")
            run_start = cur
    raise SheetError(file, f"missing questions: {', '.join(runs)}", question=first, line=line)


def _answer_start(number: int, block: list[tuple[int, str]]) -> tuple[int, int]:
    """(position in block, column) where the answer begins, after the printed prompt."""
    head = "\n".join(text for _, text in block[:_PROMPT_MAX_LINES])
    lowered = head.lower()
    exact = _PROMPT_REGEX[number].match(lowered) if len(lowered) == len(head) else None
    if exact:
        pos, column = _locate(block, exact.end())
        return pos, _after_punctuation(block[pos][1], column)
    prompt = _PROMPT_TOKENS[number]
    wanted = len(prompt) + 25
    tokens: list[tuple[str, int, int]] = []  # token, block position, end column
    for pos, (_, text) in enumerate(block):
        for m in _TOKEN.finditer(text.lower()):
            token = m.group()
            tokens.append(("#" if token[0] == "#" else token, pos, m.end()))
        if len(tokens) >= wanted:
            break
    words = [t[0] for t in tokens]
    if words[: len(prompt)] == prompt:  # the prompt printed as on the form: no alignment needed
        _, pos, end = tokens[len(prompt) - 1]
        return pos, _after_punctuation(block[pos][1], end)
    matcher = SequenceMatcher(None, prompt, words[:wanted], autojunk=False)
    matched = [b for b in matcher.get_matching_blocks() if b.size]
    if not matched or sum(b.size for b in matched) < 0.5 * len(prompt):
        return 0, 0
    last = matched[-1]
    _, pos, end = tokens[last.b + last.size - 1]
    return pos, _after_punctuation(block[pos][1], end)


def _locate(block: list[tuple[int, str]], offset: int) -> tuple[int, int]:
    """(block position, column) of a character offset into the newline-joined block."""
    for pos, (_, text) in enumerate(block):
        if offset <= len(text):
            return pos, offset
        offset -= len(text) + 1
    return len(block) - 1, len(block[-1][1])


def _after_punctuation(text: str, column: int) -> int:
    """Skip the prompt's closing punctuation (')', '?', ':') that tokens leave out."""
    return _past(text, column, _PROMPT_CLOSING)


def _assemble(number: int, start: int, first_text: str, stop: int, lines: list[str],
              skipped: set[int]) -> Answer:
    """The answer to question `number`, whose prompt opens line index `start` (with `first_text`
    after its number) and which runs to line index `stop`, leaving out headers and page furniture."""
    block = [(start, first_text)]
    block += [(i, lines[i]) for i in range(start + 1, stop) if i not in skipped] if skipped else \
        list(zip(range(start + 1, stop), lines[start + 1:stop]))
    pos, column = _answer_start(number, block)
    first_index, first_content = block[pos]
    body = [(first_index + 1, first_content[column:].lstrip(_ANSWER_OPENING).rstrip())]
    body += [(i + 1, content.rstrip()) for i, content in block[pos + 1:]]
    while body and not body[0][1].strip():
        body.pop(0)
    while body and not body[-1][1].strip():
        body.pop()
    answer_text = "\n".join(t for _, t in body)
    first_line = body[0][0] if body else start + 1
    last_line = body[-1][0] if body else start + 1
    return Answer(number, answer_text, first_line, last_line, tuple(body))


def _split_any(text: str, file: str) -> SplitSheet:
    """Any sheet: question starts found line by line, prompts aligned fuzzily where OCR garbled them."""
    lines = text.split("\n")
    candidates = _candidate_line_indices(text)
    headers = tuple((i + 1, lines[i].strip()) for i in candidates if _SECTION_HEADER.match(lines[i]))
    skipped = {i - 1 for i, _ in headers} | {i for i in candidates if _PAGE_FURNITURE.match(lines[i])}
    starts = find_question_starts(lines, file, candidates)
    _check_complete(starts, file, lines)

    bounds = [i for _, i, _ in starts] + [len(lines)]
    answers = {number: _assemble(number, start, first_text, stop, lines, skipped)
               for (number, start, first_text), stop in zip(starts, bounds[1:])}
    return SplitSheet(file, answers, headers)


# The well-formed case in a few C-level scans (parsing speed, see BENCHMARKS.md): every line that
# could open a question or be a header or page furniture, the same lines `_CANDIDATE_LINE` finds
# (a superset: "L" and "i" are candidates here, and checked below). Letters are matched in both
# cases by classes, not re.IGNORECASE, which would cost the regex engine its fast newline scan; the
# lookahead turns most lines (they open with some other letter) away with one character test. As
# the scan stops at every line break, it also reports ("space") a line that ends in whitespace.
_WELL_FORMED_LINE: Final = re.compile(
    r"\n(?:(?P<space>(?<=[^\S\n]\n))"
    r"|(?=[ \t0-9OoIiLlSsPp-])[ \t]*+(?:(?P<number>[0-9OoIiLl](?: ?[0-9OoIiLl])?)[ \t]*[.,:;] *"
    r"|[Ss][Ee][Cc][Tt][Ii][Oo0][Nn][ \t]"
    r"|[Pp][Aa][Gg][Ee][ \t]+\d|-[ \t]*\d))")
_NUMBER_TEXT: Final = [""] + [str(n) for n in range(1, QUESTION_COUNT + 1)]


def _printed_prompt(number: int) -> tuple[str, int, int]:
    """The prompt as the form prints it (lower case), and the ends of its sixth and last words:
    where `_PROMPT_REGEX` would end its "head" group and its match on that exact text."""
    printed = PROMPTS[number].lower()
    ends = [m.end() for m in _TOKEN.finditer(printed)]
    return printed, ends[min(_HEAD_LENGTH, len(ends)) - 1], ends[-1]


# A prompt printed exactly as on the form, bar a line break for a space, is recognised with one
# string comparison; anything else (another wrap, OCR, a cross-reference number) goes to the regex.
_PRINTED_PROMPT: Final = {n: _printed_prompt(n) for n in range(1, QUESTION_COUNT + 1)}
# The prompt in the form's own letter case, and where it ends: a sheet that prints it so on one
# line (most do) is recognised without lower-casing the sheet.
# (lower-casing the prompt is what `fold_case` does to it: its only non-ASCII characters are quotes)
assert all(fold_case(prompt) == prompt.lower() for prompt in PROMPTS.values())
_EXACT_PROMPT: Final = [("", 0, 0)] + [(PROMPTS[n], _PRINTED_PROMPT[n][2], _PRINTED_PROMPT[n][1])
                                        for n in range(1, QUESTION_COUNT + 1)]


def _answer_begins(text: str, prompt_end: int) -> int:
    """Past the prompt's closing punctuation (`_after_punctuation`), then past what a coder puts
    before the answer (the lstrip of `_assemble`). Stripped a short slice at a time: a regex match
    costs several string operations in the compiled parser."""
    return _past(text, _past(text, prompt_end, _PROMPT_CLOSING), _ANSWER_OPENING)


def _past(text: str, at: int, characters: str) -> int:
    """The first position from `at` on whose character is not one of `characters`."""
    while True:
        window = text[at:at + 16]
        rest = window.lstrip(characters)
        at += len(window) - len(rest)
        if rest or not window:
            return at


def _line_at(text: str, start: int) -> tuple[str, int]:
    """The line beginning at `start`, and the position of its newline (len(text) on the last)."""
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    return text[start:end], end


def _prompt_at(low: str, start: int, number: int) -> tuple[int, int]:
    """Where question `number`'s printed prompt, beginning at or just after `start`, ends, and
    where its sixth word ends; (-1, -1) when it is not there. Equal to `_PROMPT_REGEX`'s match."""
    printed, head_end, last_end = _PRINTED_PROMPT[number]
    at = start
    while low[at:at + 1] == " ":
        at += 1
    if low[at:at + len(printed)].replace("\n", " ") == printed:
        return at + last_end, at + head_end
    prompt = _PROMPT_REGEX[number].match(low, start)
    return (prompt.end(), prompt.end("head")) if prompt else (-1, -1)


def _prompt_in_window(text: str, start: int, number: int, prompt_length: int) -> tuple[int, int]:
    """`_prompt_at` on the lower-cased sheet, computed on a stretch of text after `start` only;
    (-1, -1) when that does not decide it. A match that ends before the stretch does is the match
    on the whole sheet: the pattern is words and the runs of other characters between them, so
    each step of the match is decided by characters the stretch holds."""
    low = fold_case(text[start:start + 2 * prompt_length + 200])
    if low is None:
        return -1, -1
    found = _prompt_at(low, 0, number)
    if found[0] < 0 or found[0] >= len(low):
        return -1, -1
    return start + found[0], start + found[1]


def _line_and_next(text: str, start: int) -> tuple[str, str | None]:
    line, end = _line_at(text, start)
    return line, (_line_at(text, end + 1)[0] if end < len(text) else None)


def _split_well_formed(text: str, file: str) -> SplitSheet | None:
    """The sheet split exactly as `_split_any` would split it, when every question opens with its
    number and its prompt as printed, in order; None for any other sheet (the general path then
    decides, and reports what is wrong), and for a text in which a line ends in whitespace (the
    caller strips the lines then: `split_sheet`)."""
    if not text.isascii() and ("\u212a" in text or "\u0130" in text):
        return None  # `fold_case` would move positions; the general path reads such a sheet
    if _ends_in_space(text):
        return None  # the last line ends in whitespace
    low: str | None = None  # the sheet lower-cased (`fold_case`), made only if a prompt needs it
    scan = "\n" + text  # positions in `scan` are one past those in `text`
    expected = 1
    # question, line number, line start, prompt end, line breaks in the prompt
    opened: list[tuple[int, int, int, int, int]] = []
    skipped: list[tuple[int, int, int]] = []      # headers and page furniture: line number, start, end
    headers: list[tuple[int, str]] = []
    line_number, counted_to = 1, 0
    for m in _WELL_FORMED_LINE.finditer(scan):
        line_start = match_start(m)
        line_number += text.count("\n", counted_to, line_start)
        counted_to = line_start
        token = match_group(m, 2)  # the "number" group, by index: cheaper than by name
        if token is None:
            if match_group(m, 1) is not None:  # "space": the line before ends in whitespace
                return None
            line, end = _line_at(text, line_start)
            if _SECTION_HEADER.match(line):
                headers.append((line_number, line.strip()))
                skipped.append((line_number, line_start, end))
            elif _PAGE_FURNITURE.match(line):
                skipped.append((line_number, line_start, end))
            continue
        if expected <= QUESTION_COUNT and token == _NUMBER_TEXT[expected]:
            at = number_end = match_end(m) - 1  # past the number, its punctuation and the spaces after
            prompt, prompt_length, head_length = _EXACT_PROMPT[expected]
            # a slice compared, not str.startswith(..., at): with a position argument that is a
            # generic method call in the compiled parser, several times slower
            window = text[at:at + len(prompt)]
            if window == prompt:
                # as printed, on the number's line: no line break before the prompt's end, which
                # is what `_prompt_at` and the checks below would find on the lower-cased sheet
                opened.append((expected, line_number, line_start, at + prompt_length, 0))
                expected += 1
                continue
            if "\n" in window and window.replace("\n", " ") == prompt:
                # as printed but wrapped: what `_prompt_at` finds, without lower-casing the sheet
                prompt_end, head_end = at + prompt_length, at + head_length
            elif low is not None:
                prompt_end, head_end = _prompt_at(low, number_end, expected)
            else:
                prompt_end, head_end = _prompt_in_window(text, number_end, expected, len(prompt))
                if prompt_end < 0:
                    low = fold_case(text)
                    assert low is not None  # the two characters it refuses were ruled out above
                    prompt_end, head_end = _prompt_at(low, number_end, expected)
            prompt_lines = text.count("\n", line_start, prompt_end) if prompt_end >= 0 else 0
            if (prompt_end >= 0 and prompt_lines < _PROMPT_MAX_LINES
                    and (text.find("\n", line_start, head_end) < 0
                         or _opens_question(*_line_and_next(text, line_start), expected))):
                opened.append((expected, line_number, line_start, prompt_end, prompt_lines))
                expected += 1
                continue
        # a line the general path might read as a question start (OCR, duplicate, out of order)
        if _opens_question(*_line_and_next(text, line_start), expected) is not None:
            return None
    if expected != QUESTION_COUNT + 1:
        return None

    answers: dict[int, Answer] = {}
    lines: list[str] | None = None
    stops = [(line_start - 1, line_number) for _, line_number, line_start, _, _ in opened[1:]]
    stops.append((len(text), line_number + text.count("\n", counted_to) + 1))
    # headers above question 1 (a sheet's title, its first section) belong to no answer
    next_skipped = 0
    while next_skipped < len(skipped) and skipped[next_skipped][0] < opened[0][1]:
        next_skipped += 1
    for (number, first, line_start, prompt_end, prompt_lines), (stop, stop_line) in zip(opened, stops):
        end = stop
        end_line = stop_line - 1  # the line the text before `end` ends on
        if next_skipped < len(skipped) and skipped[next_skipped][0] < stop_line:
            inside = []
            while next_skipped < len(skipped) and skipped[next_skipped][0] < stop_line:
                inside.append(skipped[next_skipped])
                next_skipped += 1
            # a header or page number after the last words of the answer (the usual place) is cut
            # off with the blank lines around it; anywhere else the line-by-line path decides
            between = [text[a + 1:b] for (_, _, a), (_, b, _) in zip(inside, inside[1:])]
            if all(not part.strip() for part in between) and not text[inside[-1][2]:stop].strip():
                end, end_line = inside[0][1], inside[0][0]  # the text before `end` ends in a line break
            else:
                if lines is None:
                    lines = text.split("\n")
                    skipped_indices = {n - 1 for n, _, _ in skipped}
                match = _QUESTION_START.match(lines[first - 1])
                assert match is not None  # the line opened question `number` in the scan above
                answers[number] = _assemble(number, first - 1, match.group(2), stop_line - 1, lines,
                                            skipped_indices)
                continue
        begin = _answer_begins(text, prompt_end)
        body = text[begin:end]  # lines come right-stripped from `split_sheet`
        unlead = body.lstrip("\n")
        leading = len(body) - len(unlead)
        body = unlead.rstrip("\n")
        if not body:
            answers[number] = Answer(number, "", first, first, ())
            continue
        # the lead holds no line break: the answer starts on the prompt's last line, or after it
        first_line = first + prompt_lines + leading
        # and it ends on `end_line`, less the line breaks cut off its end (its own are not counted)
        answers[number] = Answer(number, body, first_line, end_line - (len(unlead) - len(body)))
    return SplitSheet(file, answers, tuple(headers))


# a line break after whitespace other than a line break: the pattern opens with the literal "\n",
# so the regex engine jumps from line break to line break
_SPACE_BEFORE_LINE_BREAK: Final = re.compile(r"\n(?<=[^\S\n]\n)")


def rstrip_lines(text: str) -> str:
    """Every line of the text right-stripped, as `str.rstrip` strips it. Only the lines that end
    in whitespace are cut out and rebuilt: splitting a whole sheet into lines costs more than
    finding the few such lines."""
    text = _rstrip_last_line(text)
    ends = [m.start() for m in _SPACE_BEFORE_LINE_BREAK.finditer(text)]
    if not ends:
        return text
    pieces: list[str] = []
    last = 0
    for end in ends:
        start = text.rfind("\n", 0, end) + 1
        # a right-stripped line is the start of the line: the text up to its end is one piece
        pieces.append(text[last:start + len(text[start:end].rstrip())])
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def _ends_in_space(text: str) -> bool:
    """Whether the text's last line ends in whitespace."""
    return text[-1:].isspace() and text[-1:] != "\n"


def _rstrip_last_line(text: str) -> str:
    """The text with its last line right-stripped, by one copy (and none when nothing is cut)."""
    if not _ends_in_space(text):
        return text
    start = text.rfind("\n") + 1
    return text[:start + len(text[start:].rstrip())]


def split_sheet(text: str, file: str) -> SplitSheet:
    # Answers keep their lines right-stripped, and nothing else looks at the end of a line, so
    # lines are stripped once, here. The one-pass split refuses a text in which a line ends in
    # whitespace (its scan finds such lines on the way), so a sheet without one is not scanned
    # for them twice; a last line that ends so (the seed's does) is stripped first, by one copy.
    text = _rstrip_last_line(text)
    split = _split_well_formed(text, file)
    if split is not None:
        return split
    stripped = rstrip_lines(text)
    if stripped is not text:
        split = _split_well_formed(stripped, file)
    return split or _split_any(stripped, file)
