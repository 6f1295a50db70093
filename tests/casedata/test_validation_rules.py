"""The per-dataset rules of shared/DATA.md "Validation" (validation_rules.py), each on a small
hand-made extract: episodes, then the other datasets."""

from __future__ import annotations

import pytest

from tests.casedata.conftest import Extract, found, row, rules_of

EP = "episodes.csv"


def episodes(*changes: dict[str, str]) -> list[dict[str, str]]:
    return [row("episodes", **c) for c in changes]


# Episodes ------------------------------------------------------------------------------------


def test_an_episode_ending_on_its_start_day_is_an_error(extract: Extract):
    extract.csv("episodes", episodes({"episode_end": "2020-01-01"}))
    assert found(extract.read().errors) == {(EP, 2, "episode_end", "episode-end-not-after-start")}


def test_an_episode_ending_before_it_starts_is_an_error(extract: Extract):
    extract.csv("episodes", episodes({"episode_end": "2019-12-01"}))
    assert rules_of(extract.read().errors) == {"episode-end-not-after-start"}


def test_overlapping_episodes_are_reported_on_the_later_starting_one(extract: Extract):
    extract.csv(
        "episodes",
        episodes(
            {"episode_start": "2020-03-01", "episode_end": "2020-09-01"},  # row 2: later
            {"episode_start": "2020-01-01", "episode_end": "2020-04-01"},  # row 3: earlier
        ),
    )
    assert found(extract.read().errors) == {(EP, 2, "episode_start", "episodes-overlap")}


def test_an_episode_ending_on_the_day_the_next_starts_does_not_overlap_it(extract: Extract):
    extract.csv(
        "episodes",
        episodes(
            {"episode_start": "2020-01-01", "episode_end": "2020-03-01"},
            {"episode_start": "2020-03-01", "episode_end": ""},
        ),
    )
    assert extract.read().errors == []


def test_an_open_episode_overlaps_any_later_episode_of_the_child(extract: Extract):
    extract.csv(
        "episodes",
        episodes(
            {"episode_start": "2020-01-01", "episode_end": ""},
            {"episode_start": "2021-01-01", "episode_end": "2021-02-01"},
        ),
    )
    assert found(extract.read().errors) == {(EP, 3, "episode_start", "episodes-overlap")}


def test_an_episode_overlapping_one_that_is_not_the_latest_before_it_is_found(extract: Extract):
    extract.csv(
        "episodes",
        episodes(
            {"episode_start": "2020-01-01", "episode_end": "2020-12-01"},  # long
            {"episode_start": "2020-02-01", "episode_end": "2020-03-01"},  # inside it
            {"episode_start": "2020-06-01", "episode_end": "2020-07-01"},  # inside it too
        ),
    )
    assert found(extract.read().errors) == {
        (EP, 3, "episode_start", "episodes-overlap"),
        (EP, 4, "episode_start", "episodes-overlap"),
    }


def test_two_episodes_starting_the_same_day_are_both_reported(extract: Extract):
    extract.csv(
        "episodes",
        episodes({"episode_end": "2020-02-01"}, {"episode_end": "2020-03-01"}),
    )
    assert found(extract.read().errors) == {
        (EP, 2, "episode_start", "episodes-overlap"),
        (EP, 3, "episode_start", "episodes-overlap"),
    }


def test_episodes_of_different_children_never_overlap(extract: Extract):
    extract.csv("episodes", episodes({"child_id": "A"}, {"child_id": "B"}))
    assert extract.read().errors == []


def test_one_child_with_different_dates_of_birth_is_an_error_on_each_row(extract: Extract):
    extract.csv(
        "episodes",
        episodes(
            {"episode_start": "2020-01-01", "episode_end": "2020-02-01"},
            {
                "episode_start": "2020-02-01",
                "episode_end": "2020-03-01",
                "date_of_birth": "2016-01-01",
            },
        ),
    )
    assert found(extract.read().errors) == {
        (EP, 2, "date_of_birth", "inconsistent-child"),
        (EP, 3, "date_of_birth", "inconsistent-child"),
    }


def test_one_child_with_different_sexes_is_an_error(extract: Extract):
    extract.csv(
        "episodes",
        episodes(
            {"episode_start": "2020-01-01", "episode_end": "2020-02-01"},
            {"episode_start": "2020-02-01", "episode_end": "2020-03-01", "sex": "F"},
        ),
    )
    assert found(extract.read().errors) == {
        (EP, 2, "sex", "inconsistent-child"),
        (EP, 3, "sex", "inconsistent-child"),
    }


