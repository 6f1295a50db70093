"""How does the plan owner's overview grow with the plan? Plans of 20 and of 200 actions.

Runs in a throwaway SQLite database. Each plan gets a year of updates: four quarterly
periods, the first three mostly accepted (some late, some returned first), the last a mix
of every state with some updates missing and some restricted to a group. The overview of
the last period is fetched for each plan in turn (interleaved, so drift hits both alike)
and the median times compared, measured in the same run so the ratio holds on a noisy
machine. Query counts must be equal; the goal for the ratio is under 3.

Usage: .venv/bin/python benchmarks/overview.py [--small 20] [--large 200] [--rounds 30]
The last line is the summary:
queries Q20 at 20 actions, Q200 at 200 actions; median page time T20 ms and T200 ms; ratio R x
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Q3 states by action number, cycling: None is a missing update.
LAST_QUARTER = ("draft", "submitted", "accepted", "returned", None, "accepted", "submitted")
EARLIER = ("accepted", "accepted", "accepted", "returned", "accepted")
RAGS = ("green", "amber", "red", "complete", "not-started", "green")


def year_of_updates(plan: Any, group: Any) -> int:
    """Four quarters of updates for every action of the plan: one bulk insert."""
    from trellis.plans.models import Action
    from trellis.progress.models import ProgressUpdate

    periods = list(plan.periods.order_by("starts"))[:4]
    actions = list(Action.objects.filter(driver__outcome__plan=plan).order_by("id"))
    updates = []
    for q, period in enumerate(periods):
        states = LAST_QUARTER if q == len(periods) - 1 else EARLIER
        for i, action in enumerate(actions):
            state = states[(i + q) % len(states)]
            if state is None:
                continue
            updates.append(
                ProgressUpdate(
                    partnership_id=action.partnership_id,
                    action=action,
                    period=period,
                    rag=RAGS[(i + q) % len(RAGS)],
                    narrative=f"Progress on {action.title} in {period.label}.",
                    state=state,
                    author_id=action.lead_id,
                    late=(i + q) % 6 == 0,
                )
            )
    created = ProgressUpdate.objects.bulk_create(updates)
    last = [u for u in created if u.period_id == periods[-1].pk]
    for update in last[::5]:  # some restricted, so the page checks who may read them
        update.restricted_to.add(group)
    return len(created)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", type=int, default=20)
    parser.add_argument("--large", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="trellis-bench-")
    atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    os.environ["TRELLIS_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trellis.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tests import factories
    from trellis.accounts.models import Agency, Group, Role

    call_command("migrate", verbosity=0)
    partnership = factories.partnership("bench")
    agency = Agency.objects.create(partnership=partnership, name="Riverside Council")
    group = Group.objects.create(partnership=partnership, name="Police operational")
    owner = factories.person(partnership, Role.OWNER, agency=agency)
    board = factories.person(partnership, Role.BOARD)
    group.members.add(owner)
    urls = {}
    for size in (args.small, args.large):
        lead = factories.person(partnership, Role.LEAD, agency=agency)
        plan = factories.plan_tree(partnership, actions=size, lead=lead)
        written = year_of_updates(plan, group)
        print(f"plan of {size} actions: {written} updates over four quarters")
        urls[size] = f"/p/bench/plans/{plan.pk}/overview/"

    client = Client()
    client.force_login(board)  # a board member: restricted updates are checked, not skipped
    session = client.session
    session["signed_in_at"] = time.time()
    session.save()

    def timed(url: str) -> float:
        start = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - start
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        return elapsed

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            timed(url)
        return len(captured)

    for url in urls.values():  # warm caches and template loading
        timed(url)
    times: dict[int, list[float]] = {size: [] for size in urls}
    for _ in range(args.rounds):  # interleaved
        for size, url in urls.items():
            times[size].append(timed(url))
    counts = {size: queries(url) for size, url in urls.items()}
    medians = {size: statistics.median(t) * 1000 for size, t in times.items()}

    small, large = args.small, args.large
    ratio = medians[large] / medians[small]
    for size in urls:
        print(f"overview, {size} actions: {medians[size]:.1f} ms median, {counts[size]} queries")
    print(
        f"queries {counts[small]} at {small} actions, {counts[large]} at {large} actions; "
        f"median page time {medians[small]:.1f} ms and {medians[large]:.1f} ms; "
        f"ratio {ratio:.1f} x"
    )


if __name__ == "__main__":
    main()
