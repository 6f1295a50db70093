"""The measures' write services: definitions, trajectories, figures one at a time or
pasted, chart notes and comparison series — who may, what is refused, what is kept and
what is audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from tests import factories
from tests.conftest import Cast
from tests.measures.factories import measure, member
from trellis.accounts.models import Membership, Person, Role
from trellis.audit.models import AuditEntry
from trellis.errors import Conflict, Forbidden, Invalid
from trellis.measures import services
from trellis.measures.models import (
    Annotation,
    Comparator,
    ComparatorValue,
    Measure,
    Observation,
    ObservationRevision,
)
from trellis.plans.models import Action

D = dt.date
Q1, Q2, Q3 = D(2020, 3, 31), D(2020, 6, 30), D(2020, 9, 30)


def definition(**overrides: Any) -> dict[str, Any]:
    return {
        "code": "LAC-IHA",
        "title": "Initial health assessments within 4 weeks",
        "kind": "percentage",
        "direction": "increase",
        "role": "outcome",
        "source": "manual",
        "frequency": "quarter",
        "chart": "p",
        "rules": "anhoej",
        **overrides,
    }


def lead_action(cast: Cast) -> Action:
    return Action.objects.filter(partnership=cast.partnership, lead=cast.lead).order_by("id")[0]


def as_(cast: Cast, role: str) -> Membership:
    person = cast.by_role()[role]
    assert person is not None
    return member(cast, person)


def audited(verb: str, target: Any) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(verb=verb, object_id=str(target.pk)))


def figures(m: Measure) -> list[tuple[dt.date, float | None]]:
    return list(m.observations.order_by("period_ends").values_list("period_ends", "value"))


# Defining a measure


@pytest.mark.parametrize("role", ["owner", "analyst"])
def test_an_owner_or_analyst_defines_a_measure(cast: Cast, role: str) -> None:
    made = services.measure_create(membership=as_(cast, role), fields=definition())

    stored = Measure.objects.get(pk=made.pk)
    assert stored.partnership == cast.partnership
    assert (stored.code, stored.kind) == ("LAC-IHA", "percentage")
    assert stored.updated_by == cast.by_role()[role]


@pytest.mark.parametrize("role", ["admin", "lead", "board", "inspector"])
def test_other_members_cannot_define_a_measure(cast: Cast, role: str) -> None:
    with pytest.raises(Forbidden):
        services.measure_create(membership=as_(cast, role), fields=definition())

    assert not Measure.objects.exists()


def test_a_measure_is_linked_to_the_aims_it_evidences(cast: Cast) -> None:
    action = lead_action(cast)

    made = services.measure_create(
        membership=as_(cast, "analyst"), fields=definition(), actions=[action]
    )

    assert list(made.actions.all()) == [action]


def test_a_rate_needs_to_say_per_how_many(cast: Cast) -> None:
    with pytest.raises(Invalid) as refused:
        services.measure_create(
            membership=as_(cast, "analyst"), fields=definition(kind="rate", chart="run")
        )

    assert set(refused.value.errors) == {"rate_per"}
    assert not Measure.objects.exists()


def test_a_rate_with_its_base_is_defined(cast: Cast) -> None:
    made = services.measure_create(
        membership=as_(cast, "analyst"),
        fields=definition(kind="rate", chart="run", rate_per=10000),
    )

    assert Measure.objects.get(pk=made.pk).rate_per == 10000


def test_an_aim_of_another_partnership_is_refused(cast: Cast) -> None:
    theirs = factories.plan_tree(cast.other, actions=1)
    action = Action.objects.get(driver__outcome__plan=theirs)

    with pytest.raises(Invalid) as refused:
        services.measure_create(
            membership=as_(cast, "analyst"), fields=definition(), actions=[action]
        )

    assert set(refused.value.errors) == {"actions"}
    assert not Measure.objects.exists()


def test_a_percentage_is_always_in_per_cent(cast: Cast) -> None:
    made = services.measure_create(membership=as_(cast, "analyst"), fields=definition(unit="days"))

    assert Measure.objects.get(pk=made.pk).unit == "%"


def test_a_count_keeps_the_unit_given(cast: Cast) -> None:
    made = services.measure_create(
        membership=as_(cast, "analyst"),
        fields=definition(kind="count", chart="run", unit="children"),
    )

    assert Measure.objects.get(pk=made.pk).unit == "children"


def test_a_p_chart_of_a_count_is_refused(cast: Cast) -> None:
    with pytest.raises(Invalid):
        services.measure_create(
            membership=as_(cast, "analyst"), fields=definition(kind="count", chart="p")
        )

    assert not Measure.objects.exists()


def test_a_second_measure_with_the_same_code_is_refused(cast: Cast) -> None:
    services.measure_create(membership=as_(cast, "analyst"), fields=definition())

    with pytest.raises(Invalid):
        services.measure_create(membership=as_(cast, "analyst"), fields=definition(title="Another"))

    assert Measure.objects.count() == 1


def test_defining_a_measure_is_audited(cast: Cast) -> None:
    made = services.measure_create(membership=as_(cast, "analyst"), fields=definition())

    [entry] = audited("measure.create", made)
    assert entry.actor_id == cast.analyst.pk
    assert entry.partnership_id == cast.partnership.pk
    assert entry.changes["code"] == "LAC-IHA"


def test_an_analyst_changes_a_measure_and_its_version_moves_on(cast: Cast) -> None:
    made = measure(cast, title="Old title")

    services.measure_update(
        made, membership=as_(cast, "analyst"), expected_version=1, fields={"title": "New title"}
    )

    stored = Measure.objects.get(pk=made.pk)
    assert (stored.title, stored.version) == ("New title", 2)
    assert audited("measure.update", made)[0].changes == {"title": ["Old title", "New title"]}


def test_a_lead_cannot_change_a_measure_of_their_aim(cast: Cast) -> None:
    made = measure(cast, title="Old title", actions=[lead_action(cast)])

    with pytest.raises(Forbidden):
        services.measure_update(
            made, membership=as_(cast, "lead"), expected_version=1, fields={"title": "Mine"}
        )

    assert Measure.objects.get(pk=made.pk).title == "Old title"


def test_changing_a_measure_without_naming_aims_keeps_its_links(cast: Cast) -> None:
    action = lead_action(cast)
    made = measure(cast, actions=[action])

    services.measure_update(
        made, membership=as_(cast, "analyst"), expected_version=1, fields={"title": "Renamed"}
    )

    assert list(Measure.objects.get(pk=made.pk).actions.all()) == [action]


def test_changing_a_measure_to_an_aim_of_another_partnership_is_refused(cast: Cast) -> None:
    mine = lead_action(cast)
    made = measure(cast, actions=[mine])
    theirs = Action.objects.get(driver__outcome__plan=factories.plan_tree(cast.other, actions=1))

    with pytest.raises(Invalid):
        services.measure_update(
            made, membership=as_(cast, "analyst"), expected_version=1, fields={}, actions=[theirs]
        )

    assert list(Measure.objects.get(pk=made.pk).actions.all()) == [mine]


def test_a_stale_change_to_a_measure_is_a_conflict_and_keeps_the_first(cast: Cast) -> None:
    made = measure(cast)
    services.measure_update(
        made, membership=as_(cast, "owner"), expected_version=1, fields={"title": "First"}
    )

    with pytest.raises(Conflict) as conflict:
        services.measure_update(
            Measure.objects.get(pk=made.pk),
            membership=as_(cast, "analyst"),
            expected_version=1,
            fields={"title": "Second"},
        )

    assert conflict.value.changed_by == str(cast.owner)
    stored = Measure.objects.get(pk=made.pk)
    assert (stored.title, stored.version) == ("First", 2)


# Targets


def test_targets_replace_the_previous_trajectory(cast: Cast) -> None:
    made = measure(cast, targets=[(D(2021, 9, 30), 75.0), (D(2022, 9, 30), 90.0)])

    services.targets_set(made, membership=as_(cast, "analyst"), targets=[(D(2023, 3, 31), 95.0)])

    assert list(made.targets.values_list("due", "value")) == [(D(2023, 3, 31), 95.0)]


def test_targets_are_kept_in_date_order(cast: Cast) -> None:
    made = measure(cast)

    services.targets_set(
        made,
        membership=as_(cast, "owner"),
        targets=[(D(2022, 9, 30), 90.0), (D(2021, 9, 30), 75.0)],
    )

    assert list(made.targets.values_list("due", flat=True)) == [D(2021, 9, 30), D(2022, 9, 30)]


def test_an_empty_list_removes_every_target(cast: Cast) -> None:
    made = measure(cast, targets=[(D(2021, 9, 30), 75.0)])

    services.targets_set(made, membership=as_(cast, "analyst"), targets=[])

    assert not made.targets.exists()


def test_a_repeated_target_date_is_refused_and_the_old_targets_kept(cast: Cast) -> None:
    made = measure(cast, targets=[(D(2021, 9, 30), 75.0)])

    with pytest.raises(Invalid) as refused:
        services.targets_set(
            made,
            membership=as_(cast, "analyst"),
            targets=[(D(2022, 9, 30), 80.0), (D(2022, 9, 30), 90.0)],
        )

    assert "targets" in refused.value.errors
    assert list(made.targets.values_list("due", "value")) == [(D(2021, 9, 30), 75.0)]


@pytest.mark.parametrize("days_after_baseline", [0, -1, -400])
def test_a_target_on_or_before_the_baseline_is_refused(
    cast: Cast, days_after_baseline: int
) -> None:
    baseline = D(2019, 9, 30)
    made = measure(cast, baseline=(baseline, 31.0))
    due = baseline + dt.timedelta(days=days_after_baseline)

    with pytest.raises(Invalid) as refused:
        services.targets_set(
            made,
            membership=as_(cast, "analyst"),
            targets=[(D(2021, 9, 30), 75.0), (due, 40.0)],
        )

    assert "targets" in refused.value.errors
    assert not made.targets.exists()


def test_a_target_the_day_after_the_baseline_is_accepted(cast: Cast) -> None:
    made = measure(cast, baseline=(D(2019, 9, 30), 31.0))

    services.targets_set(made, membership=as_(cast, "analyst"), targets=[(D(2019, 10, 1), 32.0)])

    assert made.targets.count() == 1


def test_setting_targets_is_audited_with_the_old_and_new_trajectory(cast: Cast) -> None:
    made = measure(cast, targets=[(D(2021, 9, 30), 75.0)])

    services.targets_set(made, membership=as_(cast, "owner"), targets=[(D(2022, 9, 30), 90.0)])

    [entry] = audited("measure.targets", made)
    assert entry.actor_id == cast.owner.pk
    assert entry.changes["targets"] == [[["2021-09-30", 75.0]], [["2022-09-30", 90.0]]]


@pytest.mark.parametrize("role", ["lead", "board", "admin"])
def test_other_members_cannot_set_targets(cast: Cast, role: str) -> None:
    made = measure(cast, actions=[lead_action(cast)], targets=[(D(2021, 9, 30), 75.0)])

    with pytest.raises(Forbidden):
        services.targets_set(made, membership=as_(cast, role), targets=[])

    assert made.targets.count() == 1


# Recording one figure


def record(m: Measure, who: Membership, **fields: Any) -> Observation:
    return services.observation_save(m, membership=who, **{"period_ends": Q1, **fields})


def test_a_percentage_is_computed_from_its_numerator_and_denominator(cast: Cast) -> None:
    made = measure(cast)

    saved = record(made, as_(cast, "analyst"), numerator=12, denominator=30)

    stored = Observation.objects.get(pk=saved.pk)
    assert (stored.numerator, stored.denominator, stored.value) == (12, 30, 40.0)
    assert stored.partnership == cast.partnership


def test_a_rate_is_computed_per_its_base(cast: Cast) -> None:
    made = measure(cast, kind="rate", rate_per=10000)

    saved = record(made, as_(cast, "analyst"), numerator=5, denominator=2000)

    assert Observation.objects.get(pk=saved.pk).value == 25.0


def test_a_rates_numerator_may_exceed_its_denominator(cast: Cast) -> None:
    # 30 missing episodes among 20 looked-after children: 1,500 per 1,000 children.
    made = measure(cast, kind="rate", rate_per=1000)

    saved = record(made, as_(cast, "analyst"), numerator=30, denominator=20)

    assert Observation.objects.get(pk=saved.pk).value == 1500.0


def test_a_count_keeps_its_value_and_no_parts(cast: Cast) -> None:
    made = measure(cast, kind="count")

    saved = record(made, as_(cast, "analyst"), value=17, numerator=3, denominator=4)

    stored = Observation.objects.get(pk=saved.pk)
    assert (stored.numerator, stored.denominator, stored.value) == (None, None, 17.0)


def test_a_zero_denominator_records_no_figure_rather_than_zero(cast: Cast) -> None:
    made = measure(cast)

    saved = record(made, as_(cast, "analyst"), numerator=0, denominator=0)

    stored = Observation.objects.get(pk=saved.pk)
    assert (stored.numerator, stored.denominator, stored.value) == (0, 0, None)


def test_a_numerator_more_than_the_denominator_is_refused(cast: Cast) -> None:
    made = measure(cast)

    with pytest.raises(Invalid) as refused:
        record(made, as_(cast, "analyst"), numerator=31, denominator=30)

    assert set(refused.value.errors) == {"numerator"}
    assert not Observation.objects.exists()


@pytest.mark.parametrize(
    ("parts", "field"),
    [({"numerator": 12}, "denominator"), ({"denominator": 30}, "numerator")],
)
def test_a_percentage_needs_both_parts(cast: Cast, parts: dict[str, float], field: str) -> None:
    made = measure(cast)

    with pytest.raises(Invalid) as refused:
        record(made, as_(cast, "analyst"), **parts)

    assert set(refused.value.errors) == {field}
    assert not Observation.objects.exists()


def test_a_negative_count_is_refused(cast: Cast) -> None:
    made = measure(cast, kind="count")

    with pytest.raises(Invalid) as refused:
        record(made, as_(cast, "analyst"), value=-1)

    assert set(refused.value.errors) == {"value"}
    assert not Observation.objects.exists()


def test_a_count_needs_its_value(cast: Cast) -> None:
    made = measure(cast, kind="count")

    with pytest.raises(Invalid) as refused:
        record(made, as_(cast, "analyst"))

    assert set(refused.value.errors) == {"value"}


NOW = dt.datetime(2020, 5, 15, 12, tzinfo=dt.UTC)


def test_a_figure_for_a_period_not_yet_begun_is_refused(cast: Cast) -> None:
    made = measure(cast)

    with time_machine.travel(NOW, tick=False), pytest.raises(Invalid) as refused:
        record(made, as_(cast, "analyst"), period_ends=D(2020, 7, 1), numerator=1, denominator=2)

    assert set(refused.value.errors) == {"period_ends"}
    assert not Observation.objects.exists()


def test_a_figure_for_the_current_period_may_be_recorded_before_it_ends(cast: Cast) -> None:
    made = measure(cast)

    with time_machine.travel(NOW, tick=False):
        record(made, as_(cast, "analyst"), period_ends=D(2020, 5, 15), numerator=1, denominator=2)

    assert figures(made) == [(Q2, 50.0)]


@pytest.mark.parametrize(
    ("frequency", "given", "stored"),
    [
        ("quarter", D(2020, 2, 14), D(2020, 3, 31)),
        ("month", D(2020, 2, 14), D(2020, 2, 29)),
        ("year", D(2020, 2, 14), D(2020, 12, 31)),
        ("quarter", D(2020, 3, 31), D(2020, 3, 31)),
    ],
)
def test_a_figure_is_stored_on_its_periods_last_day_whatever_day_is_given(
    cast: Cast, frequency: str, given: dt.date, stored: dt.date
) -> None:
    made = measure(cast, kind="count", frequency=frequency)

    record(made, as_(cast, "analyst"), period_ends=given, value=5)

    assert figures(made) == [(stored, 5.0)]


def test_adding_a_figure_for_a_period_already_recorded_is_refused_and_the_first_kept(
    cast: Cast,
) -> None:
    made = measure(cast)
    who = as_(cast, "analyst")
    record(made, who, numerator=12, denominator=30, new=True)

    with pytest.raises(Invalid) as refused:
        record(made, as_(cast, "owner"), numerator=15, denominator=30, new=True)

    assert set(refused.value.errors) == {"period_ends"}
    assert Observation.objects.get(measure=made).numerator == 12


def test_saving_the_same_period_again_changes_the_figure_and_keeps_each_version(
    cast: Cast,
) -> None:
    made = measure(cast)
    who = as_(cast, "analyst")
    record(made, who, period_ends=D(2020, 1, 10), numerator=12, denominator=30)

    record(made, who, period_ends=D(2020, 3, 2), numerator=15, denominator=30, note=" Revised ")

    stored = Observation.objects.get(measure=made)
    assert (stored.period_ends, stored.value, stored.version, stored.note) == (
        Q1,
        50.0,
        2,
        "Revised",
    )
    revisions = ObservationRevision.objects.filter(observation=stored).order_by("version")
    assert [(r.version, r.numerator, r.denominator, r.value, r.by) for r in revisions] == [
        (1, 12, 30, 40.0, cast.analyst),
        (2, 15, 30, 50.0, cast.analyst),
    ]


def test_a_stale_save_of_a_figure_is_a_conflict_and_keeps_the_first(cast: Cast) -> None:
    made = measure(cast)
    record(made, as_(cast, "analyst"), numerator=12, denominator=30)
    record(made, as_(cast, "owner"), numerator=15, denominator=30, expected_version=1)

    with pytest.raises(Conflict):
        record(made, as_(cast, "analyst"), numerator=18, denominator=30, expected_version=1)

    stored = Observation.objects.get(measure=made)
    assert (stored.value, stored.version) == (50.0, 2)
    assert stored.revisions.count() == 2


def test_a_computed_measure_refuses_figures_typed_in(cast: Cast) -> None:
    made = measure(cast, kind="count", source="computed")

    with pytest.raises(Forbidden):
        record(made, as_(cast, "analyst"), value=5)

    assert not Observation.objects.exists()


def test_the_lead_of_an_aim_the_measure_evidences_may_record_a_figure(cast: Cast) -> None:
    made = measure(cast, actions=[lead_action(cast)])

    record(made, as_(cast, "lead"), numerator=12, denominator=30)

    assert figures(made) == [(Q1, 40.0)]


def test_a_deputy_of_an_aim_the_measure_evidences_may_record_a_figure(cast: Cast) -> None:
    action = lead_action(cast)
    made = measure(cast, actions=[action])
    deputy = member(cast, action.deputies.get())

    record(made, deputy, numerator=12, denominator=30)

    assert figures(made) == [(Q1, 40.0)]


def other_lead(cast: Cast) -> tuple[Person, Action]:
    """A second lead, of an aim of their own in the cast's partnership."""
    someone = factories.person(cast.partnership, Role.LEAD)
    plan = factories.plan_tree(cast.partnership, actions=1, lead=someone)
    return someone, Action.objects.get(driver__outcome__plan=plan)


