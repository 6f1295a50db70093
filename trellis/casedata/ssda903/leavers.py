"""care_leavers and care_leaver_contacts from SSDA903 OC3, with the date of leaving care taken
from Episodes (OC3 has none). docs/ssda903.md gives the reasons for each rule."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from trellis.casedata.ssda903.codes import (
    DIED_AFTER_CARE,
    DIED_IN_CARE,
    EET,
    EET_UNKNOWN,
    IN_TOUCH_YES,
    LEAVING_CARE_AGE,
    NOT_IN_TOUCH,
    OC3_AGES,
    STILL_LOOKED_AFTER,
)
from trellis.casedata.ssda903.log import Log, plural, rows_listed
from trellis.casedata.ssda903.output import Dates, Output
from trellis.casedata.ssda903.source import Row, Table, birthday, parse_date


@dataclass(frozen=True)
class Year:
    """A collection year: 1 April to 31 March."""

    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        return f"{self.start.year}-{self.end.year % 100:02d}"

    def birthday_in(self, born: dt.date) -> dt.date:
        this = birthday(born, self.start.year)
        return this if this >= self.start else birthday(born, self.end.year)


def collection_year(episodes: Table | None, log: Log) -> Year | None:
    """The year that holds the latest DECOM: every episode of a return starts by its end."""
    starts = [parse_date(row.get("DECOM")) for row in episodes or ()]
    latest = max((d for d in starts if d is not None), default=None)
    if episodes is None or latest is None:
        return None
    end_year = latest.year + (1 if latest.month >= 4 else 0)
    year = Year(dt.date(end_year - 1, 4, 1), dt.date(end_year, 3, 31))
    log.note(
        f"collection year {year.label} (1 April {year.start.year} to 31 March {year.end.year}), "
        f"the year of the latest DECOM in {episodes.file}"
    )
    return year


class _Drops:
    """OC3 rows that gave no row of a dataset, by reason."""

    def __init__(self) -> None:
        self.by_reason: dict[str, list[int]] = defaultdict(list)

    def add(self, reason: str, row: int) -> None:
        self.by_reason[reason].append(row)

    def report(self, file: str, dataset: str, log: Log) -> None:
        for reason, rows in self.by_reason.items():
            log.unmap(
                f"{file}: {plural(len(rows), 'row')} gave no {dataset} row "
                f"({rows_listed(rows)}): {reason}"
            )


def convert_leavers(
    oc3: Table, episodes: Table | None, year: Year | None, dates: Dates, log: Log
) -> tuple[Output, Output]:
    last = _last_episodes(episodes)
    leavers, contacts = Output("care_leavers"), Output("care_leaver_contacts")
    leaver_drops, contact_drops = _Drops(), _Drops()
    seen: set[str] = set()
    in_touch: Counter[str] = Counter()
    activities: Counter[str] = Counter()
    for row in oc3:
        if row.child() in seen:
            leaver_drops.add("the young person is on an earlier OC3 row too", row.number)
            continue
        seen.add(row.child())
        in_touch[row.code("IN_TOUCH")] += 1
        left, why = _date_left_care(row, last, episodes)
        if left is not None:
            values = {
                "child_id": row.get("CHILD"),
                "date_of_birth": dates.iso(oc3, row, "DOB"),
                "date_left_care": left.isoformat(),
            }
            leavers.add(values, oc3.file, row.number)
        else:
            leaver_drops.add(why, row.number)
        if row.code("IN_TOUCH") == IN_TOUCH_YES:
            contact, why = _contact_date(row, year, left)
            if contact is None:
                contact_drops.add(why, row.number)
                continue
            activities[row.code("ACTIV")] += 1
            eet = EET.get(row.code("ACTIV"), EET_UNKNOWN)
            values = {"child_id": row.get("CHILD"), "contact_date": contact, "eet": eet}
            contacts.add(values, oc3.file, row.number)
    _report_leavers(oc3.file, leavers, leaver_drops, log)
    _report_contacts(oc3.file, contacts, contact_drops, year, in_touch, activities, log)
    _report_orphans(oc3.file, leavers, contacts, log)
    return leavers, contacts


def _last_episodes(episodes: Table | None) -> dict[str, tuple[dt.date, Row]]:
    """Each child's latest episode by DECOM (the later row when two start the same day)."""
    last: dict[str, tuple[dt.date, Row]] = {}
    for row in episodes or ():
        start = parse_date(row.get("DECOM"))
        if start is not None and (row.child() not in last or start >= last[row.child()][0]):
            last[row.child()] = (start, row)
    return last


