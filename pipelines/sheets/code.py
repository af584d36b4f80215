"""Coding rules: one function per ATOP variable, each applying the codebook rule it cites.

Every function takes the split sheet and returns a `Coded` value with its evidence. A value the
sheet does not determine (blank answer, "unknown") is None, which the tables write as NA; a 0 is
only ever written when the sheet says No.
"""
from __future__ import annotations

import functools
import re
from typing import Callable, Final

from .dates import NUMBER_WORDS, find_dates, find_durations
from .evidence import Coded, coded, coded_at, flatten, mentions, yes_no
from .split import Answer, SplitSheet

VariableRule = Callable[[SplitSheet], Coded]
ALLIANCE_RULES: Final[dict[str, VariableRule]] = {}
MEMBER_RULES: Final[dict[str, VariableRule]] = {}   # same value for every member unless Q24 says otherwise


def rule(name: str, level: str = "A") -> Callable[[VariableRule], VariableRule]:
    def register(func: VariableRule) -> VariableRule:
        @functools.wraps(func)
        def once_per_sheet(sheet: SplitSheet) -> Coded:
            value = sheet.coded.get(name)  # one look-up: a rule never codes None, only Coded(None, ...)
            if value is None:
                value = sheet.coded[name] = func(sheet)
            return value

        (ALLIANCE_RULES if level == "A" else MEMBER_RULES)[name] = once_per_sheet
        return once_per_sheet
    return register


def _first_match(answer: Answer, table: list[tuple[str, int]], default: int | None) -> Coded:
    for pattern, value in table:
        phrase = mentions(answer.text, pattern)
        if phrase:
            return coded(value, answer, phrase)
    return coded(default, answer)


def _yes_then(answer: Answer, table: list[tuple[str, int]], yes_default: int | None) -> Coded:
    """No → 0; unknown → NA; Yes → the first code whose wording appears, else yes_default."""
    said = yes_no(answer.text)
    if said is None:
        return coded(None, answer)
    if said == 0:
        return coded(0, answer)
    return _first_match(answer, table, yes_default)


def _dummy(answer: Answer) -> Coded:
    return coded(yes_no(answer.text), answer)


# ---- Formation (Q2, Q5–Q13) --------------------------------------------------------------------

_COW_NUMBER: Final = re.compile(r"^\W*(\d{1,4})\b")


@rule("cowid")
def cowid(sheet: SplitSheet) -> Coded:
    """COWID: the alliance's number in the COW alliance data (Q2); missing when COW lacks it."""
    answer = sheet[2]
    m = _COW_NUMBER.match(answer.text)
    return coded(int(m.group(1)) if m else None, answer, m.group() if m else None)


# ---- Formation (Q5–Q13) ----------------------------------------------------------------------

@rule("wartime")
def wartime(sheet: SplitSheet) -> Coded:
    """WARTIME: 1 if any member was at war when the alliance was formed (Q5)."""
    return _dummy(sheet[5])


@rule("estmode")
def estmode(sheet: SplitSheet) -> Coded:
    """ESTMODE: 1 for a formal treaty requiring ratification, 0 otherwise, NA if unknown (Q6)."""
    answer = sheet[6]
    if mentions(answer.text, r"\bunknown\b|not (been )?located"):
        return coded(None, answer)
    return _first_match(answer, [
        (r"executive agreement|diplomatic notes?|exchange of (notes|letters)|declaration|joint statement"
         r"|not (require|requiring|submitted for|subject to) ratification|no ratification|without ratification"
         r"|verbal|oral", 0),
        (r"\btreaty\b|\bratif", 1),
        (r"\bagreement\b|protocol|convention|pact\b", 0),
    ], None)


@rule("pubsecr")
def pubsecr(sheet: SplitSheet) -> Coded:
    """PUBSECR: 0 public, 1 public with secret articles, 2 entirely secret (Q7)."""
    return _first_match(sheet[7], [
        (r"public\s+(but\s+)?with\s+secret|secret\s+(article|protocol|annex|clause|provision)", 1),
        (r"\bsecret\b", 2),
        (r"\bpublic\b", 0),
    ], None)


_TARGETED: Final = re.compile(r"target|against\s+(a\s+)?(specific|third)|adversar", re.I)
_OBLIGATION_WORD: Final = re.compile(r"obligation|condition|casus|assist|neutral", re.I)