def test_a_lead_of_an_unlinked_action_cannot_record_a_figure(cast: Cast) -> None:
    _someone, their_action = other_lead(cast)
    made = measure(cast, actions=[their_action])  # not one of cast.lead's aims

    with pytest.raises(Forbidden):
        record(made, as_(cast, "lead"), numerator=12, denominator=30)

    assert not Observation.objects.exists()


@pytest.mark.parametrize("role", ["admin", "board", "inspector"])
def test_readers_cannot_record_a_figure(cast: Cast, role: str) -> None:
    made = measure(cast, actions=[lead_action(cast)])

    with pytest.raises(Forbidden):
        record(made, as_(cast, role), numerator=12, denominator=30)

    assert not Observation.objects.exists()


def test_a_member_of_another_partnership_cannot_record_a_figure(cast: Cast) -> None:
    made = measure(cast)
    outsider = Membership.objects.get(person=cast.outsider, partnership=cast.other)

    with pytest.raises(Forbidden):
        record(made, outsider, numerator=12, denominator=30)

    assert not Observation.objects.exists()


def test_recording_a_figure_is_audited(cast: Cast) -> None:
    made = measure(cast)

    saved = record(made, as_(cast, "analyst"), numerator=12, denominator=30)

    [entry] = audited("observation.create", saved)
    assert entry.actor_id == cast.analyst.pk
    assert entry.changes["value"] == 40.0


