"""Taking a plan out: the complete JSON document, and the six-column layout councils use
(outcome, driver, action, measure, lead, progress) that the xlsx, csv and docx files share.

The six-column cells are written so the importer reads them back as they were: targets and
milestones as "Target:" and "Milestone:" lines under the measures, leads separated by
"; ", each update as "30 September 2020 (Green): ...", separated by blank lines. A JSON
export is imported through the same cells (`grid_from_export`), so every format makes the
same plan again. Restricted updates the reader may not see are left out of every format.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from trellis.accounts.models import Membership
from trellis.errors import NotFound
from trellis.measures.models import Measure
from trellis.plans.models import Action, Driver, Outcome, Plan
from trellis.progress.models import ProgressUpdate, UpdateState
from trellis.progress.selectors import may_see
from trellis.transfer.draft import Grid, GridRow, number
from trellis.transfer.phrases import RAG_LABELS, find_dates, find_targets, show_date

FORMAT = "trellis-plan"
FORMAT_VERSION = 1
HEADER = [
    "Stretch outcome aim",
    "Key driver",
    "Improvement project aim",
    "Key improvement measure",
    "Lead responsibility",
    "Progress update",
]


def export_tree(membership: Membership, pk: int) -> Plan:
    """The plan with everything the export writes, in a fixed number of queries; each
    action's submitted and accepted updates, oldest first, as `action.reported`."""
    actions = Action.objects.select_related("lead").prefetch_related(
        "deputies",
        "milestones",
        Prefetch("measures", queryset=Measure.objects.prefetch_related("targets")),
    )
    plan = (
        Plan.objects.filter(partnership_id=membership.partnership_id, pk=pk)
        .prefetch_related(
            Prefetch(
                "outcomes",
                queryset=Outcome.objects.prefetch_related(
                    Prefetch(
                        "drivers",
                        queryset=Driver.objects.prefetch_related(
                            Prefetch("actions", queryset=actions)
                        ),
                    )
                ),
            )
        )
        .first()
    )
    if plan is None:
        raise NotFound()
    reported = _reported_updates(plan)
    for outcome in plan.outcomes.all():
        for driver in outcome.drivers.all():
            for action in driver.actions.all():
                action.reported = reported.get(action.pk, [])  # type: ignore[attr-defined]
    return plan


def _reported_updates(plan: Plan) -> dict[int, list[dict[str, Any]]]:
    """Every submitted or accepted update of the plan as plain rows by action, each with the
    ids of the groups it is restricted to: two queries. Rows, not model instances with
    prefetched groups, because a plan has thousands of updates (400 actions over 8 quarters
    made the export the load test's slowest page)."""
    rows = (
        ProgressUpdate.objects.filter(
            action__driver__outcome__plan=plan,
            state__in=[UpdateState.SUBMITTED, UpdateState.ACCEPTED],
        )
        .order_by("period__starts", "id")
        .values(
            "id",
            "action_id",
            "period__label",
            "period__ends",
            "rag",
            "state",
            "narrative",
            "author__email",
        )
    )
    groups: dict[int, set[int]] = defaultdict(set)
    restricted = ProgressUpdate.restricted_to.through.objects.filter(
        progressupdate__action__driver__outcome__plan=plan
    )
    for update_id, group_id in restricted.values_list("progressupdate_id", "group_id"):
        groups[update_id].add(group_id)
    by_action: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_action[row["action_id"]].append({**row, "groups": groups.get(row["id"], set())})
    return by_action


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def export_document(membership: Membership, plan: Plan) -> dict[str, Any]:
    """The complete plan as JSON (docs/import-export.md describes every field)."""
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(timespec="seconds"),
        "partnership": membership.partnership.slug,
        "plan": {
            "title": plan.title,
            "theme": plan.theme,
            "status": plan.status,
            "starts": _iso(plan.starts),
            "ends": _iso(plan.ends),
            "period_kind": plan.period_kind,
            "year_start_month": plan.year_start_month,
            "due_working_days": plan.due_working_days,
            "outcomes": [
                {
                    "title": o.title,
                    "not_applicable": o.not_applicable,
                    "not_applicable_reason": o.not_applicable_reason,
                    "drivers": [
                        {
                            "title": d.title,
                            "actions": [_action(membership, a) for a in d.actions.all()],
                        }
                        for d in o.drivers.all()
                    ],
                }
                for o in plan.outcomes.all()
            ],
        },
    }