@rule("secrart")
def secrart(sheet: SplitSheet) -> Coded:
    """SECRART: content of secret articles; 0 for public, 8 for secret treaties (Q7)."""
    status = pubsecr(sheet)
    answer = sheet[7]
    if status.value in (0, 2):
        return coded({0: 0, 2: 8}[status.value], answer, status.phrase)
    if status.value is None:
        return coded(None, answer)
    text = answer.text
    target = bool(_TARGETED.search(text))
    oblig = bool(_OBLIGATION_WORD.search(text))
    if target and oblig:
        return coded(4, answer, mentions(text, r"target|adversar"))
    return _first_match(answer, [
        (r"spoils|sphere|territor|division|partition", 1),
        (r"target|adversar", 2),
        (r"obligation|condition|casus|assist", 3),
        (r"contribut|troops|funds", 5),
        (r"military operation|guideline|plan", 6),
        (r"accession|new member", 7),
    ], None)


@rule("proadd")
def proadd(sheet: SplitSheet) -> Coded:
    """PROADD: 0 no mention of new members, 1 unspecified means, 2 unanimity, 3 other procedure (Q8)."""
    return _yes_then(sheet[8], [
        (r"no (specific )?procedure|not specified|unspecified", 1),
        (r"unanim|all (the )?(contracting )?parties (must )?(agree|consent)|consent of all", 2),
        (r"invit|procedure|majority|approv|consent", 3),
    ], 1)


@rule("futmem")
def futmem(sheet: SplitSheet) -> Coded:
    """FUTMEM: 0 none, 1 specific states named, 2 states with characteristics, 3 any state (Q9)."""
    return _yes_then(sheet[9], [
        (r"\b(arab|european|american|african|asian|latin|balkan|malagasy|non-communist|communist|socialist|islamic"
         r"|muslim|neighbo\w+)(\s+and\s+\w+)?\s+(states?|countr(y|ies)|nations?)|states? (which|that|sharing)"
         r"|member states of", 2),
        (r"any (other |interested )?(state|country|nation)|all states|open to (all|any|other)|irrespective of", 3),
    ], 1)


_INDEFINITE: Final = (r"indefinite|unlimited|no (fixed|specified|time) (term|limit)|perpetu|until (one of|either|a|any)"
                      r"\s+(of the\s+)?(part\w+|member\w*|signator\w+)\s+(\w+\s+)?(denounc|withdr|notif|give)")
_CONDITION: Final = (r"until\s+(the\s+)?(end|conclusion|termination|re-?establishment|cessation|restoration)"
                     r"|for the duration of"
                     r"|as long as|until (peace|victory)|until in the opinion|expire whenever|until such")


@rule("speclgth")
def speclgth(sheet: SplitSheet) -> Coded:
    """SPECLGTH: 0 no term, 1 fixed period, 2 until a condition, 3 explicitly indefinite (Q10)."""
    answer = sheet[10]
    said = yes_no(answer.text)
    if said is None:
        return coded(None, answer)
    if said == 0:
        return coded(0, answer)
    durations = find_durations(answer.text)
    if durations:
        return coded(1, answer, mentions(answer.text, re.escape(durations[0].phrase)))
    return _first_match(answer, [(_CONDITION, 2), (_INDEFINITE, 3)], None)  # a condition also states no term


@rule("length")
def length(sheet: SplitSheet) -> Coded:
    """LENGTH: months of the initial term when SPECLGTH is 1, else 0 (Q10)."""
    answer = sheet[10]
    kind = speclgth(sheet)
    if kind.value is None:
        return coded(None, answer)
    if kind.value != 1:
        return coded(0, answer, kind.phrase)
    first = find_durations(answer.text)[0]
    return coded(first.months, answer, mentions(answer.text, re.escape(first.phrase)))


@rule("renounce")
def renounce(sheet: SplitSheet) -> Coded:
    """RENOUNCE: 0 none, 1 any time with notice, 2 if another member aggresses, 3 after a set
    period, 4 renunciation prohibited (Q11). Not renewing at term end is not renunciation."""
    return _yes_then(sheet[11], [
        (r"prohibit|may not (be )?renounc|cannot (be )?renounc", 4),
        (r"aggress|attack|violat|breach", 2),
        # after a set time in force, not "after … years from the notice" (that is notice, code 1)
        (r"after (the )?(\w+ )?(has been in force|been in force|first|initial)\b.{0,40}?\b(years?|months?)\b"
         r"|after a period", 3),
        (r"notice|notif|denounc|withdraw|any time", 1),
    ], 1)