# Pasting many figures


def paste(m: Measure, who: Membership, text: str) -> int:
    return services.observations_paste(m, membership=who, text=text)


def test_a_pasted_block_records_every_line(cast: Cast) -> None:
    made = measure(cast)

    count = paste(made, as_(cast, "analyst"), "Q1 2020\t12\t30\nQ2 2020\t15\t30\nQ3 2020\t3\t4")

    assert count == 3
    assert figures(made) == [(Q1, 40.0), (Q2, 50.0), (Q3, 75.0)]
    assert set(made.observations.values_list("source", flat=True)) == {"pasted"}


def test_one_bad_line_saves_nothing_and_every_bad_line_is_reported(cast: Cast) -> None:
    made = measure(cast)
    text = "Q1 2020\t12\t30\nQ2 2020\tx\t30\nQ3 2020\t40\t30\nSpring\t1\t2\nQ1 2021\t5\t10"

    with pytest.raises(Invalid) as refused:
        paste(made, as_(cast, "analyst"), text)

    reported = {e.split(":")[0]: e for e in refused.value.errors["text"]}
    assert sorted(reported) == ["Line 2, column 2", "Line 3", "Line 4, column 1"]
    assert "numerator cannot be more than the denominator" in reported["Line 3"]
    assert not Observation.objects.exists()


