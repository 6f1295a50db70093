"""The synthetic extract: the same files for the same seed, every rule of shared/DATA.md kept
(checked here on the CSVs themselves), and the shape the demo relies on (about 600 looked
after, the profile's balance of care, a rising health-assessment trend...)."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import pathlib
import random
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from statistics import mean

import pytest

from trellis.casedata.synthetic import PROFILES, extract_date_for, generate_extract
from trellis.casedata.synthetic.breaks import MEAN_SERVICE_DAYS, sample_service_days
from trellis.casedata.synthetic.care import MEAN_CARE_DAYS, sample_care_days
from trellis.casedata.synthetic.protection import MEAN_REGISTERED_DAYS, sample_registered_days
from trellis.errors import Invalid

Rows = list[dict[str, str]]

# The columns of DATA.md, written out again here so that the test does not trust the code.
COLUMNS = {
    "episodes": [
        "child_id",
        "date_of_birth",
        "sex",
        "episode_start",
        "episode_end",
        "placement_type",
        "placement_area",
    ],
    "health_assessments": ["child_id", "accommodated_date", "assessment_date"],
    "cp_registrations": ["child_id", "registration_date", "deregistration_date"],
    "cp_contacts": ["child_id", "contact_date", "contact_type"],
    "short_breaks": ["child_id", "service_start", "service_end"],
    "reviews": ["child_id", "review_date", "review_type"],
    "care_leavers": ["child_id", "date_of_birth", "date_left_care"],
    "care_leaver_contacts": ["child_id", "contact_date", "eet"],
    "attendance": ["child_id", "academic_year", "possible_sessions", "attended_sessions"],
}
DATE_COLUMNS = {
    name: [c for c in columns if c.endswith(("_date", "_start", "_end", "_birth", "_care"))]
    for name, columns in COLUMNS.items()
}
EXTRACT_DATE = dt.date(2020, 12, 31)  # the defaults: 2017 and four years
FAR_FUTURE = dt.date(9999, 12, 31)


@pytest.fixture(scope="module")
def default(tmp_path_factory: pytest.TempPathFactory) -> tuple[pathlib.Path, dict[str, int]]:
    folder = tmp_path_factory.mktemp("default")
    return folder, generate_extract(folder)


@pytest.fixture(scope="module")
def data(default: tuple[pathlib.Path, dict[str, int]]) -> dict[str, Rows]:
    return {name: read(default[0], name) for name in COLUMNS}


def read(folder: pathlib.Path, name: str) -> Rows:
    with (folder / f"{name}.csv").open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def end_or_open(text: str) -> dt.date:
    return day(text) if text else FAR_FUTURE


def by_child(rows: Rows) -> dict[str, Rows]:
    grouped: dict[str, Rows] = defaultdict(list)
    for row in rows:
        grouped[row["child_id"]].append(row)
    return grouped


def census_days() -> list[dt.date]:
    return [dt.date(y, m, d) for y in range(2017, 2021) for m, d in ((3, 31), (6, 30), (9, 30))]


def looked_after_on(episodes: Rows, census: dt.date) -> dict[str, str]:
    """Child → placement type of the episode covering `census` ([start, end))."""
    return {
        e["child_id"]: e["placement_type"]
        for e in episodes
        if day(e["episode_start"]) <= census < end_or_open(e["episode_end"])
    }


def no_overlaps(rows: Rows, start: str, end: str) -> bool:
    for spells in by_child(rows).values():
        ordered = sorted((day(r[start]), end_or_open(r[end])) for r in spells)
        if any(later[0] < earlier[1] for earlier, later in itertools.pairwise(ordered)):
            return False
    return True


def age_on(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


# Determinism and shape of the files


def test_the_same_seed_writes_the_same_files_byte_for_byte(
    default: tuple[pathlib.Path, dict[str, int]], tmp_path: pathlib.Path
) -> None:
    again = generate_extract(tmp_path)
    assert again == default[1]
    for name in COLUMNS:
        assert (tmp_path / f"{name}.csv").read_bytes() == (default[0] / f"{name}.csv").read_bytes()


def test_another_seed_writes_other_files(
    default: tuple[pathlib.Path, dict[str, int]], tmp_path: pathlib.Path
) -> None:
    generate_extract(tmp_path, seed=2)
    for name in COLUMNS:
        assert (tmp_path / f"{name}.csv").read_bytes() != (default[0] / f"{name}.csv").read_bytes()


def test_there_is_one_file_per_dataset_headed_by_the_contract_columns(
    default: tuple[pathlib.Path, dict[str, int]],
) -> None:
    folder, _ = default
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{n}.csv" for n in COLUMNS)
    for name, columns in COLUMNS.items():
        with (folder / f"{name}.csv").open(newline="", encoding="utf-8") as file:
            assert next(csv.reader(file)) == columns


def test_the_summary_gives_each_file_its_row_count(
    default: tuple[pathlib.Path, dict[str, int]], data: dict[str, Rows]
) -> None:
    assert default[1] == {name: len(rows) for name, rows in data.items()}
    assert all(count > 0 for count in default[1].values())


def test_the_extract_date_is_the_last_day_of_the_span() -> None:
    assert extract_date_for(2017, 4) == EXTRACT_DATE
    assert extract_date_for(2019, 1) == dt.date(2019, 12, 31)


def test_a_single_child_for_a_single_year_still_gives_every_file(tmp_path: pathlib.Path) -> None:
    summary = generate_extract(tmp_path, children=1, start=2019, years=1, seed=7)
    assert set(summary) == set(COLUMNS)
    assert all((tmp_path / f"{name}.csv").stat().st_size > 0 for name in COLUMNS)


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"children": 0}, "children"),
        ({"start": 1900}, "start"),
        ({"years": 0}, "years"),
        ({"profile": "wales"}, "profile"),
    ],
)
def test_settings_out_of_range_are_refused_before_anything_is_written(
    tmp_path: pathlib.Path, arguments: dict[str, object], field: str
) -> None:
    with pytest.raises(Invalid) as refused:
        generate_extract(tmp_path / "out", **arguments)  # type: ignore[arg-type]
    assert list(refused.value.errors) == [field]
    assert not (tmp_path / "out").exists()


# The validation rules of DATA.md


def test_no_date_is_after_the_extract_date_and_all_are_written_yyyy_mm_dd(
    data: dict[str, Rows],
) -> None:
    for name, columns in DATE_COLUMNS.items():
        for row in data[name]:
            for column in columns:
                if row[column]:
                    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row[column])
                    assert day(row[column]) <= EXTRACT_DATE, (name, column)


def test_no_required_value_is_empty(data: dict[str, Rows]) -> None:
    optional = {"episode_end", "assessment_date", "deregistration_date", "service_end"}
    for name, rows in data.items():
        for row in rows:
            assert all(value for column, value in row.items() if column not in optional), name


def test_codes_are_written_as_the_contract_lists_them(data: dict[str, Rows]) -> None:
    def values(name: str, column: str) -> set[str]:
        return {row[column] for row in data[name]}

    assert values("episodes", "sex") == {"M", "F", "U"}
    assert values("episodes", "placement_type") == {
        "home",
        "kinship",
        "foster",
        "residential",
        "community_other",
    }
    assert values("episodes", "placement_area") == {"in_area", "out_of_area", "unknown"}
    assert values("cp_contacts", "contact_type") == {"face_to_face", "virtual", "phone"}
    assert values("reviews", "review_type") == {"short_break", "looked_after"}
    assert values("care_leaver_contacts", "eet") == {"Y", "N", "U"}


def test_child_ids_are_plainly_fake_case_numbers(data: dict[str, Rows]) -> None:
    ids = {row["child_id"] for rows in data.values() for row in rows}
    assert all(re.fullmatch(r"RV\d{7}", child) for child in ids)


def test_no_row_is_repeated(data: dict[str, Rows]) -> None:
    for name, rows in data.items():
        assert len({tuple(row.values()) for row in rows}) == len(rows), name


def test_a_childs_episodes_never_overlap_and_each_ends_after_it_starts(
    data: dict[str, Rows],
) -> None:
    episodes = data["episodes"]
    assert no_overlaps(episodes, "episode_start", "episode_end")
    assert all(
        day(e["episode_end"]) > day(e["episode_start"]) for e in episodes if e["episode_end"]
    )


def test_each_child_has_one_birth_date_and_sex_and_is_born_before_any_episode(
    data: dict[str, Rows],
) -> None:
    for child, episodes in by_child(data["episodes"]).items():
        assert len({(e["date_of_birth"], e["sex"]) for e in episodes}) == 1, child
        assert all(day(e["date_of_birth"]) < day(e["episode_start"]) for e in episodes)
    births = {e["child_id"]: e["date_of_birth"] for e in data["episodes"]}
    for leaver in data["care_leavers"]:
        assert births.get(leaver["child_id"], leaver["date_of_birth"]) == leaver["date_of_birth"]


def test_health_assessments_are_of_accommodated_children_and_not_before_it(
    data: dict[str, Rows],
) -> None:
    starts = {(e["child_id"], e["episode_start"]) for e in data["episodes"]}
    for row in data["health_assessments"]:
        assert (row["child_id"], row["accommodated_date"]) in starts
        if row["assessment_date"]:
            assert day(row["assessment_date"]) >= day(row["accommodated_date"])


def test_a_childs_registrations_never_overlap_and_end_after_they_start(
    data: dict[str, Rows],
) -> None:
    registrations = data["cp_registrations"]
    assert no_overlaps(registrations, "registration_date", "deregistration_date")
    assert all(
        day(r["deregistration_date"]) > day(r["registration_date"])
        for r in registrations
        if r["deregistration_date"]
    )


def test_short_break_services_end_after_they_start(data: dict[str, Rows]) -> None:
    ended = [s for s in data["short_breaks"] if s["service_end"]]
    assert ended
    assert all(day(s["service_end"]) > day(s["service_start"]) for s in ended)


def test_attendance_is_within_the_possible_sessions_for_years_written_yyyy_yy(
    data: dict[str, Rows],
) -> None:
    for row in data["attendance"]:
        assert 0 <= int(row["attended_sessions"]) <= int(row["possible_sessions"])
        written = re.fullmatch(r"(\d{4})/(\d{2})", row["academic_year"])
        assert written is not None
        assert (int(written[1]) + 1) % 100 == int(written[2])
    assert {r["academic_year"] for r in data["attendance"]} == {
        "2016/17",
        "2017/18",
        "2018/19",
        "2019/20",
    }


def test_each_care_leaver_has_one_row_and_left_care_aged_16_to_18(data: dict[str, Rows]) -> None:
    leavers = data["care_leavers"]
    assert len({row["child_id"] for row in leavers}) == len(leavers)
    for row in leavers:
        assert 16 <= age_on(day(row["date_of_birth"]), day(row["date_left_care"])) <= 18


def test_care_leavers_looked_after_in_the_span_left_on_their_last_episodes_end(
    data: dict[str, Rows],
) -> None:
    episodes = by_child(data["episodes"])
    for row in data["care_leavers"]:
        if row["child_id"] in episodes:
            last = max(episodes[row["child_id"]], key=lambda e: e["episode_start"])
            assert last["episode_end"] == row["date_left_care"]


def test_the_contacts_and_reviews_fall_while_the_service_or_registration_runs(
    data: dict[str, Rows],
) -> None:
    registrations = by_child(data["cp_registrations"])
    for contact in data["cp_contacts"][::50]:
        when = day(contact["contact_date"])
        assert any(
            day(r["registration_date"]) <= when < end_or_open(r["deregistration_date"])
            for r in registrations[contact["child_id"]]
        )
    services = {s["child_id"]: s for s in data["short_breaks"]}
    for review in (r for r in data["reviews"] if r["review_type"] == "short_break"):
        service = services[review["child_id"]]
        when = day(review["review_date"])
        assert day(service["service_start"]) <= when < end_or_open(service["service_end"])


def test_the_upload_validation_finds_no_error_or_warning(
    default: tuple[pathlib.Path, dict[str, int]],
) -> None:
    from trellis.casedata.validation import read_extract

    result = read_extract(default[0], extract_date=EXTRACT_DATE)
    assert (result.errors, result.warnings) == ([], [])


# The shape of the default partnership


def test_about_600_children_are_looked_after_on_each_census_day(data: dict[str, Rows]) -> None:
    counts = [len(looked_after_on(data["episodes"], census)) for census in census_days()]
    assert all(530 <= count <= 670 for count in counts), counts
    assert 560 <= mean(counts) <= 640


def test_more_distinct_children_pass_through_care_than_are_looked_after_at_once(
    data: dict[str, Rows],
) -> None:
    assert 1000 <= len({e["child_id"] for e in data["episodes"]}) <= 1600


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_the_balance_of_care_mid_span_is_within_three_points_of_the_profile(
    profile: str, tmp_path: pathlib.Path
) -> None:
    generate_extract(tmp_path, children=4000, seed=3, profile=profile)
    placed = looked_after_on(read(tmp_path, "episodes"), dt.date(2018, 12, 31))
    shares = Counter(placed.values())
    for kind, share in PROFILES[profile].balance.items():
        assert shares[kind] / len(placed) == pytest.approx(share, abs=0.03), kind


def test_ages_on_a_census_day_run_from_babies_to_17_with_most_of_school_age(
    data: dict[str, Rows],
) -> None:
    census = dt.date(2018, 12, 31)
    births = {e["child_id"]: day(e["date_of_birth"]) for e in data["episodes"]}
    ages = Counter(
        age_on(births[child], census) for child in looked_after_on(data["episodes"], census)
    )
    assert min(ages) == 0 and max(ages) == 17
    looked_after = sum(ages.values())
    assert 0.4 <= sum(n for age, n in ages.items() if 5 <= age <= 15) / looked_after <= 0.8


def test_sex_is_mostly_m_or_f_with_a_few_unknown(data: dict[str, Rows]) -> None:
    sexes = Counter({e["child_id"]: e["sex"] for e in data["episodes"]}.values())
    assert sexes["U"] <= 0.02 * sum(sexes.values())
    assert 0.4 <= sexes["M"] / sum(sexes.values()) <= 0.6


def test_about_a_tenth_of_placements_are_out_of_area_and_a_few_unknown(
    data: dict[str, Rows],
) -> None:
    census = dt.date(2018, 12, 31)
    areas = Counter(
        e["placement_area"]
        for e in data["episodes"]
        if day(e["episode_start"]) <= census < end_or_open(e["episode_end"])
    )
    total = sum(areas.values())
    assert 0.06 <= areas["out_of_area"] / total <= 0.15
    assert 0 < areas["unknown"] / total <= 0.05


def test_some_children_move_placement_and_some_come_back_into_care(data: dict[str, Rows]) -> None:
    moved = came_back = 0
    for episodes in by_child(data["episodes"]).values():
        moved += len(episodes) > 1
        ends = {e["episode_end"] for e in episodes}
        came_back += sum(e["episode_start"] not in ends for e in episodes) > 1
    children = len(by_child(data["episodes"]))
    assert 0.3 <= moved / children <= 0.8
    assert 0.02 <= came_back / children <= 0.2


def test_about_140_children_are_on_the_register_and_some_come_back_within_a_year(
    data: dict[str, Rows],
) -> None:
    registrations = data["cp_registrations"]
    counts = [
        sum(
            day(r["registration_date"]) <= census < end_or_open(r["deregistration_date"])
            for r in registrations
        )
        for census in census_days()
    ]
    assert 110 <= mean(counts) <= 170, counts
    again = 0
    for spells in by_child(registrations).values():
        ordered = sorted(spells, key=lambda r: r["registration_date"])
        again += sum(
            (day(later["registration_date"]) - day(earlier["deregistration_date"])).days <= 365
            for earlier, later in itertools.pairwise(ordered)
        )
    assert 0.03 <= again / len(registrations) <= 0.2


def test_most_registered_child_weeks_have_a_face_to_face_contact(data: dict[str, Rows]) -> None:
    visits = {
        (c["child_id"], day(c["contact_date"]).isocalendar()[:2])
        for c in data["cp_contacts"]
        if c["contact_type"] == "face_to_face"
    }
    weeks = seen = 0
    for r in data["cp_registrations"]:
        first = day(r["registration_date"])
        monday = first + dt.timedelta(days=-first.weekday() % 7)
        stop = min(end_or_open(r["deregistration_date"]), EXTRACT_DATE + dt.timedelta(days=1))
        while monday + dt.timedelta(days=7) <= stop:  # whole weeks inside the registration
            weeks += 1
            seen += (r["child_id"], monday.isocalendar()[:2]) in visits
            monday += dt.timedelta(days=7)
    assert 0.90 <= seen / weeks <= 0.97


def test_health_assessments_within_28_days_rise_from_the_first_year_to_the_last(
    data: dict[str, Rows],
) -> None:
    def on_time(year: int) -> float:
        rows = [r for r in data["health_assessments"] if r["accommodated_date"][:4] == str(year)]
        return mean(
            bool(r["assessment_date"])
            and (day(r["assessment_date"]) - day(r["accommodated_date"])).days <= 28
            for r in rows
        )

    first, last = on_time(2017), on_time(2020)
    assert 0.22 <= first <= 0.48
    assert 0.55 <= last <= 0.82
    assert last - first >= 0.15


def test_some_health_assessments_near_the_extract_date_are_not_yet_done(
    data: dict[str, Rows],
) -> None:
    late = [r for r in data["health_assessments"] if r["accommodated_date"] >= "2020-11-01"]
    assert any(not r["assessment_date"] for r in late)
    assert any(r["assessment_date"] for r in late)


def test_children_looked_after_at_home_attend_school_a_few_points_less(
    data: dict[str, Rows],
) -> None:
    sessions: dict[bool, list[int]] = {True: [0, 0], False: [0, 0]}
    by_year = by_child(data["attendance"])
    for census in (dt.date(y, 7, 31) for y in range(2017, 2021)):
        label = f"{census.year - 1}/{census.year % 100:02d}"
        for child, kind in looked_after_on(data["episodes"], census).items():
            for row in by_year.get(child, []):
                if row["academic_year"] == label:
                    sessions[kind == "home"][0] += int(row["attended_sessions"])
                    sessions[kind == "home"][1] += int(row["possible_sessions"])
    home, other = (sessions[g][0] / sessions[g][1] for g in (True, False))
    assert 0.01 <= other - home <= 0.10


def test_most_care_leavers_are_in_touch_each_quarter(data: dict[str, Rows]) -> None:
    quarter_end, quarter_start = dt.date(2019, 6, 30), dt.date(2019, 4, 1)
    eligible = {
        r["child_id"]
        for r in data["care_leavers"]
        if day(r["date_left_care"]) <= quarter_end
        and age_on(day(r["date_of_birth"]), quarter_end) < 26
    }
    in_touch = {
        c["child_id"]
        for c in data["care_leaver_contacts"]
        if quarter_start <= day(c["contact_date"]) <= quarter_end
    }
    assert 0.65 <= len(eligible & in_touch) / len(eligible) <= 0.95


def test_care_leavers_are_contacted_only_after_leaving_care_and_before_26(
    data: dict[str, Rows],
) -> None:
    leavers = {r["child_id"]: r for r in data["care_leavers"]}
    for contact in data["care_leaver_contacts"]:
        leaver = leavers[contact["child_id"]]
        when = day(contact["contact_date"])
        assert day(leaver["date_left_care"]) <= when
        assert age_on(day(leaver["date_of_birth"]), when) < 26


def test_about_60_children_have_short_breaks_and_most_were_reviewed_in_the_year(
    data: dict[str, Rows],
) -> None:
    census = dt.date(2019, 6, 30)
    running = {
        s["child_id"]
        for s in data["short_breaks"]
        if day(s["service_start"]) <= census < end_or_open(s["service_end"])
    }
    reviewed = {
        r["child_id"]
        for r in data["reviews"]
        if r["review_type"] == "short_break" and 0 <= (census - day(r["review_date"])).days <= 364
    }
    assert 40 <= len(running) <= 80
    assert 0.7 <= len(running & reviewed) / len(running) < 1


def test_looked_after_children_have_reviews_while_in_care(data: dict[str, Rows]) -> None:
    reviewed = {r["child_id"] for r in data["reviews"] if r["review_type"] == "looked_after"}
    in_care = looked_after_on(data["episodes"], dt.date(2019, 6, 30))
    assert len(reviewed & set(in_care)) >= 0.95 * len(in_care)


@pytest.mark.parametrize(
    ("sample", "mean_days"),
    [
        (sample_care_days, MEAN_CARE_DAYS),
        (sample_registered_days, MEAN_REGISTERED_DAYS),
        (sample_service_days, MEAN_SERVICE_DAYS),
    ],
)
def test_the_calibrated_mean_lengths_agree_with_the_simulation(
    sample: Callable[[random.Random], int], mean_days: float
) -> None:
    rng = random.Random(11)
    assert mean(sample(rng) for _ in range(40_000)) == pytest.approx(mean_days, rel=0.03)
