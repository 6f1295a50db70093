"""F4: an import killed part-way leaves nothing half-stored, and a retry succeeds.

    .venv/bin/python benchmarks/reliability/f4_import_killed.py [--children 4000 --kills 4]

Generates a synthetic extract (`trellis data generate`), then runs `trellis data load` on it
as a subprocess and SIGKILLs it after a random delay, several times. After each kill it
inspects the private PostgreSQL database and the data directory: snapshot rows, their state,
and snapshot folders on disk with no row (partial files). Finally it loads once more, not
killed, which must succeed. The delays are drawn over the span a full load takes here
(timed first), so kills land while reading, pseudonymising, writing or computing. Then it
waits out the computation lease and runs one worker pass, which marks dead computations
failed, before the retry.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import stack

HERE = Path(__file__).resolve().parent


def state(pg: stack.PrivatePostgres, data: Path) -> dict[str, Any]:
    rows = pg.psql(
        "SELECT partnership_id || '/' || key, status FROM casedata_snapshot ORDER BY id", "trellis"
    ).splitlines()
    in_db = {r.split("|")[0]: r.split("|")[1] for r in rows}
    root = data / "snapshots"
    on_disk = {f"{p.parent.name}/{p.name}" for p in root.glob("*/*")} if root.exists() else set()
    return {
        "snapshots": len(in_db),
        "statuses": sorted(in_db.values()),
        "folders without a row": len(on_disk - set(in_db)),
        "rows without a folder": len(set(in_db) - on_disk),
    }


def load(
    env: dict[str, str], source: Path, analyst: str, slug: str, *extra: str
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603
        [
            str(stack.BIN / "trellis"),
            "data",
            "load",
            str(source),
            "--as",
            analyst,
            "--partnership",
            slug,
            *extra,
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _kill_while_computing(
    pg: stack.PrivatePostgres,
    data: Path,
    env: dict[str, str],
    source: Path,
    analyst: str,
    slug: str,
) -> dict[str, Any]:
    """One more load of the extract the retry loads, killed as soon as its snapshot is
    committed and computing: the case random delays rarely hit on a fast machine. (When a
    random kill stored it already, this load finds that snapshot and stores nothing.)"""
    computing = "SELECT count(*) FROM casedata_snapshot WHERE status = 'computing'"
    already = pg.psql(computing, "trellis").strip()
    process = load(env, source, analyst, slug)
    while process.poll() is None and pg.psql(computing, "trellis").strip() == already:
        time.sleep(0.05)
    finished = process.poll() is not None
    if not finished:
        os.kill(process.pid, signal.SIGKILL)
    process.wait()
    return {"finished first": finished, **state(pg, data)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--children", type=int, default=4000)
    parser.add_argument("--kills", type=int, default=4)
    parser.add_argument(
        "--during-compute",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also kill one load as soon as its snapshot is computing",
    )
    args = parser.parse_args()
    report: dict[str, Any] = {"machine": stack.machine()}
    with stack.private_postgres() as pg:
        data = Path(tempfile.mkdtemp(prefix="trellis-f4-"))
        env = stack.app_env(pg.url(), data)
        stack.trellis(env, "migrate", "-v0")
        users = stack.seed(env, data / "users.json", small=True)
        analyst, slug = users["analysts"][0]["email"], users["analysts"][0]["slug"]
        source = data / "extract"
        generated = stack.trellis(
            env, "data", "generate", str(source), "--children", str(args.children)
        )
        report["extract"] = generated.stdout.strip().replace("\n", "; ")
        report["extract MB"] = round(sum(f.stat().st_size for f in source.iterdir()) / 1e6, 1)
        # A reference load, timed, then removed from view by counting from it.
        started = time.monotonic()
        # Dated the day before: the same extract with the same date would be the same
        # snapshot, and the killed loads would find it computed already.
        yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
        reference = load(env, source, analyst, slug, "--extract-date", yesterday)
        reference.wait()
        span = time.monotonic() - started
        report["full load seconds"] = round(span, 1)
        report["reference load"] = (reference.stdout.read() if reference.stdout else b"").decode()
        before = state(pg, data)
        report["before kills"] = before
        kills = []
        for _ in range(args.kills):
            delay = random.uniform(0.5, span * 0.95)  # noqa: S311 (a test's randomness)
            process = load(env, source, analyst, slug)
            time.sleep(delay)
            finished = process.poll() is not None
            if not finished:
                os.kill(process.pid, signal.SIGKILL)
            process.wait()
            kills.append(
                {"after s": round(delay, 1), "finished first": finished, **state(pg, data)}
            )
        report["kills"] = kills
        if args.during_compute:
            report["killed while computing"] = _kill_while_computing(
                pg, data, env, source, analyst, slug
            )
        # A dead computation's lease runs out (60 s); the worker's next pass marks it failed.
        time.sleep(65)
        stack.trellis(env, "worker", "--once")
        report["after the lease ran out and a worker pass"] = state(pg, data)
        retry = load(env, source, analyst, slug)
        retry.wait()
        report["retry exit"] = retry.returncode
        report["after retry"] = state(pg, data)
        report["audit verify"] = stack.trellis(env, "audit", "verify", check=False).stdout.strip()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