def _action(membership: Membership, action: Action) -> dict[str, Any]:
    visible = [
        u for u in getattr(action, "reported", []) if may_see(membership, u["groups"], action)
    ]
    return {
        "title": action.title,
        "status": action.status,
        "linked_plan": action.linked_plan,
        "linked_plan_version": action.linked_plan_version,
        "key_measure": action.key_measure,
        "lead_responsibility": action.lead_responsibility,
        "lead": action.lead.email if action.lead else None,
        "deputies": sorted(p.email for p in action.deputies.all()),
        "starts": _iso(action.starts),
        "due": _iso(action.due),
        "latest_progress": action.latest_progress,
        "milestones": [
            {
                "title": m.title,
                "due": _iso(m.due),
                "done": _iso(m.done),
                "revised_due": _iso(m.revised_due),
                "revision_reason": m.revision_reason,
            }
            for m in action.milestones.all()
        ],
        "measures": [
            {
                "code": m.code,
                "title": m.title,
                "kind": m.kind,
                "unit": "%" if m.is_percentage else m.unit,
                "targets": [
                    {"due": _iso(t.due), "value": number(t.value)} for t in m.targets.all()
                ],
            }
            for m in action.measures.all()
        ],
        "updates": [
            {
                "period": u["period__label"],
                "period_ends": _iso(u["period__ends"]),
                "rag": u["rag"],
                "state": u["state"],
                "narrative": u["narrative"],
                "author": u["author__email"],
            }
            for u in visible
        ],
    }


def six_columns(document: dict[str, Any]) -> list[list[str]]:
    """The plan's rows under HEADER; every row repeats its outcome and driver."""
    rows: list[list[str]] = []
    for outcome in document["plan"]["outcomes"]:
        if not outcome["drivers"]:
            rows.append([outcome["title"], "", "", "", "", ""])
        for driver in outcome["drivers"]:
            if not driver["actions"]:
                rows.append([outcome["title"], driver["title"], "", "", "", ""])
            for action in driver["actions"]:
                rows.append([outcome["title"], driver["title"], *_action_cells(action)])
    return rows


def _action_cells(action: dict[str, Any]) -> list[str]:
    measures = [_measure_line(line) for line in action["key_measure"].splitlines() if line.strip()]
    for measure in action["measures"]:
        unit = measure["unit"]
        measures += [
            f"Target: {t['value']}{unit if unit == '%' else ' ' + unit if unit else ''} by "
            f"{show_date(dt.date.fromisoformat(t['due']))}"
            for t in measure["targets"]
        ]
    measures += [
        f"Milestone: {m['title']} by {show_date(dt.date.fromisoformat(m['due']))}"
        for m in action["milestones"]
    ]
    # The undated latest progress comes first: a date heads the paragraphs after it.
    updates = [action["latest_progress"].strip()] if action["latest_progress"].strip() else []
    updates += [
        f"{show_date(dt.date.fromisoformat(u['period_ends']))} ({RAG_LABELS[u['rag']]}): "
        + u["narrative"]
        for u in action["updates"]
    ]
    leads = action["lead_responsibility"]
    return [action["title"], "\n".join(measures), leads, "\n\n".join(updates)]


def _measure_line(line: str) -> str:
    """A measure the importer would read as a target or milestone is labelled as a measure,
    so it comes back as it was (its targets and milestones have their own lines)."""
    if (
        find_dates(line)
        or find_targets(line)
        or re.match(r"\s*(target|milestone)s?\s*:", line, re.I)
    ):
        return f"Measure: {line.strip()}"
    return line


def grid_from_export(document: Any) -> Grid:
    """A JSON export read back through the six-column cells."""
    from trellis.transfer.readers import ReadError

    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ReadError("unreadable-json", "The file is not a Trellis plan export in JSON.")
    try:
        rows = six_columns(document)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ReadError("unreadable-json", "The plan export is incomplete or damaged.") from error
    grid = Grid(list(HEADER), [GridRow(r, n + 2) for n, r in enumerate(rows)], wrapped=False)
    grid.exported = True
    return grid
