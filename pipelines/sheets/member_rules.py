"""Member-level rules whose value can differ between members of one alliance: the contingency
dummies (Q19, Q20, Q22), COWWAR (Q5) and the termination mode and cause (Q15).

A sentence that names members applies to them; a sentence that names none applies to every
member without a sentence of its own. Each value is a `Coded` with the sentence that decided it.
"""
from __future__ import annotations

import re
from typing import Final

from .evidence import Coded, coded, flatten, yes_no
from .members import SheetMember, refs_in
from .split import Answer, SplitSheet

_SENTENCES: Final = re.compile(r"(?<=[.;])\s+(?=[A-Z(])")

# Codebook 2.33: which circumstances each obligation's contingency dummies record
CONTINGENCY_FIELDS: Final = {
    "defense": ("def", ("adv", "loc", "con", "num", "dem", "npr")),
    "offense": ("off", ("adv", "loc", "con", "num", "dem")),
    "neutral": ("neu", ("adv", "loc", "con", "num", "dem", "npr", "att")),
    "consul": ("con", ("adv", "loc", "con", "req")),
}
_SUFFIX: Final = {"adv": "coadv", "loc": "coloc", "con": "cocon", "num": "conum", "dem": "codem", "npr": "conpr",
                  "att": "coatt", "req": "coreq"}
CIRCUMSTANCES: Final = {
    "adv": re.compile(r"adversar|particular (state|power|enemy|country)|specific (state|power|enemy|country)", re.I),
    "loc": re.compile(r"location|region|\barea\b|territor|\bzone\b|\bfront\b|hemisphere|\bin (europe|asia|africa)"
                      r"|northern africa|the balkans", re.I),
    "con": re.compile(r"ongoing|present war|current war|the war against|existing (war|conflict)", re.I),
    "num": re.compile(r"number of adversaries|two or more|more than one|several (great )?powers|bilateral war", re.I),
    "dem": re.compile(r"demand|noncompliance|non-compliance|ultimatum|proposals? .{0,40}fail", re.I),
    "npr": re.compile(r"provok|provocation", re.I),
    "att": re.compile(r"\battack|belligerent action|object of (an )?(aggression|hostilities)", re.I),
    "req": re.compile(r"request", re.I),
}
_WHOSE: Final = re.compile(r"obligation of|['’]s (defen[cs]e |neutrality |consultation |offensive )?obligation|only\)", re.I)
_TYPE_WORDS: Final = {
    "defense": re.compile(r"defen[cs]", re.I), "offense": re.compile(r"offen[cs]", re.I),
    "neutral": re.compile(r"neutral", re.I), "consul": re.compile(r"consult", re.I),
}


def contingency_variables() -> list[str]:
    names = []
    for _, (prefix, circumstances) in CONTINGENCY_FIELDS.items():
        names.append(f"{prefix}con")
        names += [f"{prefix}{_SUFFIX[c]}" for c in circumstances]
    return names + ["olimob", "conditio"]


_COMPONENTS: Final = tuple(contingency_variables()[:-2])


def _sentences(*answers: Answer) -> list[tuple[Answer, str]]:
    out = []
    for answer in answers:
        for sentence in _SENTENCES.split(flatten(answer.text)):
            if sentence.strip():
                out.append((answer, sentence.strip()))
    return out


def code_contingencies(sheet: SplitSheet, members: list[SheetMember]) -> None:
    """CONDITIO and its 27 component dummies per member (codebook 2.33; Q19, Q20, Q22).

    A circumstance binds the obligation types its sentence names ("the defense obligation applies
    only to an armed attack in Europe"), or every type the member has when it names none. An
    obligation a member does not have cannot be conditional: 0.
    """
    q19, q20, q22 = sheet[19], sheet[20], sheet[22]
    contingent, other_limits = yes_no(q19.text), yes_no(q22.text)
    olimob_value = other_limits
    if contingent != 1:
        # Q19 "No" (or unknown) decides every component at once, the same for every member
        shared = dict.fromkeys(_COMPONENTS, coded(contingent, q19))  # a Coded is immutable: one serves all
        shared["olimob"] = coded(olimob_value, q22)
        shared["conditio"] = (coded(1, q22) if olimob_value == 1 else
                              coded(None if contingent is None or olimob_value is None else 0, q19))
        for member in members:
            member.member_values.update(shared)
        return
    sentences = _sentences(q19, q20) if contingent == 1 else []
    for member in members:
        values: dict[str, Coded] = {}
        held = [t for t in CONTINGENCY_FIELDS if member.obligations[t].value == 1]
        # a sentence is one member's only when it says whose obligation it is ("Italy's obligation…");
        # a member named as a place ("the Japan area") does not make it that member's
        named = [(answer, s, refs_in(s, members) if _WHOSE.search(s) else []) for answer, s in sentences]
        own = [(a, s) for a, s, refs in named if member.code in refs]
        general = [(a, s) for a, s, refs in named if not refs]
        relevant = own + general
        for obligation, (prefix, circumstances) in CONTINGENCY_FIELDS.items():
            for circumstance in circumstances:
                variable = f"{prefix}{_SUFFIX[circumstance]}"
                if contingent is None:
                    values[variable] = coded(None, q19)
                    continue
                value, phrase, source = 0, "no such condition on this member's obligation", q19
                if obligation in held:
                    for answer, sentence in relevant:
                        types = [t for t, p in _TYPE_WORDS.items() if p.search(sentence)]
                        if types and obligation not in types:
                            continue
                        # a condition stated without naming an obligation limits the military
                        # promises; consultation conditions are spelled out when they exist
                        if not types and obligation == "consul" and held != ["consul"]:
                            continue
                        if CIRCUMSTANCES[circumstance].search(sentence):
                            value, phrase, source = 1, sentence, answer
                            break
                values[variable] = coded(value, source, phrase)
            components = [values[f"{prefix}{_SUFFIX[c]}"].value for c in circumstances]
            values[f"{prefix}con"] = coded(None if None in components else int(any(components)), q19,
                                              f"summary of {prefix}co* dummies")
        values["olimob"] = coded(olimob_value, q22)
        summaries = [values[f"{p}con"].value for p, _ in CONTINGENCY_FIELDS.values()] + [olimob_value]
        if contingent == 1 and not any(summaries):
            # Q19 says Yes but names no circumstance the rules recognise: conditional, details unknown
            values["conditio"] = coded(1 if held else 0, q19)
        elif None in summaries:
            values["conditio"] = coded(1 if any(v == 1 for v in summaries) else None, q19)
        else:
            values["conditio"] = coded(int(any(summaries)), q19, "summary of the contingency dummies")
        member.member_values.update(values)


