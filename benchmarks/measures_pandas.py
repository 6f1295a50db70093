"""A separately written, vectorised pandas implementation of shared/DATA.md's built-in measures:
the baseline and cross-check of benchmarks/measures.py.

It makes every choice docs/casedata-measures.md records where DATA.md is silent, but shares no
code with trellis.casedata.compute: periods, ages, child-weeks and the "three or more episodes"
rule are worked out afresh here. The style is pandas at its sensible best: boolean masks and
groupby per period (a Python loop over the 40 quarters and the academic years, never over
rows). Dates become whole days since 1970-01-01 (int32), an open end the largest int32; codes
become categoricals; child_id becomes one integer per child shared by all nine datasets.

Like the engine, it relies on what validation guarantees: a child's episodes never overlap,
registrations of one child never overlap, one care_leavers row per child, no duplicate rows.
It expects all nine datasets (the benchmark always has them).

compute(folder, extract_date=..., start=..., end=...) reads the nine Parquet files of an
extract and returns the rows as dicts shaped like MeasureRow.to_json(), in the engine's order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

DATASETS = (
    "episodes",
    "health_assessments",
    "cp_registrations",
    "cp_contacts",
    "short_breaks",
    "reviews",
    "care_leavers",
    "care_leaver_contacts",
    "attendance",
)
SEXES = ("m", "f", "u")
AGE_BANDS = ("0-4", "5-11", "12-15", "16-17", "18+")
AGE_BAND_FLOORS = np.array([5, 12, 16, 18])  # the first age of each band after 0-4
PLACEMENT_TYPES = ("home", "kinship", "foster", "residential", "community_other")
PLACEMENT_AREAS = ("in_area", "out_of_area", "unknown")
EPISODE_FIELDS = ("sex", "age_band", "placement_type", "placement_area")

OPEN = np.iinfo(np.int32).max  # the end of an open episode, registration or service
EPOCH = dt.date(1970, 1, 1)
EPOCH_MONDAY = 4  # 1970-01-05, the first Monday after the epoch, in days since it


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


# ---------------------------------------------------------------------------------------------
# Periods


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @property
    def first(self) -> int:
        return day_number(self.start)

    @property
    def last(self) -> int:
        return day_number(self.end)


def quarter_periods(start: dt.date, end: dt.date, extract_date: dt.date) -> list[Period]:
    """Calendar quarters starting on or after start and ending on or before end and the
    extract date."""
    limit = min(end, extract_date)
    found = []
    for year in range(start.year, limit.year + 1):
        for month in (1, 4, 7, 10):
            first = dt.date(year, month, 1)
            following = dt.date(year + 1, 1, 1) if month == 10 else dt.date(year, month + 3, 1)
            last = following - dt.timedelta(days=1)
            if first >= start and last <= limit:
                found.append(Period(first, last))
    return found


def academic_periods(start: dt.date, end: dt.date, extract_date: dt.date) -> list[Period]:
    """Academic years (1 August to 31 July) whose 31 July lies in start..end and not after the
    extract date."""
    limit = min(end, extract_date)
    return [
        Period(dt.date(year - 1, 8, 1), dt.date(year, 7, 31))
        for year in range(start.year, limit.year + 1)
        if start <= dt.date(year, 7, 31) <= limit
    ]


# ---------------------------------------------------------------------------------------------
# Reading: Parquet through pyarrow into pandas frames of integers, booleans and categoricals


def days_of(column: pa.ChunkedArray, missing: int = OPEN) -> np.ndarray:
    """date32 as int32 days since the epoch; an empty date as `missing`."""
    return pc.fill_null(column.cast(pa.int32()), missing).to_numpy()


def categorical(column: pa.ChunkedArray, categories: Sequence[str]) -> pd.Categorical:
    codes = pc.fill_null(pc.index_in(column, value_set=pa.array(categories)), -1)
    return pd.Categorical.from_codes(codes.to_numpy().astype(np.int8), categories=categories)


def is_code(column: pa.ChunkedArray, code: str) -> np.ndarray:
    return pc.fill_null(pc.equal(column, code), False).to_numpy()


def birth_parts(born: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Year and month * 100 + day of each date of birth, for whole years of age."""
    stamps = pd.DatetimeIndex(born.astype("datetime64[D]"))
    return stamps.year.to_numpy(np.int32), (stamps.month * 100 + stamps.day).to_numpy(np.int32)


