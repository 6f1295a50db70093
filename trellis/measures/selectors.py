"""Reads of measures: which measures a plan has, and for each one what its figures say —
the SPC analysis, the status against the trajectory, the verdict and the chart.

`measures_of_plan` fetches everything in a fixed number of queries; `assess` then works
from the prefetched rows alone, so a board table of any length costs the same."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trellis.accounts.models import Membership, Partnership
from trellis.accounts.policy import Perm, can
from trellis.core import trajectory
from trellis.core.disclosure import Figure, Thresholds, protect_figure
from trellis.core.series import period_end, period_label
from trellis.core.spc import (
    MIN_BASELINE_FOR_LIMITS,
    MIN_USEFUL_FOR_RUNS,
    SpcError,
    SpcRequest,
    SpcResult,
    analyse,
)
from trellis.measures.charts.model import Annotation as ChartAnnotation
from trellis.measures.charts.model import Chart, ChartPoint
from trellis.measures.charts.model import Comparator as ChartComparator
from trellis.measures.charts.model import Target as ChartTarget
from trellis.measures.models import Comparator, Kind, Measure, Observation
from trellis.plans.models import Action, Plan

# Below this many figures in the latest phase, "no signal" means little and a signal is an
# early sign; the same threshold settles control limits at 12 points (docs/spc.md).
MIN_FIGURES = MIN_USEFUL_FOR_RUNS


class Verdict(StrEnum):
    IMPROVING = "improving"
    DETERIORATING = "deteriorating"
    CHANGING = "changing"  # a signal on a measure with no better direction
    NO_SIGNAL = "no-signal"
    NOT_ENOUGH_DATA = "not-enough-data"


VERDICT_LABELS = {
    Verdict.IMPROVING: gettext_lazy("Improving"),
    Verdict.DETERIORATING: gettext_lazy("Deteriorating"),
    Verdict.CHANGING: gettext_lazy("Changing (no better direction)"),
    Verdict.NO_SIGNAL: gettext_lazy("No signal"),
    Verdict.NOT_ENOUGH_DATA: gettext_lazy("Not enough data"),
}
SIGNALS = (Verdict.IMPROVING, Verdict.DETERIORATING, Verdict.CHANGING)
STATUS_LABELS = {
    trajectory.Status.ON_TRACK: gettext_lazy("On track"),
    trajectory.Status.OFF_TRACK: gettext_lazy("Off track"),
    trajectory.Status.ACHIEVED: gettext_lazy("Target achieved"),
    trajectory.Status.NOT_ENOUGH_DATA: gettext_lazy("Not enough data"),
}


def measures_of_partnership(partnership: Partnership) -> QuerySet[Measure]:
    return Measure.objects.filter(partnership=partnership).prefetch_related(
        Prefetch("actions", queryset=Action.objects.select_related("driver__outcome")),
        "actions__deputies",
        "targets",
        "annotations",
        Prefetch("observations", queryset=Observation.objects.order_by("period_ends")),
        Prefetch("comparators", queryset=Comparator.objects.prefetch_related("values")),
    )


def measures_of_plan(plan: Plan) -> QuerySet[Measure]:
    """The measures that evidence any of the plan's aims."""
    return (
        measures_of_partnership(plan.partnership)
        .filter(actions__driver__outcome__plan=plan)
        .distinct()
    )


@dataclass(frozen=True)
class Assessment:
    measure: Measure
    chart: Chart
    observations: list[Observation | None]  # one per period, None where missing
    analysis: SpcResult | None  # None when the series cannot be analysed (too short)
    latest: Observation | None
    previous: Observation | None
    status: trajectory.Status
    verdict: Verdict
    phase_figures: int  # the figures the verdict rests on (the latest phase's)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def early(self) -> bool:
        """A signal on fewer figures than a verdict needs: shown, but as an early sign."""
        return self.verdict in SIGNALS and self.phase_figures < MIN_FIGURES

    @property
    def verdict_label(self) -> str:
        label = str(VERDICT_LABELS[self.verdict])
        if self.early:
            return _("%(verdict)s (early sign: %(count)d figures)") % {
                "verdict": label,
                "count": self.phase_figures,
            }
        return label

    @property
    def trend(self) -> str:
        """ "up", "down" or "level" since the previous figure; "" with fewer than two."""
        if self.latest is None or self.previous is None:
            return ""
        if self.latest.value is None or self.previous.value is None:
            return ""
        change = self.latest.value - self.previous.value
        return "up" if change > 0 else "down" if change < 0 else "level"


def period_ends(observations: list[Observation], frequency: str) -> list[dt.date]:
    """The last day of every period from the first observation's to the last's."""
    if not observations:
        return []
    ends = [observations[0].period_ends]
    while ends[-1] < observations[-1].period_ends:
        ends.append(period_end(ends[-1] + dt.timedelta(days=1), frequency))
    return ends


