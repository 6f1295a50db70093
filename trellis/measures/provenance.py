"""Where a computed measure's figures come from, and its latest figure broken down by group
(sex, age band, placement type...), with disclosure control for everyone but analysts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from trellis.casedata.models import ComputedFigure, Snapshot
from trellis.core.disclosure import (
    SUPPRESSED,
    DisclosureError,
    Figure,
    Shown,
    Thresholds,
    protect_breakdowns,
)
from trellis.measures.charts import format_value
from trellis.measures.models import Kind, Measure, Source
from trellis.measures.selectors import Assessment


@dataclass(frozen=True)
class Group:
    name: str  # "f", "12-15", "foster"
    figure: str  # "58%" or "12", or the suppression mark


@dataclass(frozen=True)
class Provenance:
    snapshot: Snapshot
    definition: str  # "looked_after@1"
    period_label: str
    breakdowns: dict[str, list[Group]]  # by field: sex, age_band, ...


def provenance(
    measure: Measure, assessment: Assessment, thresholds: Thresholds | None
) -> Provenance | None:
    """For a computed measure's latest figure: its snapshot, definition and breakdowns."""
    latest = assessment.latest
    if measure.source != Source.COMPUTED or latest is None or latest.snapshot_id is None:
        return None
    snapshot = Snapshot.objects.select_related("uploaded_by").get(pk=latest.snapshot_id)
    figures = list(
        ComputedFigure.objects.filter(
            snapshot=snapshot, measure=measure.definition, period_end=latest.period_ends
        )
    )
    label = assessment.chart.points[-1].label if assessment.chart.points else ""
    breakdowns = {} if measure.definition_group else _breakdowns(measure, figures, thresholds)
    return Provenance(snapshot, latest.definition, label, breakdowns)


def _breakdowns(
    measure: Measure, figures: list[ComputedFigure], thresholds: Thresholds | None
) -> dict[str, list[Group]]:
    total = next((f for f in figures if not f.group), None)
    by_field: dict[str, list[ComputedFigure]] = defaultdict(list)
    for figure in figures:
        if figure.group and "," not in figure.group:
            by_field[figure.group.split("=", 1)[0]].append(figure)
    if total is None or not by_field:
        return {}
    try:
        shown = protect_breakdowns(
            _as_figure(total),
            {name: [_as_figure(c) for c in cells] for name, cells in by_field.items()},
            thresholds or Thresholds(),
            analyst=thresholds is None,
        )
    except DisclosureError:
        return {}  # groups that do not add up to the whole cannot be protected: not shown
    return {
        name: [
            Group(cell.group.split("=", 1)[1], _text(measure, s))
            for cell, s in zip(cells, shown.breakdowns[name], strict=True)
        ]
        for name, cells in sorted(by_field.items())
    }


def _as_figure(figure: ComputedFigure) -> Figure:
    if figure.denominator is None:
        return Figure.count(int(figure.numerator or 0))
    return Figure.share(int(figure.numerator or 0), int(figure.denominator))


def _text(measure: Measure, shown: Shown) -> str:
    if shown.suppressed:
        return SUPPRESSED
    if shown.denominator is None:
        return format_value(shown.value, "", 0)
    value = None if shown.value is None else shown.value * 100
    text = format_value(value, "%" if measure.kind == Kind.PERCENTAGE else "", measure.decimals)
    return f"{text} ({shown.numerator} of {shown.denominator})"
