"""The 61 questions of the ATOP coding sheet (codebook Appendix A) and the five sections.

The prompts are used to find where a question's printed prompt ends and the coder's answer
begins: sheets extracted from PDFs wrap prompts over several lines and put answers on the
prompt's own line, so the prompt text is the only reliable separator.
"""
from __future__ import annotations

from typing import Final

QUESTION_COUNT: Final = 61

PROMPTS: Final[dict[int, str]] = {
    1: "ATOP ID:",
    2: "COW Alliance # (if applicable):",
    3: "Signature date(s) (may vary for members in multilateral alliances):",
    4: "Members of alliance (use COW country codes):",
    5: "Was the alliance signed during war? If so, which war, and which member(s) was at war? (check COW data)",
    6: "Means by which alliance was established (e.g., treaty, executive agreement, diplomatic notes, etc.): "
       "(Only select “treaty” if the agreement requires ratification.)",
    7: "Was the treaty public, public but with secret articles, or secret? If secret articles, describe the "
       "content of secret articles.",
    8: "Are there provisions for adding additional members mentioned in the treaty? (Yes, No) If Yes, describe "
       "these provisions.",
    9: "Are specific state(s) mentioned as possible future members of the alliance? (Yes, No) If Yes, which state(s)?",
    10: "Are there specific provisions in the treaty concerning the length of time the treaty is to last? "
        "(Yes, No) If Yes, describe.",
    11: "Are there conditions under which members may renounce the treaty? If Yes, describe these conditions.",
    12: "Are there specific provisions in the treaty concerning renewal of the treaty? (Yes, No) If Yes, "
        "describe these provisions.",
    13: "Number of times alliance renewed, dates of renewal, and means by which alliance was renewed "
        "(Do not include automatic renewals):",
    14: "Termination date(s) (may vary for members in multilateral alliances) and source(s) for termination dates(s):",
    15: "Describe what caused the alliance to terminate.",
    16: "Type of alliance (defense pact, neutrality pact, nonaggression pact, consultation pact, offense pact): "
        "(List all that apply to any member of the alliance.)",
    17: "Type of alliance as coded in COW data (if applicable):",
    18: "Describe the obligations of the alliance partners.",
    19: "Are any of the obligations contingent upon any of the following: specific adversary, specific location, "
        "specific ongoing conflict, number of adversaries, noncompliance with a specific demand, attack, "
        "nonprovocation of enemy, or prior agreement among partners? (List all that apply)",
    20: "Describe the nature of the limits to obligations listed in #19.",
    21: "Are there any additional provisions for assistance in the event of war? (e.g., promise not to participate "
        "in economic sanctions against partner, promise not to aid internal or external enemies, etc.) (Yes, No) "
        "If Yes, describe.",
    22: "Are there any additional limits to the alliance obligations or conditions under which treaty obligations "
        "do not apply that were not listed in #19? (Yes, No) If Yes, describe.",
    23: "Is a specific target/threat mentioned as the object of the treaty? (Yes, No) (Answering Yes to this "
        "question does not necessarily mean that obligations are limited only to this adversary.) If Yes, list "
        "the target nation(s) (using COW country codes if possible) and describe the general nature of the "
        "reference to the target of the treaty.",
    24: "Are the treaty obligations symmetric? (That is, do all members commit to the same obligations?) "
        "(Yes, No) If No, describe.",
    25: "Does the treaty prohibit members from settling conflicts independently (no separate peace)? (Yes, No) "
        "If Yes, describe.",
    26: "Does the treaty have provisions requiring that the contracting parties consult before making commitments "
        "to third parties (excluding no separate peace provisions discussed above)? (Yes, No) If Yes, describe "
        "these provisions.",
    27: "Does the treaty specify that the contracting parties must not enter into any other alliances that are "
        "directed against the alliance in question? (Yes, No) If Yes, describe.",
    28: "Additional coder comments regarding treaty obligations:",
    29: "Does the treaty make reference to the potential for conflict among members of the alliance? (Yes, No) "
        "If Yes, describe.",
    30: "Does the treaty discuss mediation/arbitration or other means of settling disputes among the signatories? "
        "(Yes, No) If Yes, describe.",
    31: "Does the treaty require official contact among the military forces of the participating states? "
        "(Yes, No) If Yes, describe. (Note whether official contact is required only in the event of hostilities "
        "or also during peacetime.)",
    32: "Does the treaty include provisions for military aid? (e.g., grants, loans, transfer of technology, "
        "training) (Yes, No) If Yes, describe these provisions.",
    33: "Does the treaty provide for integrated command of military forces while the alliance is in effect "
        "(peacetime as well as wartime)? (Yes, No) If Yes, describe.",
    34: "Does the treaty require subordination of the forces of one or more member states to another in the "
        "event of hostilities? (Yes, No) If Yes, describe.",
    35: "Does the treaty establish any organizations? (include provisions for regularly scheduled meetings) "
        "(Yes, No) If Yes, describe.",
    36: "Does the treaty provide for joint military bases, or for one or more states to place troops in the "
        "territory of one or more other states? (Yes, No) If Yes, describe.",
    37: "Does the treaty specify contribution levels (funds, troops, etc.)? (Yes, No) If Yes, describe.",
    38: "Does the treaty contain any provisions regarding coordinated increase of armaments, reduction of "
        "armaments, prohibition of weapons, or rules of warfare? (Yes, No) If Yes, describe such provisions.",
    39: "Does the treaty explicitly permit or prohibit the acquisition of territory not currently held by either "
        "ally? (Yes, No) If Yes, describe reference.",
    40: "Does the treaty include discussion of the division of gains from any future conflict? (Yes, No) If Yes, "
        "describe.",
    41: "Does the treaty include discussion of demobilization/withdrawal following conflict? (Yes, No) If Yes, "
        "describe.",
    42: "Are there any other provisions in the treaty that describe the means through which the states will "
        "coordinate their military efforts and policies? (Yes, No) If Yes, describe.",
    43: "Additional coder comments regarding references to alliance institutionalization:",
    44: "Does the treaty state that it nullifies any existing treaties signed by one or more of the contracting "
        "parties? (Yes, No) If Yes, list the treaties/agreements that are nullified and describe the treaty "
        "reference.",
    45: "Does the treaty state that it modifies any existing treaties signed by one or more of the contracting "
        "parties? (Yes, No) If Yes, list the treaties/agreements that are modified and describe the treaty "
        "reference.",
    46: "Does the treaty state that it includes any existing treaties signed by one or more of the contracting "
        "parties? (Yes, No) If Yes, list the treaties/agreements that are included and describe the treaty "
        "reference.",
    47: "Does the treaty make any references to international organizations? (Yes, No) If Yes, list the "
        "international organization and describe the nature of the reference.",
    48: "Does the treaty make any references to other existing alliances? (Yes, No) If Yes, list the alliance and "
        "describe the nature of the reference.",
    49: "Are there any companion agreements referenced in the treaty? (Yes, No) If Yes, describe the agreements.",
    50: "Does the treaty include statements regarding non-military cooperation (e.g., economic, cultural, "
        "scientific exchange)? (Yes, No) If Yes, describe.",
    51: "Does the treaty resolve other conflicts among the parties to the alliance? (Yes, No) If Yes, describe.",
    52: "Does the treaty propose/enforce settlement of a conflict not involving parties to the alliance? "
        "(Yes, No) If Yes, describe.",
    53: "Does the treaty propose other agreements among the contracting parties? (Yes, No) If Yes, describe.",
    54: "Does the treaty mention unresolved conflicts among the contracting parties? (Yes, No) If Yes, describe.",
    55: "Does the treaty include provisions for economic aid or other enticements (include trade concessions, "
        "post war recovery, etc.)? (Yes, No) If Yes, describe these provisions.",
    56: "Does the treaty describe circumstances under which one party may intervene in the internal politics of "
        "another party or specifically commit the states to non-intervention? (Yes, No) If Yes, describe.",
    57: "Additional coder comments on this alliance treaty:",
    58: "Source of coding information (e.g., treaty, treaty and secondary sources, secondary sources only, etc.):",
    59: "Treaty citation:",
    60: "Date of last revision of this coding sheet:",
    61: "Coder:",
}

# Sections are fixed by question number; printed headers are sometimes mis-numbered (the seed
# prints "SECTION II" over the institutionalization questions), so the number decides.
SECTIONS: Final[tuple[tuple[str, range], ...]] = (
    ("I. Formation, members, and duration", range(1, 16)),
    ("II. Obligations", range(16, 29)),
    ("III. Institutionalization of the alliance", range(29, 44)),
    ("IV. Treaty context", range(44, 57)),
    ("V. Documentation", range(57, 62)),
)


def section_of(question: int) -> str:
    for name, numbers in SECTIONS:
        if question in numbers:
            return name
    raise ValueError(f"no question {question} on the ATOP coding sheet")
