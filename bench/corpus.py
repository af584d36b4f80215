"""Synthetic ATOP coding sheets for benchmarks, built on the real sheet raw/sheets/5030.txt.

    .venv/bin/python -m bench.corpus N OUT_DIR [--seed S]     # writes and checks N sheets

Only the answers that decide who, when and for how long are rewritten (Q1, Q3, Q4, Q6, Q7,
Q10–Q16); every other line is the seed's own text, so a synthetic sheet costs the parser what a
real one does. Sheet i depends only on (seed, i): `generate(1000)` is a prefix of
`generate(10000)`, which keeps the N-scaling comparison about N and not about different sheets.

The ATOP id on a sheet has four digits (1000–7999, as the parser reads it), so past 7,000 sheets
ids repeat with a phase ("ATOP ID: 4711.1"); (atopid, phase) stays unique.
"""
from __future__ import annotations

import argparse
import random
import re
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "raw" / "sheets" / "5030.txt"
MARKER = ".bench-corpus"
ID_RANGE = range(1000, 8000)

# Real COW codes. None of the names contains another (the parser finds members by name in Q3/Q14),
# and dates are always written "Month D, YYYY": in "2 May 1950" the parser would read "2 May" as
# COW code 2 (United States) followed by a name.
COUNTRIES: tuple[tuple[int, str], ...] = (
    (2, "United States of America"), (20, "Canada"), (40, "Cuba"), (70, "Mexico"), (100, "Colombia"),
    (130, "Ecuador"), (135, "Peru"), (140, "Brazil"), (145, "Bolivia"), (155, "Chile"), (160, "Argentina"),
    (200, "United Kingdom"), (205, "Ireland"), (210, "Netherlands"), (211, "Belgium"), (220, "France"),
    (225, "Switzerland"), (230, "Spain"), (235, "Portugal"), (255, "Germany"), (290, "Poland"),
    (305, "Austria"), (310, "Hungary"), (316, "Czech Republic"), (325, "Italy"), (339, "Albania"),
    (345, "Yugoslavia"), (350, "Greece"), (355, "Bulgaria"), (360, "Romania"), (365, "Russia"),
    (375, "Finland"), (380, "Sweden"), (385, "Norway"), (390, "Denmark"), (395, "Iceland"), (432, "Mali"),
    (433, "Senegal"), (475, "Nigeria"), (501, "Kenya"), (530, "Ethiopia"), (560, "South Africa"),
    (600, "Morocco"), (615, "Algeria"), (616, "Tunisia"), (620, "Libya"), (625, "Sudan"), (630, "Iran"),
    (640, "Turkey"), (645, "Iraq"), (651, "Egypt"), (652, "Syria"), (660, "Lebanon"), (663, "Jordan"),
    (666, "Israel"), (670, "Saudi Arabia"), (700, "Afghanistan"), (705, "Kazakhstan"), (710, "China"),
    (712, "Mongolia"), (731, "North Korea"), (732, "South Korea"), (740, "Japan"), (750, "India"),
    (770, "Pakistan"), (775, "Myanmar"), (800, "Thailand"), (816, "Vietnam"), (820, "Malaysia"),
    (840, "Philippines"), (850, "Indonesia"), (900, "Australia"), (920, "New Zealand"),
)
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")
NUMBER_WORDS = {5: "five", 10: "ten", 15: "fifteen", 20: "twenty", 25: "twenty-five", 30: "thirty", 50: "fifty"}
OBLIGATION_LINES = {"defense": "Defense pact", "offense": "Offense pact", "neutral": "Neutrality pact",
                    "nonagg": "Nonaggression pact", "consul": "Consultation pact"}


@dataclass(frozen=True)
class Day:
    year: int
    month: int | None = None
    day: int | None = None

    def text(self) -> str:
        if self.month is None:
            return str(self.year)
        if self.day is None:
            return f"{MONTH_NAMES[self.month - 1]} {self.year}"
        return f"{MONTH_NAMES[self.month - 1]} {self.day}, {self.year}"


@dataclass
class SheetSpec:
    """What a generated sheet says, so a parse can be checked against it."""
    file: str
    atopid: int
    phase: int
    members: list[int]
    entry: dict[int, Day]
    exit: dict[int, Day | None]
    obligations: dict[int, set[str]] = field(default_factory=dict)
    text: str = ""


