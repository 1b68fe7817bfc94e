"""The coding engine: a procedure description in, claim lines and warnings out.

Pure Python, no Django: the wizard's pages and API, the quiz's scoring and every later check
(history, note reading, claim audit) call it, and none of them applies a coding rule of its own.

* ``vocabulary``: the values and labels of procedures, guidance, regions, levels, sides, claim
  formats and intents, and the code format; models, forms and templates take theirs from here.
* ``anatomy``: the joints, the nerves that supply them, and each joint's region.
* ``families``: the facet code families, one code per level.
* ``entries``: reading joints or nerves with their sides, and the choices of a session.
* ``lines``: claim lines, warnings and the result.
* ``payers``: the payer, the Medicare contractor, the claim type and the bilateral format.
* ``rules``: ``code_claim`` and the coding rules, each with its sources.
* ``claims``: the claim-line parser (the quiz's answers and the auditor read claims with it).
* ``audit``: ``audit_claim``, a claim as billed checked line by line, and its correction.
* ``history``: ``check_session``, one session against the patient's earlier sessions.

Import from here; the modules are the engine's own layout.
"""

from coding.engine.anatomy import (
    JOINTS,
    NERVES,
    S1_NERVE,
    TON_NERVE,
    by_part,
    joint_nerves,
    joint_region,
    nerve_label,
    site_label,
)
from coding.engine.audit import PROBLEM_IDS, Audit, audit_claim
from coding.engine.entries import MAX_ENTRIES, InvalidInput, parse_entries
from coding.engine.families import FAMILIES, FAMILY_CODES, Family
from coding.engine.history import (
    HISTORY_PROCEDURES,
    KINDS,
    MAX_HISTORY,
    Check,
    Criterion,
    HistoryProcedure,
    Kind,
    Session,
    check_session,
    read_history,
    read_session,
)
from coding.engine.lines import CodingWarning, Line, Result
from coding.engine.payers import (
    BILATERALS,
    CLAIM_TYPES,
    MACS,
    PAYERS,
    STATES,
    Bilateral,
    ClaimType,
    Coverage,
    Mac,
    Payer,
    read_coverage,
)
from coding.engine.rules import RULE_IDS, SOURCE_KEYS, WARNING_IDS, code_claim, joints_from_nerves
from coding.engine.vocabulary import (
    CODE_FORMAT,
    CODE_PATTERN,
    FORMATS,
    GUIDANCES,
    INTENTS,
    PROCEDURES,
    SIDES,
    ClaimFormat,
    Guidance,
    Intent,
    Level,
    Procedure,
    Region,
    Side,
    Term,
    choices,
    side_of,
    side_set,
)

__all__ = [
    "PROBLEM_IDS",
    "Audit",
    "audit_claim",
    "HISTORY_PROCEDURES",
    "KINDS",
    "MAX_HISTORY",
    "Check",
    "Criterion",
    "HistoryProcedure",
    "Kind",
    "Session",
    "check_session",
    "read_history",
    "read_session",
    "BILATERALS",
    "CLAIM_TYPES",
    "MACS",
    "PAYERS",
    "STATES",
    "Bilateral",
    "ClaimType",
    "Coverage",
    "Mac",
    "Payer",
    "read_coverage",
    "CODE_FORMAT",
    "CODE_PATTERN",
    "FAMILIES",
    "FAMILY_CODES",
    "FORMATS",
    "GUIDANCES",
    "INTENTS",
    "JOINTS",
    "MAX_ENTRIES",
    "NERVES",
    "PROCEDURES",
    "RULE_IDS",
    "S1_NERVE",
    "TON_NERVE",
    "SIDES",
    "SOURCE_KEYS",
    "WARNING_IDS",
    "ClaimFormat",
    "CodingWarning",
    "Family",
    "Guidance",
    "Intent",
    "InvalidInput",
    "Level",
    "Line",
    "Procedure",
    "Region",
    "Result",
    "Side",
    "Term",
    "by_part",
    "choices",
    "code_claim",
    "joints_from_nerves",
    "joint_nerves",
    "joint_region",
    "nerve_label",
    "parse_entries",
    "side_of",
    "side_set",
    "site_label",
]
