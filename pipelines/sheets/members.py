"""Who is in the alliance, and from when to when: Q1 (id, phase), Q3 (entry), Q4 (members),
Q14 (exit) and the member qualifiers of Q16.

Multilateral sheets give member-specific dates as "Albania (339): September 12, 1968"; a date
on a line that names no member applies to every member without a date of its own.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

from .dates import FoundDate, PartialDate, find_dates
from .errors import SheetError
from .evidence import Coded, coded, coded_at
from .split import Answer, SplitSheet

_ATOPID: Final = re.compile(r"(?<!\d)([1-7][0-9OoIl]{3})(?:\s*[.,]\s*([0-9]))?(?![0-9])")
_PHASE_WORD: Final = re.compile(r"phase\s*[:#]?\s*([0-9]|one|two|three|four)\b", re.IGNORECASE)
_PHASE_WORDS: Final = {"one": 1, "two": 2, "three": 3, "four": 4}
_CODE_THEN_NAME: Final = re.compile(r"(?<![\d.,/])(\d{1,3})\s*[-–:)]?\s+([A-Z][A-Za-z’'.\- ]*[A-Za-z])")
_NAME_THEN_CODE: Final = re.compile(r"([A-Z][A-Za-z’'.\- ]*?[A-Za-z])\s*\(\s*(?:COW\s*)?(\d{1,3})\s*\)")
_ANY_DIGIT: Final = re.compile(r"\d")  # what both member forms need, found by a fast scan
_IN_EFFECT: Final = re.compile(r"\b(still\s+)?in\s+effect\b|\bin\s+force\b|\bremains?\b", re.IGNORECASE)
_AS_OF: Final = re.compile(r"\b(as\s+of|accessed|revised|retrieved|version)\b", re.IGNORECASE)
_URL: Final = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)


def _without_urls(text: str) -> str:
    """The text with each URL replaced by a space."""
    # every URL holds "://" or ends its "www" in "w."; text with neither skips the case-insensitive
    # scan, which the regex engine runs at every character
    if "://" not in text and "w." not in text and "W." not in text:
        return text
    return _URL.sub(" ", text)


@dataclass
class SheetMember:
    code: int
    name: str
    entry: PartialDate | None = None
    exit: PartialDate | None = None          # None: in effect at the end of the sheet's coverage
    entry_evidence: Coded | None = None
    exit_evidence: Coded | None = None
    obligations: dict[str, Coded] = field(default_factory=dict)
    member_values: dict[str, Coded] = field(default_factory=dict)  # rules that differ between members

    def __init__(self, code: int, name: str, entry: PartialDate | None = None, exit: PartialDate | None = None,
                 entry_evidence: Coded | None = None, exit_evidence: Coded | None = None,
                 obligations: dict[str, Coded] | None = None, member_values: dict[str, Coded] | None = None) -> None:
        # its own __init__: see dates.PartialDate
        self.code = code
        self.name = name
        self.entry = entry
        self.exit = exit
        self.entry_evidence = entry_evidence
        self.exit_evidence = exit_evidence
        self.obligations = {} if obligations is None else obligations
        self.member_values = {} if member_values is None else member_values

    def __reduce__(self) -> tuple:  # see dates.PartialDate.__reduce__
        return SheetMember, (self.code, self.name, self.entry, self.exit, self.entry_evidence, self.exit_evidence,
                             self.obligations, self.member_values)


def code_atopid(answer: Answer, file: str) -> tuple[Coded, Coded]:
    """ATOPID and PHASE from Q1: '5030', '3180.2', or an id with a 'Phase 2' note."""
    text = _without_urls(answer.text)
    m = _ATOPID.search(text)
    if not m:
        raise SheetError(file, f"no ATOP id in the answer {answer.text[:60]!r}", 1, answer.first_line)
    atopid = int(m.group(1).translate(str.maketrans("OoIl", "0011")))
    phase = int(m.group(2)) if m.group(2) else 0
    pm = _PHASE_WORD.search(text)
    if pm and not phase:
        token = pm.group(1).lower()
        phase = _PHASE_WORDS.get(token) or int(token)
    return coded(atopid, answer, m.group()), coded(phase, answer, pm.group() if pm else m.group())


def parse_member_refs(text: str) -> list[tuple[int, str, int]]:
    """(COW code, name, position) for every member written as '710 China' or 'China (710)'."""
    refs: dict[int, tuple[int, str, int]] = {}
    if not _ANY_DIGIT.search(text):
        return []  # both forms carry a code
    masked = text
    if "(" in text:
        # the names with codes in brackets, blanked out (same length) before codes-first names are read
        pieces, last = [], 0
        for m in _NAME_THEN_CODE.finditer(text):
            refs.setdefault(int(m.group(2)), (int(m.group(2)), m.group(1).strip(), m.start()))
            pieces += [text[last:m.start()], " " * (m.end() - m.start())]
            last = m.end()
        if pieces:
            pieces.append(text[last:])
            masked = "".join(pieces)
    for m in _CODE_THEN_NAME.finditer(masked):
        code = int(m.group(1))
        name = re.split(r"\s*[,;]\s*|\s+and\s+", m.group(2))[0].strip(" .")
        refs.setdefault(code, (code, name, m.start()))
    return sorted(refs.values(), key=lambda r: r[2])


def code_members(answer: Answer, file: str, known_codes: set[int] | None) -> list[SheetMember]:
    members: list[SheetMember] = []
    for number, line in answer.lines:
        for code, name, _ in parse_member_refs(line):
            if known_codes is not None and code not in known_codes:
                raise SheetError(file, f"unknown COW code {code} ({name})", 4, number)
            if code < 2 or code > 999:
                raise SheetError(file, f"{code} is not a COW country code", 4, number)
            if all(m.code != code for m in members):
                members.append(SheetMember(code, name.rstrip(".")))
    if len(members) < 2:
        raise SheetError(file, f"an alliance needs at least two members, found {len(members)}",
                         4, answer.first_line)
    return members


_GENERIC_NAME_PARTS: Final = {"republic", "union", "kingdom", "states", "people's republic", "democratic republic",
                              "federal republic", "socialist republic", "islamic republic", "arab republic", "empire"}


def name_aliases(name: str) -> list[str]:
    """Ways a sheet refers to a member named in Q4: 'United States of America' is also
    'United States' and 'America'; generic parts ('Republic', 'Union') identify nobody."""
    base = re.sub(r"\s*\(.*?\)", "", name).strip()
    aliases = [name, base]
    if " of " in base:
        before, after = base.split(" of ", 1)
        aliases += [before, after]
    return [a for a in dict.fromkeys(aliases) if len(a) >= 4 and a.lower() not in _GENERIC_NAME_PARTS]


def refs_in(text: str, members: list[SheetMember]) -> list[int]:
    """Member codes named in a piece of text: explicit COW codes when the text has any (a name may
    be part of another member's name: 'Germany' in 'Federal Republic of Germany'), else names."""
    explicit = [code for code, _, _ in parse_member_refs(text) if any(m.code == code for m in members)]
    if explicit:
        return explicit
    found = []
    lowered = text.lower()
    for member in members:
        if _name_pattern(member.name).search(lowered):
            found.append(member.code)
    return found


_NAME_PATTERNS: Final[dict[str, re.Pattern]] = {}


def _name_pattern(name: str) -> re.Pattern:
    pattern = _NAME_PATTERNS.get(name)
    if pattern is None:
        if len(_NAME_PATTERNS) >= 4096:
            _NAME_PATTERNS.clear()  # bounded, as names come from the sheets
        pattern = _NAME_PATTERNS[name] = _compile_name_pattern(name)
    return pattern


def _compile_name_pattern(name: str) -> re.Pattern:
    """Any alias of the member's name as a whole word, for lower-cased text; compiled once per name.
    Each alternative opens with the alias's own letters and checks the boundary before it after
    them, so the scan skips to the aliases' first letters instead of trying every character."""
    aliases = [re.escape(alias.lower()) for alias in name_aliases(name)]
    if not aliases:
        return re.compile(r"(?!)")
    return re.compile("(?:" + "|".join(rf"{a}(?<![\w-]{a})" for a in aliases) + r")(?![\w-])")


def subjects_of(line: str, first_date: FoundDate, members: list[SheetMember]) -> list[int]:
    """The members a dated line is about: those named before its date ("Albania (339): …"),
    or, when the date leads ("September 9, 1961: Senegal, Dahomey…"), those named after it."""
    before = refs_in(line[: first_date.start], members)
    return before if before else refs_in(line[first_date.end:], members)


_MEMBER_LINE: Final = re.compile(r"^[A-Z][^:]*\(\d{1,3}\)")  # "Albania (339): …" opens a line of its own


def logical_lines(answer: Answer) -> list[tuple[int, str]]:
    """Answer lines with PDF wrapping undone: a line without a date continues the previous one
    ("…Central African" / "Republic, Chad, …")."""
    merged: list[tuple[int, str]] = []
    for number, line in answer.lines:
        clean = _without_urls(line).strip()
        if not clean:
            continue
        if merged and not find_dates(clean) and not _MEMBER_LINE.match(clean):
            merged[-1] = (merged[-1][0], f"{merged[-1][1]} {clean}")
        else:
            merged.append((number, clean))
    return merged


def _dated_lines(answer: Answer) -> list[tuple[int, str, tuple[FoundDate, ...]]]:
    return [(number, line, find_dates(line)) for number, line in logical_lines(answer)]


def code_entry_dates(answer: Answer, members: list[SheetMember], file: str) -> None:
    """Q3: each member's signature (entry) date; ATOP codes signature as entry (YRENT…DAYENT)."""
    general: tuple[PartialDate, int, str] | None = None
    for number, line, dates in _dated_lines(answer):
        if not dates:
            continue
        named = subjects_of(line, dates[0], members)
        if named:
            for code in named:
                member = next(m for m in members if m.code == code)
                if member.entry is None:
                    member.entry = dates[0].date
                    member.entry_evidence = coded_at(None, 3, number, number, line.strip())
        elif general is None:
            general = (dates[0].date, number, line.strip())
    for member in members:
        if member.entry is None:
            if general is None:
                raise SheetError(file, f"no signature date for member {member.code} {member.name}",
                                 3, answer.first_line)
            member.entry = general[0]
            member.entry_evidence = coded_at(None, 3, general[1], general[1], general[2])


@dataclass(unsafe_hash=True)  # see dates.PartialDate
class Termination:
    in_effect: bool                     # some member still in effect at the sheet's last word
    observed_through: PartialDate | None  # "in effect as of June 1, 2018"
    evidence: Coded

    def __init__(self, in_effect: bool, observed_through: PartialDate | None, evidence: Coded) -> None:
        self.in_effect = in_effect
        self.observed_through = observed_through
        self.evidence = evidence

    def __reduce__(self) -> tuple:  # see PartialDate.__reduce__
        return Termination, (self.in_effect, self.observed_through, self.evidence)


_ALL_IN_EFFECT: Final = re.compile(r"^\W*(still\s+)?in\s+(effect|force)\b", re.IGNORECASE)
_LEFT: Final = re.compile(r"withdr|left|terminat|denounc|exit|until", re.I)
_UNTIL: Final = re.compile(r"until|through", re.I)


def code_exit_dates(answer: Answer, members: list[SheetMember], file: str) -> Termination:
    """Q14: exit dates per member; 'still in effect' leaves exit empty (ATOP's 0/0/0)."""
    lines = _dated_lines(answer)
    opening = answer.text.strip()
    all_in_effect = bool(_ALL_IN_EFFECT.match(opening))
    general: tuple[PartialDate, int, str] | None = None
    as_of: PartialDate | None = None
    for number, line, dates in lines:
        if not dates:
            continue
        if _AS_OF.search(line) and _IN_EFFECT.search(line):
            as_of = max(as_of, dates[0].date) if as_of else dates[0].date
            continue
        if _AS_OF.search(line):
            continue  # citation dates ("accessed on …") say nothing about the alliance
        named = subjects_of(line, dates[0], members)
        if named:
            for code in named:
                member = next(m for m in members if m.code == code)
                if _IN_EFFECT.search(line) and not _LEFT.search(line):
                    continue
                member.exit = dates[-1].date if len(dates) > 1 and _UNTIL.search(line) else dates[0].date
                member.exit_evidence = coded_at(None, 14, number, number, line.strip())
        elif general is None and not all_in_effect:
            general = (dates[0].date, number, line.strip())
    for member in members:
        if member.exit is None and general is not None:
            member.exit = general[0]
            member.exit_evidence = coded_at(None, 14, general[1], general[1], general[2])
        if member.exit is not None and member.entry is not None and member.exit.latest() < member.entry.earliest():
            exit_line = member.exit_evidence.first_line if member.exit_evidence else answer.first_line
            raise SheetError(file, f"exit date {member.exit} before entry date {member.entry} for member {member.code}",
                             14, exit_line)
    in_effect = any(m.exit is None for m in members)
    if not in_effect and not general and not any(m.exit_evidence for m in members):
        in_effect = True
    return Termination(in_effect, as_of, coded(int(in_effect), answer))


OBLIGATION_PATTERNS: Final = {
    "defense": r"\bdefen[cs]\w*",
    "offense": r"\boffen[cs]\w*",
    "neutral": r"\bneutral\w*",
    "nonagg": r"\bnon[\s-]?aggress\w*",
    "consul": r"\bconsult\w*",
}
_OBLIGATION_REGEX: Final = {variable: re.compile(pattern, re.IGNORECASE) for variable, pattern in OBLIGATION_PATTERNS.items()}
_ANY_OBLIGATION: Final = re.compile("|".join(OBLIGATION_PATTERNS.values()), re.IGNORECASE)
_SEGMENT_BREAK: Final = re.compile(r";|(?<=\.)\s+(?=[A-Z])")
_QUALIFIER: Final = re.compile(r"\(([^)]*)\)|\b(?:obligation|promise)s?\s+of\s+([^.;]*)|\bby\s+([^.;]*)\s+only",
                        re.IGNORECASE)


def code_obligations(answer: Answer, members: list[SheetMember]) -> None:
    """Q16: DEFENSE, OFFENSE, NEUTRAL, NONAGG, CONSUL per member (codebook 2.33).

    An alliance type applies to every member unless its line names the members it binds
    ("Defense pact (obligation of the United States only)"), which is how asymmetric
    obligations reach the member-level file.
    """
    not_listed = coded_at(0, 16, answer.first_line, answer.last_line, "type not listed in Q16")
    for member in members:
        for variable in OBLIGATION_PATTERNS:
            member.obligations[variable] = not_listed
    segments: list[tuple[int, str]] = []
    for number, line in answer.lines:
        clean = _without_urls(line).strip()
        if not clean:
            continue
        for part in _SEGMENT_BREAK.split(clean):
            if part.strip():
                segments.append((number, part.strip()))
    for number, segment in segments:
        if not _ANY_OBLIGATION.search(segment):
            continue  # one scan for the five types; most segments (URLs, notes) name none
        types = [v for v, p in _OBLIGATION_REGEX.items() if p.search(segment)]
        if not types:
            continue
        bound = []
        for q in _QUALIFIER.finditer(segment):
            bound += refs_in(next(g for g in q.groups() if g), members)
        targets = [m for m in members if not bound or m.code in bound]
        for member in targets:
            for variable in types:
                member.obligations[variable] = coded_at(1, 16, number, number, segment)