def test_a_failed_paste_leaves_figures_already_recorded_alone(cast: Cast) -> None:
    made = measure(cast, values=[12], denominators=[30], first=Q1)

    with pytest.raises(Invalid):
        paste(made, as_(cast, "analyst"), "Q1 2020\t20\t30\nQ2 2020\tmany\t30")

    assert figures(made) == [(Q1, 40.0)]
    assert Observation.objects.get(measure=made).version == 1


def test_a_heading_line_is_skipped_when_pasting(cast: Cast) -> None:
    made = measure(cast)

    count = paste(
        made, as_(cast, "analyst"), "Quarter\tAssessed\tBecame looked after\nQ1 2020\t12\t30"
    )

    assert count == 1
    assert figures(made) == [(Q1, 40.0)]


@pytest.mark.parametrize("separator", ["\t", ",", ";"])
def test_tabs_commas_or_semicolons_separate_pasted_figures(cast: Cast, separator: str) -> None:
    made = measure(cast)

    paste(made, as_(cast, "analyst"), f"Q1 2020{separator}12{separator}30")

    assert figures(made) == [(Q1, 40.0)]


@pytest.mark.parametrize(
    ("kind", "cell", "value"), [("milestone", "58%", 58.0), ("count", "1,234", 1234.0)]
)
def test_figures_are_read_as_spreadsheets_print_them(
    cast: Cast, kind: str, cell: str, value: float
) -> None:
    made = measure(cast, kind=kind)

    paste(made, as_(cast, "analyst"), f"Q1 2020\t{cell}")

    assert figures(made) == [(Q1, value)]


