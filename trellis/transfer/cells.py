"""Reading one cell of a plan table: a title, a list of items, leads, or progress updates.

`wrapped` says whether a line break inside a cell is only where the text wrapped (PDF and
aligned text) or a paragraph the author typed (Word, Excel, CSV, tab-separated text). In
wrapped text a new item starts only at a marker: a bullet or number, an agency prefix
("CPC –", "Police Scotland:"), a date that leads a line, or Trellis's own "Target:" and
"Milestone:" labels.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from trellis.transfer.phrases import RAG_WORDS, find_dates, rag_word

_BULLET = re.compile(r"^\s*(?:[•·▪◦●○*–—-]|\(?[0-9]{1,2}[.)]|\(?[a-z][.)])\s+")
_AGENCY = re.compile(r"^\s*[A-Z][A-Za-z&.'’]*(?:\s+[A-Z&][A-Za-z&.'’]*){0,3}\s*(?:[–—]|-|:)\s+")
_LABEL = re.compile(r"^\s*(?:target|milestone)s?\s*:", re.I)


def clean(text: str) -> str:
    """One line: runs of whitespace (spaces, tabs, line breaks) made one space."""
    return " ".join(text.split())


def lines_of(text: str) -> list[str]:
    return [clean(line) for line in text.replace("\r", "\n").split("\n") if line.strip()]


def starts_item(line: str) -> bool:
    return bool(
        _BULLET.match(line)
        or _AGENCY.match(line)
        or _LABEL.match(line)
        or _leading_date(line) is not None
    )


def items_of(text: str, *, wrapped: bool) -> list[str]:
    """A cell's items: its paragraphs, or in wrapped text its marked items, bullets removed."""
    items: list[str] = []
    previous_blank = True
    for raw in text.replace("\r", "\n").split("\n"):
        line = clean(raw)
        if not line:
            previous_blank = True
            continue
        if items and wrapped and not previous_blank and not starts_item(line):
            items[-1] = f"{items[-1]} {line}"
        else:
            items.append(line)
        previous_blank = False
    return [_BULLET.sub("", item, count=1).strip() for item in items if item.strip()]


# Leads: "ICS Board Chair & Corporate Parenting Improvement Group Chair; CPC Chair".

_ROLE_END = (
    r"(?:chair|officer|manager|lead|head|director|group|board|team|service|services|"
    r"committee|partnership|unit|cswo|coordinator|co-ordinator|principal|reporter)"
)


def leads_of(text: str) -> list[str]:
    """Several leads in one cell, split at ';', '&', line breaks, and at 'and' after a role
    ('IJB Chief Officer and Chief Social Work Officer'), but not inside a name ('Quality and
    Performance Manager'). Splitting a lead again gives it back unchanged."""
    parts: list[str] = []
    for chunk in re.split(r"[;\n&+]", text):
        parts.extend(_split_and(clean(_BULLET.sub("", chunk))))
    seen: list[str] = []
    for part in parts:
        part = part.strip(" ,.")
        if part and part not in seen:
            seen.append(part)
    return seen


def _split_and(text: str) -> list[str]:
    pieces = re.split(r"\s+and\s+", text)
    out = [pieces[0]]
    for piece in pieces[1:]:
        if re.search(rf"\b{_ROLE_END}$", out[-1], re.I):
            out.append(piece)
        else:
            out[-1] = f"{out[-1]} and {piece}"
    return out


_GROUP = re.compile(
    r"\b(group|board|committee|team|partnership|forum|panel|network|cog|cpc|ijb)\b", re.I
)
_AGENCIES = re.compile(
    r"^(police( scotland)?|nhs.*|health board|social work|csw|education|scra|council|"
    r"third sector|children'?s reporter|health|housing|biu|business intelligence unit)$",
    re.I,
)


def lead_kind(lead: str) -> str:
    """'agency', 'group' or 'role': proposed for the review page, which shows it."""
    if _AGENCIES.match(lead.strip()):
        return "agency"
    words = lead.split()
    if (_GROUP.search(lead) and not re.search(rf"\b{_ROLE_END}$", lead, re.I)) or (
        len(words) == 1 and lead.isupper() and lead.lower() not in {"cswo"}
    ):
        return "group"
    if re.search(r"\b(chair|officer|manager|lead|head|director|cswo)$", lead, re.I):
        return "role"
    return "group" if _GROUP.search(lead) else "role"