def read(folder: Path) -> dict[str, pd.DataFrame]:
    tables = {name: pq.read_table(folder / f"{name}.parquet") for name in DATASETS}
    # One integer per child, the same in every dataset: one dictionary encoding of all the
    # datasets' child_id columns together (its chunks share one growing dictionary).
    columns = [tables[name]["child_id"].cast(pa.string()) for name in DATASETS]
    encoded = pc.dictionary_encode(pa.chunked_array([c for col in columns for c in col.chunks]))
    every_code = np.concatenate(
        [np.array([], np.int32)] + [chunk.indices.to_numpy() for chunk in encoded.chunks]
    ).astype(np.int32)
    ends = np.cumsum([len(col) for col in columns])
    child_codes = dict(zip(DATASETS, np.split(every_code, ends[:-1]), strict=True))

    t = tables["episodes"]
    born = days_of(t["date_of_birth"])
    born_year, born_mmdd = birth_parts(born)
    episodes = pd.DataFrame(
        {
            "child": child_codes["episodes"],
            "born_year": born_year,
            "born_mmdd": born_mmdd,
            "sex": categorical(t["sex"], SEXES),
            "start": days_of(t["episode_start"]),
            "end": days_of(t["episode_end"]),
            "placement_type": categorical(t["placement_type"], PLACEMENT_TYPES),
            "placement_area": categorical(t["placement_area"], PLACEMENT_AREAS),
        }
    )
    t = tables["health_assessments"]
    health = pd.DataFrame(
        {
            "accommodated": days_of(t["accommodated_date"]),
            "assessed": t["assessment_date"].is_valid().to_numpy(),
            "assessment": days_of(t["assessment_date"]),
        }
    )
    t = tables["cp_registrations"]
    registrations = pd.DataFrame(
        {
            "child": child_codes["cp_registrations"],
            "registered": days_of(t["registration_date"]),
            "deregistered": days_of(t["deregistration_date"]),
        }
    )
    t = tables["cp_contacts"]
    cp_contacts = pd.DataFrame(
        {
            "child": child_codes["cp_contacts"],
            "day": days_of(t["contact_date"]),
            "face_to_face": is_code(t["contact_type"], "face_to_face"),
        }
    )
    t = tables["short_breaks"]
    short_breaks = pd.DataFrame(
        {
            "child": child_codes["short_breaks"],
            "start": days_of(t["service_start"]),
            "end": days_of(t["service_end"]),
        }
    )
    t = tables["reviews"]
    reviews = pd.DataFrame(
        {
            "child": child_codes["reviews"],
            "day": days_of(t["review_date"]),
            "short_break": is_code(t["review_type"], "short_break"),
        }
    )
    t = tables["care_leavers"]
    born_year, born_mmdd = birth_parts(days_of(t["date_of_birth"]))
    care_leavers = pd.DataFrame(
        {
            "child": child_codes["care_leavers"],
            "born_year": born_year,
            "born_mmdd": born_mmdd,
            "left": days_of(t["date_left_care"]),
        }
    )
    t = tables["care_leaver_contacts"]
    leaver_contacts = pd.DataFrame(
        {
            "child": child_codes["care_leaver_contacts"],
            "day": days_of(t["contact_date"]),
            "eet": is_code(t["eet"], "y"),
        }
    )
    t = tables["attendance"]
    # "2019/20" ends on 31 July 2020: the year is the first four characters plus one.
    first_year = pc.cast(pc.utf8_slice_codeunits(t["academic_year"], 0, 4), pa.int32())
    attendance = pd.DataFrame(
        {
            "child": child_codes["attendance"],
            "ends": first_year.to_numpy() + 1,
            "possible": t["possible_sessions"].to_numpy().astype(np.int64),
            "attended": t["attended_sessions"].to_numpy().astype(np.int64),
        }
    )
    return {
        "episodes": episodes,
        "health_assessments": health,
        "cp_registrations": registrations,
        "cp_contacts": cp_contacts,
        "short_breaks": short_breaks,
        "reviews": reviews,
        "care_leavers": care_leavers,
        "care_leaver_contacts": leaver_contacts,
        "attendance": attendance,
    }


# ---------------------------------------------------------------------------------------------
# Rows


def age_years(born_year: pd.Series, born_mmdd: pd.Series, day: dt.date) -> np.ndarray:
    """Whole years on the day: a year is added on the (month, day) of birth, so someone born
    on 29 February is a year older on 1 March of a common year."""
    before_birthday = (day.month * 100 + day.day < born_mmdd.to_numpy()).astype(np.int32)
    return day.year - born_year.to_numpy() - before_birthday