_AUTOMATIC: Final = (r"automatic|tacit|(deemed|regarded|considered) (to be |as )?(renewed|extended)|subsequent extension"
                     r"|(unless|not|neither|no)\b.{0,200}?(denounc|denunc|notice|notif|terminat).{0,160}?"
                     r"(remain|continue|extended|prolong|renewed|in force)"
                     r"|(remain|continue)s? in force .{0,80}(not|unless).{0,40}(denounc|notice)")
_ACTIVE: Final = r"by (mutual )?(agreement|consent)|renewed by (a )?(new|protocol)|negotiat|may be (renewed|extended)"


@rule("proren")
def proren(sheet: SplitSheet) -> Coded:
    """PROREN: 0 renewal not mentioned, 1 must be actively renewed, 2 renewed automatically
    unless notice of non-renewal is given (Q12)."""
    return _yes_then(sheet[12], [(_AUTOMATIC, 2), (_ACTIVE, 1)], 1)


# a duration is a renewal term when a renewal word leads into it ("for another 5 years",
# "successive periods of five years", "six more years"); the notice period ("one year before")
# and the initial term ("the twenty-year period") are not
_RENEWAL_CUE: Final = re.compile(r"(another|further|next|successive|additional|subsequent|each|periods? of|same duration of"
                                 r"|renewed for|extended for|prolonged for|in force for)\W+(\w+\W+){0,3}$", re.I)
_NOTICE_AFTER: Final = re.compile(r"^\W*(before|prior|in advance|notice|ahead)", re.I)
# the cue for lower-case ASCII text, without re.I: case-insensitive matching is several times slower
# (ASCII only, where lower-casing and re.I agree; "ſ" and the Kelvin sign match "s" and "k" under re.I)
_RENEWAL_CUE_LOWER: Final = re.compile(_RENEWAL_CUE.pattern)


_MORE_AFTER: Final = re.compile(r"^\W*more\b")           # "six more years"
_NOTICE_BEFORE: Final = re.compile(r"notice of\W*$|notice\W*$", re.I)


def _renewal_cue(window: str) -> bool:
    if window.isascii():
        return _RENEWAL_CUE_LOWER.search(window.lower()) is not None
    return _RENEWAL_CUE.search(window) is not None


def renewal_durations(text: str) -> list:
    flat = flatten(text)
    out = []
    for found in find_durations(flat):
        if _NOTICE_AFTER.match(flat[found.end:found.end + 20]):
            continue
        if _renewal_cue(flat[max(0, found.start - 40):found.start]) or _MORE_AFTER.match(
                flat[found.end:found.end + 8]):
            out.append(found)
    return out


@rule("renewlgt")
def renewlgt(sheet: SplitSheet) -> Coded:
    """RENEWLGT: months of each renewal term if specified, else 0 (codebook cites Q13; the
    term itself is written in the renewal provision, Q12)."""
    answer = sheet[12]
    kind = proren(sheet)
    if kind.value is None:
        return coded(None, answer)
    if kind.value == 0:
        return coded(0, answer)
    durations = renewal_durations(answer.text)
    if not durations:
        return coded(0, answer, "renewal term not specified")
    return coded(durations[0].months, answer, durations[0].phrase)


def notice_months(sheet: SplitSheet) -> Coded:
    """The notice period before a term's end (Q12, else Q10/Q11); None when the sheet names none."""
    for question in (12, 10, 11):
        answer = sheet[question]
        flat = flatten(answer.text)
        for found in find_durations(flat):
            after = flat[found.end:found.end + 20]
            before = flat[max(0, found.start - 25):found.start]
            if _NOTICE_AFTER.match(after) or _NOTICE_BEFORE.search(before):
                return coded(found.months, answer, found.phrase)
    return coded_at(None, 12, sheet[12].first_line, sheet[12].last_line, "no notice period stated")


_RENEWAL_COUNT: Final = re.compile(r"^\W*(\d+|" + "|".join(NUMBER_WORDS) + r")\b", re.I)


