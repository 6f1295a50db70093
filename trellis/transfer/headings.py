"""Column headings to Trellis fields, by name and synonyms, and finding the header row.

Councils head the same columns differently ("Key improvement measures", "Success measure",
"How will we know?"). A heading maps to a field when it equals a known name, else by the
first keyword it contains, most specific first ("Outcome measure" is a measure, not an
outcome). The review page lets a person correct every guess before anything is saved.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

OUTCOME = "outcome"
DRIVER = "driver"
ACTION = "action"
MEASURE = "measure"
LEAD = "lead"
DUE = "due"
RAG = "rag"
UPDATE = "update"

# The choices the review page offers, in the plan's own column order.
FIELDS: dict[str, str] = {
    OUTCOME: "Stretch outcome aim",
    DRIVER: "Key driver",
    ACTION: "Improvement project aim (action)",
    MEASURE: "Key improvement measure",
    LEAD: "Lead responsibility",
    DUE: "Target date",
    RAG: "RAG status",
    UPDATE: "Progress update",
}
HIERARCHY = (OUTCOME, DRIVER, ACTION)

SYNONYMS: dict[str, tuple[str, ...]] = {
    OUTCOME: (
        "stretch outcome aim",
        "stretch outcome",
        "stretch aim",
        "outcome",
        "outcomes",
        "outcome aim",
        "area for improvement",
        "areas for improvement",
        "priority",
        "priority area",
        "theme",
    ),
    DRIVER: ("key driver", "key drivers", "driver", "drivers", "primary driver", "objective"),
    ACTION: (
        "improvement project aim",
        "improvement aim",
        "improvement action",
        "action",
        "actions",
        "action required",
        "what we will do",
        "improvement activity",
        "project aim",
    ),
    MEASURE: (
        "key improvement measure",
        "key improvement measures",
        "success measure",
        "success measures",
        "measure",
        "measures",
        "how will we know",
        "measure of success",
        "evidence of success",
        "outcome measure",
        "milestones",
        "deliverables",
        "target",
        "targets",
        "trajectory",
    ),
    LEAD: (
        "lead responsibility",
        "lead officer",
        "lead",
        "leads",
        "responsible officer",
        "responsibility",
        "owner",
        "who",
        "lead agency",
    ),
    DUE: ("target date", "timescale", "timescales", "deadline", "by when", "due date", "due"),
    RAG: ("rag", "rag status", "status", "rag rating", "rating"),
    UPDATE: ("progress update", "progress", "update", "updates", "progress to date", "comments"),
}
_EXACT = {name: field for field, names in SYNONYMS.items() for name in names}
# Keywords searched inside a heading, most specific first.
_KEYWORDS: tuple[tuple[str, str], ...] = (
    (r"\bupdate|\bprogress\b|\bcomment", UPDATE),
    (
        r"\bmeasure|\bhow will we know|\bevidence|\bsuccess\b|\bmilestone|\bdeliverable"
        r"|\btargets?$|\btrajector",
        MEASURE,
    ),
    (r"\bdriver", DRIVER),
    (r"\boutcome|\bstretch|\barea for improvement|\bpriorit", OUTCOME),
    (r"\baction|\baim\b|\bproject|\bactivit", ACTION),
    (r"\blead\b|\bleads\b|\bresponsib|\bowner|\baccountable", LEAD),
    (r"\bdate\b|\btimescale|\bdeadline|\bwhen\b|\bdue\b", DUE),
    (r"\brag\b|\bstatus\b|\brating\b", RAG),
)


def normalise(heading: str) -> str:
    text = re.sub(r"[^a-z0-9%/ ]+", " ", heading.lower())
    return " ".join(text.split())


def field_for(heading: str) -> str | None:
    """The field a heading names, or None (a reference number, a blank, something else)."""
    words = normalise(heading)
    if not words:
        return None
    if words in _EXACT:
        return _EXACT[words]
    for pattern, field in _KEYWORDS:
        if re.search(pattern, words):
            return field
    return None


def guess_mapping(header: Sequence[str]) -> list[str | None]:
    """A field for each column. Each field but the update is used once (the first column
    that names it); several update columns are the usual quarterly layout."""
    taken: set[str] = set()
    mapping: list[str | None] = []
    for heading in header:
        field = field_for(heading)
        if field is not None and field != UPDATE and field in taken:
            field = None
        if field is not None:
            taken.add(field)
        mapping.append(field)
    return mapping


def header_score(row: Sequence[str]) -> int:
    """How much a row looks like the header: mapped cells, needing a level of the plan."""
    fields = [field_for(cell) for cell in row if len(cell) <= 80]
    if not any(f in HIERARCHY for f in fields):
        return 0
    return sum(f is not None for f in fields)


def find_header(rows: Sequence[Sequence[str]], *, look: int = 15) -> int | None:
    """The index of the header row among the first `look` rows (title rows may come first)."""
    best, best_score = None, 1
    for index, row in enumerate(rows[:look]):
        score = header_score(row)
        if score > best_score:
            best, best_score = index, score
    return best


def is_repeated_header(row: Sequence[str], header: Sequence[str]) -> bool:
    """A header row printed again (on every page of a PDF or a Word table): most of its cells
    say what the header's cells say."""
    pairs = [(normalise(a), normalise(b)) for a, b in zip(row, header, strict=False) if a.strip()]
    if not pairs:
        return False
    same = sum(a == b for a, b in pairs)
    return same >= max(2, (len(pairs) + 1) // 2)
