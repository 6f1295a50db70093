"""The rules of shared/DATA.md "Validation", written as SQL over one dataset's typed table.

validation.py builds, for each dataset, a DuckDB table `t_<dataset>` with one row per row of
the file (duplicates dropped): `__row` (the user's row number), `<column>__text` (the value as
text: trimmed, codes lower-cased, child_id upper-cased; NULL when empty), `<column>` (the typed
value, NULL when empty or unreadable) and the per-child flags of FLAGS (window functions, so a
million rows are checked without a Python loop). A Rule is a condition on that table: every
row where it holds breaks the rule, and the problem is reported on the rule's column.

Choices where DATA.md is silent:
- a child whose date_of_birth (or sex) differs between episodes gets the error on every row;
- two care_leavers rows for one child: the error is on every such row;
- a registration that ends the day it starts covers no day, so it overlaps nothing;
- dates may also be written D/M/YYYY (one-digit day or month), as UK Excel often does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from trellis.casedata.problems import Severity
from trellis.casedata.schema import Column, Dataset, Kind

OPEN_END = "DATE '9999-12-31'"


@dataclass(frozen=True)
class Rule:
    rule: str
    column: str
    condition: str  # SQL over t_<dataset>; the row breaks the rule where it is TRUE
    message: str
    severity: Severity = Severity.ERROR
    needs_dataset: str | None = None  # a rule that reads another dataset's table


def typed_sql(column: Column) -> str:
    """SQL turning `<name>__text` into the column's typed value (NULL when unreadable)."""
    text = f"{column.name}__text"
    if column.kind is Kind.DATE:
        # LIKE guards are much cheaper than regular expressions on a million rows; the
        # BETWEEN keeps years 1000-2999 (a year 0000 is a typing slip, not a date).
        return (
            f"CASE WHEN {text} LIKE '____-__-__' AND {text} BETWEEN '1000' AND '2999' "
            f"THEN try_cast({text} AS DATE) "
            f"WHEN {text} LIKE '%/%/____' THEN try_strptime({text}, '%d/%m/%Y')::DATE END"
        )
    if column.kind is Kind.CODE:
        allowed = ", ".join(f"'{code}'" for code in column.codes)
        return f"CASE WHEN {text} IN ({allowed}) THEN {text} END"
    if column.kind is Kind.INTEGER:
        return f"CASE WHEN regexp_full_match({text}, '[+-]?\\d{{1,18}}') THEN {text}::BIGINT END"
    if column.kind is Kind.ACADEMIC_YEAR:
        return (
            f"CASE WHEN regexp_full_match({text}, '\\d{{4}}/\\d{{2}}') AND "
            f"(substr({text}, 1, 4)::INTEGER + 1) % 100 = substr({text}, 6, 2)::INTEGER "
            f"THEN {text} END"
        )
    return text


def _overlap_flag(start: str, end: str) -> str:
    """TRUE on a period of a child that starts before an earlier-starting period of the same
    child ends, or on the same day as another: the later-starting one is reported, and both
    when they start together. Periods are [start, end); one ending the day the next starts
    does not overlap it, and one covering no day (end not after start: an error of its own,
    or an empty registration) overlaps nothing."""
    period = (
        f"(child_id IS NOT NULL AND {start} IS NOT NULL AND ({end} IS NULL OR {end} > {start}))"
    )
    window = f"PARTITION BY child_id ORDER BY {start}"
    return (
        f"{period} AND ("
        f"{start} < max(coalesce({end}, {OPEN_END})) FILTER (WHERE {period}) OVER ("
        f"{window} ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) OR "
        f"count(*) FILTER (WHERE {period}) OVER ({window} RANGE CURRENT ROW) > 1)"
    )


def _differs_flag(value: str, order: str) -> str:
    # The same partition and order as the overlap window, so DuckDB sorts the rows once.
    window = (
        f"OVER (PARTITION BY child_id ORDER BY {order} "
        "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)"
    )
    return f"child_id IS NOT NULL AND min({value}) {window} <> max({value}) {window}"


# Per-child flags, computed once per dataset over the few columns they need (validation.py
# keeps only the flagged rows); rules read them as columns.
FLAGS: dict[str, dict[str, str]] = {
    "episodes": {
        "__overlaps": _overlap_flag("episode_start", "episode_end"),
        "__dob_differs": _differs_flag("date_of_birth", "episode_start"),
        "__sex_differs": _differs_flag("sex", "episode_start"),
    },
    "cp_registrations": {
        "__overlaps": _overlap_flag("registration_date", "deregistration_date"),
    },
    "care_leavers": {
        "__repeated": "child_id IS NOT NULL AND count(*) OVER (PARTITION BY child_id) > 1",
    },
}

