"""`trellis plan list|show`: the plans of a partnership, as text or JSON; `import` and
`export` live in trellis/transfer/cli.py."""

from __future__ import annotations

import argparse
import json
from typing import Any

from trellis.commands import TrellisCommand, acting_member, add_actor_arguments, pick_plan
from trellis.plans import selectors
from trellis.plans.models import Plan
from trellis.transfer import cli as transfer_cli


class Command(TrellisCommand):
    help = "Read a partnership's plans."
    verbs = {
        "list": "list the plans",
        "show": "show a plan's outcomes, drivers and actions",
        **transfer_cli.VERBS,
    }

    def add_verb_arguments(self, verb: str, parser: argparse.ArgumentParser) -> None:
        if verb in transfer_cli.VERBS:
            transfer_cli.add_arguments(verb, parser)
            return
        add_actor_arguments(parser)
        parser.add_argument("--json", action="store_true", help="print JSON")
        if verb == "show":
            parser.add_argument("--plan", type=int, help="the plan's id (default: the active one)")

    def do_list(self, *, actor: str, partnership: str | None, json: bool, **_: Any) -> None:
        member = acting_member(actor, partnership)
        plans = list(selectors.plans_for(member.partnership))
        if json:
            self._print_json([_plan_summary(p) for p in plans])
            return
        for plan in plans:
            self.stdout.write(f"{plan.pk}\t{plan.get_status_display()}\t{plan.title}")

    def do_show(
        self, *, actor: str, partnership: str | None, plan: int | None, json: bool, **_: Any
    ) -> None:
        member = acting_member(actor, partnership)
        tree = selectors.plan_tree(member.partnership, pick_plan(member.partnership, plan).pk)
        if json:
            self._print_json(_plan_document(tree))
            return
        self.stdout.write(tree.title)
        for outcome in tree.outcomes.all():
            na = " (N/A)" if outcome.not_applicable else ""
            self.stdout.write(f"\nOutcome {outcome.pk}{na}: {outcome.title}")
            for driver in outcome.drivers.all():
                self.stdout.write(f"  Driver {driver.pk}: {driver.title}")
                for action in driver.actions.all():
                    lead = action.lead or "no lead"
                    self.stdout.write(
                        f"    Action {action.pk} [{action.status}] ({lead}): {action.title}"
                    )

    def do_import(self, **options: Any) -> None:
        transfer_cli.run_import(self, **options)

    def do_export(self, **options: Any) -> None:
        transfer_cli.run_export(self, **options)

    def _print_json(self, value: Any) -> None:
        self.stdout.write(json.dumps(value, indent=2, ensure_ascii=False))


def _plan_summary(plan: Plan) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "title": plan.title,
        "status": plan.status,
        "starts": plan.starts.isoformat(),
        "ends": plan.ends.isoformat(),
    }


def _plan_document(plan: Plan) -> dict[str, Any]:
    return {
        **_plan_summary(plan),
        "outcomes": [
            {
                "id": o.pk,
                "title": o.title,
                "not_applicable": o.not_applicable,
                "drivers": [
                    {
                        "id": d.pk,
                        "title": d.title,
                        "actions": [
                            {
                                "id": a.pk,
                                "title": a.title,
                                "status": a.status,
                                "lead": a.lead.email if a.lead else None,
                                "deputies": [p.email for p in a.deputies.all()],
                                "milestones": [
                                    {
                                        "id": m.pk,
                                        "title": m.title,
                                        "due": m.due.isoformat(),
                                        "done": m.done.isoformat() if m.done else None,
                                    }
                                    for m in a.milestones.all()
                                ],
                            }
                            for a in d.actions.all()
                        ],
                    }
                    for d in o.drivers.all()
                ],
            }
            for o in plan.outcomes.all()
        ],
    }
