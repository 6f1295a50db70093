"""Small-number disclosure control: what a figure computed from case-level data may show to
someone who is not an analyst (DATA.md, "Publishing"; the rules and choices are in
docs/disclosure.md).

A count from 1 to `min_count - 1` is replaced by the mark. A share is replaced when its
numerator or denominator is such a count, or when its denominator is from 1 to
`min_denominator - 1`. Zero is shown as zero. In a breakdown with a published total, more
cells are hidden (secondary suppression) until an outsider who sees the total and the shown
cells cannot work out a hidden one by subtraction; when no cell can serve, the total is hidden.

A hidden figure keeps none of its numbers, so a template or a JSON encoder cannot leak them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

# The Government Statistical Service's symbol for a figure withheld as confidential.
SUPPRESSED = "[c]"


class Reason(StrEnum):
    SMALL_COUNT = "small-count"  # a count from 1 to min_count - 1
    DERIVED = "derived"  # a share whose numerator or denominator is such a count
    SMALL_DENOMINATOR = "small-denominator"  # a share of fewer than min_denominator
    SECONDARY = "secondary"  # hidden so that another hidden figure cannot be worked out


class DisclosureError(ValueError):
    """Figures or thresholds that cannot be protected; the message says which rule."""


@dataclass(frozen=True)
class Thresholds:
    """One partnership's thresholds: counts from 1 to `min_count - 1` are hidden, and shares
    of 1 to `min_denominator - 1`. `min_count=1` hides no count; `min_denominator=0` or 1
    hides no share for its denominator alone."""

    min_count: int = 5
    min_denominator: int = 10

    def __post_init__(self) -> None:
        if not isinstance(self.min_count, int) or self.min_count < 1:
            raise DisclosureError("min_count must be a whole number, 1 or more")
        if not isinstance(self.min_denominator, int) or self.min_denominator < 0:
            raise DisclosureError("min_denominator must be a whole number, 0 or more")

    def small(self, count: float) -> bool:
        return 0 < count < self.min_count


@dataclass(frozen=True)
class Figure:
    """A figure as computed: a count (`denominator` None, `value` the count), a share
    (`numerator` of `denominator`, `value` their fraction, None when the denominator is 0),
    or a value with no counts behind it (both None), which is shown as given."""

    numerator: int | None
    denominator: int | None = None
    value: float | None = None

    @classmethod
    def count(cls, n: int) -> Figure:
        return cls(n, None, n)

    @classmethod
    def share(cls, numerator: int, denominator: int) -> Figure:
        return cls(numerator, denominator, numerator / denominator if denominator else None)

    def __post_init__(self) -> None:
        for name in ("numerator", "denominator"):
            n = getattr(self, name)
            if n is not None and (isinstance(n, bool) or n < 0 or n != int(n)):
                raise DisclosureError(f"the {name} must be a whole number, 0 or more")
        if self.denominator is not None:
            if self.numerator is None:
                raise DisclosureError("a share needs its numerator")
            if self.numerator > self.denominator:
                raise DisclosureError("a share's numerator cannot exceed its denominator")


@dataclass(frozen=True)
class Shown:
    """A figure as it may be shown. When `suppressed`, the numbers are all None and the page
    shows `SUPPRESSED` in their place; `reason` is for logs and tests, never for the page."""

    numerator: int | None
    denominator: int | None
    value: float | None
    reason: Reason | None = None

    @classmethod
    def of(cls, figure: Figure) -> Shown:
        return cls(figure.numerator, figure.denominator, figure.value)

    @classmethod
    def hidden(cls, reason: Reason) -> Shown:
        return cls(None, None, None, reason)

    @property
    def suppressed(self) -> bool:
        return self.reason is not None

    def to_json(self) -> dict[str, Any]:
        """What an API may return: the numbers or nulls, and whether they were withheld.
        The reason is left out: knowing which hidden cell is the small one narrows it."""
        return {
            "numerator": self.numerator,
            "denominator": self.denominator,
            "value": self.value,
            "suppressed": self.suppressed,
        }


@dataclass(frozen=True)
class ShownTable:
    """A breakdown as it may be shown: its cells in the order given, and its total."""

    cells: tuple[Shown, ...]
    total: Shown | None


@dataclass(frozen=True)
class ShownBreakdowns:
    """One total and each of its breakdowns, protected together: `total` is the figure to
    show wherever the total appears (the headline too)."""

    total: Shown
    breakdowns: dict[str, tuple[Shown, ...]]


def explanation(thresholds: Thresholds) -> str:
    """The key a page shows wherever the mark appears."""
    return (
        f"{SUPPRESSED} means confidential: a count from 1 to {thresholds.min_count - 1}, "
        f"a percentage of fewer than {thresholds.min_denominator}, or a figure that would "
        "let one of them be worked out."
    )


def hides_limits(shown: Shown) -> bool:
    """Whether a chart must leave out this point's control limits: a p chart's limits at a
    point give away its denominator, and with the centre line its numerator."""
    return shown.suppressed


def protect_figure(
    figure: Figure | Shown, thresholds: Thresholds, *, analyst: bool = False
) -> Shown:
    """One figure on its own. The analyst's view is the figure unchanged. A figure already
    protected may be passed again: a hidden one stays hidden."""
    if isinstance(figure, Shown):
        if figure.suppressed:
            return figure
        figure = Figure(figure.numerator, figure.denominator, figure.value)
    reason = None if analyst else _primary_reason(figure, thresholds)
    return Shown.hidden(reason) if reason else Shown.of(figure)


def protect_series(
    figures: Sequence[Figure | Shown], thresholds: Thresholds, *, analyst: bool = False
) -> list[Shown]:
    """A time series: each period on its own (periods are not parts of a total)."""
    return [protect_figure(f, thresholds, analyst=analyst) for f in figures]


def protect_table(
    cells: Sequence[Figure | Shown],
    total: Figure | Shown | None,
    thresholds: Thresholds,
    *,
    analyst: bool = False,
) -> ShownTable:
    """A breakdown and its total. Counts add up to a count total; shares' numerators and
    denominators add up to a share total's; shares over one common denominator (each group
    as a share of everyone) take that whole as a count total, and only numerators add up.
    Pass the total whenever it is published anywhere, the headline included."""
    shown = [protect_figure(c, thresholds, analyst=analyst) for c in cells]
    if total is None:
        return ShownTable(tuple(shown), None)
    shown_total = protect_figure(total, thresholds, analyst=analyst)
    _check_adds_up(cells, total)
    if shown_total.suppressed:
        _hide_one_unless_hidden(shown)
        return ShownTable(tuple(shown), shown_total)
    while _exposed(shown, shown_total):
        candidate = _next_secondary(shown)
        if candidate is None:
            return ShownTable(tuple(shown), Shown.hidden(Reason.SECONDARY))
        shown[candidate] = Shown.hidden(Reason.SECONDARY)
    return ShownTable(tuple(shown), shown_total)


def protect_breakdowns(
    total: Figure,
    breakdowns: Mapping[str, Sequence[Figure]],
    thresholds: Thresholds,
    *,
    analyst: bool = False,
) -> ShownBreakdowns:
    """A total and several breakdowns of it (by sex, by age band, ...). When one breakdown
    can only be protected by hiding the total, the total is hidden everywhere, and every
    other breakdown hides a cell so the total cannot be added up from it."""
    tables = {
        name: protect_table(cells, total, thresholds, analyst=analyst)
        for name, cells in breakdowns.items()
    }
    shown_total = protect_figure(total, thresholds, analyst=analyst)
    needs_hiding = any(t.total is not None and t.total.suppressed for t in tables.values())
    if needs_hiding and not shown_total.suppressed:
        shown_total = Shown.hidden(Reason.SECONDARY)
        tables = {
            name: protect_table(cells, shown_total, thresholds)
            for name, cells in breakdowns.items()
        }
    return ShownBreakdowns(shown_total, {name: t.cells for name, t in tables.items()})


def _primary_reason(figure: Figure, thresholds: Thresholds) -> Reason | None:
    numerator, denominator = figure.numerator, figure.denominator
    if denominator is None:
        small = numerator is not None and thresholds.small(numerator)
        return Reason.SMALL_COUNT if small else None
    if thresholds.small(denominator) or (numerator is not None and thresholds.small(numerator)):
        return Reason.DERIVED
    if 0 < denominator < thresholds.min_denominator:
        return Reason.SMALL_DENOMINATOR
    return None


def _check_adds_up(cells: Sequence[Figure | Shown], total: Figure | Shown) -> None:
    """Refuse a table whose known cells do not add up to its known total: secondary
    suppression reasons about the difference, so it must be the hidden cells' sum."""
    if any(c.numerator is None for c in cells if not _hidden(c)):
        raise DisclosureError("every cell of a table needs its count")
    if _hidden(total):
        return
    if total.numerator is None:
        raise DisclosureError("a table's total needs its count")
    if total.denominator is not None and any(
        c.denominator is None for c in cells if not _hidden(c)
    ):
        raise DisclosureError("a share total needs share cells")
    if any(_hidden(c) for c in cells):
        return
    if sum(c.numerator or 0 for c in cells) != total.numerator:
        raise DisclosureError("the cells' numerators do not add up to the total's")
    if (
        total.denominator is not None
        and sum(c.denominator or 0 for c in cells) != total.denominator
    ):
        raise DisclosureError("the cells' denominators do not add up to the total's")


