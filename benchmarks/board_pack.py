"""How long does the quarterly board pack take, and does it grow with the plan?

Builds the board pack in each format (Word, PDF, Excel, HTML) for a plan of 20 and one of
200 actions, each with 50 measures of 12 quarters of history (half of them counting
children, some figures small enough to be withheld, so disclosure control runs), this
quarter's and last quarter's updates, and a challenge thread on every tenth action. Runs in
a throwaway SQLite database. Each plan is first built once in every format (warm: imports,
fonts, templates); then each format is timed by the wall clock, builder and renderer
together (charts included), as the median of `--rounds` runs, and every query of the
builder and the renderer is counted. The per-format lines also give the CPU time of this
process, a steadier figure than the wall clock on a shared machine.

Usage: .venv/bin/python benchmarks/board_pack.py [--small 20] [--large 200] [--rounds 1]
The last line is the summary (R is the largest of the four formats' time ratios), on one
line: "docx S s, pdf S s, xlsx S s, html S s at 200 actions; ratio to 20 actions R x;
queries Q at 20 actions, Q at 200 actions".
"""

from __future__ import annotations

import argparse
import atexit
import datetime as dt
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

FORMATS = ("docx", "pdf", "xlsx", "html")
MEASURES = 50
HISTORY = 12  # quarters of figures up to the period reported
RAGS = ("green", "amber", "red", "complete", "not-started")


def quarter_ends(last: dt.date, count: int) -> list[dt.date]:
    """The last days of `count` quarters ending with the quarter that ends on `last`."""
    ends = []
    year, month = last.year, last.month
    for _ in range(count):
        following = dt.date(year + (month // 12), month % 12 + 1, 1)
        ends.append(following - dt.timedelta(days=1))
        month -= 3
        if month <= 0:
            month += 12
            year -= 1
    return sorted(ends)


def populate(size: int, slug: str) -> tuple[Any, Any]:
    """A partnership with one plan of `size` actions and its data; returns plan, period."""
    from tests import factories
    from trellis.accounts.models import Role
    from trellis.measures.models import Measure, Observation
    from trellis.plans.models import Action
    from trellis.progress.models import Comment, ProgressUpdate

    partnership = factories.partnership(slug)
    lead = factories.person(partnership, Role.LEAD)
    board = factories.person(partnership, Role.BOARD)
    plan = factories.plan_tree(partnership, actions=size, lead=lead)
    periods = list(plan.periods.order_by("starts"))
    previous, period = periods[-3], periods[-2]
    actions = list(Action.objects.filter(driver__outcome__plan=plan).order_by("id"))
    ProgressUpdate.objects.bulk_create(
        ProgressUpdate(
            partnership=partnership,
            action=action,
            period=when,
            rag=RAGS[(i + shift) % len(RAGS)],
            narrative=f"Progress on {action.title} in {when.label}: workshops held, "
            "audits under way, the charter agreed by the group.",
            state="accepted",
            author=lead,
        )
        for shift, when in enumerate((previous, period))
        for i, action in enumerate(actions)
    )
    Comment.objects.bulk_create(
        Comment(partnership=partnership, action=action, author=board, body="Why this status?")
        for action in actions[::10]
    )
    ends = quarter_ends(period.ends, HISTORY)
    for m in range(MEASURES):
        counts = m % 2 == 0
        measure = Measure.objects.create(
            partnership=partnership,
            code=f"M{m:02d}",
            title=f"Measure {m}: children seen within four weeks",
            kind="percentage",
            unit="%",
            direction="increase",
            counts_children=counts,
            role="outcome",
            source="manual",
            frequency="quarter",
            chart="p",
            rules="anhoej",
        )
        measure.actions.set([actions[(m * 7) % len(actions)]])
        observations = []
        for q, day in enumerate(ends):
            denominator = 3 if counts and q == len(ends) - 1 and m % 4 == 0 else 40 + q
            numerator = min(denominator, 20 + (q * 3 + m) % 15) if denominator > 3 else 2
            observations.append(
                Observation(
                    partnership=partnership,
                    measure=measure,
                    period_ends=day,
                    numerator=numerator,
                    denominator=denominator,
                    value=100 * numerator / denominator,
                    source="entered",
                )
            )
        Observation.objects.bulk_create(observations)
    return plan, period


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", type=int, default=20)
    parser.add_argument("--large", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="trellis-bench-")
    atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    os.environ["TRELLIS_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trellis.settings")
    import django

    django.setup()
    from trellis.startup import collect_less_often

    collect_less_often()  # as in `trellis worker`, which builds the packs (trellis/cli.py)
    logging.getLogger("weasyprint").setLevel(logging.WARNING)  # no page-by-page progress
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from trellis.reports.services import partnership_thresholds, report_bytes

    call_command("migrate", verbosity=0)
    sizes = (args.small, args.large)
    plans = {size: populate(size, f"bench-{size}") for size in sizes}
    today = dt.date(2020, 10, 23)

    cpu: dict[tuple[int, str], float] = {}

    def run(size: int, fmt: str) -> tuple[float, int, int]:
        plan, period = plans[size]
        with CaptureQueriesContext(connection) as captured:
            start, used = time.perf_counter(), time.process_time()
            content = report_bytes(
                "board-pack",
                plan=plan,
                period=period,
                fmt=fmt,
                prepared_by="Benchmark",
                today=today,
                thresholds=partnership_thresholds(plan.partnership),
            )
            elapsed = time.perf_counter() - start
        cpu[(size, fmt)] = time.process_time() - used
        return elapsed, len(captured), len(content)

    for size in sizes:  # warm
        for fmt in FORMATS:
            run(size, fmt)
    seconds: dict[tuple[int, str], float] = {}
    queries: dict[int, int] = {}
    for size in sizes:
        for fmt in FORMATS:
            timings = []
            for _ in range(args.rounds):
                elapsed, count, length = run(size, fmt)
                timings.append(elapsed)
                queries[size] = max(queries.get(size, 0), count)
            seconds[(size, fmt)] = statistics.median(timings)
            print(
                f"{fmt} at {size} actions: {seconds[(size, fmt)]:.2f} s "
                f"(CPU {cpu[(size, fmt)]:.2f} s in this process), {count} queries, "
                f"{length:,} bytes",
                flush=True,
            )
    small, large = sizes
    ratio = max(seconds[(large, f)] / seconds[(small, f)] for f in FORMATS)
    times = ", ".join(f"{fmt} {seconds[(large, fmt)]:.2f} s" for fmt in FORMATS)
    print(
        f"{times} at {large} actions; ratio to {small} actions {ratio:.1f} x; "
        f"queries {queries[small]} at {small} actions, {queries[large]} at {large} actions"
    )


if __name__ == "__main__":
    main()
