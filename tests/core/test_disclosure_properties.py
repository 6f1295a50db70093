"""Properties of disclosure control that hold for every breakdown, checked on generated ones
(hypothesis). The outsider here sees the total and the shown cells, knows the rules, and even
knows which hidden cells are zeros; they must still be unable to pin a hidden cell down."""

from __future__ import annotations

import math
from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from trellis.core.disclosure import (
    Figure,
    Reason,
    Shown,
    ShownTable,
    Thresholds,
    hides_limits,
    protect_breakdowns,
    protect_figure,
    protect_series,
    protect_table,
)

# Each test's own settings, so the rest of the suite keeps its profile.
disclosure_settings = settings(deadline=None, max_examples=300)

thresholds = st.builds(Thresholds, min_count=st.integers(1, 8), min_denominator=st.integers(0, 15))
# Small numbers often, so that every rule is met; larger ones too.
sizes = st.one_of(st.integers(0, 6), st.integers(0, 60))


@st.composite
def share_cells(draw: st.DrawFn, *, mostly_full: bool = False) -> Figure:
    denominator = draw(st.one_of(st.integers(0, 12), st.integers(0, 80)))
    if mostly_full and draw(st.booleans()):
        return Figure.share(denominator, denominator)
    numerator = draw(st.one_of(st.just(0), st.just(denominator), st.integers(0, denominator)))
    return Figure.share(numerator, denominator)


@st.composite
def tables(
    draw: st.DrawFn,
    kinds: Sequence[str] = ("counts", "shares", "common"),
    mostly_full: bool = False,
) -> tuple[list[Figure], Figure]:
    """A breakdown and its total: counts, shares adding up, or shares of one common whole."""
    kind = draw(st.sampled_from(kinds))
    if kind == "counts":
        cells = [Figure.count(n) for n in draw(st.lists(sizes, min_size=1, max_size=7))]
        return cells, Figure.count(sum(c.numerator or 0 for c in cells))
    if kind == "shares":
        cells = draw(st.lists(share_cells(mostly_full=mostly_full), min_size=1, max_size=6))
        numerator = sum(c.numerator or 0 for c in cells)
        return cells, Figure.share(numerator, sum(c.denominator or 0 for c in cells))
    numerators = draw(st.lists(sizes, min_size=1, max_size=5))
    whole = sum(numerators)
    return [Figure.share(n, whole) for n in numerators], Figure.count(whole)


def breaks_a_rule(figure: Figure, limits: Thresholds) -> bool:
    """The primary rules, written again from DATA.md."""

    def small(n: int | None) -> bool:
        return n is not None and 1 <= n <= limits.min_count - 1

    if figure.denominator is None:
        return small(figure.numerator)
    return (
        small(figure.numerator)
        or small(figure.denominator)
        or 1 <= figure.denominator <= limits.min_denominator - 1
    )


def pinned(hidden: Sequence[int]) -> list[bool]:
    """Which hidden numbers an outsider pins down from their sum, knowing which are zero:
    each is at least 0 or 1 and has no upper bound but what the others leave."""
    total = sum(hidden)
    floors = [min(n, 1) for n in hidden]
    others_ceiling = math.inf if len(hidden) > 1 else 0
    result = []
    for floor in floors:
        least = max(floor, total - others_ceiling)
        most = total - (sum(floors) - floor)
        result.append(least == most)
    return result


def hidden_inputs(cells: Sequence[Figure], table: ShownTable) -> list[Figure]:
    return [c for c, s in zip(cells, table.cells, strict=True) if s.suppressed]


def shares_add_up(total: Figure) -> bool:
    return total.denominator is not None


@disclosure_settings
@given(tables(), thresholds)
def test_no_suppressed_cell_is_the_total_less_the_shown_cells(
    table_and_total: tuple[list[Figure], Figure], limits: Thresholds
) -> None:
    cells, total = table_and_total
    table = protect_table(cells, total, limits)
    hidden = sum(1 for s in table.cells if s.suppressed)
    assert hidden != 1 or table.total.suppressed  # type: ignore[union-attr]


@disclosure_settings
@given(tables(), thresholds)
def test_an_outsider_who_knows_the_zeros_cannot_pin_down_a_hidden_numerator(
    table_and_total: tuple[list[Figure], Figure], limits: Thresholds
) -> None:
    cells, total = table_and_total
    table = protect_table(cells, total, limits)
    if table.total.suppressed:  # type: ignore[union-attr]
        return
    numerators = [c.numerator or 0 for c in hidden_inputs(cells, table)]
    assert not any(pinned(numerators))


@disclosure_settings
@given(tables(), thresholds)
def test_an_outsider_cannot_pin_down_a_hidden_denominator(
    table_and_total: tuple[list[Figure], Figure], limits: Thresholds
) -> None:
    cells, total = table_and_total
    table = protect_table(cells, total, limits)
    if table.total.suppressed or not shares_add_up(total):  # type: ignore[union-attr]
        return
    denominators = [c.denominator or 0 for c in hidden_inputs(cells, table)]
    assert not any(pinned(denominators))


@disclosure_settings
@given(tables(kinds=["shares"], mostly_full=True), thresholds)
def test_the_hidden_shares_are_never_all_100_percent(
    table_and_total: tuple[list[Figure], Figure], limits: Thresholds
) -> None:
    # Hidden numerators adding up to the hidden denominators would make every one 100%.
    cells, total = table_and_total
    table = protect_table(cells, total, limits)
    hidden = hidden_inputs(cells, table)
    if table.total.suppressed or not shares_add_up(total) or not hidden:  # type: ignore[union-attr]
        return
    assert not all(c.numerator == c.denominator for c in hidden)