def _hidden(figure: Figure | Shown) -> bool:
    return isinstance(figure, Shown) and figure.suppressed


def _exposed(cells: Sequence[Shown], total: Shown) -> bool:
    """Whether an outsider who sees the total and the shown cells can pin down a hidden one.

    Only what the outsider sees is used: the number of hidden cells and what they add up to.
    One hidden cell is the total less the rest. Several are pinned when their numerators
    add up to no more than their number (each would be 1, or 0 or 1: the outsider may know
    which are zeros), or, in a share table, when numerators and denominators add up to the
    same (every hidden share is 100%). Hidden denominators of 1 each need no check of their
    own: their numerators, no larger, are caught by the first."""
    hidden = sum(1 for c in cells if c.suppressed)
    if hidden <= 1:
        return hidden == 1
    numerators = _rest(total.numerator, [c.numerator for c in cells if not c.suppressed])
    if numerators <= hidden:
        return True
    if total.denominator is None:
        return False
    denominators = _rest(total.denominator, [c.denominator for c in cells if not c.suppressed])
    return numerators == denominators


def _rest(total: float | None, shown: Sequence[float | None]) -> float:
    return (total or 0) - sum(n or 0 for n in shown)


def _next_secondary(cells: Sequence[Shown]) -> int | None:
    """The shown cell with the smallest non-zero numerator (then denominator, then the first).
    A zero is never chosen: the hidden numerators would still add up to the small one's."""
    candidates = [
        (c.numerator, c.denominator or 0, i)
        for i, c in enumerate(cells)
        if not c.suppressed and c.numerator
    ]
    return min(candidates)[2] if candidates else None


def _hide_one_unless_hidden(cells: list[Shown]) -> None:
    """With the total hidden, the shown cells must not add up to it."""
    if not any(c.suppressed for c in cells):
        candidate = _next_secondary(cells)
        if candidate is not None:
            cells[candidate] = Shown.hidden(Reason.SECONDARY)
