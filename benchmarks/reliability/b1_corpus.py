"""B1: the hostile-file corpus posted to both upload pages over HTTP.

    .venv/bin/python benchmarks/reliability/b1_corpus.py [--bomb-mb 200]

Generates the corpus of tests/reliability/corpus.py (about fifty files: zip bombs, billion
laughs, XXE, macro and legacy workbooks, bad encodings, 16,384 columns, hostile names …)
and posts each file to the case-level data page (as an analyst) and to the plan import page
(as a plan owner) of one gunicorn worker on 127.0.0.1, so the worker's peak memory (VmHWM)
is the corpus's (the peak is started again after the two sign-ins, whose Argon2 hashes take
100 MiB each for a moment). Reports the answers by status, every server error, the slowest
answers, the worker's peak RSS and the posts that raised it. A 5xx, a dropped connection or
an answer slower than 5 s is a failure.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests
import stack

sys.path.insert(0, str(stack.REPO))
from tests.reliability.corpus import specimens

HERE = Path(__file__).resolve().parent
HIDDEN = re.compile(r'name="(csrfmiddlewaretoken)" value="([^"]*)"')
ERROR_SUMMARY = "govuk-error-summary"


def session_for(url: str, email: str, password: str) -> requests.Session:
    session = requests.Session()
    page = session.get(url + "/sign-in/", timeout=30)
    session.post(
        url + "/sign-in/",
        {
            "email": email,
            "password": password,
            "csrfmiddlewaretoken": dict(HIDDEN.findall(page.text))["csrfmiddlewaretoken"],
        },
        timeout=30,
    )
    return session


def post(
    session: requests.Session, url: str, fields: dict[str, str], name: str, data: bytes
) -> dict[str, Any]:
    token = dict(HIDDEN.findall(session.get(url, timeout=60).text)).get("csrfmiddlewaretoken", "")
    started = time.monotonic()
    try:
        answer = session.post(
            url,
            {"csrfmiddlewaretoken": token, **fields},
            files={"file": (name, data, "application/octet-stream")},
            allow_redirects=False,
            timeout=60,
        )
    except requests.RequestException as exc:
        return {
            "status": f"no answer ({type(exc).__name__})",
            "seconds": time.monotonic() - started,
        }
    return {
        "status": answer.status_code,
        "seconds": round(time.monotonic() - started, 2),
        "message shown": ERROR_SUMMARY in answer.text,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bomb-mb", type=int, default=200)
    args = parser.parse_args()
    corpus = specimens(bomb_mb=args.bomb_mb)
    data = Path(tempfile.mkdtemp(prefix="trellis-b1-"))
    env = stack.app_env(f"sqlite:///{data / 'trellis.sqlite3'}", data)
    stack.trellis(env, "migrate", "-v0")
    users = stack.seed(env, data / "users.json", small=True)
    analyst, owner = users["analysts"][0], users["owners"][0]
    server = stack.Gunicorn(env, data, workers=1)
    results: list[dict[str, Any]] = []
    try:
        targets = {
            "case-level data": (
                session_for(server.url, analyst["email"], users["password"]),
                f"{server.url}/p/{analyst['slug']}/data/",
                {"extract_date": "2021-03-31", "layout": "trellis"},
            ),
            "plan import": (
                session_for(server.url, owner["email"], users["password"]),
                f"{server.url}/p/{owner['slug']}/plans/import/",
                {},
            ),
        }
        workers = set(server.workers())
        signed_in = stack.peak_rss_mb(server.workers())
        stack.reset_peak_rss(server.workers())
        baseline = stack.peak_rss_mb(server.workers())
        for specimen in corpus:
            for target, (session, url, fields) in targets.items():
                outcome = post(session, url, fields, specimen.name, specimen.data)
                outcome["peak RSS MB after"] = stack.peak_rss_mb(server.workers())
                results.append({"file": specimen.name[:60], "target": target, **outcome})
                workers |= set(server.workers())
        peak = stack.peak_rss_mb(server.workers())
        respawned = len(workers) > 1
    finally:
        server.stop()
    report = summary(corpus, results, peak, respawned)
    report["worker peak RSS MB after two sign-ins"] = signed_in
    report["worker RSS MB before the corpus (peak started again)"] = baseline
    report["posts that raised the peak by 10 MB or more"] = _raised_peak(results, baseline)
    print(json.dumps(report, indent=2))


def _raised_peak(results: list[dict[str, Any]], before: float) -> list[str]:
    """Each post after which the worker's peak was at least 10 MB above the one before."""
    raised = []
    for r in results:
        if r["peak RSS MB after"] - before >= 10:
            raised.append(
                f"{r['file']} → {r['target']}: {before:.0f} → {r['peak RSS MB after']:.0f}"
            )
        before = max(before, r["peak RSS MB after"])
    return raised


def summary(
    corpus: list[Any], results: list[dict[str, Any]], peak: float, respawned: bool
) -> dict[str, Any]:
    by_status: dict[str, int] = {}
    for r in results:
        by_status[str(r["status"])] = by_status.get(str(r["status"]), 0) + 1
    bad = [r for r in results if not isinstance(r["status"], int) or r["status"] >= 500]
    slow = [r for r in results if r["seconds"] > 5]
    refused = [r for r in results if r["status"] == 400]
    return {
        "machine": stack.machine(),
        "files": len(corpus),
        "posts": len(results),
        "answers by status": by_status,
        "server errors or no answer": bad,
        "slower than 5 s": slow,
        "refusals without an error summary": [r for r in refused if not r["message shown"]],
        "max seconds": max(r["seconds"] for r in results),
        "slowest": sorted(results, key=lambda r: -r["seconds"])[:3],
        "worker peak RSS MB": peak,
        "worker replaced during the run": respawned,
        "accepted (302)": [f"{r['file']} → {r['target']}" for r in results if r["status"] == 302],
    }


if __name__ == "__main__":
    main()
