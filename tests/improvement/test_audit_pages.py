"""The quality-assurance pages: who sees the sample, grading and moderating through the
pages, closing, learning, and query counts that do not grow with the audit."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import Cast, signed_in
from tests.improvement.qa import D, planned_audit, registrations, snapshot
from tests.measures.factories import member
from trellis.errors import Invalid
from trellis.improvement.assurance import audit_detail
from trellis.improvement.models import Audit, CaseGrade, LearningPoint, Moderation
from trellis.improvement.services import audits
from trellis.plans.models import Action, Driver

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setting(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.DATA_DIR = tmp_path
    with time_machine.travel(dt.datetime(2021, 1, 20, 12, tzinfo=dt.UTC), tick=False):
        yield


def u(cast: Cast, name: str, *args: int) -> str:
    return reverse(f"improvement:{name}", args=[cast.partnership.slug, *args])


def drawn_audit(cast: Cast, size: int = 2, prog=None) -> Audit:  # type: ignore[no-untyped-def]
    if prog is None:
        snapshot(cast.partnership, cast.analyst, registrations(40))
    audit = planned_audit(cast, prog, sample_size=size)
    audits.sample_draw(audit, membership=member(cast, cast.owner), expected_version=1, seed=9)
    return audit_detail(cast.partnership, audit.pk)


def test_reviewers_moderator_and_analysts_see_the_pseudonyms_and_no_one_else(cast: Cast) -> None:
    audit = drawn_audit(cast)
    pseudonym = audit.cases.all()[0].pseudonym[:17]
    url = u(cast, "audit-detail", audit.pk)
    for person in (*audit.reviewers.all(), audit.moderator, cast.analyst):
        assert pseudonym in signed_in(person).get(url).content.decode()
    for person in (cast.owner, cast.board, cast.inspector, cast.lead):
        page = signed_in(person).get(url).content.decode()
        assert pseudonym not in page and "Results by quality indicator" in page


def test_a_reviewer_sees_only_their_own_audits_sample(cast: Cast) -> None:
    mine = drawn_audit(cast)
    theirs = drawn_audit(cast, prog=mine.programme)
    reviewer = mine.reviewers.all()[0]
    page = signed_in(reviewer).get(u(cast, "audit-detail", theirs.pk)).content.decode()
    assert theirs.cases.all()[0].pseudonym[:17] not in page
    case = theirs.cases.all()[0]
    assert signed_in(reviewer).get(u(cast, "case-grade", case.pk)).status_code == 403


def test_a_reviewer_grades_a_case_on_its_page(cast: Cast) -> None:
    audit = drawn_audit(cast)
    case = audit.cases.all()[0]
    reviewer = audit.reviewers.all()[0]
    questions = list(audit.template_version.questions.all())
    data = {f"grade_{q.pk}": "4" for q in questions} | {f"comment_{questions[0].pk}": "Clear plan"}
    response = signed_in(reviewer).post(u(cast, "case-grade", case.pk), data)
    assert response.status_code == 302
    assert CaseGrade.objects.filter(case=case, reviewer=reviewer).count() == len(questions)
    missing = signed_in(reviewer).post(u(cast, "case-grade", case.pk), {})
    assert missing.status_code == 400
    assert CaseGrade.objects.filter(case=case, reviewer=reviewer).count() == len(questions)


def test_the_moderator_moderates_on_the_page_and_needs_a_reason(cast: Cast) -> None:
    audit = drawn_audit(cast)
    case = audit.cases.all()[0]
    question = audit.template_version.questions.all()[0]
    url = u(cast, "question-moderate", case.pk, question.pk)
    moderator = signed_in(audit.moderator)
    assert moderator.post(url, {"grade": "3", "comment": ""}).status_code == 400
    assert not Moderation.objects.exists()
    assert moderator.post(url, {"grade": "3", "comment": "No plan date"}).status_code == 302
    assert Moderation.objects.get().grade == 3
    assert signed_in(audit.reviewers.all()[0]).get(url).status_code == 403


def test_closing_an_audit_with_pending_answers_explains_and_changes_nothing(cast: Cast) -> None:
    audit = drawn_audit(cast)
    response = signed_in(cast.owner).post(
        u(cast, "audit-close", audit.pk), {"version": audit.version}
    )
    assert response.status_code == 400
    assert "await a reviewer or the moderator" in response.content.decode()
    assert Audit.objects.get(pk=audit.pk).status == Audit.Status.OPEN


def test_the_owner_turns_learning_into_an_action_on_the_pages(cast: Cast) -> None:
    audit = drawn_audit(cast)
    owner = signed_in(cast.owner)
    response = owner.post(
        u(cast, "learning-add", audit.pk), {"kind": "learning", "text": "Plans lack dates"}
    )
    assert response.status_code == 302
    point = LearningPoint.objects.get()
    driver = Driver.objects.filter(partnership=cast.partnership)[0]
    response = owner.post(
        u(cast, "learning-action", point.pk),
        {
            "driver": driver.pk,
            "title": "Every plan has dated actions",
            "lead": cast.lead.pk,
            "version": point.version,
        },
    )
    assert response.status_code == 302
    action = Action.objects.get(title="Every plan has dated actions")
    assert LearningPoint.objects.get().action == action
    page = owner.get(u(cast, "audit-detail", audit.pk)).content.decode()
    assert reverse("plans:action-detail", args=[cast.partnership.slug, action.pk]) in page


def test_another_partnerships_audit_is_not_found(cast: Cast) -> None:
    audit = drawn_audit(cast)
    case = audit.cases.all()[0]
    for url in (
        reverse("improvement:audit-detail", args=[cast.other.slug, audit.pk]),
        reverse("improvement:case-grade", args=[cast.other.slug, case.pk]),
    ):
        assert signed_in(cast.outsider).get(url).status_code == 404


def count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_audit_page_costs_the_same_for_3_and_30_cases(cast: Cast) -> None:
    small = drawn_audit(cast, size=3)
    large = drawn_audit(cast, size=30, prog=small.programme)
    for audit in (small, large):
        for reviewer in audit.reviewers.all():
            for case in audit.cases.all():
                for q in audit.template_version.questions.all():
                    CaseGrade.objects.create(case=case, question=q, reviewer=reviewer, grade=4)
    reviewer = signed_in(small.reviewers.all()[0])
    large_reviewer = signed_in(large.reviewers.all()[0])
    assert count(reviewer, u(cast, "audit-detail", small.pk)) == count(
        large_reviewer, u(cast, "audit-detail", large.pk)
    )


def test_the_audit_home_costs_the_same_for_3_and_30_rounds(cast: Cast) -> None:
    first = drawn_audit(cast)
    for _ in range(2):
        planned_audit(cast, first.programme)
    small = count(signed_in(cast.board), u(cast, "audit-home"))
    for _ in range(27):
        planned_audit(cast, first.programme)
    assert count(signed_in(cast.board), u(cast, "audit-home")) == small


def test_a_drawn_audits_period_and_size_stand_but_its_reviewers_may_change(cast: Cast) -> None:
    audit = planned_audit(cast)
    owner = signed_in(cast.owner)
    extra = planned_audit(cast, audit.programme).reviewers.all()[0]
    data = {
        "starts": "2020-10-05",
        "due": "2020-11-30",
        "scope_from": "2020-07-01",
        "scope_to": "2020-09-30",
        "sample_size": "6",
        "reviewers": [r.pk for r in audit.reviewers.all()],
        "moderator": audit.moderator_id,
        "version": audit.version,
    }
    assert owner.post(u(cast, "audit-edit", audit.pk), data).status_code == 302
    assert Audit.objects.get(pk=audit.pk).sample_size == 6
    snapshot(cast.partnership, cast.analyst, registrations(10))
    audits.sample_draw(
        Audit.objects.get(pk=audit.pk),
        membership=member(cast, cast.owner),
        expected_version=audit.version + 1,
    )
    stored = Audit.objects.get(pk=audit.pk)
    data |= {"sample_size": "8", "reviewers": [extra.pk], "version": stored.version}
    assert owner.post(u(cast, "audit-edit", audit.pk), data).status_code == 302
    stored = Audit.objects.get(pk=audit.pk)
    assert stored.sample_size == 6  # the field is fixed once drawn: the posted 8 is ignored
    assert list(stored.reviewers.all()) == [extra]
    assert D(2020, 7, 1) == stored.scope_from
    with pytest.raises(Invalid) as caught:
        audits.audit_update(
            stored,
            membership=member(cast, cast.owner),
            expected_version=stored.version,
            fields={"sample_size": 9, "moderator": stored.moderator},
            reviewers=[extra],
        )
    assert "sample_size" in caught.value.errors


def test_a_reviewer_taken_off_a_round_no_longer_counts(cast: Cast) -> None:
    audit = drawn_audit(cast, size=1)
    first, second = audit.reviewers.order_by("pk")
    case = audit.cases.get()
    for reviewer, grade in ((first, 5), (second, 2)):
        for q in audit.template_version.questions.all():
            CaseGrade.objects.create(case=case, question=q, reviewer=reviewer, grade=grade)
    from trellis.improvement.assurance import audit_results

    pending = sum(r.result.pending for r in audit_results(audit_detail(cast.partnership, audit.pk)))
    assert pending == 3  # every answer disagrees
    stored = Audit.objects.get(pk=audit.pk)
    audits.audit_update(
        stored,
        membership=member(cast, cast.owner),
        expected_version=stored.version,
        fields={"sample_size": stored.sample_size, "moderator": stored.moderator},
        reviewers=[first],
    )
    results = audit_results(audit_detail(cast.partnership, audit.pk))
    assert [r.result.distribution for r in results] == [(0, 0, 0, 0, 2, 0), (0, 0, 0, 0, 1, 0)]


def close_with(cast: Cast, audit: Audit, grade: int) -> None:
    for reviewer in audit.reviewers.all():
        for case in audit.cases.all():
            for q in audit.template_version.questions.all():
                CaseGrade.objects.create(case=case, question=q, reviewer=reviewer, grade=grade)
    audit = audit_detail(cast.partnership, audit.pk)
    audits.audit_close(audit, membership=member(cast, cast.owner), expected_version=audit.version)


def test_the_evidence_page_shows_each_indicators_rounds(cast: Cast) -> None:
    audit = drawn_audit(cast, size=2)
    close_with(cast, audit, 5)
    page = signed_in(cast.inspector).get(u(cast, "indicator-evidence")).content.decode()
    table = page.split("2.1 Impact on children")[1].split("</table>")[0]
    assert "Q3 2020" in table and "4 of 4 (100%)" in table  # 2 cases x 2 questions
    families = page.split("2.2 Impact on families")[1].split("</table>")[0]
    assert "2 of 2 (100%)" in families


def test_the_evidence_page_costs_the_same_for_1_and_3_programmes(cast: Cast) -> None:
    from tests.improvement.qa import programme

    close_with(cast, drawn_audit(cast, size=1), 4)
    small = count(signed_in(cast.board), u(cast, "indicator-evidence"))
    for n in range(2):
        prog = programme(cast, code=f"x{n}")
        close_with(cast, drawn_audit(cast, size=1, prog=prog), 3)
    assert count(signed_in(cast.board), u(cast, "indicator-evidence")) == small


def test_removing_a_used_question_starts_a_new_version(cast: Cast) -> None:
    audit = planned_audit(cast)
    question = audit.template_version.questions.order_by("position")[0]
    url = u(cast, "question-remove", question.pk)
    assert signed_in(cast.lead).post(url).status_code == 403
    assert signed_in(cast.owner).post(url).status_code == 302
    latest = audit.programme.template.versions.order_by("-number")[0]
    assert latest.number == 2
    assert question.text not in [q.text for q in latest.questions.all()]
    assert question.text in [q.text for q in audit.template_version.questions.all()]