def periods(observations: list[Observation], frequency: str) -> list[Observation | None]:
    """Observations laid on every period from the first to the last, None for a gap."""
    by_end = {o.period_ends: o for o in observations}
    return [by_end.get(ends) for ends in period_ends(observations, frequency)]


def _spc_request(measure: Measure, laid: list[Observation | None]) -> SpcRequest:
    changes = sorted({a.when for a in measure.annotations.all() if a.process_change})
    positions: list[int] = []
    for when in changes:
        index = next((i for i, o in enumerate(laid, start=1) if o and o.period_ends >= when), None)
        if index and index >= 2 and index not in positions:
            positions.append(index)
    p_chart = measure.chart == "p"
    values = [(o.numerator if p_chart else o.value) if o is not None else None for o in laid]
    denominators = [o.denominator if o is not None else None for o in laid]
    return SpcRequest(
        chart=cast(Any, measure.chart),
        values=values,
        denominators=denominators if p_chart else None,
        freeze=None,
        phases=tuple(positions),
        rules=cast(Any, measure.rules),
        direction=cast(Any, measure.direction),
    )


def _phase_figures(
    measure: Measure, laid: list[Observation | None], request: SpcRequest
) -> list[int]:
    """Positions of the latest phase that hold a figure."""
    starts = request.phases[-1] - 1 if request.phases else 0
    return [i for i in range(starts, len(laid)) if _value(measure, laid[i]) is not None]


def _verdict(
    measure: Measure, laid: list[Observation | None], valued: list[int], result: SpcResult | None
) -> Verdict:
    """What the latest phase's figures say, by the measure's better direction. A signal is
    reported however few the figures (the page calls it early); its absence only from 10."""
    if result is None or not valued:
        return Verdict.NOT_ENOUGH_DATA
    special = [i for i in valued if result.points[i].variation != "common"]
    if special:
        variation: str = result.points[special[-1]].variation
    elif result.runs and result.runs[-1].signal:
        variation = _runs_variation(measure, laid, result, valued)
    elif len(valued) < MIN_FIGURES:
        return Verdict.NOT_ENOUGH_DATA
    else:
        return Verdict.NO_SIGNAL
    return {
        "improvement": Verdict.IMPROVING,
        "concern": Verdict.DETERIORATING,
    }.get(variation, Verdict.CHANGING)


def _runs_variation(
    measure: Measure, laid: list[Observation | None], result: SpcResult, valued: list[int]
) -> str:
    """Which way a non-random pattern points: the side of the centre line most of the three
    latest figures are on, judged by the measure's better direction."""
    if measure.direction == "neutral":
        return "neither"
    above = below = 0
    for i in valued[-3:]:
        value, centre = _value(measure, laid[i]), result.centre[i]
        if value is not None and centre is not None:
            above += value > centre
            below += value < centre
    return "improvement" if (above > below) == (measure.direction == "increase") else "concern"


def _value(measure: Measure, observation: Observation | None) -> float | None:
    """The figure on the scale the SPC analysis uses (fractions for a P chart)."""
    if observation is None or observation.value is None:
        return None
    return observation.value / 100 if measure.chart == "p" else observation.value


def viewer_thresholds(membership: Membership) -> Thresholds | None:
    """The disclosure thresholds for what this member sees; None for an analyst, whose own
    view is never suppressed."""
    if can(membership, Perm.LOAD_DATA):
        return None
    partnership = membership.partnership
    return Thresholds(
        min_count=max(1, partnership.disclosure_min_count),
        min_denominator=partnership.disclosure_min_denominator,
    )


def _disclosed(
    measure: Measure, observations: list[Observation], thresholds: Thresholds | None
) -> tuple[list[Observation], set[dt.date]]:
    """The figures as the viewer may see them. A suppressed figure loses its numbers, so
    the analysis treats it as missing (its limits and the mean then give nothing away);
    the set names the periods suppressed."""
    if thresholds is None or not measure.counts_children:
        return observations, set()
    seen: list[Observation] = []
    hidden: set[dt.date] = set()
    for observation in observations:
        figure = _figure(measure, observation)
        if figure is None or not protect_figure(figure, thresholds).suppressed:
            seen.append(observation)
            continue
        blank = copy.copy(observation)
        blank.numerator = blank.denominator = blank.value = None
        seen.append(blank)
        hidden.add(observation.period_ends)
    return seen, hidden


def _figure(measure: Measure, o: Observation) -> Figure | None:
    """The counts behind a figure, for disclosure control (None: no count to protect)."""
    whole = [n for n in (o.numerator, o.denominator, o.value) if n is not None]
    if any(not float(n).is_integer() for n in whole[:2]):
        return None
    if o.numerator is not None and o.denominator is not None:
        if measure.kind == Kind.PERCENTAGE:
            return Figure(int(o.numerator), int(o.denominator), o.value)
        return Figure.count(int(o.numerator))  # a rate: its events are counted
    if measure.kind == Kind.COUNT and o.value is not None and float(o.value).is_integer():
        return Figure.count(int(o.value))
    return None