def _date_left_care(
    row: Row, last: dict[str, tuple[dt.date, Row]], episodes: Table | None
) -> tuple[dt.date | None, str]:
    born = parse_date(row.get("DOB"))
    if row.code("IN_TOUCH") == DIED_AFTER_CARE:
        return None, "IN_TOUCH DIED (left out so that they never count as out of touch)"
    if born is None:
        return None, "DOB is not a date"
    if episodes is None:
        return None, "no episodes file to take the date of leaving care from"
    if row.child() not in last:
        return None, f"no episode in {episodes.file}, so no date of leaving care"
    episode = last[row.child()][1]
    ended = parse_date(episode.get("DEC"))
    reason = episode.code("REC")
    if episode.get("DEC") == "":
        return None, "still looked after (latest episode open)"
    if ended is None:
        return None, "the latest episode's DEC is not a date"
    if reason in ("", STILL_LOOKED_AFTER):
        return None, "the latest episode's REC (X1 or empty) does not end care"
    if reason == DIED_IN_CARE:
        return None, "the latest episode ended with REC E2 (died in care)"
    if ended < birthday(born, born.year + LEAVING_CARE_AGE):
        return None, "left care before their 16th birthday"
    return ended, ""


def _contact_date(row: Row, year: Year | None, left: dt.date | None) -> tuple[str | None, str]:
    born = parse_date(row.get("DOB"))
    if year is None:
        return None, "no collection year (no DECOM date in episodes) to date the contact in"
    if born is None:
        return None, "DOB is not a date"
    day = year.birthday_in(born)
    if day.year - born.year not in OC3_AGES:
        return None, f"no 17th to 21st birthday in {year.label}"
    if left is not None and day < left:
        return None, "the birthday is before date_left_care"
    return day.isoformat(), ""


def _report_leavers(file: str, leavers: Output, drops: _Drops, log: Log) -> None:
    log.note(
        "care_leavers: CHILD → child_id, DOB → date_of_birth; date_left_care = DEC of the "
        "child's latest episode when its REC ends care (an E code other than E2) on or after "
        f"the 16th birthday ({plural(len(leavers.rows), 'row')})"
    )
    drops.report(file, "care_leavers", log)


def _report_contacts(
    file: str,
    contacts: Output,
    drops: _Drops,
    year: Year | None,
    in_touch: Counter[str],
    activities: Counter[str],
    log: Log,
) -> None:
    when = f"in {year.label}" if year else "in the collection year"
    log.note(
        f"care_leaver_contacts: IN_TOUCH YES → one contact dated the 17th–21st birthday {when} "
        f"({plural(len(contacts.rows), 'row')})"
    )
    for eet in ("Y", "N"):
        used = Counter({c: n for c, n in activities.items() if EET.get(c) == eet})
        if used:
            log.note(f"care_leaver_contacts: ACTIV {log.counted(used)} → eet {eet}")
    other = Counter({c: n for c, n in activities.items() if c not in EET})
    if other:
        log.unmap(f"{file} ACTIV with no EET meaning, so eet U: {log.counted(other)}")
    known = Counter({c: n for c, n in in_touch.items() if c in NOT_IN_TOUCH})
    if known:
        log.note(f"care_leaver_contacts: IN_TOUCH {log.counted(known)} → no contact")
    unknown = Counter({c: n for c, n in in_touch.items() if c != "YES" and c not in NOT_IN_TOUCH})
    if unknown:
        log.unmap(f"{file} IN_TOUCH codes not known, so no contact: {log.counted(unknown)}")
    drops.report(file, "care_leaver_contacts", log)


def _report_orphans(file: str, leavers: Output, contacts: Output, log: Log) -> None:
    with_leaver = {row for _, _, row in leavers.rows}
    orphans = [row for _, _, row in contacts.rows if row not in with_leaver]
    if orphans:
        log.unmap(
            f"{file}: {plural(len(orphans), 'contact')} written for young people with no "
            f"care_leavers row ({rows_listed(orphans)}); the care leaver measures count "
            "only contacts of care leavers"
        )
