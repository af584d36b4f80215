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

from .errors import SheetError
from .questions import PROMPTS, QUESTION_COUNT

# OCR splits or swaps digits ("2 3." for "23.", "l0." for "10."); the prompt check filters false starts
_QUESTION_START = re.compile(r"^\s*([0-9OoIl](?: ?[0-9OoIl])?)\s*[.,:;]\s*(.*)$")
_SECTION_HEADER = re.compile(r"^\s*SECTI[O0]N\s+[IVXL0-9]+\s*[:.]", re.IGNORECASE)
_PAGE_FURNITURE = re.compile(r"^\s*(page\s+\d+(\s+of\s+\d+)?|-\s*\d+\s*-)\s*$", re.IGNORECASE)
_WORD = re.compile(r"\S+")
_OCR_DIGITS = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1"})


def _norm(word: str) -> str:
    # "#19" in the printed prompt reads "#109" on the seed: cross-references compare as one token
    return re.sub(r"#\d+", "#", re.sub(r"[^0-9a-z#]", "", word.lower()))


_PROMPT_WORDS = {n: [w for w in (_norm(x) for x in p.split()) if w] for n, p in PROMPTS.items()}
_PROMPT_HEADS = {n: " ".join(words[:8]) for n, words in _PROMPT_WORDS.items()}


@dataclass(frozen=True)
class Answer:
    question: int
    text: str            # the coder's answer, line breaks kept
    first_line: int      # 1-based line numbers in the file; the prompt line when the answer is empty
    last_line: int
    lines: tuple[tuple[int, str], ...] = field(default=(), repr=False)  # (line number, text) of the answer


@dataclass(frozen=True)
class SplitSheet:
    file: str
    answers: dict[int, Answer]
    section_headers: tuple[tuple[int, str], ...]

    def __getitem__(self, question: int) -> Answer:
        return self.answers[question]


def _prompt_similarity(number: int, rest: str) -> float:
    words = [w for w in (_norm(x) for x in rest.split()) if w]
    if not words:
        return 0.0
    head = _PROMPT_HEADS[number]
    candidate = " ".join(words[: len(head.split())])
    return SequenceMatcher(None, head, candidate, autojunk=False).ratio()


def _question_number(token: str) -> int | None:
    digits = token.replace(" ", "").translate(_OCR_DIGITS)
    return int(digits) if digits.isdigit() else None


def find_question_starts(lines: list[str], file: str) -> list[tuple[int, int]]:
    """(question number, 0-based line index) for every line that opens a question, in order."""
    starts: list[tuple[int, int]] = []
    seen: dict[int, int] = {}
    for index, line in enumerate(lines):
        match = _QUESTION_START.match(line)
        if not match:
            continue
        number = _question_number(match.group(1))
        if number is None or not 1 <= number <= QUESTION_COUNT:
            continue
        rest = match.group(2)
        if len(rest.split()) < 4 and index + 1 < len(lines):
            rest = f"{rest} {lines[index + 1]}"  # a prompt wrapped right after its first words
        score = _prompt_similarity(number, rest)
        expected_next = (starts[-1][0] + 1) if starts else 1
        if score < 0.6 and not (number == expected_next and score >= 0.35):
            continue
        if number in seen:
            raise SheetError(file, f"duplicate question {number} (first on line {seen[number] + 1})",
                             question=number, line=index + 1)
        if starts and number < starts[-1][0]:
            raise SheetError(file, f"question {number} comes after question {starts[-1][0]}",
                             question=number, line=index + 1)
        seen[number] = index
        starts.append((number, index))
    return starts


def _check_complete(starts: list[tuple[int, int]], file: str, lines: list[str]) -> None:
    line_count = len(lines)
    present = {n for n, _ in starts}
    missing = [n for n in range(1, QUESTION_COUNT + 1) if n not in present]
    if not missing:
        return
    first = missing[0]
    following = [i for n, i in starts if n > first]
    preceding = [i for n, i in starts if n < first]
    line = (following[0] + 1) if following else line_count
    # where the missing question should have begun: a section header standing in its place, else
    # the next question that is present
    if preceding:
        for index in range(preceding[-1] + 1, line - 1):
            if _SECTION_HEADER.match(lines[index]):
                line = index + 1
                break
    runs, run_start = [], missing[0]
    for prev, cur in zip(missing, missing[1:] + [None]):
        if cur != prev + 1:
            runs.append(f"Q{run_start}" if run_start == prev else f"Q{run_start}–Q{prev}")
            run_start = cur
    raise SheetError(file, f"missing questions: {', '.join(runs)}", question=first, line=line)


def _answer_start(number: int, block: list[tuple[int, str]]) -> tuple[int, int]:
    """(position in block, column) where the answer begins, after the printed prompt."""
    tokens: list[tuple[str, int, int]] = []  # normalized word, block position, end column
    for pos, (_, text) in enumerate(block):
        for m in _WORD.finditer(text):
            norm = _norm(m.group())
            if norm:
                tokens.append((norm, pos, m.end()))
    prompt = _PROMPT_WORDS[number]
    window = [t[0] for t in tokens[: len(prompt) + 25]]
    matcher = SequenceMatcher(None, prompt, window, autojunk=False)
    matched = [b for b in matcher.get_matching_blocks() if b.size]
    if not matched or sum(b.size for b in matched) < 0.5 * len(prompt):
        return 0, 0
    last = matched[-1]
    _, pos, end = tokens[last.b + last.size - 1]
    return pos, end


def split_sheet(text: str, file: str) -> SplitSheet:
    lines = text.split("\n")
    headers = tuple((i + 1, ln.strip()) for i, ln in enumerate(lines) if _SECTION_HEADER.match(ln))
    header_lines = {i - 1 for i, _ in headers}
    starts = find_question_starts(lines, file)
    _check_complete(starts, file, lines)

    answers: dict[int, Answer] = {}
    bounds = [i for _, i in starts] + [len(lines)]
    for (number, start), stop in zip(starts, bounds[1:]):
        first_text = _QUESTION_START.match(lines[start]).group(2)
        block = [(start, first_text)] + [
            (i, lines[i]) for i in range(start + 1, stop)
            if i not in header_lines and not _PAGE_FURNITURE.match(lines[i])
        ]
        pos, column = _answer_start(number, block)
        body: list[tuple[int, str]] = []
        for k, (i, content) in enumerate(block[pos:]):
            if k == 0:
                content = content[column:].lstrip(" :.\t")
            body.append((i + 1, content.rstrip()))
        while body and not body[0][1].strip():
            body.pop(0)
        while body and not body[-1][1].strip():
            body.pop()
        answer_text = "\n".join(t for _, t in body)
        first_line = body[0][0] if body else start + 1
        last_line = body[-1][0] if body else start + 1
        answers[number] = Answer(number, answer_text, first_line, last_line, tuple(body))
    return SplitSheet(file, answers, headers)