def age_band(ages: np.ndarray) -> pd.Categorical:
    codes = np.searchsorted(AGE_BAND_FLOORS, ages, side="right").astype(np.int8)
    return pd.Categorical.from_codes(codes, categories=AGE_BANDS)


Sums = dict[tuple[str | None, str | None], dict[str, int]]


def group_sums(frame: pd.DataFrame, columns: Sequence[str], fields: Sequence[str] = ()) -> Sums:
    """The columns summed over the whole frame (key (None, None)), then per group of each
    breakdown field that has rows, in the field's category order."""
    found: Sums = {(None, None): {c: int(v) for c, v in frame[list(columns)].sum().items()}}
    for field in fields:
        sums = frame.groupby(field, observed=True, sort=True)[list(columns)].sum()
        for value, values in sums.to_dict("index").items():
            found[field, str(value)] = {c: int(v) for c, v in values.items()}
    return found


def measure_row(
    measure: str,
    period: Period,
    breakdown: dict[str, str] | None,
    numerator: int | None,
    denominator: int | None,
    value: float | int | None,
    provisional: bool = False,
) -> dict[str, Any]:
    return {
        "measure": measure,
        "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(),
        "breakdown": breakdown,
        "numerator": numerator,
        "denominator": denominator,
        "value": value,
        "provisional": provisional,
    }


def count_rows(
    measure: str, period: Period, sums: Sums, count: str, fields: Sequence[str] = ()
) -> Iterator[dict[str, Any]]:
    """The count, then one row per group of the fields with anyone in it."""
    for (field, value), values in sums.items():
        n = values[count]
        if field is None:
            yield measure_row(measure, period, None, n, None, n)
        elif field in fields and n > 0 and value is not None:
            yield measure_row(measure, period, {field: value}, n, None, n)


def share_rows(
    measure: str,
    period: Period,
    sums: Sums,
    numerator: str,
    denominator: str,
    fields: Sequence[str] = (),
    provisional: bool = False,
) -> Iterator[dict[str, Any]]:
    """The share (null over 0), then one row per group of the fields in the denominator."""
    for (field, value), values in sums.items():
        num, den = values[numerator], values[denominator]
        share = num / den if den else None
        if field is None:
            yield measure_row(measure, period, None, num, den, share, provisional)
        elif field in fields and den > 0 and value is not None:
            yield measure_row(measure, period, {field: value}, num, den, share, provisional)


# ---------------------------------------------------------------------------------------------
# Measures


def episode_census(
    episodes: pd.DataFrame, quarters: Sequence[Period]
) -> dict[str, list[dict[str, Any]]]:
    """looked_after, balance_of_care, out_of_area and placement_moves: per quarter, the
    episodes covering the census day, and per child the episodes touching the 365 days
    ending on it (census day - 364 to census day)."""
    rows: dict[str, list[dict[str, Any]]] = {
        m: [] for m in ("looked_after", "balance_of_care", "out_of_area", "placement_moves")
    }
    start, end = episodes["start"], episodes["end"]
    for q in quarters:
        census = q.last
        covering = episodes[(start <= census) & (end > census)]
        touching = episodes.loc[(start <= census) & (end > census - 364), "child"]
        episodes_in_year = touching.value_counts()
        area = covering["placement_area"]
        population = pd.DataFrame(
            {
                "sex": covering["sex"],
                "age_band": age_band(
                    age_years(covering["born_year"], covering["born_mmdd"], q.end)
                ),
                "placement_type": covering["placement_type"],
                "placement_area": area,
                "looked_after": np.ones(len(covering), dtype=np.int64),
                "area_known": (area != "unknown").to_numpy(),
                "out_of_area": (area == "out_of_area").to_numpy(),
                "moved": episodes_in_year.reindex(covering["child"]).to_numpy() >= 3,
            }
        )
        sums = group_sums(
            population, ("looked_after", "area_known", "out_of_area", "moved"), EPISODE_FIELDS
        )
        rows["looked_after"] += count_rows("looked_after", q, sums, "looked_after", EPISODE_FIELDS)
        everyone = sums[None, None]["looked_after"]
        for placement_type in PLACEMENT_TYPES:
            n = sums.get(("placement_type", placement_type), {"looked_after": 0})["looked_after"]
            rows["balance_of_care"].append(
                measure_row(
                    "balance_of_care",
                    q,
                    {"placement_type": placement_type},
                    n,
                    everyone,
                    n / everyone if everyone else None,
                )
            )
        rows["out_of_area"] += share_rows(
            "out_of_area", q, sums, "out_of_area", "area_known", EPISODE_FIELDS[:3]
        )
        rows["placement_moves"] += share_rows(
            "placement_moves", q, sums, "moved", "looked_after", EPISODE_FIELDS
        )
    return rows


