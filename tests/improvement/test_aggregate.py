"""Audit results per quality indicator, worked by hand."""

from __future__ import annotations

from trellis.improvement.aggregate import Answer, aggregate, final_grade

QI_A, QI_B = 11, 12


def test_two_reviewers_agreeing_on_every_answer() -> None:
    # 3 cases x 1 question under QI A; both reviewers give 5, 4 and 2.
    answers = [Answer(QI_A, c, 1, (g, g)) for c, g in ((1, 5), (2, 4), (3, 2))]
    (a,) = aggregate(answers, reviewers=2, indicators=[QI_A])
    assert a.distribution == (0, 1, 0, 1, 1, 0)
    assert (a.graded, a.good_or_better, a.pending) == (3, 2, 0)
    assert round(a.share_good or 0, 1) == 66.7


def test_disagreement_waits_for_the_moderator_and_then_counts_her_grade() -> None:
    # Case 1: reviewers give 3 and 4 (disagree). Case 2: both 6.
    waiting = [Answer(QI_A, 1, 1, (3, 4)), Answer(QI_A, 2, 1, (6, 6))]
    (before,) = aggregate(waiting, reviewers=2, indicators=[QI_A])
    assert (before.graded, before.awaiting_moderation, before.awaiting_reviewers) == (1, 1, 0)
    assert before.share_good == 100.0  # 1 of 1 graded so far
    moderated = [Answer(QI_A, 1, 1, (3, 4), moderated=3), Answer(QI_A, 2, 1, (6, 6))]
    (after,) = aggregate(moderated, reviewers=2, indicators=[QI_A])
    assert after.distribution == (0, 0, 1, 0, 0, 1)
    assert (after.good_or_better, after.graded, after.share_good, after.pending) == (1, 2, 50.0, 0)


def test_the_moderator_may_overrule_reviewers_who_agreed() -> None:
    assert final_grade(Answer(QI_A, 1, 1, (5, 5), moderated=4), reviewers=2) == 4


def test_an_incomplete_audit_counts_only_fully_graded_answers() -> None:
    # Three reviewers. Case 1 graded by all three (4, 4, 4); case 2 by two only (2, 2);
    # case 3 by nobody. QI B: case 1 graded 1, 1, 1.
    answers = [
        Answer(QI_A, 1, 1, (4, 4, 4)),
        Answer(QI_A, 2, 1, (2, 2)),
        Answer(QI_A, 3, 1, ()),
        Answer(QI_B, 1, 2, (1, 1, 1)),
    ]
    a, b = aggregate(answers, reviewers=3, indicators=[QI_A, QI_B])
    assert (a.graded, a.good_or_better, a.awaiting_reviewers, a.awaiting_moderation) == (1, 1, 2, 0)
    assert a.share_good == 100.0
    assert b.distribution == (1, 0, 0, 0, 0, 0) and b.share_good == 0.0


def test_an_indicator_with_nothing_graded_has_no_share_not_zero() -> None:
    (a, b) = aggregate([Answer(QI_A, 1, 1, (5,))], reviewers=1, indicators=[QI_A, QI_B])
    assert a.share_good == 100.0
    assert (b.graded, b.share_good) == (0, None)


def test_several_questions_under_one_indicator_pool_their_answers() -> None:
    # 2 cases x 2 questions of QI A, one reviewer: 6, 3 / 4, 1 -> 2 of 4 good or better.
    answers = [
        Answer(QI_A, 1, 1, (6,)),
        Answer(QI_A, 1, 2, (3,)),
        Answer(QI_A, 2, 1, (4,)),
        Answer(QI_A, 2, 2, (1,)),
    ]
    (a,) = aggregate(answers, reviewers=1, indicators=[QI_A])
    assert a.distribution == (1, 0, 1, 1, 0, 1)
    assert a.share_good == 50.0
