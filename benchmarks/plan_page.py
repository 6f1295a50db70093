"""How much dearer is the plan page of a 200-action plan than a static page?

Runs in a throwaway SQLite database. Every action has an accepted update in each of the
plan's first `--periods` reporting periods (a plan some quarters in; the page shows only
the latest). Prints the median time of each page and their ratio, measured in the same run
so the figure holds on a noisy machine, and the plan page's query count.
Usage: .venv/bin/python benchmarks/plan_page.py [--actions 200] [--periods 4] [--rounds 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--actions", type=int, default=200)
    parser.add_argument("--periods", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()

    os.environ["TRELLIS_DATA_DIR"] = tempfile.mkdtemp(prefix="trellis-bench-")
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trellis.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tests import factories
    from trellis.accounts.models import Role
    from trellis.plans.models import Action
    from trellis.progress.models import ProgressUpdate

    call_command("migrate", verbosity=0)
    partnership = factories.partnership("bench")
    owner = factories.person(partnership, Role.OWNER)
    plan = factories.plan_tree(partnership, actions=args.actions, lead=owner)
    periods = list(plan.periods.order_by("starts"))[: args.periods]
    ProgressUpdate.objects.bulk_create(
        ProgressUpdate(
            partnership=partnership,
            action=action,
            period=period,
            rag="green",
            narrative=f"Progress on {action.title} in {period.label}.",
            state="accepted",
            author=owner,
        )
        for action in Action.objects.filter(driver__outcome__plan=plan)
        for period in periods
    )
    client = Client()
    client.force_login(owner)
    session = client.session
    session["signed_in_at"] = time.time()
    session.save()

    plan_url = f"/p/bench/plans/{plan.pk}/"
    baseline_url = "/accessibility/"

    def timed(url: str) -> float:
        start = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - start
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        return elapsed

    for url in (plan_url, baseline_url):  # warm caches and template loading
        timed(url)
    plan_times, base_times = [], []
    for _ in range(args.rounds):  # interleaved, so drift hits both alike
        plan_times.append(timed(plan_url))
        base_times.append(timed(baseline_url))
    with CaptureQueriesContext(connection) as queries:
        timed(plan_url)

    plan_ms = statistics.median(plan_times) * 1000
    base_ms = statistics.median(base_times) * 1000
    print(
        f"plan page, {args.actions} actions with {len(periods)} periods of updates: "
        f"{plan_ms:.1f} ms median, {len(queries)} queries"
    )
    print(f"baseline (accessibility statement): {base_ms:.1f} ms median")
    print(f"ratio: {plan_ms / base_ms:.1f}x the baseline")


if __name__ == "__main__":
    main()