def renewals(sheet: SplitSheet) -> Coded:
    """Q13: number of (non-automatic) renewals."""
    answer = sheet[13]
    text = answer.text.strip()
    if not text or yes_no(text) is None:
        return coded(None, answer)
    m = _RENEWAL_COUNT.match(text)
    if m:
        token = m.group(1).lower()
        return coded(int(token) if token.isdigit() else NUMBER_WORDS[token], answer, m.group())
    if yes_no(text) == 0:
        return coded(0, answer)
    return coded(len(find_dates(text)), answer)


_STILL_IN_EFFECT: Final = re.compile(r"^\W*(still\s+)?in\s+effect", re.I)
_STILL_IN_FORCE: Final = re.compile(r"^\W*(still\s+)?in\s+(effect|force)", re.I)


@rule("term")
def term(sheet: SplitSheet) -> Coded:
    """TERM: 0 in effect (or censored), 1 provisions fulfilled / term completed, 2 violation or
    abrogation, 3 renegotiated into a new relationship (Q15)."""
    answer = sheet[15]
    text = answer.text
    if yes_no(text) == 0 or not text.strip() or _STILL_IN_EFFECT.match(text):
        q14 = sheet[14]
        if _STILL_IN_FORCE.match(q14.text) or not text.strip():
            return coded(0, answer if text.strip() else q14)
    # TERM is the final reason the alliance ended: a member's loss of independence only censors it
    # when nothing else (violation, renegotiation, fulfilment) ended it
    return _first_match(answer, [
        (r"violat|abrogat|invad|invasion|attack|broke|denounc|repudiat|breach|war between", 2),
        (r"replac|supersed|renegotiat|negotiat\w* (a |the )?(new|charter)|new (treaty|agreement|alliance|phase)"
         r"|succeeded by", 3),
        (r"expir|not renew|did not renew|term (ended|completed)|fulfil|accomplish|end of the war|dissolv|lapsed"
         r"|defeat|armistice", 1),
        (r"lost (its |their )?independence|annex|occupied|absorbed|ceased to exist as", 0),
    ], None)


# ---- Obligations that are not the five alliance types (Q19–Q27) --------------------------------

@rule("specthrt")
def specthrt(sheet: SplitSheet) -> Coded:
    """SPECTHRT: 0 none; 1 state(s), 2 region, 3 state(s) in a region, 4 ongoing conflict,
    5 domestic/non-state actors, 6 other alliance (Q23)."""
    return _yes_then(sheet[23], [
        (r"alliance|pact\b|bloc", 6),
        (r"terror|rebel|insurg|domestic|non-?state|subversi", 5),
        (r"ongoing|current (war|conflict)|present war", 4),
        (r"region|area|continent|hemisphere", 2),
    ], 1)


@rule("seppeace", "M")
def seppeace(sheet: SplitSheet) -> Coded:
    """SEPPEACE: 0 not mentioned, 1 separate peace prohibited, 2 needs allies' approval,
    3 consult allies on peace terms (Q25)."""
    return _yes_then(sheet[25], [(r"approv|consent", 2), (r"consult", 3)], 1)


@rule("thirdcom", "M")
def thirdcom(sheet: SplitSheet) -> Coded:
    """THIRDCOM: promise not to commit to third parties, or not without consulting (Q26)."""
    return _dummy(sheet[26])


@rule("noothall", "M")
def noothall(sheet: SplitSheet) -> Coded:
    """NOOTHALL: promise not to join alliances contrary to this one (Q27)."""
    return _dummy(sheet[27])


_DENY: Final = (r"not (to )?(aid|assist|help|support|allow|permit)|neither \w+ (\w+ )?(will|shall) (allow|permit|aid|assist)"
                r"|den(y|ial)|territory .{0,40}(used|use)|use (of )?its territory|prosecut|sanction")


@rule("notaiden", "M")
def notaiden(sheet: SplitSheet) -> Coded:
    """NOTAIDEN: promise to deny support to a partner's enemies (Q21). Codes 2–4 (outside states,
    non-state actors, both) are taken only when the coder names that scope; a general promise is 1."""
    answer = sheet[21]
    said = yes_no(answer.text)
    if said in (None, 0):
        return coded(said, answer)
    phrase = mentions(answer.text, _DENY)
    if not phrase:
        return coded(0, answer, "no promise to deny support to enemies")
    return _first_match(answer, [
        (r"both (outside )?states and non-?state", 4),
        (r"non-?state actors? only|only non-?state", 3),
        (r"outside states only|only (to )?outside states", 2),
    ], 1)


