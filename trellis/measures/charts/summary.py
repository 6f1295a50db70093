"""The plain-English summary of a chart: one sentence of up to three clauses.

1. Movement: the first against the latest value, over how many periods.
2. The SPC verdict: the latest run of special-cause points, else the run chart's runs signal,
   else common-cause variation only.
3. The status against the trajectory, when the chart has one.
"""

from __future__ import annotations

import itertools

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from trellis.core.spc import MIN_USEFUL_FOR_RUNS

from .model import Annotation, Chart, ChartPoint, without_non_finite
from .text import format_date, period_kind, value_formatter


def summarise(chart: Chart) -> str:
    """E.g. "Rose from 31% to 58% over 6 quarters; a shift above the median since Q2 2020
    (special-cause improvement); on track for 75% by 30 September 2021." """
    chart = without_non_finite(chart)
    if not chart.valued_points():
        return _("No data yet.")
    clauses = [movement(chart), verdict(chart)]
    standing = status(chart)
    if standing:
        clauses.append(standing)
    return "; ".join(clauses) + "."


def describe(chart: Chart) -> str:
    """The summary followed by the notes marked on the chart: the SVG's <desc>."""
    notes = [_note_sentence(number, note) for number, note in numbered_notes(chart)]
    return " ".join([summarise(chart), *notes])


def numbered_notes(chart: Chart) -> list[tuple[int, Annotation]]:
    """Annotations in date order, numbered from 1 as the chart's markers are."""
    ordered = sorted(chart.annotations, key=lambda note: (note.when, note.text))
    return list(enumerate(ordered, start=1))


def _note_sentence(number: int, note: Annotation) -> str:
    text = note.text.strip()
    if note.process_change:
        text = _("%(text)s (a change in the process)") % {"text": text}
    if not text.endswith((".", "!", "?")):
        text += "."
    return _("Note %(number)d, %(date)s: %(text)s") % {
        "number": number,
        "date": format_date(note.when),
        "text": text,
    }


def movement(chart: Chart) -> str:
    """Rose / Fell / Stayed at, first to latest value, with the number of periods spanned."""
    valued = chart.valued_points()
    first, latest = valued[0], valued[-1]
    show = value_formatter(chart.unit, chart.decimals)
    if len(valued) == 1:
        return _("%(value)s in %(period)s, the only value so far") % {
            "value": show(latest.value),
            "period": latest.label,
        }
    words = {"first": show(first.value), "latest": show(latest.value), "span": _span(chart)}
    if words["first"] == words["latest"]:
        return _("Stayed at %(latest)s over %(span)s") % words
    if (latest.value or 0) > (first.value or 0):
        return _("Rose from %(first)s to %(latest)s over %(span)s") % words
    return _("Fell from %(first)s to %(latest)s over %(span)s") % words


def _span(chart: Chart) -> str:
    """The periods from the first to the latest value, both included, gaps counted."""
    indexes = [index for index, point in enumerate(chart.points) if point.value is not None]
    count = indexes[-1] - indexes[0] + 1
    kind = period_kind([point.label for point in chart.points])
    if kind == "quarter":
        text = ngettext("%(count)d quarter", "%(count)d quarters", count)
    elif kind == "month":
        text = ngettext("%(count)d month", "%(count)d months", count)
    else:
        text = ngettext("%(count)d period", "%(count)d periods", count)
    return text % {"count": count}


def verdict(chart: Chart) -> str:
    """What the SPC rules say, in words; on few figures, said to be early or not yet known."""
    run = latest_special_run(chart.points)
    words = _special_cause(chart, run) if run else _runs_words(chart) if chart.runs_signal else ""
    few = chart.phase_figures is not None and chart.phase_figures < MIN_USEFUL_FOR_RUNS
    if few and not words:
        return _(
            "too few figures yet to tell a signal from noise (%(count)d of the %(needed)d needed)"
        ) % {
            "count": chart.phase_figures,
            "needed": MIN_USEFUL_FOR_RUNS,
        }
    if few:
        return _("%(words)s, an early sign based on only %(count)d figures") % {
            "words": words,
            "count": chart.phase_figures,
        }
    if chart.trial_limits is not None and run:
        words = _("%(words)s against trial limits") % {"words": words}
    return words or _("only common-cause variation (no signal)")


