"""Audit results per quality indicator, from the grades given: pure, so each rule is
tested by hand-worked examples.

The unit is one answer: one question about one sampled case. Its final grade is the
moderator's, where the moderator gave one; otherwise the reviewers' when every reviewer of
the audit has graded it and they agree; otherwise it is still pending (some reviewer has
not graded it, or they disagree and await moderation). Results count final grades only and
say how many are pending, so an incomplete audit's figures are never taken for complete."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

GOOD = 4  # 4 good, 5 very good, 6 excellent


@dataclass(frozen=True)
class Answer:
    indicator: int  # the quality indicator's id
    case: int
    question: int
    grades: tuple[int, ...]  # one per reviewer who graded it
    moderated: int | None = None


@dataclass(frozen=True)
class IndicatorResult:
    indicator: int
    distribution: tuple[int, ...]  # how many final grades of 1, 2, ... 6
    awaiting_reviewers: int
    awaiting_moderation: int

    @property
    def graded(self) -> int:
        return sum(self.distribution)

    @property
    def good_or_better(self) -> int:
        return sum(self.distribution[GOOD - 1 :])

    @property
    def share_good(self) -> float | None:
        """Good or better as a percentage of the graded answers; None with none graded."""
        return 100 * self.good_or_better / self.graded if self.graded else None

    @property
    def pending(self) -> int:
        return self.awaiting_reviewers + self.awaiting_moderation


def final_grade(answer: Answer, reviewers: int) -> int | None:
    if answer.moderated is not None:
        return answer.moderated
    if len(answer.grades) < reviewers or len(set(answer.grades)) != 1:
        return None
    return answer.grades[0]


def needs_moderation(answer: Answer, reviewers: int) -> bool:
    return (
        answer.moderated is None and len(answer.grades) >= reviewers and len(set(answer.grades)) > 1
    )


def aggregate(
    answers: Iterable[Answer], *, reviewers: int, indicators: Sequence[int]
) -> list[IndicatorResult]:
    """One result per indicator in `indicators` order (those with no answers too)."""
    counts = {i: [0] * 6 for i in indicators}
    waiting = {i: [0, 0] for i in indicators}
    for answer in answers:
        grade = final_grade(answer, reviewers)
        if grade is not None:
            counts[answer.indicator][grade - 1] += 1
        elif needs_moderation(answer, reviewers):
            waiting[answer.indicator][1] += 1
        else:
            waiting[answer.indicator][0] += 1
    return [IndicatorResult(i, tuple(counts[i]), waiting[i][0], waiting[i][1]) for i in indicators]
