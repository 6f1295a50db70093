"""L2: the capacity knee. L1's scenario under a Locust LoadTestShape (`l2_shape.py`) that
adds users in steps until a step's p95 exceeds 1 s or its errors exceed 0.1%; the figure
is the last step that passed, not a peak.

    .venv/bin/python benchmarks/reliability/l2_knee.py \
        [--step-users 10 --step-seconds 30 --max-users 100]

Scaled down for this shared 2-core machine (the bar: 25 users every 2 minutes up to 300).
Runs against the reliability seed on a private PostgreSQL cluster and gunicorn with 3 sync
workers on 127.0.0.1; bounded by the number of steps times their length plus a minute.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import stack

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--step-users", type=int, default=10)
    parser.add_argument("--step-seconds", type=int, default=30)
    parser.add_argument("--max-users", type=int, default=100)
    parser.add_argument("--p95-ms", type=int, default=1000, help="a step's p95 bar")
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="trellis-l2-"))
    report: dict[str, Any] = {"machine": stack.machine(), "out": str(out), "steps": []}
    report["bar"] = f"p95 <= {args.p95_ms} ms, errors <= 0.1%"
    with stack.private_postgres() as pg:
        data = out / "data"
        (data / "upload-tmp").mkdir(parents=True)
        env = stack.app_env(pg.url(), data)
        stack.trellis(env, "migrate", "-v0")
        stack.seed(env, out / "users.json")
        env.update(
            RELIABILITY_USERS=str(out / "users.json"),
            RELIABILITY_TOKENS=str(out / "tokens.txt"),
            L2_OUT=str(out / "steps.jsonl"),
            L2_STEP_USERS=str(args.step_users),
            L2_STEP_SECONDS=str(args.step_seconds),
            L2_MAX_USERS=str(args.max_users),
            L2_P95_MS=str(args.p95_ms),
            PYTHONPATH=f"{HERE}:{env['PYTHONPATH']}",
        )
        server = stack.Gunicorn(env, out, workers=3)
        limit = (args.max_users // args.step_users + 1) * args.step_seconds + 90
        started = time.monotonic()
        try:
            with (out / "locust.log").open("wb") as log:
                process = subprocess.Popen(  # noqa: S603
                    [
                        str(stack.BIN / "locust"),
                        "-f",
                        str(HERE / "l2_shape.py"),
                        "--headless",
                        "--host",
                        server.url,
                        "--only-summary",
                        "--stop-timeout",
                        "5",
                        "--loglevel",
                        "WARNING",
                        "--exit-code-on-error",
                        "0",
                    ],
                    env=env,
                    cwd=HERE,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
                try:
                    process.wait(timeout=limit)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        finally:
            server.stop()
        report["seconds"] = round(time.monotonic() - started)
    steps = [json.loads(line) for line in (out / "steps.jsonl").read_text().splitlines()]
    report["steps"] = steps
    knee, first_fail = 0, None
    for step in steps:
        if not step["passed"]:
            first_fail = step["users"]
            break
        knee = step["users"]
    report["knee: last passing step (users)"] = knee
    report["first failing step (users)"] = first_fail
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
