"""looked_after, balance_of_care, out_of_area and placement_moves on hand-made extracts.
Census days are the quarters' last days: 2020-03-31, 06-30, 09-30, 12-31."""

from __future__ import annotations

import datetime as dt

from tests.casedata.compute_helpers import (
    D,
    breakdowns,
    compute,
    episode,
    episodes,
    figures,
    row,
    rows_of,
)
from trellis.casedata.compute.session import open_session


def looked_after_on(period_end: str, *rows: tuple) -> int | float | None:
    return row(compute(episodes=episodes(*rows)), "looked_after", period_end).value


def test_an_episode_ending_on_the_census_day_does_not_cover_it() -> None:
    assert looked_after_on("2020-03-31", episode("a", "2020-01-10", "2020-03-31")) == 0


def test_an_episode_starting_on_the_census_day_covers_it() -> None:
    assert looked_after_on("2020-03-31", episode("a", "2020-03-31", "2020-04-02")) == 1


def test_an_open_episode_covers_every_later_census_day() -> None:
    rows = compute(episodes=episodes(episode("a", "2019-05-01")))
    assert [r.value for r in rows_of(rows, "looked_after") if r.breakdown is None] == [1, 1, 1, 1]


def test_a_child_with_several_episodes_counts_once_on_each_census_day() -> None:
    # Three consecutive episodes; the second covers 31 March, the third 30 June.
    rows = compute(
        episodes=episodes(
            episode("a", "2020-01-01", "2020-02-01"),
            episode("a", "2020-02-01", "2020-04-15"),
            episode("a", "2020-04-15", "2020-08-01"),
        )
    )
    unbroken = [r.value for r in rows_of(rows, "looked_after") if r.breakdown is None]
    assert unbroken == [1, 1, 0, 0]


def test_a_census_count_has_no_denominator_and_its_numerator_is_the_count() -> None:
    rows = compute(episodes=episodes(episode("a", "2020-01-01"), episode("b", "2020-02-01")))
    assert figures(row(rows, "looked_after", "2020-03-31")) == (2, None, 2)


def test_breakdown_rows_follow_the_placement_covering_the_census_day() -> None:
    # a moves from foster to residential on 2020-03-15: on 31 March a is in residential care.
    rows = compute(
        episodes=episodes(
            episode("a", "2020-01-01", "2020-03-15", placement="foster"),
            episode("a", "2020-03-15", placement="residential", area="out_of_area"),
            episode("b", "2020-01-01", sex="m", placement="foster"),
        )
    )
    types = breakdowns(rows, "looked_after", "2020-03-31", "placement_type")
    assert {k: v.value for k, v in types.items()} == {"foster": 1, "residential": 1}
    areas = breakdowns(rows, "looked_after", "2020-03-31", "placement_area")
    assert {k: v.value for k, v in areas.items()} == {"in_area": 1, "out_of_area": 1}


def test_breakdown_rows_are_given_only_for_groups_present() -> None:
    rows = compute(episodes=episodes(episode("a", "2020-01-01", sex="m")))
    assert set(breakdowns(rows, "looked_after", "2020-03-31", "sex")) == {"m"}


def test_age_bands_are_whole_years_on_the_census_day() -> None:
    # On 2020-03-31: a turns 5 that day (5-11); b is 4 until 1 April (0-4); c is 17 (16-17);
    # d is 18 (18+); e is 12 (12-15).
    rows = compute(
        episodes=episodes(
            episode("a", "2020-01-01", born="2015-03-31"),
            episode("b", "2020-01-01", born="2015-04-01"),
            episode("c", "2020-01-01", born="2002-06-30"),
            episode("d", "2020-01-01", born="2002-03-31"),
            episode("e", "2020-01-01", born="2007-12-31"),
        )
    )
    bands = breakdowns(rows, "looked_after", "2020-03-31", "age_band")
    assert {k: v.value for k, v in bands.items()} == {
        "0-4": 1,
        "5-11": 1,
        "12-15": 1,
        "16-17": 1,
        "18+": 1,
    }
    assert [r.breakdown for r in bands.values()] == [
        {"age_band": band} for band in ("0-4", "5-11", "12-15", "16-17", "18+")
    ]


def ages(*pairs: tuple[str, str]) -> list[int]:
    """Ages as the measures' SQL computes them, for (born, on) pairs."""
    with open_session({}, quarters=(), academic_years=(), extract_date=dt.date(2030, 1, 1)) as s:
        return [
            s.records("SELECT age_years($born::DATE, $on::DATE) AS age", {"born": born, "on": on})[
                0
            ]["age"]
            for born, on in pairs
        ]


def test_a_child_born_on_29_february_has_their_birthday_on_1_march_in_common_years() -> None:
    assert ages(
        ("2004-02-29", "2022-02-28"),
        ("2004-02-29", "2022-03-01"),
        ("2004-02-29", "2024-02-28"),
        ("2004-02-29", "2024-02-29"),
    ) == [17, 18, 19, 20]


def test_balance_of_care_gives_every_placement_type_and_no_unbroken_row() -> None:
    rows = compute(
        episodes=episodes(
            episode("a", "2020-01-01", placement="foster"),
            episode("b", "2020-01-01", placement="foster"),
            episode("c", "2020-01-01", placement="home"),
        )
    )
    q1 = rows_of(rows, "balance_of_care", "2020-03-31")
    assert [(r.breakdown, r.numerator, r.denominator) for r in q1] == [
        ({"placement_type": "home"}, 1, 3),
        ({"placement_type": "kinship"}, 0, 3),
        ({"placement_type": "foster"}, 2, 3),
        ({"placement_type": "residential"}, 0, 3),
        ({"placement_type": "community_other"}, 0, 3),
    ]
    assert [r.value for r in q1] == [1 / 3, 0.0, 2 / 3, 0.0, 0.0]


