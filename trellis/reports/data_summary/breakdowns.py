"""Each computed measure's latest figure in the span broken down by group (sex, age band,
placement type, placement area), protected against the published total."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trellis.casedata.models import ComputedFigure
from trellis.core.disclosure import DisclosureError, Figure, Thresholds, protect_breakdowns
from trellis.measures.charts import format_date, format_value
from trellis.measures.models import Kind, Measure, Observation
from trellis.measures.selectors import Assessment
from trellis.reports.data_summary.span import Span
from trellis.reports.document import Cell, Section, Table, cells

BREAKDOWN_NAMES = {
    "sex": gettext_lazy("By sex"),
    "age_band": gettext_lazy("By age band"),
    "placement_type": gettext_lazy("By placement type"),
    "placement_area": gettext_lazy("By placement area"),
}


def breakdowns(
    computed: list[Assessment], span: Span, thresholds: Thresholds | None
) -> dict[int, list[Section]]:
    """Each computed measure's latest figure in the span by group, protected against the
    published total (one query for them all)."""
    latest: dict[int, Observation] = {}
    for a in computed:
        if a.measure.definition_group:
            continue  # one row of a split definition: its groups are other measures
        valued = [
            o
            for o in a.observations
            if o is not None and o.snapshot_id is not None and span.holds(o.period_ends)
        ]
        if valued:
            latest[a.measure.pk] = valued[-1]
    figures = ComputedFigure.objects.filter(
        snapshot_id__in={o.snapshot_id for o in latest.values()},
        period_end__in={o.period_ends for o in latest.values()},
        measure__in={a.measure.definition for a in computed},
    )
    found: dict[tuple[int, str, dt.date], list[ComputedFigure]] = defaultdict(list)
    for f in figures:
        found[(f.snapshot_id, f.measure, f.period_end)].append(f)
    sections: dict[int, list[Section]] = {}
    for a in computed:
        o = latest.get(a.measure.pk)
        if o is None or o.snapshot_id is None:
            continue
        cells_ = found.get((o.snapshot_id, a.measure.definition, o.period_ends), [])
        made = _breakdown_tables(a.measure, cells_, thresholds)
        if made:
            title = _("Breakdowns, %(date)s") % {"date": format_date(o.period_ends)}
            sections[a.measure.pk] = [Section(title, 3, tuple(made), in_contents=False)]
    return sections


def _breakdown_tables(
    measure: Measure, rows: list[ComputedFigure], thresholds: Thresholds | None
) -> list[Table]:
    total = next((f for f in rows if not f.group), None)
    by_field: dict[str, list[ComputedFigure]] = defaultdict(list)
    for f in rows:
        if f.group and "," not in f.group:
            by_field[f.group.split("=", 1)[0]].append(f)
    if total is None or not by_field:
        return []
    try:
        shown = protect_breakdowns(
            _as_figure(total),
            {name: [_as_figure(c) for c in group] for name, group in by_field.items()},
            thresholds or Thresholds(),
            analyst=thresholds is None,
        )
    except DisclosureError:
        return []  # groups that do not add up to the whole cannot be protected: not shown
    tables = []
    for name, group in sorted(by_field.items()):
        body = []
        for cell, s in zip(group, shown.breakdowns[name], strict=True):
            if s.suppressed:
                body.append((Cell(cell.group.split("=", 1)[1]), Cell.hidden(), Cell.hidden()))
                continue
            value = None if s.value is None else s.value * (100 if s.denominator else 1)
            unit = "%" if measure.kind == Kind.PERCENTAGE and s.denominator else ""
            text = format_value(value, unit, measure.decimals)
            of = f"{s.numerator} of {s.denominator}" if s.denominator else str(s.numerator)
            body.append((Cell(cell.group.split("=", 1)[1]), Cell.number(value, text), Cell(of)))
        tables.append(
            Table(
                f"{measure.code} {BREAKDOWN_NAMES.get(name, name)}"[:31],
                (cells(_("Group"), _("Figure"), _("Children")),),
                tuple(body),
                caption=f"{measure.title}: {str(BREAKDOWN_NAMES.get(name, name)).lower()}",
            )
        )
    return tables


def _as_figure(f: ComputedFigure) -> Figure:
    if f.denominator is None:
        return Figure.count(int(f.numerator or 0))
    return Figure.share(int(f.numerator or 0), int(f.denominator))
