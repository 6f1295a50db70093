"""L2's locustfile: L1's mixed scenario (locustfile.Member) under a LoadTestShape that adds
users in steps and stops at the first step that fails the bar.

Each step holds its user count for L2_STEP_SECONDS; at its end the step's own p95 and error
rate (requests and failures counted in that step only) are written to L2_OUT, one JSON line
a step. The shape stops when a step's p95 exceeds L2_P95_MS or its errors exceed
L2_ERROR_PERCENT, or after L2_MAX_USERS. New users start L2_SPAWN_RATE a second; the
first L2_WARMUP_SECONDS run at the first step's users and are not judged.
"""

from __future__ import annotations

import json
import os
from typing import Any

from locust import LoadTestShape
from locustfile import Member  # noqa: F401 (the users this shape drives)

STEP_USERS = int(os.environ.get("L2_STEP_USERS", "10"))
STEP_SECONDS = float(os.environ.get("L2_STEP_SECONDS", "30"))
MAX_USERS = int(os.environ.get("L2_MAX_USERS", "100"))
P95_MS = float(os.environ.get("L2_P95_MS", "1000"))
ERROR_PERCENT = float(os.environ.get("L2_ERROR_PERCENT", "0.1"))
# New users start this many a second, so their sign-ins (Argon2) do not all land at once.
SPAWN_RATE = float(os.environ.get("L2_SPAWN_RATE", "2"))
# A first period at the first step's users, not judged: sign-ins and each worker's first
# pages (the bar's L1 has a minute of warm-up too).
WARMUP_SECONDS = float(os.environ.get("L2_WARMUP_SECONDS", "30"))
OUT = os.environ["L2_OUT"]


def _p95(times: dict[int, int]) -> float:
    total = sum(times.values())
    if not total:
        return 0.0
    seen = 0
    for ms in sorted(times):
        seen += times[ms]
        if seen >= 0.95 * total:
            return float(ms)
    return float(max(times))


class Steps(LoadTestShape):
    def __init__(self) -> None:
        super().__init__()
        self.step = 0
        self.mark: dict[str, Any] = {"requests": 0, "failures": 0, "times": {}}
        self.stopped = False

    def _close_step(self) -> bool:
        """Write the finished step's figures; True if it passed the bar."""
        total = self.runner.stats.total
        times = dict(total.response_times)
        step_times = {ms: n - self.mark["times"].get(ms, 0) for ms, n in times.items()}
        requests = total.num_requests - self.mark["requests"]
        failures = total.num_failures - self.mark["failures"]
        errors = 100 * failures / requests if requests else 0.0
        p95 = _p95({ms: n for ms, n in step_times.items() if n > 0})
        passed = requests > 0 and p95 <= P95_MS and errors <= ERROR_PERCENT
        row = {
            "users": self.step * STEP_USERS,
            "requests": requests,
            "req/s": round(requests / STEP_SECONDS, 1),
            "p95 ms": p95,
            "failures": failures,
            "errors %": round(errors, 2),
            "passed": passed,
        }
        with open(OUT, "a") as out:
            out.write(json.dumps(row) + "\n")
        self._mark()
        return passed

    def _mark(self) -> None:
        total = self.runner.stats.total
        self.mark = {
            "requests": total.num_requests,
            "failures": total.num_failures,
            "times": dict(total.response_times),
        }

    def tick(self) -> tuple[int, float] | None:
        if self.stopped:
            return None
        run_time = self.get_run_time() - WARMUP_SECONDS
        if run_time < 0:
            return STEP_USERS, SPAWN_RATE
        if self.step == 0:  # the warm-up's requests are not counted in the first step
            self._mark()
        step = int(run_time // STEP_SECONDS) + 1
        if step != self.step:
            if self.step and (not self._close_step() or self.step * STEP_USERS >= MAX_USERS):
                self.stopped = True
                return None
            self.step = step
        return self.step * STEP_USERS, SPAWN_RATE