DATASET_RULES: dict[str, tuple[Rule, ...]] = {
    "episodes": (
        Rule(
            "episode-end-not-after-start",
            "episode_end",
            "episode_end <= episode_start",
            "episode_end must be after episode_start (an episode covers at least one day).",
        ),
        Rule(
            "episodes-overlap",
            "episode_start",
            "__overlaps",
            "This episode starts before an earlier episode of the same child ends.",
        ),
        Rule(
            "inconsistent-child",
            "date_of_birth",
            "__dob_differs",
            "The same child has a different date_of_birth on another row.",
        ),
        Rule(
            "inconsistent-child",
            "sex",
            "__sex_differs",
            "The same child has a different sex on another row.",
        ),
        Rule(
            "born-after-episode",
            "date_of_birth",
            "date_of_birth > episode_start",
            "date_of_birth is after episode_start.",
        ),
    ),
    "health_assessments": (
        Rule(
            "assessment-before-accommodation",
            "assessment_date",
            "assessment_date < accommodated_date",
            "assessment_date is before accommodated_date.",
        ),
        Rule(
            "no-episode",
            "child_id",
            "child_id IS NOT NULL AND child_id NOT IN "
            "(SELECT child_id FROM t_episodes WHERE child_id IS NOT NULL)",
            "This child has no episode in the episodes file.",
            severity=Severity.WARNING,
            needs_dataset="episodes",
        ),
    ),
    "cp_registrations": (
        Rule(
            "deregistration-before-registration",
            "deregistration_date",
            "deregistration_date < registration_date",
            "deregistration_date is before registration_date.",
        ),
        Rule(
            "registrations-overlap",
            "registration_date",
            "__overlaps",
            "This registration starts before an earlier registration of the same child ends.",
        ),
    ),
    "short_breaks": (
        Rule(
            "service-end-not-after-start",
            "service_end",
            "service_end <= service_start",
            "service_end must be after service_start (a service covers at least one day).",
        ),
    ),
    "care_leavers": (
        Rule(
            "care-leaver-repeated",
            "child_id",
            "__repeated",
            "This child has more than one row in care_leavers; give each care leaver one row.",
        ),
    ),
    "attendance": (
        Rule(
            "sessions",
            "possible_sessions",
            "possible_sessions < 0",
            "possible_sessions is negative.",
        ),
        Rule(
            "sessions",
            "attended_sessions",
            "attended_sessions < 0",
            "attended_sessions is negative.",
        ),
        Rule(
            "sessions",
            "attended_sessions",
            "attended_sessions > possible_sessions",
            "attended_sessions is greater than possible_sessions.",
        ),
    ),
}

_UNREADABLE = {
    Kind.DATE: ("bad-date", "{name} is not a date written as YYYY-MM-DD or DD/MM/YYYY."),
    Kind.CODE: ("not-in-list", "{name} must be {codes}."),
    Kind.INTEGER: ("bad-number", "{name} is not a whole number."),
    Kind.ACADEMIC_YEAR: (
        "academic-year",
        "{name} must be written YYYY/YY, the second year following the first (e.g. 2019/20).",
    ),
}


def value_rules(column: Column, *, present: bool, extract_date: dt.date) -> list[Rule]:
    """The rules on a single value of the column: required, readable, not after the extract."""
    rules: list[Rule] = []
    name, text = column.name, f"{column.name}__text"
    if column.required and present:
        rules.append(Rule("required", name, f"{text} IS NULL", f"{name} is empty; it is required."))
    if column.kind in _UNREADABLE:
        rule, message = _UNREADABLE[column.kind]
        codes = "one of " + column.codes_for_people() if column.codes else ""
        rules.append(
            Rule(
                rule,
                name,
                f"{text} IS NOT NULL AND {name} IS NULL",
                message.format(name=name, codes=codes),
            )
        )
    if column.kind is Kind.DATE:
        rules.append(
            Rule(
                "after-extract-date",
                name,
                f"{name} > DATE '{extract_date.isoformat()}'",
                f"{name} is after the extract date ({_day(extract_date)}).",
            )
        )
    return rules


def rules_for(
    dataset: Dataset, *, present: set[str], tables: set[str], extract_date: dt.date
) -> list[Rule]:
    """Every rule to check on the dataset; `tables` are the datasets already loaded."""
    rules = [
        rule
        for column in dataset.columns
        for rule in value_rules(column, present=column.name in present, extract_date=extract_date)
    ]
    rules.extend(
        rule
        for rule in DATASET_RULES.get(dataset.name, ())
        if rule.needs_dataset is None or rule.needs_dataset in tables
    )
    return rules


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"