def iha_within_4_weeks(
    health: pd.DataFrame, quarters: Sequence[Period], extract_date: dt.date
) -> list[dict[str, Any]]:
    accommodated = health["accommodated"]
    in_time = health["assessed"] & (health["assessment"] <= accommodated + 28)
    window_open = ~health["assessed"] & (accommodated + 28 > day_number(extract_date))
    rows = []
    for q in quarters:
        in_quarter = (accommodated >= q.first) & (accommodated <= q.last)
        num, den = int(in_time[in_quarter].sum()), int(in_quarter.sum())
        pending = bool(window_open[in_quarter].any())
        rows.append(
            measure_row(
                "iha_within_4_weeks", q, None, num, den, num / den if den else None, pending
            )
        )
    return rows


def child_protection(
    registrations: pd.DataFrame, contacts: pd.DataFrame, quarters: Sequence[Period]
) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {
        m: [] for m in ("on_cp_register", "cp_reregistered_12m", "cp_weekly_face_to_face")
    }
    registrations = registrations.drop_duplicates().reset_index(drop=True)
    registrations["row"] = np.arange(len(registrations))
    registered, deregistered = registrations["registered"], registrations["deregistered"]

    # Re-registered: another registration of the child was deregistered 0 to 365 days before.
    ended = registrations.loc[deregistered != OPEN, ["child", "deregistered", "row"]]
    pairs = registrations[["child", "registered", "row"]].merge(
        ended, on="child", suffixes=("", "_earlier")
    )
    gap = pairs["registered"] - pairs["deregistered"]
    hits = pairs.loc[(pairs["row"] != pairs["row_earlier"]) & (gap >= 0) & (gap <= 365), "row"]
    reregistered = registrations["row"].isin(hits)

    # Weeks with a face-to-face contact, by Monday, kept when the whole week lies inside one of
    # the child's registrations.
    face = contacts.loc[contacts["face_to_face"], ["child", "day"]]
    visited = pd.DataFrame(
        {"child": face["child"], "monday": face["day"] - (face["day"] - EPOCH_MONDAY) % 7}
    ).drop_duplicates()
    visited = visited.merge(registrations[["child", "registered", "deregistered"]], on="child")
    inside = (visited["registered"] <= visited["monday"]) & (
        visited["deregistered"] > visited["monday"] + 6
    )
    visited_mondays = visited.loc[inside, ["child", "monday"]].drop_duplicates()["monday"]

    for q in quarters:
        census = q.last
        on_register = registrations.loc[(registered <= census) & (deregistered > census), "child"]
        n = int(on_register.nunique())
        rows["on_cp_register"].append(measure_row("on_cp_register", q, None, n, None, n))

        in_quarter = (registered >= q.first) & (registered <= q.last)
        num, den = int(reregistered[in_quarter].sum()), int(in_quarter.sum())
        share = num / den if den else None
        rows["cp_reregistered_12m"].append(
            measure_row("cp_reregistered_12m", q, None, num, den, share)
        )

        # Child-weeks: the Mondays m with m and m + 6 inside both the quarter and the
        # registration, counted from the days both cover.
        first = np.maximum(registered.to_numpy(np.int64), q.first)
        last = np.minimum(deregistered.to_numpy(np.int64) - 1, q.last)
        mondays = (last - 6 - EPOCH_MONDAY) // 7 - (first - 1 - EPOCH_MONDAY) // 7
        den = int(np.clip(mondays, 0, None).sum())
        num = int(((visited_mondays >= q.first) & (visited_mondays + 6 <= q.last)).sum())
        rows["cp_weekly_face_to_face"].append(
            measure_row("cp_weekly_face_to_face", q, None, num, den, num / den if den else None)
        )
    return rows


def short_breaks_reviewed(
    services: pd.DataFrame, reviews: pd.DataFrame, quarters: Sequence[Period]
) -> list[dict[str, Any]]:
    short_break_reviews = reviews[reviews["short_break"]]
    review_day = short_break_reviews["day"]
    rows = []
    for q in quarters:
        census = q.last
        served = services.loc[
            (services["start"] <= census) & (services["end"] > census), "child"
        ].unique()
        reviewed_children = short_break_reviews.loc[
            (review_day >= census - 364) & (review_day <= census), "child"
        ].unique()
        num, den = int(np.isin(served, reviewed_children).sum()), len(served)
        rows.append(
            measure_row("short_breaks_reviewed", q, None, num, den, num / den if den else None)
        )
    return rows