_WAR_NUMBER: Final = re.compile(r"(?:COW\s+)?war\s*(?:#|no\.?|number)\s*(\d{1,4})", re.I)


def code_cowwar(sheet: SplitSheet, members: list[SheetMember]) -> None:
    """COWWAR: the COW war number of each member at war when it joined, else 0 (Q5)."""
    answer = sheet[5]
    said = yes_no(answer.text)
    for member in members:
        if said == 0:
            member.member_values["cowwar"] = coded(0, answer)
            continue
        if said is None:
            member.member_values["cowwar"] = coded(None, answer)
            continue
        value: int | None = 0
        phrase = "not named as at war in Q5"
        for _, sentence in _sentences(answer):
            war = _WAR_NUMBER.search(sentence)
            if member.code in refs_in(sentence, members):
                value, phrase = (int(war.group(1)) if war else None), sentence
                break
        member.member_values["cowwar"] = coded(value, answer, phrase)


_GONE: Final = r"ceased to exist|lost (its |their )?independence|annex|absorb|unification|incorporat|occupied|succeeded by"
_REPLACED: Final = r"replac|supersed|renegotiat|new (treaty|agreement|phase)|see phase|revised"
_PURPOSE_MET: Final = r"end of the war|war ended|purpose fulfilled|casus foederis|moot|no longer (relevant|necessary)"
_WAR_LOST: Final = r"defeat|lost the war|armistice|capitulat|surrender"
TERMMODE_RULES: Final = [(re.compile(p, re.I), v) for p, v in [
    (_GONE, 4), (_PURPOSE_MET, 5), (_WAR_LOST, 6), (_REPLACED, 2),
    (r"broke|before (its|the pact's|the) (scheduled|term)|in violation|attacked|denounc|withdr|dissolv|abrogat", 3),
    (r"not renew|not prolong|\bexpired\b|lapsed", 1),
    (r"terminat|\bleft\b|excluded|invad|invasion", 3),
]]
TERMCAUS_RULES: Final = [(re.compile(p, re.I), v) for p, v in [
    (_GONE, 2), (_REPLACED, 1), (r"end of the war|war ended|purpose fulfilled|resolved|accomplish|victory", 3),
    (_WAR_LOST, 7),
    (r"revolution|regime|policy|disagree|dispute|withdr|denounc|not renew|excluded", 4),
    (r"attacked|invaded|invasion|declared war|war between (the )?(members|parties|allies)", 6),
    (r"violat|breach|separate peace", 8),
    (r"burden|cost|doctrine|alliance management|command structure", 5),
]]


def _first_rule(rules, sentences: list[str]) -> tuple[int | None, str]:
    for pattern, value in rules:
        for sentence in sentences:
            if pattern.search(sentence):
                return value, sentence
    return None, ""


def code_termination_reasons(sheet: SplitSheet, members: list[SheetMember]) -> None:
    """TERMMODE and TERMCAUS for members that left (Q15); members still in effect get 0."""
    answer = sheet[15]
    in_effect = coded(0, answer, "in effect")
    for member in members:
        if member.exit is None:
            member.member_values["termmode"] = member.member_values["termcaus"] = in_effect
    if all(member.exit is None for member in members):
        return
    sentences = [s for _, s in _sentences(answer)]
    named = [(s, refs_in(s, members)) for s in sentences]
    for member in members:
        if member.exit is None:
            continue
        own = [s for s, refs in named if member.code in refs]
        general = [s for s, refs in named if not refs] or ([] if own else sentences)
        for variable, rules in (("termmode", TERMMODE_RULES), ("termcaus", TERMCAUS_RULES)):
            value, phrase = _first_rule(rules, own)
            if value is None:
                value, phrase = _first_rule(rules, general)
            member.member_values[variable] = coded(value, answer, phrase or None)