def test_the_same_period_pasted_twice_is_refused_and_nothing_saved(cast: Cast) -> None:
    made = measure(cast, kind="count")

    with pytest.raises(Invalid) as refused:
        paste(made, as_(cast, "analyst"), "Q1 2020\t5\nQ2 2020\t6\n2020-02-01\t7")

    assert refused.value.errors["text"] == ["Line 3, column 1: the same period as line 1."]
    assert not Observation.objects.exists()


def test_a_paste_replaces_a_recorded_figure_and_keeps_its_history(cast: Cast) -> None:
    made = measure(cast, values=[12], denominators=[30], first=Q1)

    paste(made, as_(cast, "analyst"), "Q1 2020\t15\t30")

    stored = Observation.objects.get(measure=made)
    assert (stored.value, stored.version) == (50.0, 2)
    assert list(stored.revisions.values_list("version", "value")) == [(1, 40.0), (2, 50.0)]


def test_a_pasted_period_not_yet_begun_is_reported_by_its_line_and_nothing_saved(
    cast: Cast,
) -> None:
    made = measure(cast, kind="count")

    with time_machine.travel(NOW, tick=False), pytest.raises(Invalid) as refused:
        paste(made, as_(cast, "analyst"), "Q1 2020\t5\nQ3 2020\t6\nQ4 2020\t7")

    assert not Observation.objects.exists()
    assert sorted(e.split(":")[0] for e in refused.value.errors["text"]) == ["Line 2", "Line 3"]


