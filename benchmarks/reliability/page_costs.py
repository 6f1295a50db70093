"""What each page of L1's scenario costs the server, one request at a time.

    .venv/bin/python benchmarks/reliability/page_costs.py [--rounds 12]

L1 is CPU-bound on this machine, so the pages that cost most CPU decide its latency. This
starts what L1 starts (a private PostgreSQL cluster on a free port, the L1 seed, one
gunicorn sync worker on 127.0.0.1), signs in as a lead who writes updates, and asks each
of L1's pages --rounds times in turn after one warm-up round. For each page it prints the
median wall time and the worker's mean CPU time per request (from /proc; the mean, as the
garbage collector's occasional full pass is part of the cost), and the ratio
of that CPU time to the sign-in page's (a form with no data, measured in the same run), and
each page's share of L1's CPU given the scenario's task weights.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import requests
import stack

HERE = Path(__file__).resolve().parent
HIDDEN = re.compile(r'name="(csrfmiddlewaretoken|version)" value="([^"]*)"')
TICK = 1 / 100  # clock ticks of /proc/PID/stat (USER_HZ)


def pages(me: dict[str, Any]) -> dict[str, tuple[str, int]]:
    """L1's pages (locustfile.py) with the weight of the task that asks for them."""
    p, plan = f"/p/{me['slug']}/", me["plan"]
    action, period, _update = me["writes"][0]
    return {
        "sign-in form (baseline)": ("/sign-in/", 0),
        "read: overview": (f"{p}plans/{plan}/overview/", 25),
        "read: partnership home": (p, 15),
        "read: plan": (f"{p}plans/{plan}/", 10),
        "read: reports": (f"{p}plans/{plan}/reports/", 10),
        "actions: mine": (f"{p}my-actions/", 10),
        "actions: detail": (f"{p}actions/{action}/", 15),
        "write: form": (f"{p}actions/{action}/periods/{period}/update/", 10),
        "export: csv": (f"{p}plans/{plan}/overview/csv/", 3),
        "export: plan xlsx": (f"{p}plans/{plan}/export/xlsx/", 2),
    }


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * TICK


def measure(session: requests.Session, url: str, worker: int, rounds: int) -> dict[str, float]:
    session.get(url, timeout=120).raise_for_status()  # warm-up
    walls, cpus = [], []
    for _ in range(rounds):
        cpu, started = cpu_seconds(worker), time.perf_counter()
        session.get(url, timeout=120).raise_for_status()
        walls.append(time.perf_counter() - started)
        cpus.append(cpu_seconds(worker) - cpu)
    return {"wall ms": statistics.median(walls) * 1000, "cpu ms": statistics.mean(cpus) * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=12)
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="trellis-pages-"))
    with stack.private_postgres() as pg:
        env = stack.app_env(pg.url(), out / "data")
        stack.trellis(env, "migrate", "-v0")
        subprocess.run(  # noqa: S603
            [stack.PYTHON, str(HERE / "seed.py"), str(out / "users.json")], env=env, check=True
        )
        users = json.loads((out / "users.json").read_text())
        me = next(lead for lead in users["leads"] if lead["writes"])
        server = stack.Gunicorn(env, out, workers=1)
        try:
            session = requests.Session()
            form = session.get(server.url + "/sign-in/", timeout=60)
            fields = dict(HIDDEN.findall(form.text))
            session.post(
                server.url + "/sign-in/",
                {**fields, "email": me["email"], "password": users["password"]},
                timeout=60,
            ).raise_for_status()
            worker = server.workers()[0]
            results = {
                name: {**measure(session, server.url + url, worker, args.rounds), "weight": w}
                for name, (url, w) in pages(me).items()
            }
        finally:
            server.stop()
    report(results)


def report(results: dict[str, dict[str, float]]) -> None:
    base = results["sign-in form (baseline)"]["cpu ms"] or TICK * 1000
    total = sum(r["cpu ms"] * r["weight"] for r in results.values())
    for name, r in results.items():
        share = r["cpu ms"] * r["weight"] / total if total else 0
        print(
            f"{name:26} wall {r['wall ms']:7.0f} ms  cpu {r['cpu ms']:6.0f} ms  "
            f"{r['cpu ms'] / base:5.1f} x baseline  {share:4.0%} of L1's page CPU"
        )


if __name__ == "__main__":
    main()
