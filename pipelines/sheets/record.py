"""One coded sheet: ATOP's alliance- and member-level variables, with the evidence for each.

`load_sheets` is the batch entry point: every sheet either becomes a `CodedSheet` or a
quarantine record naming the file, question and line; one bad sheet never stops the batch.
"""
from __future__ import annotations

import hashlib
import gc
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from .code import ALLIANCE_RULES, MEMBER_RULES, notice_months, renewals
from .dates import PartialDate, find_dates
from .errors import SheetError
from .evidence import Coded, coded, yes_no
from .members import (SheetMember, Termination, code_atopid, refs_in, code_entry_dates, code_exit_dates,
                      code_members, code_obligations)
from .member_rules import code_contingencies, code_cowwar, code_termination_reasons
from .read import SHEET_SUFFIXES, read_bytes, read_sheet_text
from .split import SplitSheet, split_sheet
from .text import new_sheet

OBLIGATIONS: Final = ("defense", "offense", "neutral", "nonagg", "consul")


@dataclass
class CodedSheet:
    file: str
    atopid: int
    phase: int
    members: list[SheetMember]
    termination: Termination
    alliance: dict[str, Coded]
    member_level: dict[str, Coded]
    notice_months: Coded
    renewals: Coded
    atopid_evidence: Coded
    phase_evidence: Coded

    def __init__(self, file: str, atopid: int, phase: int, members: list[SheetMember], termination: Termination,
                 alliance: dict[str, Coded], member_level: dict[str, Coded], notice_months: Coded,
                 renewals: Coded, atopid_evidence: Coded, phase_evidence: Coded) -> None:
        # its own __init__: see dates.PartialDate
        self.file = file
        self.atopid = atopid
        self.phase = phase
        self.members = members
        self.termination = termination
        self.alliance = alliance
        self.member_level = member_level
        self.notice_months = notice_months
        self.renewals = renewals
        self.atopid_evidence = atopid_evidence
        self.phase_evidence = phase_evidence

    def __reduce__(self) -> tuple:  # see dates.PartialDate.__reduce__
        return CodedSheet, (self.file, self.atopid, self.phase, self.members, self.termination, self.alliance,
                            self.member_level, self.notice_months, self.renewals, self.atopid_evidence,
                            self.phase_evidence)

    @property
    def evidence(self) -> list[dict]:
        """Rows of coding_evidence; built only when asked for (most runs parse far more often)."""
        return _evidence_rows(self, self.atopid_evidence, self.phase_evidence)

    @property
    def begin(self) -> PartialDate:
        # every member has an entry date once coded (`code_entry_dates` raises otherwise)
        return min(m.entry for m in self.members if m.entry is not None)

    @property
    def end(self) -> PartialDate | None:
        if self.termination.in_effect:
            return None
        return max(m.exit for m in self.members if m.exit is not None)

    def value(self, name: str) -> int | None:
        return self.alliance[name].value


def code_asymm(sheet: SplitSheet, members: list[SheetMember]) -> Coded:
    """ASYMM: 1 if obligations vary among members (Q24 'No', or Q16 binds only some members)."""
    answer = sheet[24]
    said = yes_no(answer.text)
    profiles = {tuple(m.obligations[o].value for o in OBLIGATIONS) for m in members}
    if len(profiles) > 1:
        return coded(1, sheet[16], "Q16 obligations differ among members")
    if said is None:
        return coded(None, answer)
    return coded(1 - said, answer)


def code_wartime(sheet: SplitSheet, members: list[SheetMember], said: Coded) -> Coded:
    """WARTIME: 1 if a member was at war when the alliance was formed (Q5). A member at war
    only when it acceded later does not make the formation a wartime one."""
    if said.value != 1:
        return said
    entries = {m.code: m.entry for m in members if m.entry is not None}  # every member, once coded
    begin = min(entries.values())
    at_war = refs_in(sheet[5].text, members)
    if at_war and all(entries[c] > begin for c in at_war):
        return coded(0, sheet[5], "members at war joined after the alliance was formed")
    return said


def revision_date(sheet: SplitSheet) -> PartialDate | None:
    """Q60, the last revision of the sheet: a sheet that says "still in effect" and no "as of" date
    says it as of its last revision."""
    dates = find_dates(sheet[60].text)
    return max((d.date for d in dates), default=None)


