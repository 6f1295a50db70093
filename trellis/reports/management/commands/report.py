"""`trellis report board-pack|data-summary|evidence --plan ID --period P --format F -o FILE`:
build one report from the registry (trellis.reports.registry.REPORTS) and write it.

The file is built as an issued report is: with the partnership's disclosure thresholds,
whoever runs the command, because a file written to disk has left the analyst role. `P`
is a period's label as the plan's calendar names it ("Q3 2020", "Q2 2020/21") or
"current". `--as` names the person the cover says prepared it (and must be a member).
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from django.utils import timezone

from trellis.commands import TrellisCommand, acting_member, pick_partnership, pick_plan
from trellis.reports.registry import REPORTS
from trellis.reports.render import FORMAT_NAMES
from trellis.reports.services import partnership_thresholds, period_named, report_bytes


class Command(TrellisCommand):
    help = "Build a report (the board pack, the data summary, the inspection evidence pack)."

    @property
    def verbs(self) -> dict[str, str]:  # type: ignore[override]
        return {kind: f"build the {r.title.lower()}" for kind, r in REPORTS.items()}

    def add_verb_arguments(self, verb: str, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--plan", type=int, default=None, help="the plan's id")
        parser.add_argument(
            "--period", required=True, help='the period\'s label, e.g. "Q3 2020", or "current"'
        )
        parser.add_argument("--format", dest="fmt", choices=FORMAT_NAMES, required=True)
        parser.add_argument("-o", "--output", required=True, help="the file to write")
        parser.add_argument("--partnership", metavar="SLUG", help="default: the only one")
        parser.add_argument("--as", dest="actor", metavar="EMAIL", help="prepared by")
        parser.add_argument("--date", type=dt.date.fromisoformat, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        options["kind"] = options["verb"]
        options["verb"] = "build"
        super().handle(*args, **options)

    def do_build(
        self,
        *,
        kind: str,
        plan: int | None,
        period: str,
        fmt: str,
        output: str,
        partnership: str | None,
        actor: str | None,
        date: dt.date | None,
        **_: Any,
    ) -> None:
        where = pick_partnership(partnership)
        prepared_by = "Trellis"
        if actor:
            prepared_by = acting_member(actor, where.slug).person.full_name
        chosen = pick_plan(where, plan)
        today = date or timezone.localdate()
        named = period_named(chosen, period, today)
        content = report_bytes(
            kind,
            plan=chosen,
            period=named,
            fmt=fmt,
            prepared_by=prepared_by,
            today=today,
            thresholds=partnership_thresholds(where),
        )
        Path(output).write_bytes(content)
        self.stdout.write(
            f"Wrote the {REPORTS[kind].title.lower()} for {named.label} ({fmt}, "
            f"{len(content):,} bytes) to {output}."
        )
