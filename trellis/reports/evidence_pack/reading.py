"""Reading the evidence pack's facts: the indicators and areas, the aims answering each,
their reported updates and evidence, and the measures, in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from trellis.improvement.models import LearningPoint, ResultMeasure
from trellis.measures.charts import format_date
from trellis.measures.models import Observation
from trellis.measures.selectors import Assessment, assess, measures_of_partnership
from trellis.plans.models import Action, Finding, QualityIndicator
from trellis.progress.models import Evidence, ProgressUpdate, UpdateState
from trellis.reports.board_pack import plan_actions
from trellis.reports.registry import ReportRequest

_REPORTED = (UpdateState.SUBMITTED, UpdateState.ACCEPTED)


@dataclass
class Answer:
    """What answers one indicator or area: its aims and the measures that show the effect."""

    aims: list[Action] = field(default_factory=list)
    measures: list[Assessment] = field(default_factory=list)

    @property
    def gaps(self) -> list[str]:
        found = []
        if not self.aims:
            found.append(_("No improvement aim answers it."))
        if not self.measures:
            found.append(_("No measure shows the effect."))
        return found


@dataclass(frozen=True)
class Progress:
    period: str
    rag: str
    narrative: str


@dataclass(frozen=True)
class Filed:
    period: str
    title: str
    kind: str  # "File: minutes.pdf", the link's address, or "" when restricted
    added: str


@dataclass
class Facts:
    """Everything the pack shows, read in a fixed number of queries."""

    actions: list[Action]
    indicators: list[QualityIndicator]
    areas: list[Finding]
    by_indicator: dict[int, Answer]
    by_area: dict[int, Answer]
    progress: dict[int, list[Progress]]
    evidence: dict[int, list[Filed]]
    assessments: list[Assessment]


def read(request: ReportRequest) -> Facts:
    plan = request.plan
    actions = plan_actions(request)
    # A plan answering no recorded inspection has no indicators and no areas.
    inspection = Q(inspection_id=plan.inspection_id) if plan.inspection_id else Q(pk__in=[])
    indicators = list(QualityIndicator.objects.filter(inspection))
    areas = list(
        Finding.objects.filter(inspection, kind=Finding.Kind.AREA).order_by("position", "id")
    )
    results: dict[int, set[int]] = defaultdict(set)
    rows = ResultMeasure.objects.filter(indicator__in=indicators)
    for indicator_id, measure_id in rows.values_list("indicator_id", "measure_id"):
        results[indicator_id].add(measure_id)
    assessments = _assessments(request, {m for ms in results.values() for m in ms})
    progress, evidence = _progress_and_evidence(request)
    facts = Facts(actions, indicators, areas, {}, {}, progress, evidence, assessments)
    by_indicator = _indicator_aims(indicators, actions)
    for q in indicators:
        evidenced = {
            x.pk
            for a in assessments
            if a.measure.pk in results[q.pk]
            for x in a.measure.actions.all()
        }
        found = [a for a in actions if a in by_indicator[q.pk] or a.pk in evidenced]
        facts.by_indicator[q.pk] = Answer(found, _measures_of(assessments, found, results[q.pk]))
    by_area = _area_aims(areas, actions, request)
    for area in areas:
        found = by_area[area.pk]
        facts.by_area[area.pk] = Answer(found, _measures_of(assessments, found, set()))
    return facts


def _area_aims(
    areas: list[Finding], actions: list[Action], request: ReportRequest
) -> dict[int, list[Action]]:
    """The plan's aims under the key drivers that name each area (one query)."""
    drivers: dict[int, set[int]] = defaultdict(set)
    pairs = Finding.drivers.through.objects.filter(
        finding__in=areas, driver__outcome__plan=request.plan
    ).values_list("finding_id", "driver_id")
    for finding_id, driver_id in pairs:
        drivers[finding_id].add(driver_id)
    return {area.pk: [a for a in actions if a.driver_id in drivers[area.pk]] for area in areas}


def _indicator_aims(
    indicators: list[QualityIndicator], actions: list[Action]
) -> dict[int, list[Action]]:
    """The plan's aims that quality assurance findings about each indicator led to, in
    the plan's order (one query)."""
    by_pk = {a.pk: a for a in actions}
    learned = LearningPoint.objects.filter(indicator__in=indicators, action_id__in=by_pk)
    linked: dict[int, set[int]] = defaultdict(set)
    for indicator_id, action_id in learned.values_list("indicator_id", "action_id"):
        linked[indicator_id].add(action_id)
    return {q.pk: [a for a in actions if a.pk in linked[q.pk]] for q in indicators}


def _assessments(request: ReportRequest, extra: set[int]) -> list[Assessment]:
    """The plan's measures and the audit results named, figures up to the period's end."""
    upto = Observation.objects.filter(period_ends__lte=request.period.ends).order_by("period_ends")
    plan = request.plan
    rows = (
        measures_of_partnership(plan.partnership)
        .filter(Q(actions__driver__outcome__plan=plan) | Q(pk__in=extra))
        .distinct()
        .prefetch_related(None)
        .prefetch_related(
            "actions",
            "targets",
            "annotations",
            Prefetch("observations", queryset=upto),
            "comparators__values",
        )
    )
    return [assess(m, request.thresholds) for m in rows.order_by("code", "id")]


def _measures_of(
    assessments: list[Assessment], aims: list[Action], extra: set[int]
) -> list[Assessment]:
    ids = {a.pk for a in aims}
    return [
        a
        for a in assessments
        if a.measure.pk in extra or any(x.pk in ids for x in a.measure.actions.all())
    ]


def _progress_and_evidence(
    request: ReportRequest,
) -> tuple[dict[int, list[Progress]], dict[int, list[Filed]]]:
    """Each aim's reported updates up to the period, oldest first, and the evidence filed
    with them (two queries)."""
    restricted = ProgressUpdate.restricted_to.through.objects.filter(
        progressupdate_id=OuterRef("pk")
    )
    updates = (
        ProgressUpdate.objects.filter(
            partnership_id=request.plan.partnership_id,
            period__plan=request.plan,
            period__ends__lte=request.period.ends,
            state__in=_REPORTED,
        )
        .annotate(restricted=Exists(restricted))
        .select_related("period")
        .order_by("period__starts")
    )
    progress: dict[int, list[Progress]] = defaultdict(list)
    hidden: set[int] = set()
    labels: dict[int, str] = {}
    for u in updates:
        labels[u.pk] = u.period.label
        if u.restricted:
            hidden.add(u.pk)
            progress[u.action_id].append(
                Progress(u.period.label, "restricted", _("Restricted to named groups."))
            )
        else:
            progress[u.action_id].append(Progress(u.period.label, u.rag, u.narrative))
    evidence_restricted = Evidence.restricted_to.through.objects.filter(evidence_id=OuterRef("pk"))
    files = (
        Evidence.objects.filter(update_id__in=labels)
        .annotate(restricted=Exists(evidence_restricted))
        .select_related("update")
        .order_by("added_at", "id")
    )
    evidence: dict[int, list[Filed]] = defaultdict(list)
    for e in files:
        added = format_date(timezone.localdate(e.added_at))
        if e.restricted or e.update_id in hidden:
            item = Filed(labels[e.update_id], _("Restricted to named groups"), "", added)
        else:
            kind = _("File: %(name)s") % {"name": e.file_name} if e.stored_name else e.url
            item = Filed(labels[e.update_id], e.title, kind, added)
        evidence[e.update.action_id].append(item)
    return progress, evidence