def test_a_computed_measure_refuses_a_paste(cast: Cast) -> None:
    made = measure(cast, kind="count", source="computed")

    with pytest.raises(Forbidden):
        paste(made, as_(cast, "analyst"), "Q1 2020\t5")

    assert not Observation.objects.exists()


def test_a_lead_of_an_unlinked_action_cannot_paste(cast: Cast) -> None:
    made = measure(cast, kind="count")

    with pytest.raises(Forbidden):
        paste(made, as_(cast, "lead"), "Q1 2020\t5")

    assert not Observation.objects.exists()


# Notes on the chart


def note(m: Measure, who: Membership, text: str = "New triage began", **extra: Any) -> Annotation:
    return services.annotation_add(
        m,
        membership=who,
        when=extra.pop("when", D(2020, 4, 1)),
        text=text,
        process_change=extra.pop("process_change", False),
    )


def test_the_lead_of_a_linked_aim_adds_a_note_to_the_chart(cast: Cast) -> None:
    made = measure(cast, actions=[lead_action(cast)])

    added = note(made, as_(cast, "lead"), "  New triage began ", process_change=True)

    stored = Annotation.objects.get(pk=added.pk)
    assert (stored.measure, stored.when, stored.text) == (made, D(2020, 4, 1), "New triage began")
    assert (stored.process_change, stored.added_by) == (True, cast.lead)
    [entry] = audited("measure.annotate", made)
    assert entry.changes["text"] == "New triage began"