def test_balance_of_care_with_nobody_looked_after_gives_its_rows_at_zero_over_zero() -> None:
    rows = compute(episodes=episodes(episode("a", "2020-01-01", "2020-02-01")))
    q1 = rows_of(rows, "balance_of_care", "2020-03-31")
    assert len(q1) == 5
    assert {figures(r) for r in q1} == {(0, 0, None)}


def test_out_of_area_counts_only_children_whose_area_is_known() -> None:
    # Known areas: a in, b out, d out; c unknown is left out. Unbroken 2 / 3.
    # By sex: f (a, b) 1 / 2; m (d) 1 / 1. No placement_area breakdown.
    rows = compute(
        episodes=episodes(
            episode("a", "2020-01-01", area="in_area"),
            episode("b", "2020-01-01", area="out_of_area"),
            episode("c", "2020-01-01", area="unknown"),
            episode("d", "2020-01-01", area="out_of_area", sex="m"),
        )
    )
    assert figures(row(rows, "out_of_area", "2020-03-31")) == (2, 3, 2 / 3)
    sexes = breakdowns(rows, "out_of_area", "2020-03-31", "sex")
    assert {k: figures(v) for k, v in sexes.items()} == {"f": (1, 2, 0.5), "m": (1, 1, 1.0)}
    assert breakdowns(rows, "out_of_area", "2020-03-31", "placement_area") == {}


def test_out_of_area_gives_no_row_for_a_group_whose_areas_are_all_unknown() -> None:
    rows = compute(
        episodes=episodes(
            episode("a", "2020-01-01", area="in_area", placement="foster"),
            episode("b", "2020-01-01", area="unknown", placement="residential"),
        )
    )
    assert set(breakdowns(rows, "out_of_area", "2020-03-31", "placement_type")) == {"foster"}
    assert set(breakdowns(rows, "looked_after", "2020-03-31", "placement_type")) == {
        "foster",
        "residential",
    }


def test_out_of_area_with_no_known_area_is_null_over_zero() -> None:
    rows = compute(episodes=episodes(episode("a", "2020-01-01", area="unknown")))
    assert figures(row(rows, "out_of_area", "2020-03-31")) == (0, 0, None)


def test_placement_moves_counts_episodes_touching_the_365_days_ending_on_the_census_day() -> None:
    # Census day 2020-12-31; the 365 days ending on it start on 2020-01-02.
    # p: its first episode's last day is 2020-01-02: three episodes touch the year. Counted.
    # q: its first episode's last day is 2020-01-01, a day early: two episodes. Not counted.
    # r: four episodes in the year. Counted.
    # s: three episodes with gaps between them. Counted.
    # t: three episodes in the year but not looked after on the census day: not in either.
    rows = compute(
        episodes=episodes(
            episode("p", "2019-06-01", "2020-01-03"),
            episode("p", "2020-01-03", "2020-06-01"),
            episode("p", "2020-06-01"),
            episode("q", "2019-06-01", "2020-01-02"),
            episode("q", "2020-01-02", "2020-06-01"),
            episode("q", "2020-06-01"),
            episode("r", "2020-02-01", "2020-03-01"),
            episode("r", "2020-03-01", "2020-04-01"),
            episode("r", "2020-04-01", "2020-05-01"),
            episode("r", "2020-05-01"),
            episode("s", "2020-02-01", "2020-03-01"),
            episode("s", "2020-05-01", "2020-07-01"),
            episode("s", "2020-09-01"),
            episode("t", "2020-02-01", "2020-03-01"),
            episode("t", "2020-03-01", "2020-04-01"),
            episode("t", "2020-04-01", "2020-05-01"),
        )
    )
    assert figures(row(rows, "placement_moves", "2020-12-31")) == (3, 4, 0.75)


def test_placement_moves_breakdowns_use_the_census_day_placement() -> None:
    rows = compute(
        episodes=episodes(
            episode("r", "2020-02-01", "2020-03-01", placement="home"),
            episode("r", "2020-03-01", "2020-04-01", placement="home"),
            episode("r", "2020-04-01", placement="kinship"),
            episode("s", "2020-04-01", placement="home"),
        )
    )
    types = breakdowns(rows, "placement_moves", "2020-12-31", "placement_type")
    assert {k: figures(v) for k, v in types.items()} == {
        "home": (0, 1, 0.0),
        "kinship": (1, 1, 1.0),
    }


def test_census_measures_are_never_provisional() -> None:
    rows = compute(extract="2020-12-31", episodes=episodes(episode("a", "2020-12-30")))
    assert rows and not any(r.provisional for r in rows)


def test_each_quarter_is_reported_on_its_own_census_day() -> None:
    rows = compute(episodes=episodes(episode("a", "2020-01-01")))
    periods = [(r.period_start, r.period_end) for r in rows_of(rows, "looked_after")]
    assert list(dict.fromkeys(periods)) == [
        (D("2020-01-01"), D("2020-03-31")),
        (D("2020-04-01"), D("2020-06-30")),
        (D("2020-07-01"), D("2020-09-30")),
        (D("2020-10-01"), D("2020-12-31")),
    ]