@rule("dipaid", "M")
def dipaid(sheet: SplitSheet) -> Coded:
    """DIPAID: promise of diplomatic action against an ally's threat (Q21)."""
    answer = sheet[21]
    said = yes_no(answer.text)
    if said in (None, 0):
        return coded(said, answer)
    return _first_match(answer, [(r"diplomatic (action|support|relations|missions)|break(ing)? (off |of )?diplomatic"
                                  r"|sever\w* diplomatic|interruption of economic"
                                  r"|impos\w+ (economic )?sanctions (on|against)", 1)], 0)


@rule("terrres", "M")
def terrres(sheet: SplitSheet) -> Coded:
    """TERRRES: promise to make territory or resources available to a partner (Q21)."""
    answer = sheet[21]
    said = yes_no(answer.text)
    if said in (None, 0):
        return coded(said, answer)
    return _first_match(answer, [(r"(make|place|put)\s+\w*\s*(territory|ports?|facilities|airfields|bases|resources)"
                                  r"\s+(at the disposal|available)|right of passage|transit of (troops|forces)", 1)], 0)


def _threat_states(sheet: SplitSheet) -> list[int]:
    from .members import parse_member_refs

    return [code for code, _, _ in parse_member_refs(sheet[23].text) if 2 <= code <= 999]


def _statthr(sheet: SplitSheet, position: int) -> Coded:
    answer = sheet[23]
    kind = specthrt(sheet)
    if kind.value in (None, 0):
        return coded(kind.value, answer, kind.phrase)
    states = _threat_states(sheet)
    if not states:
        # a threat that is not a state has no code; a state named without its code is unknown
        return coded(0 if kind.value in (2, 4, 5, 6) and position == 0 else None, answer)
    return coded(states[position] if len(states) > position else 0, answer)


@rule("statthr1")
def statthr1(sheet: SplitSheet) -> Coded:
    """STATTHR1: COW code of the (first) state named as a threat, 0 if none (Q23)."""
    return _statthr(sheet, 0)


@rule("statthr2")
def statthr2(sheet: SplitSheet) -> Coded:
    """STATTHR2: COW code of a second state named as a threat, 0 if none or one (Q23)."""
    return _statthr(sheet, 1)


# ---- Institutionalization (Q29–Q42) -------------------------------------------------------------

@rule("conwtin")
def conwtin(sheet: SplitSheet) -> Coded:
    """CONWTIN: 0 none, 1 general reference to conflict among members, 2 a specific issue,
    3 disputes over interpreting the agreement (Q29)."""
    return _yes_then(sheet[29], [(r"interpret", 3), (r"border|frontier|territor|boundary|minorit|specific", 2)], 1)


@rule("medarb")
def medarb(sheet: SplitSheet) -> Coded:
    """MEDARB: commitment to mediation, arbitration or another formal settlement means (Q30)."""
    return _dummy(sheet[30])


@rule("milcon")
def milcon(sheet: SplitSheet) -> Coded:
    """MILCON: 0 none, 1 contact only in hostilities, 2 also in peacetime, 3 common defense
    policy (Q31). Confidence-building contact alone does not count."""
    return _yes_then(sheet[31], [
        (r"common defen[cs]e policy|joint (military )?planning|common doctrine|coordinat\w+ (of )?(training|procurement)", 3),
        (r"peace\s*time|regular|permanent|standing", 2),
        (r"\bin (the )?(event|case) of (war|hostilities|attack)|during (war|hostilities)", 1),
    ], 2)


@rule("milaid")
def milaid(sheet: SplitSheet) -> Coded:
    """MILAID: 0 none, 1 general, 2 grants or loans, 3 training or technology, 4 both (Q32)."""
    answer = sheet[32]
    said = yes_no(answer.text)
    if said in (None, 0):
        return coded(said, answer)
    money = mentions(answer.text, r"grant|loan|credit|subsid|financ")
    skills = mentions(answer.text, r"train|technolog|instruct|advis")
    if money and skills:
        return coded(4, answer, money)
    if money:
        return coded(2, answer, money)
    if skills:
        return coded(3, answer, skills)
    return coded(1, answer)


