"""The data table that sits beside every chart: one row per period."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from trellis.core.disclosure import SUPPRESSED

from .model import Chart, ChartPoint, expected_at, without_non_finite
from .summary import numbered_notes
from .text import MISSING, centre_name, value_formatter, variation_words


@dataclass(frozen=True)
class TableRow:
    label: str
    value: str  # "58%", "58% (provisional)" or "–"
    centre: str | None  # None when the chart has no centre line
    expected: str | None  # None when the chart has no trajectory
    variation: str
    comparators: tuple[tuple[str, str], ...]  # (name, value) for each comparator, "–" if none
    notes: tuple[str, ...]  # annotations dated in this period
    cells: tuple[str, ...]  # every column in order, to match data_table_headings()


def data_table_headings(chart: Chart) -> list[str]:
    """Column headings for data_table(chart)'s cells, present columns only."""
    headings = [_("Period"), _("Value")]
    if _has_centre(chart):
        headings.append(centre_name(chart.chart_kind))
    if chart.trajectory():
        headings.append(_("Expected on trajectory"))
    headings.append(_("Variation"))
    headings.extend(comparator.name for comparator in chart.comparators)
    if chart.annotations:
        headings.append(_("Notes"))
    return headings


def data_table(chart: Chart) -> list[TableRow]:
    """One row per point, formatted with the chart's unit and decimals."""
    chart = without_non_finite(chart)
    notes = _notes_by_point(chart)
    return [_row(chart, point, notes[index]) for index, point in enumerate(chart.points)]


def _row(chart: Chart, point: ChartPoint, notes: tuple[str, ...]) -> TableRow:
    show = value_formatter(chart.unit, chart.decimals)
    value = SUPPRESSED if point.suppressed else show(point.value)
    if point.provisional and point.value is not None:
        value = _("%(value)s (provisional)") % {"value": value}
    centre = show(point.centre) if _has_centre(chart) else None
    expected = show(expected_at(chart, point.when)) if chart.trajectory() else None
    variation = variation_words(point.variation) if point.value is not None else MISSING
    comparators = tuple(
        (comparator.name, show(dict(comparator.values).get(point.when)))
        for comparator in chart.comparators
    )
    cells = [point.label, value, *(cell for cell in (centre, expected) if cell is not None)]
    cells.append(variation)
    cells.extend(shown for _name, shown in comparators)
    if chart.annotations:
        cells.append(" ".join(notes) or MISSING)
    return TableRow(
        point.label, value, centre, expected, variation, comparators, notes, tuple(cells)
    )


def _notes_by_point(chart: Chart) -> list[tuple[str, ...]]:
    """Each annotation belongs to the first period ending on or after its date."""
    found: list[list[str]] = [[] for _point in chart.points]
    for number, note in numbered_notes(chart):
        for index, point in enumerate(chart.points):
            if note.when <= point.when:
                found[index].append(f"{number}. {note.text.strip()}")
                break
    return [tuple(notes) for notes in found]


def _has_centre(chart: Chart) -> bool:
    return any(point.centre is not None for point in chart.points)