# Progress updates: dated paragraphs with RAG words.


@dataclass(frozen=True)
class UpdateText:
    date: dt.date | None
    text: str
    rag: str | None


_RAG_ALT = "|".join(sorted(map(re.escape, RAG_WORDS), key=len, reverse=True))
_RAG_AFTER = re.compile(rf"^\s*[\(\[]\s*(?P<rag>{_RAG_ALT})\s*[\)\]]", re.I)
_RAG_LEAD = re.compile(rf"^\s*(?P<rag>{_RAG_ALT})\s*[:–—-]\s+", re.I)
_RAG_LABEL = re.compile(rf"^\s*(?:rag|status)(?:\s+status)?\s*[:=–-]\s*(?P<rag>{_RAG_ALT})\b", re.I)
_RAG_TRAIL = re.compile(
    rf"[\s.;,]*(?:[\(\[]\s*(?P<a>{_RAG_ALT})\s*[\)\]]|(?:rag|status)\s*[:=–-]\s*(?P<b>{_RAG_ALT})"
    rf"|(?<=[.;!])\s*(?P<c>{_RAG_ALT}))"
    r"[\s.]*$",
    re.I,
)
_SEPARATOR = re.compile(r"^\s*(?:[:–—-]\s*|$)")


def _leading_date(line: str) -> tuple[dt.date, int] | None:
    """A date that opens a line ('Sept 2020:', 'Update 30/09/2020 –'), and where it ends."""
    head = re.match(r"^\s*(?:update\s*(?:on|at)?\s*:?\s*)?", line, re.I)
    offset = head.end() if head else 0
    dates = find_dates(line[offset : offset + 40])
    if not dates or dates[0].start != 0:
        return None
    end = offset + dates[0].end
    rest = line[end:]
    after = _RAG_AFTER.match(rest)
    if after:
        rest = rest[after.end() :]
    if not _SEPARATOR.match(rest):
        return None  # "31 October 2019 framework implemented": a sentence, not a heading
    return dates[0].date, end


def _strip_rag(text: str) -> tuple[str, str | None]:
    for pattern in (_RAG_AFTER, _RAG_LABEL, _RAG_LEAD):
        match = pattern.match(text)
        if match:
            return text[match.end() :].lstrip(" :.;–—-"), RAG_WORDS[match.group("rag").lower()]
    match = _RAG_TRAIL.search(text)
    if match and match.start() > 0:
        word = (match.group("a") or match.group("b") or match.group("c")).lower()
        return text[: match.start()].rstrip(), RAG_WORDS[word]
    return text, None


def updates_of(text: str, *, wrapped: bool, date: dt.date | None = None) -> list[UpdateText]:
    """A progress cell's updates. A leading date dates its paragraph and those after it in
    the cell; a line that is only a date heads the paragraphs below it; `date` (from the
    column's heading) dates the rest. Agency prefixes stay in the text."""
    updates: list[UpdateText] = []
    for item in _update_items(text, wrapped=wrapped):
        lead = _leading_date(item)
        if lead is not None:
            date, end = lead
            item = item[end:]
        if is_rag_only(item):  # a cell that is only "Green" is a status, not a narrative
            updates.append(UpdateText(date, "", rag_word(item)))
            continue
        body, rag = _strip_rag(item.strip())
        body = body.lstrip(" :–—-").strip()
        if body or rag:
            updates.append(UpdateText(date, body, rag))
    return updates


def _update_items(text: str, *, wrapped: bool) -> list[str]:
    """Paragraphs (blank-line separated), and within them a new item at each marker."""
    items: list[str] = []
    joiner = " " if wrapped else "\n"
    fresh = True
    for raw in text.replace("\r", "\n").split("\n"):
        line = clean(raw)
        if not line:
            fresh = True
            continue
        if fresh or starts_item(line) or not items:
            items.append(line)
        else:
            items[-1] = f"{items[-1]}{joiner}{line}"
        fresh = False
    return items


def is_rag_only(text: str) -> bool:
    """Only a RAG word: "Green", "(G)", "Amber."; not "(Amber): recruiting"."""
    words = clean(text).lower().strip(" .:;()[]")
    return words in RAG_WORDS or words in ("r", "a", "g", "b")