# ---- the template ------------------------------------------------------------------------------

def _template_blocks() -> tuple[list[str], dict[int, list[str]]]:
    """Lines before Q1, and each question's lines (prompt, answer, trailing headers) by number."""
    lines = TEMPLATE.read_text(encoding="utf-8").split("\n")
    starts, expected = [], 1
    for index, line in enumerate(lines):
        if re.match(rf"^\s*{expected}\s*[.,]\s", line):
            starts.append((expected, index))
            expected += 1
    bounds = [i for _, i in starts] + [len(lines)]
    blocks = {number: lines[start:stop] for (number, start), stop in zip(starts, bounds[1:])}
    return lines[:starts[0][1]], blocks


_HEAD, _BLOCKS = _template_blocks()
# how many lines the printed prompt takes in the template, for the answers that are rewritten
_PROMPT_LINES = {4: 1, 6: 2, 7: 1, 10: 1, 11: 1, 12: 1, 13: 2, 14: 1, 15: 1, 16: 2}
_INLINE_PROMPTS = {1: "1. ATOP ID:", 3: _BLOCKS[3][0][: _BLOCKS[3][0].index("):") + 2]}


def _tail(block: list[str]) -> list[str]:
    """Blank lines and section headers after an answer, which belong to the page, not the answer."""
    tail: list[str] = []
    for line in reversed(block):
        if line.strip() and not re.match(r"^\s*SECTION\b", line):
            break
        tail.insert(0, line)
    return tail


def _wrap(text: str) -> list[str]:
    # the template's lines run to ~130 characters, as pasted from the coders' word processor
    return textwrap.wrap(text, width=130, break_on_hyphens=False) or [""]


def _render(answers: dict[int, list[str]], inline: dict[int, str]) -> str:
    out = list(_HEAD)
    for number, block in _BLOCKS.items():
        if number in inline:
            out.append(f"{_INLINE_PROMPTS[number]} {inline[number]}")
            out += answers.get(number, [])
            out += _tail(block)
        elif number in answers:
            out += block[: _PROMPT_LINES[number]] + answers[number] + _tail(block)
        else:
            out += block
    return "\n".join(out)


# ---- random content ----------------------------------------------------------------------------

def _day(rng: random.Random, first_year: int, last_year: int, partial: float = 0.0) -> Day:
    year = rng.randint(first_year, last_year)
    if rng.random() < partial:
        return Day(year, rng.randint(1, 12))
    return Day(year, rng.randint(1, 12), rng.randint(1, 28))


def _after(rng: random.Random, start: Day, last_year: int) -> Day:
    """A full date strictly after `start` (whose day or month may be unknown)."""
    year = rng.randint(start.year + 1, max(start.year + 1, last_year))
    return Day(year, rng.randint(1, 12), rng.randint(1, 28))


def _member_line(rng: random.Random, code: int, name: str) -> str:
    return f"{name} ({code})" if rng.random() < 0.2 else f"{code} {name}"


def _term_answers(rng: random.Random) -> tuple[list[str], list[str], list[str], list[str]]:
    """Q10 (duration), Q11 (renunciation), Q12 (renewal) and Q13 (renewals) as a coder writes them."""
    kind = rng.choices(["fixed", "none", "indefinite", "condition"], weights=[60, 15, 15, 10])[0]
    years = rng.choice(list(NUMBER_WORDS))
    if kind == "fixed":
        q10 = rng.choice([
            f"Yes. The treaty is concluded for a term of {years} years.",
            f"Yes. The treaty shall remain in force for {NUMBER_WORDS[years]} ({years}) years from the date of "
            f"the exchange of ratifications.",
            f"Yes. The agreement is valid for a period of {years} years.",
        ])
    elif kind == "none":
        q10 = "No."
    elif kind == "indefinite":
        q10 = "Yes. The treaty is of indefinite duration."
    else:
        q10 = "Yes. The obligations last until the end of the present war."
    q11 = rng.choice(["No.", "No.", "Yes. Either party may withdraw at any time after giving written notice to "
                                   "the other party."])
    renewal = rng.choices(["automatic", "active", "none"], weights=[55, 15, 30])[0] if kind == "fixed" else "none"
    again = rng.choice([1, 2, 3, 5, 10])
    notice = rng.choice(["1 year", "one year", "six months", "twelve months", "3 months"])
    article = rng.randint(5, 25)
    if renewal == "automatic":
        q12 = rng.choice([
            f"Yes. The treaty will be automatically extended for another {again} years unless one of the parties "
            f"notifies its intention to terminate the treaty in writing no later than {notice} before the term of "
            f"the treaty (Art. {article})",
            f"Yes. Unless denounced by either party {notice} before its expiry, the treaty shall remain in force "
            f"for successive periods of {again} years (Art. {article}).",
        ])
    elif renewal == "active":
        q12 = "Yes. The treaty may be renewed by agreement of the parties."
    else:
        q12 = "No."
    q13 = "Zero." if renewal != "active" or rng.random() < 0.5 else "None recorded."
    return _wrap(q10), _wrap(q11), _wrap(q12), [q13]


