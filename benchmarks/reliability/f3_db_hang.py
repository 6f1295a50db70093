"""F3: the database hangs. SIGSTOP the postmaster and every backend of a private
PostgreSQL cluster for a fixed time while requests run, then SIGCONT; measure how long
requests took during the hang, whether they piled up, and how soon the service recovered.

    .venv/bin/python benchmarks/reliability/f3_db_hang.py [--hang 35 --clients 6]

Only the script's own cluster is stopped (its postmaster's pid and that process's
children), never the machine's. Clients call /healthz (one query) and, to see whether
workers were all held, /accessibility/ (no query), each with a 90 s client timeout, for a
baseline, the hang and a recovery period; the run is bounded by their sum.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import signal
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import psutil
import stack


def call(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=90) as response:  # noqa: S310 (loopback)
            return str(response.status)
    except urllib.error.HTTPError as error:
        return str(error.code)
    except (http.client.RemoteDisconnected, ConnectionResetError):
        return "connection closed"
    except TimeoutError:
        return "client timeout"
    except OSError as error:
        return type(error).__name__


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hang", type=float, default=35.0, help="seconds stopped")
    parser.add_argument("--before", type=float, default=5.0)
    parser.add_argument("--after", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=6)
    args = parser.parse_args()
    report: dict[str, Any] = {"machine": stack.machine(), "hang s": args.hang}
    samples: list[tuple[str, float, float, str]] = []  # path, start, end, outcome
    lock = threading.Lock()
    with stack.private_postgres() as pg:
        data = Path(tempfile.mkdtemp(prefix="trellis-f3-"))
        (data / "upload-tmp").mkdir()
        env = stack.app_env(pg.url(), data)
        stack.trellis(env, "migrate", "-v0")
        server = stack.Gunicorn(env, data)
        report["gunicorn timeout s"] = 30
        try:
            end_at = time.monotonic() + args.before + args.hang + args.after
            stop_event = threading.Event()

            def client(path: str) -> None:
                while not stop_event.is_set() and time.monotonic() < end_at:
                    started = time.monotonic()
                    outcome = call(server.url + path)
                    with lock:
                        samples.append((path, started, time.monotonic(), outcome))
                    time.sleep(0.2)

            threads = [
                threading.Thread(target=client, args=(path,), daemon=True)
                for i in range(args.clients)
                for path in (["/healthz"] if i % 3 else ["/accessibility/"])
            ]
            for t in threads:
                t.start()
            time.sleep(args.before)
            postmaster = psutil.Process(pg.postmaster_pid())
            stopped = [postmaster, *postmaster.children(recursive=True)]
            hang_start = time.monotonic()
            for p in stopped:
                with contextlib.suppress(psutil.Error):
                    p.send_signal(signal.SIGSTOP)
            report["processes stopped"] = len(stopped)
            while time.monotonic() < hang_start + args.hang:
                time.sleep(0.5)
            for p in stopped:
                with contextlib.suppress(psutil.Error):
                    p.send_signal(signal.SIGCONT)
            hang_end = time.monotonic()
            while time.monotonic() < end_at:
                time.sleep(0.5)
            stop_event.set()
            for t in threads:
                t.join(timeout=95)
            report["gunicorn master alive"] = server.process.poll() is None
            report["workers at the end"] = len(server.workers())
            worker_timeouts = server.error_log.read_text(errors="replace").count("WORKER TIMEOUT")
            report["gunicorn worker timeouts"] = worker_timeouts
        finally:
            server.stop()

    def summary(rows: list[tuple[str, float, float, str]]) -> dict[str, Any]:
        durations = sorted(end - start for _, start, end, _ in rows)
        return {
            "requests": len(rows),
            "outcomes": dict(Counter(o for *_, o in rows)),
            "max s": round(durations[-1], 2) if durations else None,
            "median s": round(durations[len(durations) // 2], 2) if durations else None,
        }

    for path in ("/healthz", "/accessibility/"):
        mine = [s for s in samples if s[0] == path]
        before = [s for s in mine if s[2] < hang_start]
        during = [s for s in mine if s[2] >= hang_start and s[1] < hang_end]
        after = [s for s in mine if s[1] >= hang_end]
        # The first request answered 200 after SIGCONT, whenever it started.
        first_ok = min((s[2] for s in mine if s[2] >= hang_end and s[3] == "200"), default=None)
        report[path] = {
            "before": summary(before),
            "touching the hang": summary(during),
            "started after SIGCONT": summary(after),
            "first 200 after SIGCONT s": (
                None if first_ok is None else round(first_ok - hang_end, 2)
            ),
            "not 200 after SIGCONT": sum(1 for s in after if s[3] != "200"),
            "last not-200 answer, s after SIGSTOP": max(
                (round(s[2] - hang_start, 1) for s in mine if s[3] != "200"), default=None
            ),
        }
    # Requests in flight at once during the hang: a pile-up shows as a growing number.
    points = [hang_start + k for k in range(int(args.hang) + 1)]
    report["peak requests in flight during the hang"] = max(
        sum(1 for _, start, end, _ in samples if start <= t < end) for t in points
    )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