@rule("intcom")
def intcom(sheet: SplitSheet) -> Coded:
    """INTCOM: integrated command in peacetime and wartime (Q33)."""
    return _dummy(sheet[33])


@rule("subord")
def subord(sheet: SplitSheet) -> Coded:
    """SUBORD: 0 none, 1 a named state commands, 2 command depends on conditions (Q34)."""
    return _yes_then(sheet[34], [(r"depend|whichever|territory (being|in which)|larger", 2)], 1)


@rule("organ1")
def organ1(sheet: SplitSheet) -> Coded:
    """ORGAN1: 0 none, 1 regular meetings of officials, 2 named body with scheduled meetings,
    3 organization with a permanent bureaucracy (Q35)."""
    return _yes_then(sheet[35], [
        (r"permanent (international )?(secretariat|bureaucra|staff|headquarters)|secretariat|secretary[- ]general", 3),
        # a named body counts as an organization only with meetings on a schedule
        (r"(establish|set up|creat|constitut)\w*\b.{0,80}?(commission|council|committee|board|organi[sz]ation)"
         r"|(commission|council|committee|board|organi[sz]ation)\b.{0,40}(shall|will) be (set up|established|created)"
         r"|(commission|council|committee|board|organi[sz]ation)\b.{0,120}(regular|annual|every|periodic|twice"
         r"|once a)", 2),
        (r"meet|session|conference|consultations? (held|every|annual)|convoked|council|committee|commission", 1),
    ], 1)


_PURPOSES: Final = [("dispute", r"arbitra|concilia|frontier|demarcation|disput"),
                    ("political", r"political|consultati"),
                    ("economic", r"econom|financ|trade|commerc"),
                    ("military", r"defen[cs]e|military|armed forces|staff|command"
                                 r"|implementation of (this|the) treaty|security")]


@rule("orgpurp1")
def orgpurp1(sheet: SplitSheet) -> Coded:
    """ORGPURP1: 0 none, 1 military, 2 economic, 3 political consultation, 4 military, economic
    and political together, 5 settling disputes among members (Q35)."""
    answer = sheet[35]
    organ = organ1(sheet)
    if organ.value in (None, 0):
        return coded(organ.value, answer, organ.phrase)
    found = {name: mentions(answer.text, pattern) for name, pattern in _PURPOSES}
    if found["military"] and found["economic"] and found["political"]:
        return coded(4, answer, found["economic"])
    for name, value in (("dispute", 5), ("political", 3), ("economic", 2), ("military", 1)):
        if found[name]:
            return coded(value, answer, found[name])
    return coded(None, answer)


@rule("organ2")
def organ2(sheet: SplitSheet) -> Coded:
    """ORGAN2: a second organization, coded as ORGAN1 (Q35). Subsidiary bodies of the first do
    not count; only a second body the coder calls separate does."""
    answer = sheet[35]
    organ = organ1(sheet)
    if organ.value in (None, 0):
        return coded(organ.value, answer, organ.phrase)
    second = mentions(answer.text, r"second organi[sz]ation|two organi[sz]ations|also (establishes|creates) an?")
    return coded(None if second else 0, answer, second)


@rule("orgpurp2")
def orgpurp2(sheet: SplitSheet) -> Coded:
    """ORGPURP2: purpose of the second organization, 0 when there is none (Q35)."""
    second = organ2(sheet)
    return coded(None if second.value is None else 0, sheet[35], second.phrase)


@rule("base")
def base(sheet: SplitSheet) -> Coded:
    """BASE: 0 none, 1 joint placements on neutral territory, 2 reciprocal stationing or use of
    facilities, 3 non-reciprocal stationing (Q36)."""
    return _yes_then(sheet[36], [
        (r"neutral territory|third (state|country)'?s? territory|not a member|non-member", 1),
        (r"not reciproc|non-?reciproc|unilateral|one-sided", 3),
        (r"reciproc|each (party|other)|all members|mutual", 2),
    ], 3)


@rule("contrib")
def contrib(sheet: SplitSheet) -> Coded:
    """CONTRIB: contribution levels or cost-sharing specified (Q37)."""
    return _dummy(sheet[37])