def code_sheet(split: SplitSheet, known_codes: set[int] | None = None) -> CodedSheet:
    new_sheet()
    file = split.file
    atopid, phase = code_atopid(split[1], file)
    assert atopid.value is not None and phase.value is not None  # `code_atopid` raises without an id
    members = code_members(split[4], file, known_codes)
    code_entry_dates(split[3], members, file)
    termination = code_exit_dates(split[14], members, file)
    if termination.in_effect and termination.observed_through is None:
        # built directly: dataclasses.replace inspects the class's fields on every call
        termination = Termination(termination.in_effect, revision_date(split), termination.evidence)
    code_obligations(split[16], members)

    alliance = {name: func(split) for name, func in ALLIANCE_RULES.items()}
    member_level = {name: func(split) for name, func in MEMBER_RULES.items()}
    alliance["asymm"] = code_asymm(split, members)
    alliance["wartime"] = code_wartime(split, members, alliance["wartime"])
    code_contingencies(split, members)
    code_cowwar(split, members)
    code_termination_reasons(split, members)
    return CodedSheet(file, atopid.value, phase.value, members, termination, alliance, member_level,
                      notice_months(split), renewals(split), atopid, phase)


def _evidence_rows(sheet: CodedSheet, atopid: Coded, phase: Coded) -> list[dict]:
    rows = []

    def add(variable: str, coded: Coded, member: int | None = None) -> None:
        rows.append({"atopid": sheet.atopid, "phase": sheet.phase, "member": member, "variable": variable,
                     "value": coded.value, "question": coded.question, "first_line": coded.first_line,
                     "last_line": coded.last_line, "phrase": coded.phrase, "file": sheet.file})

    add("atopid", atopid)
    add("phase", phase)
    for name, coded in {**sheet.alliance, **sheet.member_level}.items():
        add(name, coded)
    add("notice_months", sheet.notice_months)
    add("renewals", sheet.renewals)
    add("ineffect", sheet.termination.evidence)
    for member in sheet.members:
        if member.entry_evidence:
            add("entry", Coded(None, 3, member.entry_evidence.first_line, member.entry_evidence.last_line,
                               f"{member.entry}: {member.entry_evidence.phrase}"), member.code)
        if member.exit_evidence:
            add("exit", Coded(None, 14, member.exit_evidence.first_line, member.exit_evidence.last_line,
                              f"{member.exit}: {member.exit_evidence.phrase}"), member.code)
        for name, coded in {**member.obligations, **member.member_values}.items():
            add(name, coded, member.code)
    return rows


def parse_sheet_file(path: Path, known_codes: set[int] | None = None, data: bytes | None = None) -> CodedSheet:
    text = read_sheet_text(path, data)
    return code_sheet(split_sheet(text, path.name), known_codes)


@dataclass
class SheetBatch:
    sheets: list[CodedSheet]
    quarantine: list[dict]
    input_sha256: dict[str, str] = field(default_factory=dict)  # "sheets/<file>" → SHA-256 of its bytes


def load_sheets(directory: Path, known_codes: set[int] | None = None) -> SheetBatch:
    """Parse every sheet in a folder; bad sheets are quarantined with their reason."""
    # The batch keeps every coded sheet alive; the cyclic garbage collector would rescan all of them
    # again and again as the batch grows (cost rising with N). Parsing makes no reference cycles
    # worth collecting, so it is paused for the batch.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load_sheets(directory, known_codes)
    finally:
        if collecting:
            gc.enable()


def _load_sheets(directory: Path, known_codes: set[int] | None) -> SheetBatch:
    sheets: list[CodedSheet] = []
    quarantine: list[dict] = []
    hashes: dict[str, str] = {}
    paths = sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith(".")) \
        if directory.is_dir() else []
    for path in paths:
        if path.suffix.lower() not in SHEET_SUFFIXES:
            continue
        try:
            data = read_bytes(path)
            hashes[f"sheets/{path.name}"] = hashlib.sha256(data).hexdigest()
            sheets.append(parse_sheet_file(path, known_codes, data))
        except SheetError as err:
            quarantine.append(err.as_record())
        except Exception as err:  # a parser bug must not take the batch down; it is reported instead
            quarantine.append({"file": path.name, "question": None, "line": None,
                               "reason": f"internal error while parsing: {type(err).__name__}: {err}"})
    by_key: dict[tuple[int, int], list[CodedSheet]] = {}
    for sheet in sheets:
        by_key.setdefault((sheet.atopid, sheet.phase), []).append(sheet)
    kept = []
    for (atopid, phase), group in sorted(by_key.items()):
        if len(group) == 1:
            kept.append(group[0])
            continue
        files = ", ".join(s.file for s in group)
        for sheet in group:
            line = sheet.atopid_evidence.first_line
            quarantine.append({"file": sheet.file, "question": 1, "line": line,
                               "reason": f"ATOP id {atopid} phase {phase} is claimed by several sheets: {files}"})
    quarantine.sort(key=lambda q: (q["file"], q["reason"]))
    return SheetBatch(kept, quarantine, hashes)
