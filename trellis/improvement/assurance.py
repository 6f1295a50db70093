"""Reads of quality assurance: an audit with its sample and grades in a fixed number of
queries, its results per quality indicator, and what each reviewer has left to grade."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from trellis.accounts.models import Partnership
from trellis.errors import NotFound
from trellis.improvement.aggregate import Answer, IndicatorResult, aggregate, needs_moderation
from trellis.improvement.models import (
    Audit,
    AuditProgramme,
    CaseGrade,
    LearningPoint,
    Moderation,
    Question,
    SampledCase,
)
from trellis.plans.models import QualityIndicator


def programmes_of(partnership: Partnership) -> QuerySet[AuditProgramme]:
    return (
        AuditProgramme.objects.filter(partnership=partnership)
        .select_related("template")
        .prefetch_related(
            Prefetch("audits", queryset=Audit.objects.select_related("moderator")),
            Prefetch("results", queryset=_results_queryset()),
        )
    )


def _results_queryset() -> QuerySet:
    from trellis.improvement.models import ResultMeasure

    return ResultMeasure.objects.select_related("indicator", "measure")


def audit_detail(partnership: Partnership, pk: int) -> Audit:
    found = (
        Audit.objects.filter(partnership=partnership, pk=pk)
        .select_related(
            "programme__template",
            "template_version",
            "moderator",
            "snapshot",
            "sampled_by",
            "updated_by",
        )
        .prefetch_related(
            "reviewers",
            Prefetch(
                "template_version__questions",
                queryset=Question.objects.select_related("indicator"),
            ),
            Prefetch(
                "cases",
                queryset=SampledCase.objects.prefetch_related(
                    Prefetch("grades", queryset=CaseGrade.objects.select_related("reviewer")),
                    Prefetch("moderations", queryset=Moderation.objects.select_related("by")),
                ),
            ),
            Prefetch(
                "learning",
                queryset=LearningPoint.objects.select_related("indicator", "action"),
            ),
        )
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def answers(audit: Audit) -> list[Answer]:
    """Every (case, question) of the audit with its current reviewers' grades, from
    prefetched rows."""
    questions = list(audit.template_version.questions.all())
    current = {r.pk for r in audit.reviewers.all()}  # someone taken off no longer counts
    made = []
    for case in audit.cases.all():
        grades: dict[int, list[int]] = defaultdict(list)
        for g in case.grades.all():
            if g.reviewer_id in current:
                grades[g.question_id].append(g.grade)
        moderated = {m.question_id: m.grade for m in case.moderations.all()}
        for q in questions:
            made.append(
                Answer(q.indicator_id, case.pk, q.pk, tuple(grades[q.pk]), moderated.get(q.pk))
            )
    return made


@dataclass(frozen=True)
class ResultRow:
    indicator: QualityIndicator
    result: IndicatorResult


def audit_results(audit: Audit) -> list[ResultRow]:
    questions = list(audit.template_version.questions.all())
    indicators: dict[int, QualityIndicator] = {}
    for q in questions:
        indicators.setdefault(q.indicator_id, q.indicator)
    ordered = sorted(indicators.values(), key=lambda i: i.reference)
    results = aggregate(
        answers(audit),
        reviewers=len(audit.reviewers.all()),
        indicators=[i.pk for i in ordered],
    )
    return [ResultRow(i, r) for i, r in zip(ordered, results, strict=True)]


def to_moderate(audit: Audit) -> set[tuple[int, int]]:
    """(case, question) pairs where the reviewers disagree and no moderation is recorded."""
    reviewers = len(audit.reviewers.all())
    return {(a.case, a.question) for a in answers(audit) if needs_moderation(a, reviewers)}


def reviewer_progress(audit: Audit, person_id: int) -> dict[int, int]:
    """Per case: how many questions this reviewer has graded."""
    return {
        case.pk: sum(1 for g in case.grades.all() if g.reviewer_id == person_id)
        for case in audit.cases.all()
    }
