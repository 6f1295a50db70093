"""Properties of the pure parts: every answer is counted once, shares stay in range, and a
draw is a repeatable subset of the case list."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from trellis.improvement.aggregate import Answer, aggregate
from trellis.improvement.sampling import draw

grades = st.integers(min_value=1, max_value=6)
answers = st.lists(
    st.builds(
        Answer,
        indicator=st.sampled_from([1, 2]),
        case=st.integers(1, 30),
        question=st.integers(1, 5),
        grades=st.lists(grades, max_size=3).map(tuple),
        moderated=st.none() | grades,
    ),
    max_size=60,
)


@given(answers, st.integers(min_value=1, max_value=3))
def test_every_answer_is_graded_or_pending_exactly_once(given_answers, reviewers) -> None:  # type: ignore[no-untyped-def]
    results = aggregate(given_answers, reviewers=reviewers, indicators=[1, 2])
    assert sum(r.graded + r.pending for r in results) == len(given_answers)
    for r in results:
        assert r.share_good is None or 0 <= r.share_good <= 100
        assert r.good_or_better <= r.graded


@given(
    st.lists(st.text(min_size=1, max_size=8), unique=True, max_size=80),
    st.integers(0, 200),
    st.integers(0, 2**53 - 1),
)
def test_a_draw_is_a_repeatable_subset_of_the_list(cases, size, seed) -> None:  # type: ignore[no-untyped-def]
    picked = draw(sorted(cases), size, seed)
    assert picked == draw(sorted(cases), size, seed)
    assert len(picked) == min(size, len(cases)) and set(picked) <= set(cases)
    assert len(set(picked)) == len(picked)
