"""Audits from plan to published results: templates versioned, grades, moderation,
closing into measures charted over successive rounds, and learning that becomes an action
or a training need."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tests import factories
from tests.conftest import Cast, signed_in
from tests.improvement.qa import Q3_2020, D, planned_audit, registrations, reviewers, snapshot
from tests.measures.factories import member
from trellis.accounts.models import Role
from trellis.errors import Forbidden, Invalid
from trellis.improvement.assurance import audit_detail, audit_results
from trellis.improvement.models import Audit, CaseGrade, LearningPoint, ResultMeasure
from trellis.improvement.services import audits, grading, learning, templates
from trellis.measures.models import Observation
from trellis.plans.models import Action, Driver

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setting(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.DATA_DIR = tmp_path
    with time_machine.travel(dt.datetime(2021, 1, 20, 12, tzinfo=dt.UTC), tick=False):
        yield


def test_the_moderator_is_not_one_of_the_reviewers(cast: Cast) -> None:
    people = reviewers(cast)
    with pytest.raises(Invalid) as caught:
        planned_audit(cast, people=people, moderator=people[0])
    assert "moderator" in caught.value.errors


def test_reviewers_are_members_of_the_partnership(cast: Cast) -> None:
    with pytest.raises(Invalid) as caught:
        planned_audit(cast, people=[cast.outsider])
    assert "reviewers" in caught.value.errors
    assert not Audit.objects.exists()


def test_changing_a_used_templates_questions_makes_a_new_version(cast: Cast) -> None:
    first = planned_audit(cast)
    prog = first.programme
    question = first.template_version.questions.order_by("position")[0]
    templates.question_save(
        prog.template,
        membership=member(cast, cast.owner),
        indicator=question.indicator,
        text="Is the plan SMART and reviewed?",
        position=question.position,
        question=question,
    )
    second = planned_audit(cast, prog)
    assert (first.template_version.number, second.template_version.number) == (1, 2)
    texts = {a.pk: [q.text for q in a.template_version.questions.all()] for a in (first, second)}
    assert "Is the child's plan SMART?" in texts[first.pk]
    assert "Is the plan SMART and reviewed?" in texts[second.pk]
    assert "Is the child's plan SMART?" not in texts[second.pk]


def open_audit(cast: Cast, prog=None, quarter=Q3_2020, seed=5):  # type: ignore[no-untyped-def]
    if not prog:
        snapshot(cast.partnership, cast.analyst, registrations(10))
    audit = planned_audit(cast, prog, sample_size=2, quarter=quarter)
    audits.sample_draw(audit, membership=member(cast, cast.owner), expected_version=1, seed=seed)
    return audit_detail(cast.partnership, audit.pk)


def grade_all(cast: Cast, audit: Audit, reviewer, by_case: list[list[int]]) -> None:  # type: ignore[no-untyped-def]
    questions = list(audit.template_version.questions.order_by("position"))
    for case, row in zip(audit.cases.order_by("position"), by_case, strict=True):
        grading.grades_save(
            case,
            membership=member(cast, reviewer),
            grades={q.pk: (g, "") for q, g in zip(questions, row, strict=True)},
        )


def test_a_reviewer_grades_every_question_or_nothing_is_saved(cast: Cast) -> None:
    audit = open_audit(cast)
    case = audit.cases.all()[0]
    first_question = audit.template_version.questions.order_by("position")[0]
    with pytest.raises(Invalid):
        grading.grades_save(
            case,
            membership=member(cast, audit.reviewers.all()[0]),
            grades={first_question.pk: (4, "")},
        )
    assert not CaseGrade.objects.exists()


def test_only_the_audits_reviewers_grade(cast: Cast) -> None:
    audit = open_audit(cast)
    case = audit.cases.all()[0]
    for person in (cast.owner, audit.moderator, factories.person(cast.partnership, Role.LEAD)):
        with pytest.raises(Forbidden):
            grading.grades_save(case, membership=member(cast, person), grades={})


def test_a_moderated_audit_closes_into_a_measure_per_indicator(cast: Cast) -> None:
    audit = open_audit(cast)
    first, second = audit.reviewers.order_by("pk")
    # Questions: Q1, Q2 under 2.1; Q3 under 2.2.  Cases 1 and 2.
    grade_all(cast, audit, first, [[5, 4, 3], [2, 4, 4]])
    grade_all(cast, audit, second, [[5, 3, 3], [2, 4, 5]])
    audit = audit_detail(cast.partnership, audit.pk)
    with pytest.raises(Invalid):
        audits.audit_close(
            audit, membership=member(cast, cast.owner), expected_version=audit.version
        )
    cases = list(audit.cases.order_by("position"))
    questions = list(audit.template_version.questions.order_by("position"))
    moderator = member(cast, audit.moderator)
    grading.moderation_save(
        cases[0], membership=moderator, question_id=questions[1].pk, grade=3, comment="No plan date"
    )
    grading.moderation_save(
        cases[1], membership=moderator, question_id=questions[2].pk, grade=4, comment="Views noted"
    )
    audit = audit_detail(cast.partnership, audit.pk)
    by_ref = {r.indicator.reference: r.result for r in audit_results(audit)}
    # 2.1: case 1 -> 5, 3 (moderated); case 2 -> 2, 4  => 2 of 4 good or better.
    assert by_ref["2.1"].distribution == (0, 1, 1, 1, 1, 0)
    # 2.2: case 1 -> 3; case 2 -> 4 (moderated)  => 1 of 2.
    assert by_ref["2.2"].distribution == (0, 0, 1, 1, 0, 0)
    audits.audit_close(audit, membership=member(cast, cast.owner), expected_version=audit.version)
    figures = {
        link.indicator.reference: Observation.objects.get(measure=link.measure)
        for link in ResultMeasure.objects.select_related("indicator", "measure")
    }
    assert (figures["2.1"].numerator, figures["2.1"].denominator, figures["2.1"].value) == (
        2,
        4,
        50,
    )
    assert (figures["2.2"].numerator, figures["2.2"].denominator) == (1, 2)
    assert figures["2.1"].period_ends == D(2020, 9, 30)
    assert figures["2.1"].measure.code == "CP-CFA-2.1"
    assert Audit.objects.get(pk=audit.pk).status == Audit.Status.CLOSED


def close_round(cast: Cast, audit: Audit, grades: list[list[int]]) -> None:
    for reviewer in audit.reviewers.all():
        grade_all(cast, audit, reviewer, grades)
    audit = audit_detail(cast.partnership, audit.pk)
    audits.audit_close(audit, membership=member(cast, cast.owner), expected_version=audit.version)


def test_successive_rounds_chart_on_the_same_measure(cast: Cast) -> None:
    first = open_audit(cast)
    close_round(cast, first, [[3, 3, 3], [4, 3, 3]])
    second = open_audit(cast, first.programme, quarter=(D(2020, 10, 1), D(2020, 12, 31)))
    close_round(cast, second, [[5, 4, 4], [4, 6, 3]])
    link = ResultMeasure.objects.get(indicator__reference="2.1")
    points = list(link.measure.observations.values_list("period_ends", "value"))
    assert points == [(D(2020, 9, 30), 25.0), (D(2020, 12, 31), 100.0)]
    page = signed_in(cast.board).get(
        reverse("measures:measure-detail", args=[cast.partnership.slug, link.measure.pk])
    )
    assert 'role="img"' in page.content.decode()


def test_two_rounds_in_one_quarter_cannot_both_be_charted(cast: Cast) -> None:
    first = open_audit(cast)
    close_round(cast, first, [[3, 3, 3], [4, 3, 3]])
    again = open_audit(cast, first.programme)
    with pytest.raises(Invalid):
        close_round(cast, again, [[3, 3, 3], [4, 3, 3]])
    assert Audit.objects.get(pk=again.pk).status == Audit.Status.OPEN


def test_learning_creates_an_action_linked_both_ways(cast: Cast) -> None:
    audit = open_audit(cast)
    point = learning.learning_add(
        audit,
        membership=member(cast, audit.moderator),
        fields={"kind": "learning", "text": "Plans lack dates", "indicator": None},
    )
    driver = Driver.objects.filter(partnership=cast.partnership)[0]
    action = learning.learning_to_action(
        point,
        membership=member(cast, cast.owner),
        expected_version=point.version,
        driver=driver,
        fields={"title": "Every child's plan has dated actions", "lead": cast.lead},
    )
    assert LearningPoint.objects.get(pk=point.pk).action == action
    page = (
        signed_in(cast.board)
        .get(reverse("plans:action-detail", args=[cast.partnership.slug, action.pk]))
        .content.decode()
    )
    assert "Arose from audit learning" in page and "Plans lack dates" in page
    with pytest.raises(Invalid):
        learning.learning_to_action(
            LearningPoint.objects.get(pk=point.pk),
            membership=member(cast, cast.owner),
            expected_version=2,
            driver=driver,
            fields={"title": "Twice"},
        )
    assert Action.objects.filter(title="Twice").count() == 0


def test_learning_becomes_a_training_need(cast: Cast) -> None:
    audit = open_audit(cast)
    point = learning.learning_add(
        audit,
        membership=member(cast, cast.owner),
        fields={"kind": "finding", "text": "Chronologies missing", "indicator": None},
    )
    learning.learning_to_training(
        point,
        membership=member(cast, cast.owner),
        expected_version=point.version,
        need="Chronology writing",
        audience="Social workers and health visitors",
    )
    assert LearningPoint.objects.get(pk=point.pk).training_need == "Chronology writing"
    with pytest.raises(Forbidden):
        learning.learning_add(
            audit,
            membership=member(cast, audit.reviewers.all()[0]),
            fields={"kind": "finding", "text": "x", "indicator": None},
        )