def test_the_same_date_of_birth_written_two_ways_is_consistent(extract: Extract):
    extract.csv(
        "episodes",
        episodes(
            {"episode_start": "2020-01-01", "episode_end": "2020-02-01"},
            {"episode_start": "2020-02-01", "episode_end": "", "date_of_birth": "01/02/2015"},
        ),
    )
    assert extract.read().errors == []


def test_a_child_born_after_the_episode_starts_is_an_error(extract: Extract):
    extract.csv("episodes", episodes({"date_of_birth": "2020-01-02"}))
    assert found(extract.read().errors) == {(EP, 2, "date_of_birth", "born-after-episode")}


def test_an_episode_starting_on_the_day_of_birth_is_allowed(extract: Extract):
    extract.csv("episodes", episodes({"date_of_birth": "2020-01-01"}))
    assert extract.read().errors == []


# Other datasets -----------------------------------------------------------------------------


def test_an_assessment_before_accommodation_is_an_error(extract: Extract):
    extract.csv("health_assessments", [row("health_assessments", assessment_date="2019-12-31")])
    assert found(extract.read().errors) == {
        ("health_assessments.csv", 2, "assessment_date", "assessment-before-accommodation")
    }


def test_an_assessment_on_the_day_of_accommodation_is_allowed(extract: Extract):
    extract.csv("health_assessments", [row("health_assessments", assessment_date="2020-01-01")])
    assert extract.read().errors == []


def test_a_health_assessment_of_a_child_with_no_episode_is_a_warning(extract: Extract):
    extract.csv("episodes", episodes({}))
    extract.csv(
        "health_assessments",
        [row("health_assessments"), row("health_assessments", child_id="OTHER")],
    )
    result = extract.read()
    assert result.errors == []
    assert found(result.warnings) == {("health_assessments.csv", 3, "child_id", "no-episode")}
    assert result.tables is not None


def test_a_child_id_written_in_another_case_still_has_its_episode(extract: Extract):
    extract.csv("episodes", episodes({"child_id": "abc"}))
    extract.csv("health_assessments", [row("health_assessments", child_id=" ABC ")])
    assert extract.read().warnings == []


def test_a_deregistration_before_registration_is_an_error(extract: Extract):
    extract.csv("cp_registrations", [row("cp_registrations", deregistration_date="2019-12-31")])
    assert found(extract.read().errors) == {
        ("cp_registrations.csv", 2, "deregistration_date", "deregistration-before-registration")
    }


def test_a_deregistration_on_the_day_of_registration_is_allowed(extract: Extract):
    extract.csv("cp_registrations", [row("cp_registrations", deregistration_date="2020-01-01")])
    assert extract.read().errors == []


def test_overlapping_registrations_of_one_child_are_an_error_on_the_later_one(extract: Extract):
    extract.csv(
        "cp_registrations",
        [
            row("cp_registrations", registration_date="2020-05-01", deregistration_date=""),
            row("cp_registrations"),
        ],
    )
    assert found(extract.read().errors) == {
        ("cp_registrations.csv", 2, "registration_date", "registrations-overlap")
    }


def test_a_reregistration_on_the_day_of_deregistration_is_allowed(extract: Extract):
    extract.csv(
        "cp_registrations",
        [row("cp_registrations"), row("cp_registrations", registration_date="2020-06-01")],
    )
    assert extract.read().errors == []


def test_a_service_end_not_after_its_start_is_an_error(extract: Extract):
    extract.csv("short_breaks", [row("short_breaks", service_end="2020-01-01")])
    assert found(extract.read().errors) == {
        ("short_breaks.csv", 2, "service_end", "service-end-not-after-start")
    }


def test_two_care_leavers_rows_for_one_child_are_an_error(extract: Extract):
    extract.csv(
        "care_leavers",
        [
            row("care_leavers"),
            row("care_leavers", date_left_care="2021-05-01"),
            row("care_leavers", child_id="C2"),
        ],
    )
    assert found(extract.read().errors) == {
        ("care_leavers.csv", 2, "child_id", "care-leaver-repeated"),
        ("care_leavers.csv", 3, "child_id", "care-leaver-repeated"),
    }


def test_more_sessions_attended_than_possible_is_an_error(extract: Extract):
    extract.csv("attendance", [row("attendance", attended_sessions="301")])
    assert found(extract.read().errors) == {("attendance.csv", 2, "attended_sessions", "sessions")}


def test_as_many_sessions_attended_as_possible_is_allowed(extract: Extract):
    extract.csv("attendance", [row("attendance", attended_sessions="300")])
    assert extract.read().errors == []


@pytest.mark.parametrize("column", ["possible_sessions", "attended_sessions"])
def test_negative_sessions_are_an_error(extract: Extract, column: str):
    extract.csv("attendance", [row("attendance", **{column: "-1"})])
    assert ("attendance.csv", 2, column, "sessions") in found(extract.read().errors)
