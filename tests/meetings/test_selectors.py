"""The decision log of a plan for a reporting period: what the board pack carries."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import Cast
from tests.meetings import factories as f
from trellis.meetings.selectors import DONE, OPEN, OVERDUE, decision_log, decisions_about
from trellis.progress.models import ReportingPeriod

pytestmark = pytest.mark.django_db


def _period(cast: Cast, starts: dt.date) -> ReportingPeriod:
    return ReportingPeriod.objects.get(plan=cast.plan, starts=starts)


def test_log_holds_the_periods_decisions_oldest_first(cast: Cast) -> None:
    cog = f.group(cast.partnership)
    late = f.decision(cast.plan, cog, cast.board, decided_on=dt.date(2020, 3, 20), text="B")
    early = f.decision(cast.plan, cog, cast.board, decided_on=dt.date(2020, 1, 2), text="A")
    f.decision(cast.plan, cog, cast.board, decided_on=dt.date(2020, 4, 1), text="next quarter")
    log = decision_log(cast.plan, _period(cast, dt.date(2020, 1, 1)), as_of=dt.date(2020, 4, 5))
    assert [e.id for e in log] == [early.pk, late.pk]
    assert log[0].group == "Chief Officers Group"
    assert log[0].subject_label == "Improvement aim"
    assert not log[0].carried_forward


def test_log_carries_forward_earlier_decisions_whose_follow_up_was_open(cast: Cast) -> None:
    cog = f.group(cast.partnership)
    open_one = f.decision(
        cast.plan, cog, cast.board, decided_on=dt.date(2019, 11, 5), follow_up="Report back"
    )
    f.decision(  # done before the period began: not carried
        cast.plan,
        cog,
        cast.board,
        decided_on=dt.date(2019, 11, 6),
        follow_up="Write to the IJB",
        follow_up_done=dt.date(2019, 12, 20),
    )
    f.decision(cast.plan, cog, cast.board, decided_on=dt.date(2019, 11, 7))  # nothing follows
    done_later = f.decision(
        cast.plan,
        cog,
        cast.board,
        decided_on=dt.date(2019, 11, 8),
        follow_up="Audit the files",
        follow_up_done=dt.date(2020, 1, 15),
    )
    this_quarter = f.decision(cast.plan, cog, cast.board, decided_on=dt.date(2020, 2, 1))
    log = decision_log(cast.plan, _period(cast, dt.date(2020, 1, 1)), as_of=dt.date(2020, 4, 5))
    assert [(e.id, e.carried_forward) for e in log] == [
        (open_one.pk, True),
        (done_later.pk, True),
        (this_quarter.pk, False),
    ]


def test_follow_up_status_is_judged_on_the_given_day(cast: Cast) -> None:
    cog = f.group(cast.partnership)
    due = dt.date(2020, 3, 1)
    f.decision(cast.plan, cog, cast.board, follow_up="Report back", follow_up_due=due)
    period = _period(cast, dt.date(2020, 1, 1))
    assert decision_log(cast.plan, period, as_of=dt.date(2020, 2, 28))[0].status == OPEN
    assert decision_log(cast.plan, period, as_of=dt.date(2020, 3, 2))[0].status == OVERDUE
    assert decision_log(cast.plan, period, as_of=dt.date(2020, 3, 2))[0].follow_up_due == due


def test_a_follow_up_done_after_the_day_judged_is_not_yet_done(cast: Cast) -> None:
    cog = f.group(cast.partnership)
    f.decision(
        cast.plan, cog, cast.board, follow_up="Report back", follow_up_done=dt.date(2020, 3, 10)
    )
    period = _period(cast, dt.date(2020, 1, 1))
    assert decision_log(cast.plan, period, as_of=dt.date(2020, 3, 9))[0].status == OPEN
    assert decision_log(cast.plan, period, as_of=dt.date(2020, 3, 10))[0].status == DONE


def test_log_ignores_other_plans(cast: Cast) -> None:
    from tests import factories

    other_plan = factories.plan_tree(cast.partnership, actions=1)
    cog = f.group(cast.partnership)
    f.decision(other_plan, cog, cast.board)
    assert decision_log(cast.plan, _period(cast, dt.date(2020, 1, 1))) == []


def test_log_reads_in_one_query_however_many_decisions(cast: Cast, django_assert_num_queries):  # type: ignore[no-untyped-def]
    cog = f.group(cast.partnership)
    period = _period(cast, dt.date(2020, 1, 1))
    for n in (3, 30):
        for _ in range(n):
            f.decision(cast.plan, cog, cast.board, follow_up="x", follow_up_owner=cast.owner)
        with django_assert_num_queries(1):
            assert len(decision_log(cast.plan, period)) >= n


def test_decisions_about_an_aim_include_the_one_that_created_it(cast: Cast) -> None:
    cog = f.group(cast.partnership)
    first, second = cast.plan.outcomes.all()[0].drivers.all()[0].actions.all()[:2]
    creator = f.decision(cast.plan, cog, cast.board, action=first, created_action=second)
    about = f.decision(cast.plan, cog, cast.board, action=second)
    ids = [e.id for e in decisions_about(cast.partnership, action_id=second.pk)]
    assert sorted(ids) == sorted([creator.pk, about.pk])
