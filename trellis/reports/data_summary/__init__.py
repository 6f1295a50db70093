"""The data summary report, as a `Document` (docs/reports.md, "The data summary report").

The report the business intelligence unit owes its chief officers each year: every measure
of the partnership, built-in (computed from case-level data) and entered by hand, over a
span, each with its chart; the latest figure of each computed measure broken down by group
(sex, age band, placement type, placement area); the gap between children looked after at
home and those looked after elsewhere; and an appendix of provenance naming every snapshot
and definition version the figures came from.

**The span.** `build(request)` covers the twelve months ending on the last day of the
period asked for (a year's report at any quarter); `build_for_span(request, starts)` covers
any span ending there. Charts show each measure's whole history up to the span's end, so
the span's figures are read against what came before; tables list the span's figures only.
Nothing after the span's end is read, so a later quarter never leaks into this one.

**Disclosure.** Every figure about children passes `trellis.core.disclosure` with
`request.thresholds` (None only for an analyst's own copy): charts and their tables through
`assess`, breakdowns through `protect_breakdowns` (secondary suppression against the
published total), and the attendance gap is hidden for a year in which either group's rate
is hidden, since the gap and one rate would give away the other.

**Cost.** A fixed number of queries whatever the number of measures: the measures with
their prefetched rows, the breakdown rows of the latest figures, and the snapshots.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from trellis.core.disclosure import Thresholds, explanation
from trellis.measures.charts import format_date, format_value
from trellis.measures.models import Comparator, Measure, Observation, Source
from trellis.measures.selectors import Assessment, measures_of_partnership
from trellis.reports.board_pack import measure_block
from trellis.reports.data_summary.breakdowns import breakdowns
from trellis.reports.data_summary.gap import assess_all, gap_section
from trellis.reports.data_summary.provenance import provenance_section
from trellis.reports.data_summary.span import Span, in_span, shown, year_to
from trellis.reports.document import (
    Block,
    Cell,
    Document,
    PageBreak,
    Paragraph,
    Section,
    Table,
    cells,
)
from trellis.reports.registry import ReportRequest

__all__ = ["build", "build_for_span"]


def build(request: ReportRequest) -> Document:
    return build_for_span(request, year_to(request.period.ends))


def build_for_span(request: ReportRequest, starts: dt.date) -> Document:
    span = Span(starts, request.period.ends)
    measures = list(span_measures(request, span))
    request.progress(1, 4)
    assessments = assess_all(measures, request.thresholds)
    request.progress(2, 4)
    computed = [a for a in assessments if a.measure.source == Source.COMPUTED]
    entered = [a for a in assessments if a.measure.source != Source.COMPUTED]
    groups = breakdowns(computed, span, request.thresholds)
    request.progress(3, 4)
    blocks: list[Block] = [
        summary_section(assessments, span, request.thresholds),
        gap_section(assessments, span),
        PageBreak(),
        measures_chapter(_("Built-in measures"), "built-in", computed, span, groups),
        PageBreak(),
        measures_chapter(_("Measures entered by hand"), "entered", entered, span, {}),
        PageBreak(),
        provenance_section(measures, span),
    ]
    request.progress(4, 4)
    return Document(
        kind="data-summary",
        title=_("Data summary: %(span)s") % {"span": span.label},
        subtitle=request.plan.partnership.name,
        blocks=tuple(blocks),
        metadata=(
            (_("Plan"), request.plan.title),
            (_("Span"), span.label),
            (_("Prepared by"), request.prepared_by),
            (_("Date"), format_date(request.today)),
        ),
    )


# Reading


def span_measures(request: ReportRequest, span: Span) -> list[Measure]:
    """Every measure of the partnership with its figures up to the span's end; computed
    measures first, then by code."""
    upto = Observation.objects.filter(period_ends__lte=span.ends).order_by("period_ends")
    rows = (
        measures_of_partnership(request.plan.partnership)
        .prefetch_related(None)
        .prefetch_related(
            "actions",
            "targets",
            "annotations",
            Prefetch("observations", queryset=upto),
            Prefetch("comparators", queryset=Comparator.objects.prefetch_related("values")),
        )
        .order_by("code", "id")
    )
    return sorted(rows, key=lambda m: m.source != Source.COMPUTED)


# The summary


def _change(a: Assessment, delta: float) -> Cell:
    """The change over the span: "+10 points" for a percentage, "+22" for a count; no sign
    on a change that rounds to nothing."""
    number = format_value(delta, "", a.chart.decimals)
    if a.chart.unit == "%":
        number = f"{number} {_('points')}"
    elif a.chart.unit:
        number = format_value(delta, a.chart.unit, a.chart.decimals)
    rounds_to_zero = format_value(abs(delta), "", a.chart.decimals).strip("0.,") == ""
    sign = "+" if delta > 0 and not rounds_to_zero else ""
    return Cell.number(delta, f"{sign}{number}")


def summary_section(
    assessments: list[Assessment], span: Span, thresholds: Thresholds | None
) -> Section:
    rows = []
    for a in assessments:
        points = [p for p in in_span(a, span) if p.value is not None or p.suppressed]
        first, last = (points[0], points[-1]) if points else (None, None)
        change = Cell("–")
        if first and last and first is not last and None not in (first.value, last.value):
            change = _change(a, last.value - first.value)  # type: ignore[operator]
        rows.append(
            (
                Cell(a.measure.code),
                Cell(a.measure.title),
                shown(a, first),
                shown(a, last),
                change,
                Cell(a.status_label),
                Cell(a.verdict_label),
            )
        )
    note = (
        _("An analyst's copy: no figure is suppressed. Do not publish it.")
        if thresholds is None
        else explanation(thresholds)
    )
    headings = cells(
        _("Code"),
        _("Measure"),
        _("First in span"),
        _("Latest in span"),
        _("Change"),
        _("Against trajectory"),
        _("What the data says"),
    )
    table = Table(
        _("Measures at a glance"),
        (headings,),
        tuple(rows),
        caption=_("Every measure's first and latest figure in the span."),
        filterable=True,
        widths=(1.2, 3, 1.2, 1.2, 1.2, 1.5, 2),
        own_sheet=True,
    )
    intro = _(
        "%(n)d measures, %(computed)d of them computed from case-level data, over %(span)s."
    ) % {
        "n": len(assessments),
        "computed": sum(1 for a in assessments if a.measure.source == Source.COMPUTED),
        "span": span.label,
    }
    return Section(
        _("Summary"), 1, (Paragraph(intro, "lead"), Paragraph(note, "small"), table), "summary"
    )


# Each measure


def measures_chapter(
    heading: str,
    anchor: str,
    assessments: list[Assessment],
    span: Span,
    groups: dict[int, list[Section]],
) -> Section:
    if not assessments:
        return Section(heading, 1, (Paragraph(_("None.")),), anchor)
    blocks = []
    for a in assessments:
        block = measure_block(a)
        extra = tuple(groups.get(a.measure.pk, ()))
        blocks.append(
            Section(block.heading, 2, (*block.blocks, *extra), f"{anchor}-{a.measure.pk}")
        )
    return Section(heading, 1, tuple(blocks), anchor)