def care_leaver_measures(
    leavers: pd.DataFrame, contacts: pd.DataFrame, quarters: Sequence[Period]
) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {"care_leavers_in_touch": [], "care_leavers_eet": []}
    for q in quarters:
        ages = age_years(leavers["born_year"], leavers["born_mmdd"], q.end)
        counted = ((leavers["left"] <= q.last) & (ages < 26)).to_numpy()
        population = leavers[counted]
        in_quarter = contacts[(contacts["day"] >= q.first) & (contacts["day"] <= q.last)]
        # The latest contact day of each child in the quarter; yes if any contact that day says so.
        latest_day = in_quarter.groupby("child")["day"].transform("max")
        eet = in_quarter.loc[in_quarter["day"] == latest_day].groupby("child")["eet"].any()
        says_eet = eet.reindex(population["child"])
        sums = group_sums(
            pd.DataFrame(
                {
                    "age_band": age_band(ages[counted]),
                    "leavers": np.ones(len(population), dtype=np.int64),
                    "in_touch": says_eet.notna().to_numpy(),
                    "eet": says_eet.fillna(False).to_numpy(bool),
                }
            ),
            ("leavers", "in_touch", "eet"),
            ("age_band",),
        )
        rows["care_leavers_in_touch"] += share_rows(
            "care_leavers_in_touch", q, sums, "in_touch", "leavers", ("age_band",)
        )
        rows["care_leavers_eet"] += share_rows(
            "care_leavers_eet", q, sums, "eet", "in_touch", ("age_band",)
        )
    return rows


def attendance_gap(
    episodes: pd.DataFrame, attendance: pd.DataFrame, years: Sequence[Period]
) -> list[dict[str, Any]]:
    rows = []
    for y in years:
        census = y.last
        covering = episodes[(episodes["start"] <= census) & (episodes["end"] > census)]
        groups = pd.DataFrame(
            {
                "child": covering["child"],
                "placement_group": np.where(covering["placement_type"] == "home", "home", "other"),
            }
        )
        sessions = attendance[attendance["ends"] == y.end.year].merge(groups, on="child")
        totals = sessions.groupby("placement_group")[["attended", "possible"]].sum()
        rates = {
            str(group): (int(t["attended"]), int(t["possible"]))
            for group, t in totals.to_dict("index").items()
        }
        share = {g: a / p if p else None for g, (a, p) in rates.items()}
        home, other = share.get("home"), share.get("other")
        gap = None if home is None or other is None else home - other
        rows.append(measure_row("attendance_gap", y, None, None, None, gap))
        for group in ("home", "other"):
            if group in rates:
                attended, possible = rates[group]
                rows.append(
                    measure_row(
                        "attendance_gap",
                        y,
                        {"placement_group": group},
                        attended,
                        possible,
                        share[group],
                    )
                )
    return rows


def compute(
    folder: Path, *, extract_date: dt.date, start: dt.date, end: dt.date
) -> list[dict[str, Any]]:
    frames = read(folder)
    return compute_frames(frames, extract_date=extract_date, start=start, end=end)


def compute_frames(
    frames: dict[str, pd.DataFrame], *, extract_date: dt.date, start: dt.date, end: dt.date
) -> list[dict[str, Any]]:
    quarters = quarter_periods(start, end, extract_date)
    years = academic_periods(start, end, extract_date)
    census = episode_census(frames["episodes"], quarters)
    cp = child_protection(frames["cp_registrations"], frames["cp_contacts"], quarters)
    leavers = care_leaver_measures(frames["care_leavers"], frames["care_leaver_contacts"], quarters)
    return [
        *census["looked_after"],
        *census["balance_of_care"],
        *census["out_of_area"],
        *census["placement_moves"],
        *iha_within_4_weeks(frames["health_assessments"], quarters, extract_date),
        *cp["on_cp_register"],
        *cp["cp_reregistered_12m"],
        *cp["cp_weekly_face_to_face"],
        *short_breaks_reviewed(frames["short_breaks"], frames["reviews"], quarters),
        *leavers["care_leavers_in_touch"],
        *leavers["care_leavers_eet"],
        *attendance_gap(frames["episodes"], frames["attendance"], years),
    ]