def _spec(seed: int, index: int, atopid: int, phase: int) -> SheetSpec:
    rng = random.Random(seed * 1_000_003 + index)
    size = 2 if rng.random() < 0.5 else rng.randint(3, 8)
    chosen = rng.sample(COUNTRIES, size)
    names = dict(chosen)
    codes = [code for code, _ in chosen]
    ended = rng.random() < 0.45
    signed = _day(rng, 1816, 2012 if ended else 2020, partial=0.1)

    # Q3: one date for the founders; a multilateral alliance may list later accessions by member
    entry = {code: signed for code in codes}
    q3_lines: list[str] = []
    if size > 2 and rng.random() < 0.3:
        for code in rng.sample(codes[1:], rng.randint(1, size - 2)):
            joined = _after(rng, signed, min(signed.year + 15, 2016 if ended else 2020))
            entry[code] = joined
            q3_lines.append(f"{names[code]} ({code}): {joined.text()}")
    latest_entry = max(entry.values(), key=lambda d: (d.year, d.month or 0, d.day or 0))

    # Q14: ended on one date, member by member, or still in effect (perhaps after a withdrawal)
    exits: dict[int, Day | None] = {code: None for code in codes}
    # no member is named in the source: the parser reads a named member as the subject of a date
    source = rng.choice(["Keesing's Record of World Events", "the treaty series of the depositary",
                         "the depositary's Ministry of Foreign Affairs"])
    if ended:
        end = _after(rng, latest_entry, min(latest_entry.year + 40, 2018))
        exits = {code: end for code in codes}
        q14 = [f"{end.text()} (expiry of the treaty).", f"Source: {source}."]
        if size > 2 and rng.random() < 0.4:
            leaver = rng.choice(codes)
            left = _after(rng, entry[leaver], end.year - 1) if end.year - 1 > entry[leaver].year else end
            exits[leaver] = left
            q14.insert(0, f"{names[leaver]} ({leaver}): {left.text()}")
        q15 = rng.choice(["The alliance expired at the end of its term and was not renewed.",
                          f"The treaty was denounced by {names[codes[-1]]}.",
                          "Replaced by a new treaty between the parties."])
    else:
        observed = Day(rng.randint(max(2018, latest_entry.year + 1), 2024), rng.randint(1, 12), rng.randint(1, 28))
        q14 = ["Still in effect.", f"Version 4.0: In effect as of {observed.text()} according to {source}."]
        if size > 2 and rng.random() < 0.25:
            leaver = rng.choice(codes)
            left = _after(rng, entry[leaver], observed.year - 1) if observed.year - 1 > entry[leaver].year \
                else observed
            exits[leaver] = left
            q14 = [f"{names[leaver]} ({leaver}) withdrew on {left.text()}.", "Still in effect for the other members.",
                   q14[1]]
        q15 = "N/A"

    # Q16: the five types, in any combination; some multilateral duties bind one member only
    types = rng.sample(list(OBLIGATION_LINES), rng.choice([1, 1, 2, 2, 3]))
    obligations = {code: set(types) for code in codes}
    q16 = [OBLIGATION_LINES[t] for t in types]
    if size > 2 and rng.random() < 0.15:
        extra = rng.choice([t for t in OBLIGATION_LINES if t not in types])
        bound = rng.choice(codes)
        obligations[bound].add(extra)
        q16.append(f"{OBLIGATION_LINES[extra]} (obligation of {names[bound]} only)")

    q10, q11, q12, q13 = _term_answers(rng)
    members = [_member_line(rng, code, names[code]) for code in codes]
    if rng.random() < 0.3:
        members[-1] += "."
    first = f"{atopid}" if phase == 0 else rng.choice([f"{atopid}.{phase}", f"{atopid} (Phase {phase})"])
    text = _render(
        answers={
            3: q3_lines, 4: members,
            6: [rng.choice(["Treaty.", "Treaty.", "Executive agreement.", "Exchange of notes."])],
            7: [rng.choice(["Public.", "Public.", "Public.", "Secret."])],
            10: q10, 11: q11, 12: q12, 13: q13, 14: q14, 15: [q15], 16: q16,
        },
        inline={1: first, 3: signed.text()},
    )
    file = f"{atopid}.txt" if phase == 0 else f"{atopid}_p{phase}.txt"
    return SheetSpec(file, atopid, phase, codes, entry, exits, obligations, text + "\n")


