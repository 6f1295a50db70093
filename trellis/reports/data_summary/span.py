"""The span a data summary covers, and how one figure in it is shown."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from trellis.measures.charts import ChartPoint, format_date, format_value
from trellis.measures.selectors import Assessment
from trellis.reports.document import Cell


@dataclass(frozen=True)
class Span:
    starts: dt.date
    ends: dt.date

    def holds(self, day: dt.date) -> bool:
        return self.starts <= day <= self.ends

    @property
    def label(self) -> str:
        return _("%(starts)s to %(ends)s") % {
            "starts": format_date(self.starts),
            "ends": format_date(self.ends),
        }


def year_to(ends: dt.date) -> dt.date:
    """The first day of the twelve months ending on `ends`."""
    try:
        return ends.replace(year=ends.year - 1) + dt.timedelta(days=1)
    except ValueError:  # 29 February
        return ends.replace(year=ends.year - 1, day=28) + dt.timedelta(days=1)


def in_span(a: Assessment, span: Span) -> list[ChartPoint]:
    return [p for p in a.chart.points if span.holds(p.when)]


def shown(a: Assessment, point: ChartPoint | None) -> Cell:
    if point is None:
        return Cell("–")
    if point.suppressed:
        return Cell.hidden()
    return Cell.number(point.value, format_value(point.value, a.chart.unit, a.chart.decimals))