@rule("armred")
def armred(sheet: SplitSheet) -> Coded:
    """ARMRED: 1 limits on arms or rules of warfare, 2 coordinated increase of arms (Q38)."""
    return _yes_then(sheet[38], [(r"increase|build[- ]?up|expan\w+ (of )?(arm|forces)", 2)], 1)


@rule("acqterr")
def acqterr(sheet: SplitSheet) -> Coded:
    """ACQTERR: 0 no reference, 1 acquisition of territory permitted, 2 prohibited (Q39)."""
    return _yes_then(sheet[39], [(r"prohibit|not (to )?(acquire|annex|seek)|renounc|forbid", 2)], 1)


@rule("divgains")
def divgains(sheet: SplitSheet) -> Coded:
    """DIVGAINS: discussion of dividing gains from future conflict (Q40)."""
    return _dummy(sheet[40])


@rule("demwith")
def demwith(sheet: SplitSheet) -> Coded:
    """DEMWITH: discussion of demobilization or withdrawal after conflict (Q41)."""
    return _dummy(sheet[41])


# ---- Context (Q44–Q56) and documentation (Q58) -------------------------------------------------

@rule("reflnun")
def reflnun(sheet: SplitSheet) -> Coded:
    """REFLNUN: 0 none, 1 League of Nations, 2 United Nations (Q47)."""
    answer = sheet[47]
    said = yes_no(answer.text)
    if said is None:
        return coded(None, answer)
    return _first_match(answer, [(r"United Nations|\bU\.?N\.?\b|UN Charter", 2), (r"League of Nations", 1)], 0)


# UN organs; every alternative opens with a capital letter (the boundary before "U.N." is checked
# after it), so the scan skips to the next candidate letter
_UN_NAME: Final = re.compile(r"United Nations|League of Nations|UN Charter|U(?<!\wU)\.?N\.?\b|Security Council"
                             r"|General Assembly|Economic and Social Council|Trusteeship Council")
# the words an organization's name ends in (below); an answer without one names none, and the
# name scan is not run
_ORGANIZATION_WORD: Final = re.compile(r"Organi[sz]ation|Union|Community|Council|Bank|Fund|Court")
# one to five capitalized words before that word; written to open with [A-Z], so the scan skips
# to the next capital letter instead of trying every character
_ORGANIZATION_NAME: Final = re.compile(r"([A-Z][a-z]+\s+(?:[A-Z][a-z]+\s+){0,4}(?:Organi[sz]ation|Union|Community|Council"
                                       r"|Bank|Fund|Court))(?:\s*\((\w+)\))?")


@rule("refothio")
def refothio(sheet: SplitSheet) -> Coded:
    """REFOTHIO: references to international organizations other than the League, the UN or
    alliances (Q47). An organization the coder also reports as an alliance (Q48) is an alliance."""
    answer = sheet[47]
    said = yes_no(answer.text)
    if said in (None, 0):
        return coded(said, answer)
    if not _ORGANIZATION_WORD.search(answer.text):
        return coded(0, answer, "only the UN/League or alliances referenced")
    # UN organs are the UN for this variable
    text = _UN_NAME.sub(" ", flatten(answer.text))
    alliances_named = flatten(sheet[48].text)
    for m in _ORGANIZATION_NAME.finditer(text):
        name, abbreviation = m.group(1).strip(), m.group(2)
        if name in alliances_named or (abbreviation and abbreviation in alliances_named):
            continue
        return coded(1, answer, name)
    return coded(0, answer, "only the UN/League or alliances referenced")


@rule("natrefal")
def natrefal(sheet: SplitSheet) -> Coded:
    """NATREFAL: 0 none, 1 conforms with/supports another alliance, 2 alliance as threat,
    3 notification provision, 9 other reference (Q48)."""
    return _yes_then(sheet[48], [
        (r"threat|directed against|aggress", 2),
        (r"notif|inform", 3),
        (r"conform|consistent|not (affect|contradict|prejudice)|obligations under|support|praise|compatib"
         r"|provisions of|proceed\w* from|based on|in accordance with", 1),
    ], 9)


_SEVERAL: Final = re.compile(r"\b(several|multiple|two|three)\b", re.I)


