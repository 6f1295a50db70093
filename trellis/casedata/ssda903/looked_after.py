"""episodes and reviews from SSDA903 Header, Episodes and Reviews; and why no
health_assessments come from Episodes and OC2."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from trellis.casedata.ssda903.codes import (
    NEW_PERIOD_OF_CARE,
    PLACEMENT_AREAS,
    PLACEMENT_TYPES,
    SEXES,
)
from trellis.casedata.ssda903.log import Log, plural, rows_listed
from trellis.casedata.ssda903.output import Dates, Output
from trellis.casedata.ssda903.source import Row, Table


@dataclass(frozen=True)
class Person:
    sex_code: str
    date_of_birth: str  # YYYY-MM-DD, or as written when it is no date


def people_of(header: Table | None) -> dict[str, tuple[Table, Row]]:
    """The header row of each child (the first, when a child has several)."""
    people: dict[str, tuple[Table, Row]] = {}
    if header is not None:
        for row in header:
            if row.child() and row.child() not in people:
                people[row.child()] = (header, row)
    return people


def header_repeats(header: Table, log: Log) -> None:
    counts = Counter(row.child() for row in header if row.child())
    repeated = sum(1 for count in counts.values() if count > 1)
    if repeated:
        log.unmap(
            f"{header.file}: {plural(repeated, 'child', 'children')} on more than one row; "
            "the first row's SEX and DOB were used"
        )


def convert_episodes(episodes: Table, header: Table | None, dates: Dates, log: Log) -> Output:
    people = people_of(header)
    output = Output("episodes")
    persons: dict[str, Person] = {}
    places: Counter[str] = Counter()
    areas: Counter[str] = Counter()
    no_header: list[int] = []
    open_episodes = 0
    for row in episodes:
        if row.child() not in people:
            no_header.append(row.number)
            continue
        if row.child() not in persons:
            persons[row.child()] = _person(*people[row.child()], dates)
        person = persons[row.child()]
        places[row.code("PLACE")] += 1
        area = row.code("PL_LOCATION")
        areas[area] += 1
        end = dates.iso(episodes, row, "DEC")
        open_episodes += end == ""
        values = {
            "child_id": row.get("CHILD"),
            "date_of_birth": person.date_of_birth,
            "sex": SEXES.get(person.sex_code, "U"),
            "episode_start": dates.iso(episodes, row, "DECOM"),
            "episode_end": end,
            "placement_type": PLACEMENT_TYPES.get(row.code("PLACE"), row.get("PLACE")),
            "placement_area": PLACEMENT_AREAS.get(area, "unknown"),
        }
        output.add(values, episodes.file, row.number)
    log.note(
        f"episodes: CHILD → child_id, DECOM → episode_start, DEC → episode_end "
        f"({plural(len(output.rows), 'episode')}, {open_episodes:,} open with episode_end empty)"
    )
    _report_sexes(header.file if header is not None else "header", persons, log)
    _report_places(episodes.file, places, log)
    _report_areas(episodes, areas, log)
    if no_header:
        source = header.file if header is not None else "header.csv (missing)"
        log.unmap(
            f"{episodes.file}: {plural(len(no_header), 'row')} dropped ({rows_listed(no_header)}): "
            f"the child has no row in {source}, so no date of birth or sex"
        )
    return output


def _person(header: Table, row: Row, dates: Dates) -> Person:
    return Person(row.code("SEX"), dates.iso(header, row, "DOB"))


def _report_sexes(file: str, persons: dict[str, Person], log: Log) -> None:
    codes = Counter(person.sex_code for person in persons.values())
    for code, sex in SEXES.items():
        if codes[code]:
            log.note(
                f"episodes: SEX {code} → sex {sex} ({plural(codes[code], 'child', 'children')})"
            )
    other = Counter({c: n for c, n in codes.items() if c not in SEXES})
    if other:
        log.unmap(f"{file} SEX other than 1 or 2 → sex U (children by value: {log.counted(other)})")


def _report_places(file: str, places: Counter[str], log: Log) -> None:
    for placement_type in dict.fromkeys(PLACEMENT_TYPES.values()):
        used = Counter(
            {c: n for c, n in places.items() if PLACEMENT_TYPES.get(c) == placement_type}
        )
        if used:
            log.note(
                f"episodes: PLACE {log.counted(used)} → placement_type {placement_type} "
                f"({plural(used.total(), 'row')})"
            )
    unknown = Counter({c: n for c, n in places.items() if c not in PLACEMENT_TYPES})
    if unknown:
        log.unmap(
            f"{file} PLACE codes with no placement_type: {log.counted(unknown)} "
            f"({plural(unknown.total(), 'row')}); passed on as written, so validation "
            "reports them"
        )


def _report_areas(episodes: Table, areas: Counter[str], log: Log) -> None:
    total = areas.total()
    if "PL_LOCATION" not in episodes.columns:
        if total:
            log.note(
                f"episodes: placement_area unknown ({plural(total, 'row')}): {episodes.file} "
                "has no PL_LOCATION column; PL_POST, HOME_POST and PLACE_PROVIDER cannot "
                "tell in from out of area"
            )
        return
    for code, area in PLACEMENT_AREAS.items():
        if areas[code]:
            log.note(f"episodes: PL_LOCATION {code} → placement_area {area} ({areas[code]:,})")
    other = Counter({c: n for c, n in areas.items() if c not in PLACEMENT_AREAS})
    if other:
        log.unmap(f"{episodes.file} PL_LOCATION not IN or OUT, so unknown: {log.counted(other)}")


def convert_reviews(reviews: Table, dates: Dates, log: Log) -> Output:
    output = Output("reviews")
    for row in reviews:
        values = {
            "child_id": row.get("CHILD"),
            "review_date": dates.iso(reviews, row, "REVIEW"),
            "review_type": "looked_after",
        }
        output.add(values, reviews.file, row.number)
    log.note(
        f"reviews: CHILD → child_id, REVIEW → review_date, review_type looked_after "
        f"({plural(len(output.rows), 'row')})"
    )
    return output


def explain_health(episodes: Table | None, oc2: Table | None, log: Log) -> None:
    """health_assessments needs an accommodation date and the assessment's date; SSDA903 has
    the first and never the second, so no file is written (docs/ssda903.md)."""
    starts = 0
    if episodes is not None and "RNE" in episodes.columns:
        starts = sum(1 for row in episodes if row.code("RNE") == NEW_PERIOD_OF_CARE)
    log.unmap(
        "health_assessments.csv not written: SSDA903 has no health assessment dates. "
        f"{plural(starts, 'period')} of care start in episodes (RNE S) and could give "
        "accommodated_date, but with assessment_date empty every one would count as not "
        "assessed in iha_within_4_weeks"
    )
    if oc2 is not None:
        flags = Counter(row.get("HEALTH_ASSESSMENT") for row in oc2)
        log.unmap(
            f"{oc2.file} HEALTH_ASSESSMENT not used ({log.counted(flags)}): a yes/no for the "
            "year's annual assessment of children looked after 12 months, with no date"
        )
