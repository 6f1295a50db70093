"""Disclosure control, rule by rule, with worked examples (DATA.md "Publishing")."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from trellis.core.disclosure import (
    SUPPRESSED,
    DisclosureError,
    Figure,
    Reason,
    Shown,
    ShownTable,
    Thresholds,
    explanation,
    hides_limits,
    protect_breakdowns,
    protect_figure,
    protect_series,
    protect_table,
)

DEFAULT = Thresholds()
count = Figure.count
share = Figure.share


def reasons(table: ShownTable) -> list[Reason | None]:
    return [cell.reason for cell in table.cells]


def counts(*ns: int) -> list[Figure]:
    return [count(n) for n in ns]


# The mark and the thresholds


def test_the_mark_is_the_government_statistical_service_symbol_for_confidential() -> None:
    assert SUPPRESSED == "[c]"


def test_the_default_thresholds_are_counts_under_5_and_shares_of_fewer_than_10() -> None:
    assert (DEFAULT.min_count, DEFAULT.min_denominator) == (5, 10)


@pytest.mark.parametrize(
    "kwargs", [{"min_count": 0}, {"min_count": -1}, {"min_denominator": -1}, {"min_count": 2.5}]
)
def test_thresholds_below_their_least_sensible_value_are_refused(kwargs: dict) -> None:
    with pytest.raises(DisclosureError):
        Thresholds(**kwargs)


def test_the_explanation_names_the_partnerships_own_thresholds() -> None:
    text = explanation(Thresholds(min_count=10, min_denominator=20))
    assert text.startswith("[c] means confidential")
    assert "from 1 to 9" in text
    assert "fewer than 20" in text


# Counts


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_a_count_from_1_to_4_is_suppressed_as_a_small_count(n: int) -> None:
    shown = protect_figure(count(n), DEFAULT)
    assert shown.suppressed
    assert shown.reason is Reason.SMALL_COUNT


@pytest.mark.parametrize("n", [5, 6, 100, 12_345])
def test_a_count_of_5_or_more_is_shown_as_it_is(n: int) -> None:
    assert protect_figure(count(n), DEFAULT) == Shown(n, None, n, None)


def test_zero_is_shown_as_zero() -> None:
    shown = protect_figure(count(0), DEFAULT)
    assert not shown.suppressed
    assert (shown.numerator, shown.value) == (0, 0)


def test_a_suppressed_figure_keeps_none_of_its_numbers() -> None:
    shown = protect_figure(share(3, 50), DEFAULT)
    assert (shown.numerator, shown.denominator, shown.value) == (None, None, None)


def test_a_missing_figure_is_shown_as_missing_not_as_suppressed() -> None:
    assert protect_figure(Figure(None), DEFAULT) == Shown(None, None, None, None)


def test_a_value_with_no_counts_behind_it_is_shown_as_given() -> None:
    gap = Figure(None, None, -0.042)  # the attendance gap: a difference of two rates
    assert protect_figure(gap, DEFAULT) == Shown(None, None, -0.042, None)


def test_a_whole_number_stored_as_a_float_is_accepted_and_kept() -> None:
    shown = protect_figure(Figure(12.0, None, 12.0), DEFAULT)  # type: ignore[arg-type]
    assert (shown.numerator, shown.value) == (12.0, 12.0)


@pytest.mark.parametrize(
    "figure",
    [
        lambda: Figure(-1),
        lambda: Figure(2.5),  # type: ignore[arg-type]
        lambda: Figure(True),
        lambda: Figure(None, 10),
        lambda: Figure(11, 10),
        lambda: Figure(1, -1),
    ],
)
def test_a_figure_that_is_not_a_count_or_share_of_whole_numbers_is_refused(
    figure: Callable[[], Figure],
) -> None:
    with pytest.raises(DisclosureError):
        figure()


# Shares


def test_a_share_whose_numerator_is_suppressed_is_suppressed_too() -> None:
    shown = protect_figure(share(3, 50), DEFAULT)
    assert shown.reason is Reason.DERIVED


def test_a_share_whose_denominator_is_a_small_count_is_suppressed_too() -> None:
    assert protect_figure(share(0, 3), DEFAULT).reason is Reason.DERIVED


def test_a_share_of_9_is_not_shown() -> None:
    assert protect_figure(share(6, 9), DEFAULT).reason is Reason.SMALL_DENOMINATOR


def test_a_share_of_10_is_shown() -> None:
    assert protect_figure(share(6, 10), DEFAULT) == Shown(6, 10, 0.6, None)


def test_a_share_of_none_of_a_small_group_is_not_shown_either() -> None:
    # Zero is shown as zero as a count, but 0% of 7 says as much about 7 people as 100% does.
    assert protect_figure(share(0, 7), DEFAULT).reason is Reason.SMALL_DENOMINATOR


def test_a_share_of_nobody_is_shown_as_zeros_with_no_value() -> None:
    assert protect_figure(share(0, 0), DEFAULT) == Shown(0, 0, None, None)


def test_a_share_of_none_of_a_large_group_is_shown() -> None:
    assert protect_figure(share(0, 40), DEFAULT) == Shown(0, 40, 0.0, None)


# Configurable thresholds


def test_a_partnership_may_hide_counts_up_to_9() -> None:
    strict = Thresholds(min_count=10)
    assert protect_figure(count(9), strict).suppressed
    assert not protect_figure(count(10), strict).suppressed


def test_a_minimum_count_of_1_hides_no_count() -> None:
    assert not protect_figure(count(1), Thresholds(min_count=1)).suppressed


def test_a_partnership_may_hide_shares_of_fewer_than_20() -> None:
    strict = Thresholds(min_denominator=20)
    assert protect_figure(share(10, 19), strict).reason is Reason.SMALL_DENOMINATOR
    assert not protect_figure(share(10, 20), strict).suppressed


def test_a_minimum_denominator_of_0_hides_shares_only_for_small_counts() -> None:
    loose = Thresholds(min_denominator=0)
    assert not protect_figure(share(5, 5), loose).suppressed
    assert protect_figure(share(4, 5), loose).reason is Reason.DERIVED


# The analyst's view


def test_the_analyst_sees_every_figure_unchanged() -> None:
    figures = [count(3), share(1, 2), share(6, 9), count(0), Figure(None, None, 0.5)]
    shown = [protect_figure(f, DEFAULT, analyst=True) for f in figures]
    assert [Figure(s.numerator, s.denominator, s.value) for s in shown] == figures
    assert not any(s.suppressed for s in shown)


def test_the_analyst_sees_a_breakdown_and_its_total_unchanged() -> None:
    table = protect_table(counts(3, 0, 7, 20), count(30), DEFAULT, analyst=True)
    assert table == ShownTable(tuple(Shown.of(c) for c in counts(3, 0, 7, 20)), Shown.of(count(30)))


def test_a_breakdown_that_does_not_add_up_is_refused_for_the_analyst_too() -> None:
    with pytest.raises(DisclosureError):
        protect_table(counts(3, 7), count(11), DEFAULT, analyst=True)


def test_the_analyst_sees_a_series_unchanged() -> None:
    series = counts(1, 8, 3)
    assert protect_series(series, DEFAULT, analyst=True) == [Shown.of(f) for f in series]


# Series and charts


def test_each_period_of_a_series_is_protected_on_its_own() -> None:
    shown = protect_series(counts(12, 3, 0, 7), DEFAULT)
    assert [s.reason for s in shown] == [None, Reason.SMALL_COUNT, None, None]


def test_a_suppressed_points_control_limits_are_hidden() -> None:
    assert hides_limits(protect_figure(share(3, 40), DEFAULT))


def test_a_shown_points_control_limits_are_drawn() -> None:
    assert not hides_limits(protect_figure(share(13, 40), DEFAULT))


def test_the_api_form_says_a_figure_was_withheld_but_not_why() -> None:
    assert protect_figure(count(2), DEFAULT).to_json() == {
        "numerator": None,
        "denominator": None,
        "value": None,
        "suppressed": True,
    }


# Secondary suppression in a breakdown with a total


def test_a_breakdown_with_nothing_small_is_shown_whole() -> None:
    table = protect_table(counts(10, 0, 25), count(35), DEFAULT)
    assert reasons(table) == [None, None, None]
    assert table.total == Shown(35, None, 35, None)


def test_one_small_cell_takes_the_next_smallest_cell_with_it() -> None:
    # 3 alone could be worked out as 30 - 0 - 20; hiding 7 too leaves 10 split two ways.
    table = protect_table(counts(3, 0, 7, 20), count(30), DEFAULT)
    assert reasons(table) == [Reason.SMALL_COUNT, None, Reason.SECONDARY, None]
    assert not table.total.suppressed  # type: ignore[union-attr]


def test_a_zero_cell_is_never_the_second_one_hidden() -> None:
    table = protect_table(counts(3, 0, 20), count(23), DEFAULT)
    assert reasons(table) == [Reason.SMALL_COUNT, None, Reason.SECONDARY]


def test_between_equal_cells_the_first_is_hidden() -> None:
    table = protect_table(counts(9, 2, 9), count(20), DEFAULT)
    assert reasons(table) == [Reason.SECONDARY, Reason.SMALL_COUNT, None]


def test_two_small_cells_need_no_third_when_they_cannot_be_told_apart() -> None:
    # 2 and 3 add up to 5: 1+4, 2+3, 3+2 and 4+1 all fit.
    table = protect_table(counts(2, 3, 20, 30), count(55), DEFAULT)
    assert reasons(table) == [Reason.SMALL_COUNT, Reason.SMALL_COUNT, None, None]


def test_two_small_cells_of_1_take_a_third_with_them() -> None:
    # Two hidden cells adding up to 2 can only be 1 and 1: no zero is ever hidden.
    table = protect_table(counts(1, 1, 20, 30), count(52), DEFAULT)
    assert reasons(table) == [Reason.SMALL_COUNT, Reason.SMALL_COUNT, Reason.SECONDARY, None]


def test_a_small_total_is_suppressed_with_its_small_cells() -> None:
    table = protect_table(counts(3, 0, 0), count(3), DEFAULT)
    assert reasons(table) == [Reason.SMALL_COUNT, None, None]
    assert table.total.reason is Reason.SMALL_COUNT  # type: ignore[union-attr]


def test_when_only_zeros_are_left_the_total_is_suppressed_instead() -> None:
    # Five hidden 1s adding up to a shown 5 would each be 1, and no other cell can help.
    table = protect_table(counts(1, 1, 1, 1, 1, 0), count(5), DEFAULT)
    assert table.total.reason is Reason.SECONDARY  # type: ignore[union-attr]
    assert reasons(table) == [Reason.SMALL_COUNT] * 5 + [None]


def test_a_suppressed_total_is_not_left_to_be_added_up_from_its_cells() -> None:
    hidden_total = Shown.hidden(Reason.SECONDARY)
    table = protect_table(counts(12, 0, 30), hidden_total, DEFAULT)
    assert reasons(table) == [Reason.SECONDARY, None, None]
    assert table.total == hidden_total


def test_without_a_total_only_the_small_cells_are_suppressed() -> None:
    table = protect_table(counts(3, 0, 7, 20), None, DEFAULT)
    assert reasons(table) == [Reason.SMALL_COUNT, None, None, None]
    assert table.total is None


def test_the_cells_come_back_in_the_order_given() -> None:
    table = protect_table(counts(20, 7, 0, 3), count(30), DEFAULT)
    assert reasons(table) == [None, Reason.SECONDARY, None, Reason.SMALL_COUNT]


def test_protecting_a_protected_table_again_changes_nothing() -> None:
    once = protect_table(counts(1, 1, 20, 30), count(52), DEFAULT)
    assert protect_table(once.cells, once.total, DEFAULT) == once


def test_stricter_thresholds_applied_to_a_protected_table_hide_more() -> None:
    once = protect_table(counts(6, 8, 20, 30), count(64), DEFAULT)
    again = protect_table(once.cells, once.total, Thresholds(min_count=7))
    assert reasons(again) == [Reason.SMALL_COUNT, Reason.SECONDARY, None, None]


def test_cells_that_do_not_add_up_to_the_total_are_refused() -> None:
    with pytest.raises(DisclosureError, match="numerators"):
        protect_table(counts(3, 7), count(11), DEFAULT)


def test_a_share_total_over_count_cells_is_refused() -> None:
    with pytest.raises(DisclosureError, match="share cells"):
        protect_table(counts(3, 7), share(10, 20), DEFAULT)


def test_a_cell_without_a_count_is_refused_in_a_table_with_a_total() -> None:
    with pytest.raises(DisclosureError, match="count"):
        protect_table([Figure(None, None, 0.5), count(7)], count(7), DEFAULT)


# Share tables: numerators and denominators each add up to the total's


def test_a_share_with_a_small_numerator_takes_the_next_smallest_share_with_it() -> None:
    table = protect_table([share(3, 50), share(20, 40), share(30, 60)], share(53, 150), DEFAULT)
    assert reasons(table) == [Reason.DERIVED, Reason.SECONDARY, None]


def test_a_share_with_no_numerator_is_never_the_second_one_hidden() -> None:
    table = protect_table([share(3, 50), share(0, 40), share(30, 60)], share(33, 150), DEFAULT)
    assert reasons(table) == [Reason.DERIVED, None, Reason.SECONDARY]


def test_small_groups_that_were_all_100_percent_take_another_share_with_them() -> None:
    # 15 of 15 hidden: both hidden shares would be 100%.
    table = protect_table([share(7, 7), share(8, 8), share(10, 50)], share(25, 65), DEFAULT)
    assert reasons(table) == [Reason.SMALL_DENOMINATOR] * 2 + [Reason.SECONDARY]


def test_small_groups_that_were_all_0_percent_take_another_share_with_them() -> None:
    table = protect_table([share(0, 7), share(0, 8), share(10, 50)], share(10, 65), DEFAULT)
    assert reasons(table) == [Reason.SMALL_DENOMINATOR] * 2 + [Reason.SECONDARY]


def test_small_groups_with_mixed_shares_need_no_third() -> None:
    table = protect_table([share(5, 7), share(2, 8), share(10, 50)], share(17, 65), DEFAULT)
    assert reasons(table) == [Reason.SMALL_DENOMINATOR, Reason.DERIVED, None]


def test_a_share_table_whose_other_numerators_are_all_zero_hides_its_total() -> None:
    table = protect_table([share(6, 7), share(0, 50)], share(6, 57), DEFAULT)
    assert reasons(table) == [Reason.SMALL_DENOMINATOR, None]
    assert table.total.reason is Reason.SECONDARY  # type: ignore[union-attr]


def test_shares_of_one_common_whole_take_that_whole_as_a_count_total() -> None:
    # Balance of care: each placement type as a share of all 100 children looked after.
    types = [share(1, 100), share(1, 100), share(30, 100), share(38, 100), share(30, 100)]
    table = protect_table(types, count(100), DEFAULT)
    assert reasons(table) == [Reason.DERIVED, Reason.DERIVED, Reason.SECONDARY, None, None]


def test_between_shares_with_equal_numerators_the_smaller_group_is_hidden() -> None:
    table = protect_table([share(3, 50), share(20, 40), share(20, 30)], share(43, 120), DEFAULT)
    assert reasons(table) == [Reason.DERIVED, None, Reason.SECONDARY]


def test_share_denominators_that_do_not_add_up_are_refused() -> None:
    with pytest.raises(DisclosureError, match="denominators"):
        protect_table([share(3, 50), share(20, 40)], share(23, 91), DEFAULT)


# Several breakdowns of one total


def test_a_total_one_breakdown_must_hide_is_hidden_in_every_breakdown() -> None:
    result = protect_breakdowns(
        count(5),
        {"placement_type": counts(1, 1, 1, 1, 1), "sex": counts(5, 0, 0)},
        DEFAULT,
    )
    assert result.total.reason is Reason.SECONDARY
    assert all(s.suppressed for s in result.breakdowns["placement_type"])
    # 5 boys shown beside a hidden total would give the total away.
    assert [s.reason for s in result.breakdowns["sex"]] == [Reason.SECONDARY, None, None]


def test_breakdowns_that_keep_their_total_are_protected_each_against_it() -> None:
    result = protect_breakdowns(
        count(30), {"sex": counts(3, 27, 0), "age_band": counts(10, 10, 10, 0, 0)}, DEFAULT
    )
    assert result.total == Shown(30, None, 30, None)
    assert [s.reason for s in result.breakdowns["sex"]] == [
        Reason.SMALL_COUNT,
        Reason.SECONDARY,
        None,
    ]
    assert not any(s.suppressed for s in result.breakdowns["age_band"])


def test_the_analyst_sees_every_breakdown_unchanged() -> None:
    result = protect_breakdowns(count(5), {"sex": counts(1, 4, 0)}, DEFAULT, analyst=True)
    assert result.total == Shown.of(count(5))
    assert result.breakdowns["sex"] == tuple(Shown.of(c) for c in counts(1, 4, 0))