@rule("compag")
def compag(sheet: SplitSheet) -> Coded:
    """COMPAG: 0 none, 1 military, 2 economic/financial, 3 dispute settlement, 4 peace treaty,
    5 other companion agreement, 6 several (Q49)."""
    answer = sheet[49]
    said = yes_no(answer.text)
    if said in (None, 0):
        return coded(said, answer)
    kinds = [(r"military|convention|basing|arms", 1), (r"econom|financ|trade|commerc", 2),
             (r"arbitrat|concilia|dispute", 3), (r"peace treaty|treaty of peace", 4)]
    found = [value for pattern, value in kinds if mentions(answer.text, pattern)]
    if len(found) > 1 or _SEVERAL.search(answer.text):
        return coded(6, answer)
    return coded(found[0] if found else 5, answer)


@rule("nomicoop")
def nomicoop(sheet: SplitSheet) -> Coded:
    """NOMICOOP: provisions for non-military cooperation (Q50); a listed area of cooperation
    counts even without a leading Yes."""
    return _dummy(sheet[50])


@rule("conres")
def conres(sheet: SplitSheet) -> Coded:
    """CONRES: 0 none, 1 resolves a conflict among the allies (Q51), 2 proposes settling a
    conflict with or among third parties (Q52)."""
    among, others = yes_no(sheet[51].text), yes_no(sheet[52].text)
    if among == 1:
        return coded(1, sheet[51])
    if others == 1:
        return coded(2, sheet[52])
    if among is None or others is None:
        return coded(None, sheet[51] if among is None else sheet[52])
    return coded(0, sheet[51])


@rule("agprois")
def agprois(sheet: SplitSheet) -> Coded:
    """AGPROIS: 0 none, 1 territorial, 2 economic, 3 military, 4 other specific issue,
    5 several issue areas (Q53)."""
    answer = sheet[53]
    said = yes_no(answer.text)
    if said in (None, 0):
        return coded(said, answer)
    kinds = [(r"territorial|border|frontier|boundar", 1), (r"econom|trade|commerc|financ", 2),
             (r"military|defen[cs]e|arms|deploy|forces|troops|security system", 3),
             (r"cultur|scien|educat|legal|consular|transport", 4)]
    found = [value for pattern, value in kinds if mentions(answer.text, pattern)]
    if len(found) > 1:
        return coded(5, answer)
    return coded(found[0] if found else 4, answer)


@rule("conmen")
def conmen(sheet: SplitSheet) -> Coded:
    """CONMEN: unresolved conflicts among members deferred to later resolution (Q54)."""
    return _dummy(sheet[54])


@rule("ecaid")
def ecaid(sheet: SplitSheet) -> Coded:
    """ECAID: 0 none, 1 general economic aid, 2 post-war recovery, 3 trade concessions/MFN (Q55)."""
    return _yes_then(sheet[55], [(r"post-?\s?war|recovery|reconstruct", 2),
                                 (r"trade concession|most[- ]favou?red|\bMFN\b|tariff|preferen", 3)], 1)


@rule("interv")
def interv(sheet: SplitSheet) -> Coded:
    """INTERV: 0 none, 1 mutual non-intervention, 2 mutual promise to intervene, 3 one-sided
    right to intervene, 4 non-intervention promised by some members only (Q56)."""
    return _yes_then(sheet[56], [
        (r"not reciproc|non-?reciproc|unilateral|one-sided|(one|either) (party|state) (may|can) intervene"
         r"|right to intervene", 3),
        (r"non-?\s?(interference|intervention)|not (to )?(interfere|intervene)", 1),
        (r"intervene|suppress|put down|rebel|riots|restore order", 2),
    ], 1)


_PRIMARY_SOURCE: Final = re.compile(r"(^|\n)\s*treaty\b|treaty (text|and secondary)|\bprimary\b|original (text|treaty)",
                                    re.I)
_SECONDARY: Final = re.compile(r"secondary", re.I)


@rule("source")
def source(sheet: SplitSheet) -> Coded:
    """SOURCE: 1 coded from the treaty text, 2 from secondary sources only (Q58). A sheet that
    names the treaty it was coded from has a primary source, whatever its first line says."""
    answer = sheet[58]
    text = answer.text
    if not text.strip():
        return coded(None, answer)
    if _PRIMARY_SOURCE.search(text):
        return coded(1, answer, mentions(text, r"\btreaty\b"))
    if _SECONDARY.search(text):
        return coded(2, answer, mentions(text, r"secondary"))
    return coded(1, answer)