def test_a_blank_note_is_refused(cast: Cast) -> None:
    made = measure(cast)

    with pytest.raises(Invalid) as refused:
        note(made, as_(cast, "analyst"), "   ")

    assert set(refused.value.errors) == {"text"}
    assert not Annotation.objects.exists()


def test_a_computed_measure_takes_notes(cast: Cast) -> None:
    made = measure(cast, kind="count", source="computed")

    note(made, as_(cast, "analyst"))

    assert made.annotations.count() == 1


@pytest.mark.parametrize("role", ["lead", "board", "admin"])
def test_members_who_cannot_record_cannot_add_a_note(cast: Cast, role: str) -> None:
    made = measure(cast)  # linked to no aim

    with pytest.raises(Forbidden):
        note(made, as_(cast, role))

    assert not Annotation.objects.exists()


def test_an_analyst_removes_a_note_and_it_is_audited(cast: Cast) -> None:
    made = measure(cast, notes=[(D(2020, 4, 1), "New triage began")])

    services.chart_item_remove(made.annotations.get(), membership=as_(cast, "analyst"))

    assert not made.annotations.exists()
    [entry] = audited("measure.annotation-delete", made)
    assert entry.changes == {"when": "2020-04-01", "text": "New triage began"}


def test_the_lead_of_a_linked_aim_cannot_remove_a_note(cast: Cast) -> None:
    made = measure(cast, actions=[lead_action(cast)], notes=[(D(2020, 4, 1), "Kept")])

    with pytest.raises(Forbidden):
        services.chart_item_remove(made.annotations.get(), membership=as_(cast, "lead"))

    assert made.annotations.count() == 1