def _runs_words(chart: Chart) -> str:
    """A runs signal (a long run or too few crossings) told by where the latest figures
    lie, as the verdict beside the chart is (trellis.measures.selectors)."""
    centre = _("the median") if chart.chart_kind == "run" else _("the mean")
    latest = [p for p in chart.points if p.value is not None and p.centre is not None][-3:]
    above = sum(1 for p in latest if (p.value or 0.0) > (p.centre or 0.0))
    below = sum(1 for p in latest if (p.value or 0.0) < (p.centre or 0.0))
    if above == below:
        return _("a sustained shift in the data (non-random variation)")
    words = (
        _("a sustained shift in the data, now above %(centre)s (non-random variation)")
        if above > below
        else _("a sustained shift in the data, now below %(centre)s (non-random variation)")
    )
    return words % {"centre": centre}


def latest_special_run(points: tuple[ChartPoint, ...]) -> list[ChartPoint]:
    """The latest special-cause point and those before it with the same variation (missing
    values are passed over, not counted as a break), oldest first."""
    run: list[ChartPoint] = []
    for point in reversed(points):
        if point.value is None:
            continue
        if run and point.variation != run[0].variation:
            break
        if point.variation != "common":
            run.insert(0, point)
    return run


def _special_cause(chart: Chart, run: list[ChartPoint]) -> str:
    kinds = {
        "improvement": _("special-cause improvement"),
        "concern": _("special-cause concern"),
    }
    kind = kinds.get(run[0].variation, _("special-cause variation"))
    return _("%(pattern)s (%(kind)s)") % {"pattern": _pattern(chart, run), "kind": kind}


def _pattern(chart: Chart, run: list[ChartPoint]) -> str:
    """Outside the limits, a shift to one side of the centre, a trend, or a lone point."""
    outside = [point for point in run if _outside_limits(point)]
    if outside and len(outside) == len(run):
        return _outside_words(outside)
    since = run[0].label
    if len(run) == 1:
        return _("a special-cause point in %(period)s") % {"period": since}
    side = _side_of_centre(run)
    if side:
        shifts = {
            ("above", "run"): _("a shift above the median since %(period)s"),
            ("below", "run"): _("a shift below the median since %(period)s"),
            ("above", "mean"): _("a shift above the mean since %(period)s"),
            ("below", "mean"): _("a shift below the mean since %(period)s"),
        }
        centre = "run" if chart.chart_kind == "run" else "mean"
        return shifts[(side, centre)] % {"period": since}
    values = [point.value or 0.0 for point in run]
    if all(later > earlier for earlier, later in itertools.pairwise(values)):
        return _("a rising trend since %(period)s") % {"period": since}
    if all(later < earlier for earlier, later in itertools.pairwise(values)):
        return _("a falling trend since %(period)s") % {"period": since}
    return _("special-cause points since %(period)s") % {"period": since}


def _outside_words(outside: list[ChartPoint]) -> str:
    if len(outside) == 1:
        return _("a point outside the limits in %(period)s") % {"period": outside[0].label}
    if len(outside) == 2:
        return _("points outside the limits in %(first)s and %(second)s") % {
            "first": outside[0].label,
            "second": outside[1].label,
        }
    return _("points outside the limits since %(period)s") % {"period": outside[0].label}


def _outside_limits(point: ChartPoint) -> bool:
    value = point.value
    if value is None:
        return False
    return (point.upper is not None and value > point.upper) or (
        point.lower is not None and value < point.lower
    )


def _side_of_centre(run: list[ChartPoint]) -> str | None:
    """ "above" or "below" when every point of the run is on that side of its centre."""
    sides = {
        "above" if (point.value or 0.0) > point.centre else "below"
        for point in run
        if point.centre is not None and point.value != point.centre
    }
    has_centres = all(point.centre is not None for point in run)
    return sides.pop() if has_centres and len(sides) == 1 else None


def status(chart: Chart) -> str | None:
    """Where the latest value stands against the trajectory; None when there is none."""
    show = value_formatter(chart.unit, chart.decimals)
    if chart.status == "on-track":
        if chart.next_target is None:
            return _("on track against the trajectory")
        return _("on track for %(target)s by %(date)s") % {
            "target": show(chart.next_target.value),
            "date": format_date(chart.next_target.when),
        }
    if chart.status == "off-track":
        latest = chart.valued_points()[-1].value
        if chart.expected_latest is None:
            return _("off track against the trajectory")
        return _("off track: %(latest)s against an expected %(expected)s") % {
            "latest": show(latest),
            "expected": show(chart.expected_latest),
        }
    if chart.status == "achieved":
        if not chart.targets:
            return _("target achieved")
        final = max(chart.targets, key=lambda target: target.when)
        return _("target of %(target)s achieved") % {"target": show(final.value)}
    if chart.status == "not-enough-data" and (chart.targets or chart.baseline):
        return _("not enough data to judge the trajectory")
    return None
