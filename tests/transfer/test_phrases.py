"""The structured parts proposed from a plan's words."""

from __future__ import annotations

import datetime as dt

import pytest

from trellis.transfer.cells import items_of, lead_kind, leads_of, updates_of
from trellis.transfer.headings import field_for, guess_mapping
from trellis.transfer.phrases import (
    explicit_target,
    find_targets,
    heading_date,
    parse_date,
    rag_word,
    without_date,
)

D = dt.date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("By 30 September 2020", D(2020, 9, 30)),
        ("31-10-19", D(2019, 10, 31)),
        ("31/10/2019", D(2019, 10, 31)),
        ("31.03.21", D(2021, 3, 31)),
        ("Oct 2020", D(2020, 10, 31)),
        ("Sept 2020", D(2020, 9, 30)),
        ("end of February 2024", D(2024, 2, 29)),
        ("2020-09-30", D(2020, 9, 30)),
        ("1st March 2021", D(2021, 3, 1)),
        ("31 February 2020", None),
        ("Ongoing", None),
        ("4 weeks", None),
    ],
)
def test_dates_are_read_the_british_way(text: str, expected: dt.date | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("Update Q1 2020/21", D(2020, 6, 30)),
        ("Update Q4 2020/21", D(2021, 3, 31)),
        ("Q2 2020", D(2020, 6, 30)),
        ("Progress update June 2020", D(2020, 6, 30)),
        ("Progress update", None),
    ],
)
def test_update_column_headings_date_their_updates(heading: str, expected: dt.date | None) -> None:
    assert heading_date(heading) == expected


def test_smart_targets_become_trajectory_points_in_order() -> None:
    points = find_targets(
        "By 30 Sep 2020 50% of children seen; 75% by 30 Sep 2021; 90% by Sep 2022"
    )
    assert [(p.value, p.date) for p in points] == [
        (50, D(2020, 9, 30)),
        (75, D(2021, 9, 30)),
        (90, D(2022, 9, 30)),
    ]


def test_a_percentage_without_a_date_is_not_a_target() -> None:
    assert find_targets("Increase to 50% of children within 4 weeks") == []


def test_an_exported_target_line_keeps_its_unit() -> None:
    point = explicit_target("12 days by 31 March 2021")
    assert point is not None and (point.value, point.unit, point.date) == (
        12,
        "days",
        D(2021, 3, 31),
    )


def test_a_milestone_title_loses_its_date_phrase() -> None:
    assert without_date("Multi-agency workshop by 30 Nov 2019") == "Multi-agency workshop"
    assert without_date("Charter to the group in Dec 2019.") == "Charter to the group"


@pytest.mark.parametrize(
    ("text", "rag"),
    [
        ("Green", "green"),
        ("G", "green"),
        ("amber – at risk", "amber"),
        ("Completed", "complete"),
        ("Not started", "not-started"),
        ("Ongoing", None),
    ],
)
def test_rag_words(text: str, rag: str | None) -> None:
    assert rag_word(text) == rag


def test_several_leads_are_split_into_roles_groups_and_agencies() -> None:
    leads = leads_of(
        "ICS Board Chair & Corporate Parenting Improvement Group; IJB Chief Officer and "
        "Chief Social Work Officer\nPolice Scotland"
    )
    assert leads == [
        "ICS Board Chair",
        "Corporate Parenting Improvement Group",
        "IJB Chief Officer",
        "Chief Social Work Officer",
        "Police Scotland",
    ]
    assert [lead_kind(lead) for lead in leads] == ["role", "group", "role", "role", "agency"]


def test_and_inside_a_job_title_is_not_a_split() -> None:
    assert leads_of("Quality and Performance Manager") == ["Quality and Performance Manager"]


def test_splitting_a_lead_again_gives_it_back() -> None:
    for lead in leads_of("CPC Chair; Head of Service and CSWO & Data and Systems Manager"):
        assert leads_of(lead) == [lead]


def test_agency_prefixed_updates_are_separate_and_share_the_cell_date() -> None:
    updates = updates_of(
        "September 2020\nCPC – audit done\nCSW – 95% seen weekly (Green)\n"
        "Police Scotland: joint training",
        wrapped=False,
    )
    assert [(u.date, u.text, u.rag) for u in updates] == [
        (D(2020, 9, 30), "CPC – audit done", None),
        (D(2020, 9, 30), "CSW – 95% seen weekly", "green"),
        (D(2020, 9, 30), "Police Scotland: joint training", None),
    ]


def test_a_sentence_opening_with_a_date_is_not_taken_as_a_dated_heading() -> None:
    update = updates_of("31 October 2019 framework went live", wrapped=False)[0]
    assert (update.date, update.text) == (None, "31 October 2019 framework went live")


def test_wrapped_lines_join_unless_a_new_item_is_marked() -> None:
    assert items_of("first measure that\nwraps\n• second", wrapped=True) == [
        "first measure that wraps",
        "second",
    ]
    assert items_of("one\ntwo", wrapped=False) == ["one", "two"]


@pytest.mark.parametrize(
    ("heading", "field"),
    [
        ("Area for improvement", "outcome"),
        ("Key driver", "driver"),
        ("Action", "action"),
        ("Improvement aim", "action"),
        ("Success measure", "measure"),
        ("Key improvement measures", "measure"),
        ("Outcome measure", "measure"),
        ("Lead officer", "lead"),
        ("Lead responsibility", "lead"),
        ("Target date", "due"),
        ("Timescale", "due"),
        ("RAG", "rag"),
        ("Status", "rag"),
        ("Progress update", "update"),
        ("Update Q1", "update"),
        ("Ref", None),
    ],
)
def test_headings_map_by_name_and_synonym(heading: str, field: str | None) -> None:
    assert field_for(heading) == field


def test_only_update_columns_may_repeat_a_field() -> None:
    assert guess_mapping(["Action", "Actions", "Update Q1", "Update Q2"]) == [
        "action",
        None,
        "update",
        "update",
    ]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("(Amber): Recruiting", ("Recruiting", "amber")),
        ("Amber – two posts still vacant", ("two posts still vacant", "amber")),
        ("RAG: Red. Funding not agreed", ("Funding not agreed", "red")),
        ("Recruiting [Green]", ("Recruiting", "green")),
        ("G", ("", "green")),
        ("Red flag raised by the panel", ("Red flag raised by the panel", None)),
    ],
)
def test_rag_words_are_taken_out_of_an_update_and_its_words_kept(
    cell: str, expected: tuple[str, str | None]
) -> None:
    (update,) = updates_of(cell, wrapped=False)
    assert (update.text, update.rag) == expected
