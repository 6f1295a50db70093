"""Measures built through the ORM in one call, bypassing the services on purpose (tests of
the services call the services): a definition, consecutive periods of figures from `first`,
a trajectory, chart notes and comparison series."""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
from collections.abc import Iterable, Sequence

from django.utils import timezone

from tests import factories
from tests.conftest import Cast
from trellis.accounts.models import Membership, Partnership, Person, Role
from trellis.measures.models import (
    Annotation,
    Comparator,
    ComparatorValue,
    Measure,
    Observation,
    ObservationRevision,
    Target,
)
from trellis.plans.models import Action

_codes = itertools.count(1)
FIRST_QUARTER = dt.date(2018, 3, 31)


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def following(ends: dt.date, frequency: str, steps: int = 1) -> dt.date:
    """The last day of the period `steps` periods after the one ending on `ends`."""
    if frequency == "year":
        return dt.date(ends.year + steps, 12, 31)
    months = {"quarter": 3, "month": 1}[frequency] * steps
    index = ends.year * 12 + ends.month - 1 + months
    return month_end(index // 12, index % 12 + 1)


def member(cast: Cast, person: Person) -> Membership:
    """The person's membership of the cast's partnership, as the pages load it."""
    return Membership.objects.select_related("partnership", "person").get(
        person=person, partnership=cast.partnership
    )


def measure(
    where: Cast | Partnership,
    *,
    code: str | None = None,
    title: str | None = None,
    kind: str = "percentage",
    chart: str | None = None,
    direction: str = "increase",
    frequency: str = "quarter",
    source: str = "manual",
    rules: str = "anhoej",
    rate_per: int | None = None,
    unit: str = "",
    decimals: int = 0,
    values: Sequence[float | None] = (),
    denominators: Sequence[float] | None = None,
    first: dt.date = FIRST_QUARTER,
    baseline: tuple[dt.date, float] | None = None,
    targets: Sequence[tuple[dt.date, float]] = (),
    actions: Iterable[Action] = (),
    notes: Sequence[tuple[dt.date, str]] = (),
    comparators: dict[str, Sequence[float]] | None = None,
    by: Person | None = None,
) -> Measure:
    """A measure with one observation per value (None leaves a gap) on consecutive periods
    from `first`. A percentage's values are numerators when `denominators` are given (the
    value is then 100·n/d), else percentages out of 100. Comparator values share the
    observations' periods."""
    partnership = where.partnership if isinstance(where, Cast) else where
    author = by or (where.analyst if isinstance(where, Cast) else None)
    if author is None and notes:
        author = factories.person(partnership, Role.ANALYST)
    n = next(_codes)
    made = Measure.objects.create(
        partnership=partnership,
        code=code or f"M-{n}",
        title=title or f"Measure {n}",
        kind=kind,
        rate_per=rate_per,
        unit="%" if kind == "percentage" else unit,
        decimals=decimals,
        direction=direction,
        role="outcome",
        source=source,
        frequency=frequency,
        chart=chart or ("p" if kind == "percentage" else "run"),
        rules=rules,
        baseline_value=baseline[1] if baseline else None,
        baseline_date=baseline[0] if baseline else None,
    )
    made.actions.set(list(actions))
    for index, value in enumerate(values):
        if value is None:
            continue
        numerator = denominator = None
        figure: float | None = value
        if kind in ("percentage", "rate"):
            numerator = value
            if denominators is not None:
                denominator = denominators[index]
                scale = 100 if kind == "percentage" else (rate_per or 1)
                figure = numerator / denominator * scale if denominator else None
            else:
                denominator = 100.0
        observation = Observation.objects.create(
            partnership=partnership,
            measure=made,
            period_ends=following(first, frequency, index),
            numerator=numerator,
            denominator=denominator,
            value=figure,
            source="entered",
            updated_by=author,
        )
        ObservationRevision.objects.create(
            observation=observation,
            version=1,
            numerator=numerator,
            denominator=denominator,
            value=figure,
            by=author,
            at=timezone.now(),
        )
    Target.objects.bulk_create(Target(measure=made, due=d, value=v) for d, v in targets)
    for when, text in notes:
        assert author is not None
        Annotation.objects.create(measure=made, when=when, text=text, added_by=author)
    for name, series in (comparators or {}).items():
        comparator = Comparator.objects.create(measure=made, name=name)
        ComparatorValue.objects.bulk_create(
            ComparatorValue(
                comparator=comparator, period_ends=following(first, frequency, i), value=v
            )
            for i, v in enumerate(series)
        )
    return made