def assess(measure: Measure, thresholds: Thresholds | None = None) -> Assessment:
    """Everything the pages say about one measure, from its prefetched rows, with the
    figures about children that the viewer may not see suppressed (`thresholds`)."""
    observations, hidden = _disclosed(measure, list(measure.observations.all()), thresholds)
    laid = periods(observations, measure.frequency)
    request = _spc_request(measure, laid)
    analysis = None
    if laid:
        try:
            analysis = analyse(request)
        except SpcError:
            analysis = None  # e.g. a baseline too short for the rules: no lines, no verdict
    valued = [o for o in laid if o is not None and o.value is not None]
    latest = valued[-1] if valued else None
    previous = valued[-2] if len(valued) > 1 else None
    status = _status(measure, latest)
    ends = period_ends(observations, measure.frequency)
    chart = _chart(measure, list(zip(ends, laid, strict=True)), analysis, status, latest)
    phase = _phase_figures(measure, laid, request)
    chart = dataclasses.replace(
        chart,
        phase_figures=len(phase),
        trial_limits=_trial_limits(measure, analysis),
        points=tuple(
            dataclasses.replace(p, suppressed=True) if p.when in hidden else p for p in chart.points
        ),
    )
    return Assessment(
        measure=measure,
        chart=chart,
        observations=laid,
        analysis=analysis,
        latest=latest,
        previous=previous,
        status=status,
        verdict=_verdict(measure, laid, phase, analysis),
        phase_figures=len(phase),
    )


def _trial_limits(measure: Measure, analysis: SpcResult | None) -> int | None:
    """The number of points the latest limits rest on, when too few to settle them."""
    if analysis is None or measure.chart == "run" or not analysis.phases:
        return None
    points = analysis.phases[-1].baseline_points
    return points if points < MIN_BASELINE_FOR_LIMITS else None


def _baseline(measure: Measure) -> trajectory.Point | None:
    if measure.baseline_value is None or measure.baseline_date is None:
        return None
    return trajectory.Point(measure.baseline_date, measure.baseline_value)


def _targets(measure: Measure) -> list[trajectory.Point]:
    return [trajectory.Point(t.due, t.value) for t in measure.targets.all()]


def _status(measure: Measure, latest: Observation | None) -> trajectory.Status:
    return trajectory.status(
        direction=trajectory.Direction(measure.direction),
        baseline=_baseline(measure),
        targets=_targets(measure),
        latest=None
        if latest is None or latest.value is None
        else trajectory.Point(latest.period_ends, latest.value),
    )


def _scaled(measure: Measure, line: float | None) -> float | None:
    """SPC lines back on the measure's scale (a P chart's fractions as percentages)."""
    if line is None:
        return None
    return line * 100 if measure.chart == "p" else line


def _chart(
    measure: Measure,
    laid: list[tuple[dt.date, Observation | None]],
    analysis: SpcResult | None,
    status: trajectory.Status,
    latest: Observation | None,
) -> Chart:
    points = []
    for i, (ends, o) in enumerate(laid):
        points.append(
            ChartPoint(
                label=period_label(ends, measure.frequency),
                when=ends,
                value=o.value if o else None,
                centre=_scaled(measure, analysis.centre[i]) if analysis else None,
                lower=_scaled(measure, analysis.lower[i]) if analysis else None,
                upper=_scaled(measure, analysis.upper[i]) if analysis else None,
                variation=analysis.points[i].variation if analysis else "common",
                provisional=bool(o and o.provisional),
            )
        )
    baseline = _baseline(measure)
    targets = _targets(measure)
    points_for_line = [*([baseline] if baseline else []), *targets]
    latest_when = latest.period_ends if latest else None
    following = trajectory.next_target(targets, latest_when) if latest_when else None
    return Chart(
        title=str(measure),
        unit=_unit(measure),
        decimals=measure.decimals,
        chart_kind=measure.chart,
        direction=measure.direction,
        points=tuple(points),
        baseline=(baseline.when, baseline.value) if baseline else None,
        targets=tuple(ChartTarget(t.when, t.value) for t in targets),
        annotations=tuple(
            ChartAnnotation(a.when, a.text, a.process_change) for a in measure.annotations.all()
        ),
        comparators=tuple(
            ChartComparator(c.name, tuple((v.period_ends, v.value) for v in c.values.all()))
            for c in measure.comparators.all()
        ),
        runs_signal=bool(analysis and analysis.runs and analysis.runs[-1].signal),
        status=str(status),
        expected_latest=trajectory.expected_at(points_for_line, latest_when)
        if latest_when
        else None,
        next_target=ChartTarget(following.when, following.value) if following else None,
    )


def _unit(measure: Measure) -> str:
    if measure.kind == Kind.PERCENTAGE or measure.kind == Kind.MILESTONE:
        return "%"
    if measure.kind == Kind.RATE and measure.rate_per:
        return f"per {measure.rate_per:,}"
    return measure.unit
