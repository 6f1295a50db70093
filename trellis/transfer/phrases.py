"""The structured parts proposed from a plan's words: dates, SMART targets, RAG words,
leads, and the markers that start a new item in a cell (bullets, agency prefixes, dates).

Pure functions on text; no ORM. Dates are read the British way (day before month), two-digit
years are 20yy, and a month without a day ("Oct 2020") means its last day, because in a
plan a month is a deadline ("by October 2020").
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

_MONTHS = {
    name: number
    for number in range(1, 13)
    for name in (
        calendar.month_name[number].lower(),
        calendar.month_abbr[number].lower(),
    )
}
_MONTHS["sept"] = 9
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?P<year>\d{4}|\d{2})"

_PATTERNS = [
    re.compile(r"\b(?P<year>\d{4})-(?P<mm>\d{1,2})-(?P<day>\d{1,2})\b"),
    re.compile(
        r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r",?\s+" + _YEAR + r"\b",
        re.I,
    ),
    re.compile(r"\b(?P<day>\d{1,2})[-/.](?P<mm>\d{1,2})[-/.]" + _YEAR + r"\b"),
    re.compile(r"\b(?:end\s+of\s+)?" + _MONTH + r",?\s+(?P<year>\d{4})\b", re.I),
]


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    date: dt.date


def _year(text: str) -> int:
    year = int(text)
    return 2000 + year if year < 100 else year


def _date_of(match: re.Match[str]) -> dt.date | None:
    parts = match.groupdict()
    month = int(parts["mm"]) if parts.get("mm") else _MONTHS[parts["month"].lower()]
    year = _year(parts["year"])
    try:
        if parts.get("day"):
            return dt.date(year, month, int(parts["day"]))
        return dt.date(year, month, calendar.monthrange(year, month)[1])
    except ValueError:
        return None  # 31 February, month 13: not a date


def find_dates(text: str) -> list[Found]:
    """Every date in the text, in reading order; the most specific form wins an overlap."""
    found: list[Found] = []
    taken: list[tuple[int, int]] = []  # "31 February 2020" is no date, nor is its "February 2020"
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            taken.append((match.start(), match.end()))
            day = _date_of(match)
            if day is not None and 1990 <= day.year <= 2100:
                found.append(Found(match.start(), match.end(), day))
    return sorted(found, key=lambda f: f.start)


def parse_date(text: str) -> dt.date | None:
    """The one date a short text (a 'Target date' cell) gives, or None."""
    dates = find_dates(text)
    return dates[-1].date if dates else None


def show_date(day: dt.date) -> str:
    """As Trellis writes dates: 30 September 2020."""
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


_QUARTER = re.compile(r"\bQ([1-4])\b\s*(?P<year>\d{4})(?:\s*[/-]\s*(?P<second>\d{2,4}))?", re.I)


def heading_date(heading: str) -> dt.date | None:
    """The date an update column's heading names: 'Update June 2020' or a quarter. 'Q1 2020'
    is a calendar quarter; 'Q1 2020/21' a financial one (April to June)."""
    day = parse_date(heading)
    if day is not None:
        return day
    match = _QUARTER.search(heading)
    if match is None:
        return None
    quarter, year = int(match.group(1)), int(match.group("year"))
    month = quarter * 3 + (3 if match.group("second") else 0)
    if month > 12:
        year, month = year + 1, month - 12
    return dt.date(year, month, calendar.monthrange(year, month)[1])


# Targets: "50% ... by 30 September 2020", one clause at a time.

_PERCENT = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d+)?)\s*(?:%|per\s*cent\b)", re.I)
_CLAUSE = re.compile(r";|\n|\.\s+(?=[A-Z0-9])")


@dataclass(frozen=True)
class TargetPoint:
    value: float
    unit: str
    date: dt.date


def find_targets(text: str) -> list[TargetPoint]:
    """Percentages paired with the dates of their clause: in order when there are as many of
    each, else each percentage with the nearest date."""
    points: list[TargetPoint] = []
    for clause in _CLAUSE.split(text):
        percents = [(m.start(), float(m.group(1))) for m in _PERCENT.finditer(clause)]
        dates = find_dates(clause)
        if not percents or not dates:
            continue
        if len(percents) == len(dates):
            pairs = [(p[1], d.date) for p, d in zip(percents, dates, strict=True)]
        else:
            pairs = [(p[1], min(dates, key=lambda d: abs(d.start - p[0])).date) for p in percents]
        points.extend(TargetPoint(v, "%", day) for v, day in pairs if v <= 100)
    return points


_EXPLICIT_TARGET = re.compile(
    r"^\s*(?P<value>-?\d+(?:\.\d+)?)\s*(?P<unit>%|[A-Za-z][A-Za-z ]{0,28}?)?\s+by\s+(?P<date>.+)$"
)


def explicit_target(text: str) -> TargetPoint | None:
    """A 'Target:' line as Trellis exports it: '12 days by 31 March 2021', '50% by ...'."""
    match = _EXPLICIT_TARGET.match(text)
    day = parse_date(match.group("date")) if match else None
    if match is None or day is None:
        return None
    return TargetPoint(float(match.group("value")), (match.group("unit") or "").strip(), day)


def without_date(text: str) -> str:
    """A milestone's title: its text with the date and the word leading to it taken out."""
    for found in reversed(find_dates(text)):
        head, tail = text[: found.start], text[found.end :]
        head = re.sub(r"(?i)[\s,(–—-]*\b(?:by|in|on|due|from|before|end of)?\s*$", "", head)
        text = head + tail
    return re.sub(r"[\s,;:.(–—-]+$", "", re.sub(r"\s+", " ", text)).strip(" –—-:()")


# RAG words.

RAG_WORDS = {
    "red": "red",
    "amber": "amber",
    "green": "green",
    "complete": "complete",
    "completed": "complete",
    "blue": "complete",
    "not started": "not-started",
    "not-started": "not-started",
    "on track": "green",
    "at risk": "amber",
    "off track": "red",
}
_LETTERS = {"r": "red", "a": "amber", "g": "green", "b": "complete"}
_RAG = "|".join(sorted(map(re.escape, RAG_WORDS), key=len, reverse=True))


def rag_word(text: str) -> str | None:
    """A whole cell read as a RAG status ('Green', 'G', 'Amber – at risk'), or None."""
    words = " ".join(text.lower().split()).strip(" .:;()[]")
    if words in _LETTERS:
        return _LETTERS[words]
    match = re.match(rf"({_RAG})\b", words)
    return RAG_WORDS[match.group(1)] if match else None


RAG_LABELS = {
    "red": "Red",
    "amber": "Amber",
    "green": "Green",
    "complete": "Complete",
    "not-started": "Not started",
}