@disclosure_settings
@given(tables(), thresholds)
def test_a_suppressed_total_cannot_be_added_up_from_its_cells(
    table_and_total: tuple[list[Figure], Figure], limits: Thresholds
) -> None:
    cells, total = table_and_total
    table = protect_table(cells, total, limits)
    if table.total.suppressed and any(c.numerator for c in cells):  # type: ignore[union-attr]
        assert any(s.suppressed for s in table.cells)


@disclosure_settings
@given(tables(), thresholds)
def test_every_figure_that_breaks_a_rule_is_suppressed(
    table_and_total: tuple[list[Figure], Figure], limits: Thresholds
) -> None:
    cells, total = table_and_total
    table = protect_table(cells, total, limits)
    for figure, shown in zip([*cells, total], [*table.cells, table.total], strict=True):
        if breaks_a_rule(figure, limits):
            assert shown is not None and shown.suppressed


@disclosure_settings
@given(tables(), thresholds)
def test_shown_figures_are_never_altered_and_hidden_ones_keep_no_numbers(
    table_and_total: tuple[list[Figure], Figure], limits: Thresholds
) -> None:
    cells, total = table_and_total
    table = protect_table(cells, total, limits)
    for figure, shown in zip([*cells, total], [*table.cells, table.total], strict=True):
        assert shown is not None
        if shown.suppressed:
            assert (shown.numerator, shown.denominator, shown.value) == (None, None, None)
        else:
            assert shown == Shown.of(figure)


@disclosure_settings
@given(tables(), thresholds)
def test_zero_counts_are_shown_and_never_hidden_to_protect_another(
    table_and_total: tuple[list[Figure], Figure], limits: Thresholds
) -> None:
    cells, total = table_and_total
    table = protect_table(cells, total, limits)
    for figure, shown in zip(cells, table.cells, strict=True):
        if shown.reason is Reason.SECONDARY:
            assert figure.numerator
        if figure.numerator == 0 and figure.denominator is None:
            assert not shown.suppressed


@disclosure_settings
@given(tables(), thresholds)
def test_a_breakdown_with_nothing_to_hide_is_shown_whole(
    table_and_total: tuple[list[Figure], Figure], limits: Thresholds
) -> None:
    cells, total = table_and_total
    table = protect_table(cells, total, limits)
    if not any(breaks_a_rule(f, limits) for f in [*cells, total]):
        assert table == ShownTable(tuple(Shown.of(c) for c in cells), Shown.of(total))


@disclosure_settings
@given(tables(), thresholds)
def test_protecting_a_protected_breakdown_again_changes_nothing(
    table_and_total: tuple[list[Figure], Figure], limits: Thresholds
) -> None:
    cells, total = table_and_total
    once = protect_table(cells, total, limits)
    assert protect_table(once.cells, once.total, limits) == once


@disclosure_settings
@given(tables(), thresholds)
def test_the_analyst_view_of_a_breakdown_equals_the_input(
    table_and_total: tuple[list[Figure], Figure], limits: Thresholds
) -> None:
    cells, total = table_and_total
    table = protect_table(cells, total, limits, analyst=True)
    assert [Figure(s.numerator, s.denominator, s.value) for s in table.cells] == cells
    assert table.total == Shown.of(total)
    assert not any(s.suppressed for s in table.cells)


@disclosure_settings
@given(st.lists(share_cells() | sizes.map(Figure.count), max_size=12), thresholds)
def test_a_series_is_each_period_protected_on_its_own(
    series: list[Figure], limits: Thresholds
) -> None:
    shown = protect_series(series, limits)
    assert shown == [protect_figure(f, limits) for f in series]
    assert protect_series(shown, limits) == shown
    assert [hides_limits(s) for s in shown] == [s.suppressed for s in shown]
    assert protect_series(series, limits, analyst=True) == [Shown.of(f) for f in series]


@disclosure_settings
@given(share_cells() | sizes.map(Figure.count), thresholds, st.integers(0, 5), st.integers(0, 5))
def test_stricter_thresholds_never_show_a_figure_that_looser_ones_hide(
    figure: Figure, limits: Thresholds, more_count: int, more_denominator: int
) -> None:
    stricter = Thresholds(limits.min_count + more_count, limits.min_denominator + more_denominator)
    if protect_figure(figure, limits).suppressed:
        assert protect_figure(figure, stricter).suppressed


@st.composite
def breakdowns(draw: st.DrawFn) -> tuple[Figure, dict[str, list[Figure]]]:
    """One count total broken down two or three ways."""
    whole = draw(sizes)
    result = {}
    for name in draw(
        st.lists(st.sampled_from(["sex", "age_band", "type"]), min_size=1, unique=True)
    ):
        parts = draw(st.lists(st.integers(0, whole), min_size=1, max_size=4))
        cuts = sorted(parts)
        groups = [b - a for a, b in zip([0, *cuts], [*cuts, whole], strict=True)]
        result[name] = [Figure.count(n) for n in groups]
    return Figure.count(whole), result


@disclosure_settings
@given(breakdowns(), thresholds)
def test_every_breakdown_of_one_total_is_protected_against_the_total_as_shown(
    total_and_breakdowns: tuple[Figure, dict[str, list[Figure]]], limits: Thresholds
) -> None:
    total, tables_ = total_and_breakdowns
    result = protect_breakdowns(total, tables_, limits)
    for name, cells in tables_.items():
        shown = result.breakdowns[name]
        hidden = [c.numerator or 0 for c, s in zip(cells, shown, strict=True) if s.suppressed]
        if result.total.suppressed:
            assert hidden or not any(c.numerator for c in cells)
        else:
            assert len(hidden) != 1
            assert not any(pinned(hidden))
            assert shown == protect_table(cells, total, limits).cells
