"""Collections of measures: definitions with what their figures say, trajectories, and
observations with each point's SPC reading and the measure's verdict and status.

Every figure goes through `assess()` with the caller's disclosure thresholds, exactly as the
measure pages do: for anyone but an analyst, a small count of children (and a share of a
small number) is withheld — its numbers are null and `suppressed` is true — and the SPC
lines are computed as if it were missing, so they give nothing away either."""

from __future__ import annotations

import math
from typing import Any

from django.db.models import QuerySet

from trellis.api.fields import Collection, Query, f, iso
from trellis.core import trajectory
from trellis.measures.models import (
    Chart,
    Direction,
    Frequency,
    Kind,
    Measure,
    MeasureRole,
    Rules,
    Source,
    Target,
)
from trellis.measures.selectors import Assessment, Verdict, assess, measures_of_partnership

VERDICTS = tuple(Verdict)
STATUSES = tuple(trajectory.Status)


def _measures(q: Query) -> QuerySet[Measure]:
    found = measures_of_partnership(q.membership.partnership)
    if q.plan:
        found = found.filter(actions__driver__outcome__plan=q.plan).distinct()
    if q.measure:
        found = found.filter(pk=q.measure)
    return found.order_by("code", "pk")


def _finite(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


def measure_row(m: Measure, q: Query) -> dict[str, Any]:
    a = assess(m, q.thresholds)
    return {
        "id": m.pk,
        "code": m.code,
        "title": m.title,
        "description": m.description,
        "kind": m.kind,
        "unit": m.unit,
        "rate_per": m.rate_per,
        "decimals": m.decimals,
        "direction": m.direction,
        "role": m.role,
        "source": m.source,
        "frequency": m.frequency,
        "chart": m.chart,
        "rules": m.rules,
        "counts_children": m.counts_children,
        "actions": sorted(x.pk for x in m.actions.all()),
        "baseline_value": _finite(m.baseline_value),
        "baseline_date": iso(m.baseline_date),
        "latest_period_ends": iso(a.latest.period_ends) if a.latest else None,
        "latest_value": _finite(a.latest.value) if a.latest else None,
        "verdict": str(a.verdict),
        "status": str(a.status),
        "version": m.version,
    }


MEASURES = Collection(
    name="measures",
    title="Measures",
    description=(
        "Measures and what their figures say: the SPC verdict of the latest phase and the "
        "status against the trajectory. Filtered by plan: those evidencing its actions."
    ),
    fields=(
        f("id", "integer"),
        f("code"),
        f("title"),
        f("description"),
        f("kind", enum=tuple(Kind.values)),
        f("unit"),
        f("rate_per", "integer", nullable=True),
        f("decimals", "integer"),
        f("direction", enum=tuple(Direction.values)),
        f("role", enum=tuple(MeasureRole.values)),
        f("source", enum=tuple(Source.values)),
        f("frequency", enum=tuple(Frequency.values)),
        f("chart", enum=tuple(Chart.values)),
        f("rules", enum=tuple(Rules.values)),
        f("counts_children", "boolean", "Small counts are withheld from non-analysts."),
        f("actions", "integers", "The actions the measure evidences."),
        f("baseline_value", "number", nullable=True),
        f("baseline_date", "date", nullable=True),
        f("latest_period_ends", "date", "The latest figure the caller may see.", nullable=True),
        f("latest_value", "number", nullable=True),
        f("verdict", enum=VERDICTS),
        f("status", "string", "Against the trajectory.", enum=STATUSES),
        f("version", "integer"),
    ),
    records=_measures,
    row=measure_row,
    filters=("plan", "measure"),
)


def _targets(q: Query) -> QuerySet[Target]:
    found = Target.objects.filter(measure__partnership=q.membership.partnership_id)
    if q.plan:
        found = found.filter(measure__actions__driver__outcome__plan=q.plan).distinct()
    if q.measure:
        found = found.filter(measure=q.measure)
    return found.select_related("measure").order_by("measure__code", "due", "pk")


TARGETS = Collection(
    name="targets",
    title="Trajectories",
    description="Each measure's dated targets (its baseline is on the measure).",
    fields=(
        f("id", "integer"),
        f("measure", "integer"),
        f("measure_code"),
        f("due", "date"),
        f("value", "number"),
    ),
    records=_targets,
    row=lambda t, q: {
        "id": t.pk,
        "measure": t.measure_id,
        "measure_code": t.measure.code,
        "due": iso(t.due),
        "value": _finite(t.value),
    },
    filters=("plan", "measure"),
)


def _points(q: Query) -> list[tuple[Assessment, int]]:
    """(assessment, index) of every recorded figure of the measures asked for."""
    found: list[tuple[Assessment, int]] = []
    for measure in _measures(q):
        a = assess(measure, q.thresholds)
        for i, o in enumerate(a.observations):
            if o is None:
                continue
            if q.period is not None and not q.period.starts <= o.period_ends <= q.period.ends:
                continue
            found.append((a, i))
    return found


def observation_row(item: tuple[Assessment, int], q: Query) -> dict[str, Any]:
    a, i = item
    o, point = a.observations[i], a.chart.points[i]
    if o is None:  # _points() yields recorded figures only
        raise ValueError("no figure at that position")
    return {
        "id": o.pk,
        "measure": a.measure.pk,
        "measure_code": a.measure.code,
        "period_ends": iso(o.period_ends),
        "period_label": point.label,
        "numerator": _finite(o.numerator),
        "denominator": _finite(o.denominator),
        "value": _finite(o.value),
        "suppressed": point.suppressed,
        "provisional": o.provisional,
        "note": o.note,
        "source": o.source,
        "centre": _finite(point.centre),
        "lower": _finite(point.lower),
        "upper": _finite(point.upper),
        "variation": point.variation,
        "verdict": str(a.verdict),
        "status": str(a.status),
        "version": o.version,
    }


def _observations(q: Query) -> list[tuple[Assessment, int]]:
    return _points(q)


OBSERVATIONS = Collection(
    name="observations",
    title="Observations",
    description=(
        "Every recorded figure, with the SPC centre line, limits and variation of its point, "
        "and its measure's verdict and status. Filtered by period: figures for periods ending "
        "within it."
    ),
    fields=(
        f("id", "integer"),
        f("measure", "integer"),
        f("measure_code"),
        f("period_ends", "date"),
        f("period_label"),
        f("numerator", "number", nullable=True),
        f("denominator", "number", nullable=True),
        f("value", "number", "Null when withheld or when there is no figure.", nullable=True),
        f("suppressed", "boolean", "Withheld by disclosure control (a small count)."),
        f("provisional", "boolean"),
        f("note"),
        f("source"),
        f("centre", "number", nullable=True),
        f("lower", "number", nullable=True),
        f("upper", "number", nullable=True),
        f("variation", enum=("common", "improvement", "concern", "neither")),
        f("verdict", enum=VERDICTS),
        f("status", enum=STATUSES),
        f("version", "integer", "Send it back when you change the figure."),
    ),
    records=_observations,
    row=observation_row,
    filters=("plan", "measure", "period"),
)
