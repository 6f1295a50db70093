"""The gap between children looked after at home and those looked after elsewhere: school
attendance of the two groups each school year (the built-in definition attendance_gap,
charted as ATT-HOME, ATT-AWAY and ATT-GAP), and the disclosure rule the gap needs: it is
hidden in a year where either group's rate is hidden, since the gap and the other rate
would give the hidden one away."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.utils.translation import gettext as _

from trellis.casedata.library import PERCENTAGE_POINTS
from trellis.core.disclosure import Figure, Thresholds, protect_figure
from trellis.measures.charts import ChartPoint, format_value, summarise
from trellis.measures.models import Measure, Observation
from trellis.measures.selectors import Assessment, assess
from trellis.reports.data_summary.span import Span, shown
from trellis.reports.document import Block, Cell, Paragraph, Section, Table, cells

GAP = ("attendance_gap", "")
HOME = ("attendance_gap", "placement_group=home")
AWAY = ("attendance_gap", "placement_group=other")


def assess_all(measures: list[Measure], thresholds: Thresholds | None) -> list[Assessment]:
    """Each measure assessed for the reader; the attendance gap blanked first for the years
    where either group's rate is hidden (see the module's docstring)."""
    by_definition = {(m.definition, m.definition_group): m for m in measures if m.definition}
    gap = by_definition.get(GAP)
    if gap is not None and thresholds is not None:
        hidden = hidden_years(by_definition, thresholds)
        blanked = [blank(o) if o.period_ends in hidden else o for o in gap.observations.all()]
        gap._prefetched_objects_cache["observations"] = blanked  # type: ignore[attr-defined]
    found = [assess(m, thresholds) for m in measures]
    if gap is not None and thresholds is not None:
        found = [mark_hidden(a, hidden) if a.measure is gap else a for a in found]
    return found


def hidden_years(
    by_definition: dict[tuple[str, str], Measure], thresholds: Thresholds
) -> set[dt.date]:
    hidden: set[dt.date] = set()
    for key in (HOME, AWAY):
        group = by_definition.get(key)
        for o in group.observations.all() if group else ():
            if o.numerator is None or o.denominator is None:
                continue
            figure = Figure.share(int(o.numerator), int(o.denominator))
            if protect_figure(figure, thresholds).suppressed:
                hidden.add(o.period_ends)
    return hidden


def blank(o: Observation) -> Observation:
    blank = Observation(
        pk=o.pk, measure_id=o.measure_id, partnership_id=o.partnership_id, period_ends=o.period_ends
    )
    blank.snapshot_id, blank.definition = o.snapshot_id, o.definition
    return blank


def mark_hidden(a: Assessment, hidden: set[dt.date]) -> Assessment:
    points = tuple(
        dataclasses.replace(p, suppressed=True, value=None) if p.when in hidden else p
        for p in a.chart.points
    )
    return dataclasses.replace(a, chart=dataclasses.replace(a.chart, points=points))


def gap_section(assessments: list[Assessment], span: Span) -> Section:
    by = {(a.measure.definition, a.measure.definition_group): a for a in assessments}
    heading = _("Children looked after at home and in other settings")
    if HOME not in by or AWAY not in by:
        text = _(
            "No attendance has been computed from case-level data yet: the gap needs an "
            "extract with attendance and episodes."
        )
        return Section(heading, 1, (Paragraph(text),), "gap")
    home, away, gap = by[HOME], by[AWAY], by.get(GAP)
    # Every school year to the span's end: one year alone shows no trend.
    points = {
        key: {p.when: p for p in a.chart.points if p.when <= span.ends}
        for key, a in (("home", home), ("away", away), ("gap", gap))
        if a is not None
    }
    years = sorted(set(points["home"]) | set(points["away"]))
    rows = []
    for when in years:
        h, w = points["home"].get(when), points["away"].get(when)
        g = points.get("gap", {}).get(when)
        label = (h or w).label  # type: ignore[union-attr]
        if span.holds(when):
            label = _("%(year)s (in the span)") % {"year": label}
        rows.append((Cell(label), shown(home, h), shown(away, w), _gap_cell(g)))
    intro = _(
        "The inspection found limited data on outcomes for children looked after at home. "
        "School attendance is compared for the two groups each school year."
    )
    if not rows:
        return Section(heading, 1, (Paragraph(intro), Paragraph(_("No figures yet."))), "gap")
    blocks: list[Block] = [Paragraph(intro)]
    if gap is not None:
        blocks.append(Paragraph(_("The gap: %(summary)s") % {"summary": summarise(gap.chart)}))
    blocks.append(
        Table(
            _("Attendance gap"),
            (cells(_("School year"), _("At home"), _("Elsewhere"), _("Gap")),),
            tuple(rows),
            caption=_(
                "School attendance of children looked after at home and of those looked "
                "after elsewhere, and the gap in percentage points (at home minus elsewhere), "
                "each school year to the end of the span."
            ),
            own_sheet=True,
        )
    )
    return Section(heading, 1, tuple(blocks), "gap")


def _gap_cell(point: ChartPoint | None) -> Cell:
    if point is None:
        return Cell("–")
    if point.suppressed:
        return Cell.hidden()
    return Cell.number(point.value, format_value(point.value, PERCENTAGE_POINTS, 1))