# Comparison series


def compare(m: Measure, who: Membership, name: str, text: str) -> Comparator:
    return services.comparator_save(m, membership=who, name=name, text=text)


def series(m: Measure) -> dict[str, list[tuple[dt.date, float]]]:
    return {
        c.name: list(c.values.order_by("period_ends").values_list("period_ends", "value"))
        for c in m.comparators.all()
    }


def test_a_comparison_series_is_saved_from_pasted_lines(cast: Cast) -> None:
    made = measure(cast)

    compare(made, as_(cast, "analyst"), " Scotland ", "Period,Value\nQ1 2020,55\n2020-05-01,56.5")

    assert series(made) == {"Scotland": [(Q1, 55.0), (Q2, 56.5)]}
    [entry] = audited("measure.comparator", made)
    assert entry.changes == {"name": "Scotland", "values": 2}


def test_saving_a_series_under_the_same_name_replaces_its_values(cast: Cast) -> None:
    made = measure(cast, values=[1, 2], comparators={"Scotland": [55, 56]}, first=Q1)

    compare(made, as_(cast, "owner"), "Scotland", "Q3 2020\t57")

    assert series(made) == {"Scotland": [(Q3, 57.0)]}
    assert Comparator.objects.filter(measure=made).count() == 1


def test_series_of_different_names_are_kept_side_by_side(cast: Cast) -> None:
    made = measure(cast, values=[1], comparators={"Scotland": [55]}, first=Q1)

    compare(made, as_(cast, "analyst"), "Family group", "Q1 2020\t50")

    assert series(made) == {"Family group": [(Q1, 50.0)], "Scotland": [(Q1, 55.0)]}


def test_a_series_with_a_bad_line_is_refused_and_the_old_values_kept(cast: Cast) -> None:
    made = measure(cast, values=[1], comparators={"Scotland": [55]}, first=Q1)

    with pytest.raises(Invalid) as refused:
        compare(made, as_(cast, "analyst"), "Scotland", "Q2 2020\t56\nQ3 2020\tabout 57")

    assert refused.value.errors["text"] == ["Line 2, column 2: 'about 57' is not a number."]
    assert series(made) == {"Scotland": [(Q1, 55.0)]}


def test_a_series_needs_a_name(cast: Cast) -> None:
    made = measure(cast)

    with pytest.raises(Invalid) as refused:
        compare(made, as_(cast, "analyst"), "  ", "Q1 2020\t55")

    assert set(refused.value.errors) == {"name"}
    assert not Comparator.objects.exists()


def test_the_lead_of_a_linked_aim_cannot_add_a_series(cast: Cast) -> None:
    made = measure(cast, actions=[lead_action(cast)])

    with pytest.raises(Forbidden):
        compare(made, as_(cast, "lead"), "Scotland", "Q1 2020\t55")

    assert not Comparator.objects.exists()


def test_an_owner_removes_a_series_and_it_is_audited(cast: Cast) -> None:
    made = measure(cast, values=[1], comparators={"Scotland": [55]}, first=Q1)

    services.chart_item_remove(made.comparators.get(), membership=as_(cast, "owner"))

    assert not Comparator.objects.exists()
    assert not ComparatorValue.objects.exists()
    assert audited("measure.comparator-delete", made)[0].changes == {"name": "Scotland"}


def test_the_lead_of_a_linked_aim_cannot_remove_a_series(cast: Cast) -> None:
    made = measure(
        cast, values=[1], comparators={"Scotland": [55]}, first=Q1, actions=[lead_action(cast)]
    )

    with pytest.raises(Forbidden):
        services.chart_item_remove(made.comparators.get(), membership=as_(cast, "lead"))

    assert Comparator.objects.count() == 1