def sheet_specs(n: int, seed: int = 0) -> list[SheetSpec]:
    ids = list(ID_RANGE)
    random.Random(seed).shuffle(ids)
    return [_spec(seed, i, ids[i % len(ids)], i // len(ids)) for i in range(n)]


def generate(n: int, out_dir: Path, seed: int = 0) -> list[Path]:
    """Write n synthetic sheets into out_dir (replacing an earlier corpus there); deterministic."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    marker = out_dir / MARKER
    existing = [p for p in out_dir.iterdir() if p.name != MARKER]
    if existing and not marker.exists():
        # never wipe a folder of real sheets by pointing the generator at it
        raise ValueError(f"{out_dir} holds files that are not a generated corpus; use an empty folder")
    for path in existing:
        if path.is_file():
            path.unlink()
    marker.write_text(f"synthetic sheets: n={n} seed={seed}\n", encoding="utf-8")
    paths = []
    for spec in sheet_specs(n, seed):
        path = out_dir / spec.file
        path.write_text(spec.text, encoding="utf-8")
        paths.append(path)
    return paths


def check(out_dir: Path, n: int, seed: int = 0) -> list[str]:
    """Problems found by parsing the corpus with the pipeline's own loader ([] when it is clean)."""
    from pipelines.sheets.dates import PartialDate
    from pipelines.sheets.record import load_sheets

    batch = load_sheets(Path(out_dir))
    problems = [f"quarantined {q['file']}: Q{q['question']} line {q['line']}: {q['reason']}" for q in batch.quarantine]
    parsed = {s.file: s for s in batch.sheets}
    for spec in sheet_specs(n, seed):
        sheet = parsed.get(spec.file)
        if sheet is None:
            continue
        got = {m.code: m for m in sheet.members}
        if (sheet.atopid, sheet.phase) != (spec.atopid, spec.phase):
            problems.append(f"{spec.file}: read as {sheet.atopid}.{sheet.phase}")
        if sorted(got) != sorted(spec.members):
            problems.append(f"{spec.file}: members {sorted(got)} != {sorted(spec.members)}")
            continue
        for code in spec.members:
            want_in = PartialDate(spec.entry[code].year, spec.entry[code].month, spec.entry[code].day)
            want_out = spec.exit[code] and PartialDate(spec.exit[code].year, spec.exit[code].month, spec.exit[code].day)
            if got[code].entry != want_in or got[code].exit != want_out:
                problems.append(f"{spec.file}: member {code} {got[code].entry}–{got[code].exit} != {want_in}–{want_out}")
            bound = {o for o, c in got[code].obligations.items() if c.value == 1}
            if bound != spec.obligations[code]:
                problems.append(f"{spec.file}: member {code} obligations {sorted(bound)} != "
                                f"{sorted(spec.obligations[code])}")
    missing = n - len(batch.sheets) - len(batch.quarantine)
    if missing:
        problems.append(f"{missing} sheets neither parsed nor quarantined")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write N synthetic ATOP coding sheets and check they parse.")
    parser.add_argument("n", type=int)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    generate(args.n, args.out_dir, args.seed)
    problems = check(args.out_dir, args.n, args.seed)
    for problem in problems[:50]:
        print(problem)
    print(f"{args.n} sheets in {args.out_dir}: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
