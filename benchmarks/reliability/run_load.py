"""L1, F1, F2 and D1: load held at 50 users, a worker killed and the database restarted
under that load, and no write lost or invented by any of it.

    .venv/bin/python benchmarks/reliability/run_load.py [--users 50 --l1 90 --fault 60]

Everything runs on 127.0.0.1 and stops by itself: a private PostgreSQL cluster on a free
port (the one restarted in F2; the machine's own cluster is never touched), gunicorn with 3
sync workers, and locust, headless, for a fixed time each run. Output files (locust CSVs,
gunicorn logs, the write tokens) stay in --out.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
import os
import random
import re
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import stack

HERE = Path(__file__).resolve().parent
TOKEN = re.compile(r"\[(tok-[0-9a-f]{32})\]")


def run_locust(
    name: str,
    server: stack.Gunicorn,
    pg: stack.PrivatePostgres,
    out: Path,
    env: dict[str, str],
    users: int,
    seconds: int,
) -> tuple[subprocess.Popen[bytes], stack.CpuSampler]:
    env = {**env, "RELIABILITY_TOKENS": str(out / f"{name}-tokens.txt")}
    log = (out / f"{name}-locust.log").open("wb")
    process = subprocess.Popen(  # noqa: S603
        [
            str(stack.BIN / "locust"),
            "-f",
            str(HERE / "locustfile.py"),
            "--headless",
            "-u",
            str(users),
            "-r",
            "5",
            "-t",
            f"{seconds}s",
            "--host",
            server.url,
            "--csv",
            str(out / name),
            "--only-summary",
            "--stop-timeout",
            "5",
            "--loglevel",
            "WARNING",
            "--exit-code-on-error",
            "0",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    sampler = stack.CpuSampler(
        gunicorn=server.pid, postgres=pg.postmaster_pid(), locust=process.pid
    ).__enter__()
    return process, sampler


def finish(
    name: str, process: subprocess.Popen[bytes], sampler: stack.CpuSampler, out: Path, limit: int
) -> dict[str, Any]:
    try:
        process.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    sampler.__exit__()
    figures = stats(out / f"{name}_stats.csv")
    figures["cpu % of one core"] = sampler.percent()
    log = (out / f"{name}-locust.log").read_text(errors="replace")
    figures["locust CPU warning"] = "CPU usage above" in log or "cpu usage above" in log.lower()
    figures["failures"] = failures(out / f"{name}_failures.csv")
    return figures


def stats(path: Path) -> dict[str, Any]:
    """Per request group and in total: count, failures, req/s, p50/p95/p99 (ms)."""
    groups: dict[str, Any] = {}
    with path.open() as f:
        for row in csv.DictReader(f):
            groups[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "req/s": round(float(row["Requests/s"]), 2),
                "p50": row["50%"],
                "p95": row["95%"],
                "p99": row["99%"],
                "max": round(float(row["Max Response Time"])),
            }
    return {"by name": groups}


def failures(path: Path) -> list[str]:
    if not path.exists():
        return []
    with path.open() as f:
        return [f"{r['Occurrences']}× {r['Name']}: {r['Error']}" for r in csv.DictReader(f)]


def reconcile(name: str, out: Path, pg: stack.PrivatePostgres) -> dict[str, int]:
    """D1: the tokens the client was told were saved against the tokens in the history."""
    told: dict[str, str] = {}
    path = out / f"{name}-tokens.txt"
    for line in path.read_text().splitlines() if path.exists() else []:
        if line.startswith("tok-"):
            token, status = line.split()
            told[token] = status
    accepted = {t for t, s in told.items() if s == "saved"}
    rows = pg.psql(
        "SELECT narrative FROM progress_updaterevision WHERE narrative LIKE '%[tok-%'", "trellis"
    ).splitlines()
    in_db: dict[str, int] = {}
    for row in rows:
        for token in TOKEN.findall(row):
            if token in told:
                in_db[token] = in_db.get(token, 0) + 1
    return {
        "writes tried": len(told),
        "saved (302 to the update)": len(accepted),
        "history rows": sum(in_db.values()),
        "missing": len(accepted - set(in_db)),
        "phantom": len(set(in_db) - accepted),
        "duplicated": sum(1 for n in in_db.values() if n > 1),
    }


def access_statuses(server: stack.Gunicorn, since: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    lines = server.access_log.read_text(errors="replace").splitlines()[since:]
    for line in lines:
        status = line.split(" ", 1)[0]
        counts[status] = counts.get(status, 0) + 1
    return dict(sorted(counts.items()))


def signed_in(name: str, out: Path, users: int, limit: float) -> float:
    """Wait until every simulated user has signed in (faults hit a steady load, not the
    ramp); return the seconds waited."""
    started = time.monotonic()
    path = out / f"{name}-tokens.txt"
    while time.monotonic() - started < limit:
        lines = path.read_text().splitlines() if path.exists() else []
        if sum(1 for line in lines if line.startswith("signin") and line.endswith(" 302")) >= users:
            break
        time.sleep(0.5)
    return round(time.monotonic() - started, 1)


def errors_after(server: stack.Gunicorn, moment: float) -> int:
    """Server errors the app logged after `moment` (time.time())."""
    london = ZoneInfo("Europe/London")
    count = 0
    for line in server.app_log.read_text(errors="replace").splitlines():
        if "Internal Server Error" not in line:
            continue
        try:
            at = dt.datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").replace(tzinfo=london)
        except ValueError:
            continue
        count += at.timestamp() >= moment
    return count


def tracebacks(server: stack.Gunicorn) -> int:
    return server.app_log.read_text(errors="replace").count("Traceback (most recent call last)")


def log_length(server: stack.Gunicorn) -> int:
    return len(server.access_log.read_text(errors="replace").splitlines())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--l1", type=int, default=120, help="seconds of L1")
    parser.add_argument("--fault", type=int, default=90, help="seconds of each F run")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="trellis-load-"))
    out.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"machine": stack.machine(), "out": str(out)}
    with stack.private_postgres() as pg:
        data = Path(tempfile.mkdtemp(prefix="trellis-data-"))
        env = stack.app_env(pg.url(), data)
        stack.trellis(env, "migrate", "-v0")
        started = time.monotonic()
        seeded = subprocess.run(  # noqa: S603
            [stack.PYTHON, str(HERE / "seed.py"), str(out / "users.json")],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        report["seed"] = f"{seeded.stdout.strip()} ({time.monotonic() - started:.0f} s)"
        env["RELIABILITY_USERS"] = str(out / "users.json")
        server = stack.Gunicorn(env, out, workers=3)
        try:
            report.update(_runs(args, out, env, pg, server))
            report["F6"] = _graceful_stop(args, out, env, pg, server)
            report["D1 after F6"] = reconcile("f6", out, pg)
        finally:
            server.stop()
        report["audit verify"] = stack.trellis(env, "audit", "verify", check=False).stdout.strip()
    print(json.dumps(report, indent=2))


def _runs(
    args: argparse.Namespace,
    out: Path,
    env: dict[str, str],
    pg: stack.PrivatePostgres,
    server: stack.Gunicorn,
) -> dict[str, Any]:
    report: dict[str, Any] = {"gunicorn": "3 sync workers"}
    # L1
    mark = log_length(server)
    process, sampler = run_locust("l1", server, pg, out, env, args.users, args.l1)
    report["L1"] = finish("l1", process, sampler, out, args.l1 + 60)
    report["L1"]["statuses"] = access_statuses(server, mark)
    report["D1 after L1"] = reconcile("l1", out, pg)
    # F1: a worker SIGKILLed every third of the run
    mark, before = log_length(server), tracebacks(server)
    process, sampler = run_locust("f1", server, pg, out, env, args.users, args.fault)
    killed = []
    waited = signed_in("f1", out, args.users, args.fault / 2)
    for _ in range(2):
        time.sleep((args.fault - waited) / 3)
        workers = server.workers()
        if workers:
            victim = random.choice(workers)  # noqa: S311
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)
    report["F1"] = finish("f1", process, sampler, out, args.fault + 60)
    report["F1"].update(
        seconds_until_all_signed_in=waited,
        workers_killed=len(killed),
        workers_after=len(server.workers()),
        statuses=access_statuses(server, mark),
        tracebacks_logged=tracebacks(server) - before,
    )
    report["D1 after F1"] = reconcile("f1", out, pg)
    # F2: the private cluster fast-restarted a third of the way in
    mark, before = log_length(server), tracebacks(server)
    process, sampler = run_locust("f2", server, pg, out, env, args.users, args.fault)
    probe = HealthProbe(server.url + "/healthz")
    probe.start()
    waited = signed_in("f2", out, args.users, args.fault / 2)
    time.sleep(5)
    down = time.monotonic()
    pg.restart()
    back, back_wall = time.monotonic(), time.time()
    report["F2"] = finish("f2", process, sampler, out, args.fault + 60)
    probe.stop()
    first_ok = next((t for t, status in probe.seen if t >= back and status == 200), None)
    report["F2"].update(
        seconds_until_all_signed_in=waited,
        restart_seconds=round(back - down, 2),
        server_errors_logged_after_db_back=errors_after(server, back_wall),
        seconds_to_first_200_after_db_back=None if first_ok is None else round(first_ok - back, 2),
        health_non_200=sum(1 for _t, s in probe.seen if s != 200),
        statuses=access_statuses(server, mark),
        tracebacks_logged=tracebacks(server) - before,
        gunicorn_master_alive=server.process.poll() is None,
    )
    report["D1 after F2"] = reconcile("f2", out, pg)
    return report


def _graceful_stop(
    args: argparse.Namespace,
    out: Path,
    env: dict[str, str],
    pg: stack.PrivatePostgres,
    server: stack.Gunicorn,
) -> dict[str, Any]:
    """F6: SIGTERM to the gunicorn master under load. Requests in flight should complete
    (graceful timeout 5 s); those arriving after the listener closed are refused, which is
    the proxy's to retry, not a failure of the stop."""
    mark = log_length(server)
    process, sampler = run_locust("f6", server, pg, out, env, args.users, args.fault)
    waited = signed_in("f6", out, args.users, args.fault / 2)
    time.sleep(5)
    answered_before = log_length(server)
    signalled = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.process.wait(timeout=60)
    stopped = time.monotonic() - signalled
    process.send_signal(signal.SIGTERM)  # locust writes its CSVs and stops
    figures = finish("f6", process, sampler, out, 60)
    cut = [f for f in figures["failures"] if re.search("RemoteDisconnected|Reset|Aborted", f)]
    refused = [f for f in figures["failures"] if "Refused" in f]
    figures.update(
        seconds_until_all_signed_in=waited,
        seconds_from_sigterm_to_master_exit=round(stopped, 2),
        master_exit_code=server.process.returncode,
        answers_written_after_sigterm=log_length(server) - answered_before,
        in_flight_cut=cut,
        refused_after_stop=sum(int(f.split("×")[0]) for f in refused),
        statuses=access_statuses(server, mark),
    )
    return figures


class HealthProbe(threading.Thread):
    """/healthz every quarter second: when the service answered again after the restart."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.seen: list[tuple[float, int]] = []
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(0.25):
            try:
                with urllib.request.urlopen(self.url, timeout=5) as response:  # noqa: S310
                    status = response.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except OSError:
                status = 0
            self.seen.append((time.monotonic(), status))

    def stop(self) -> None:
        self._halt.set()
        self.join()


if __name__ == "__main__":
    main()
