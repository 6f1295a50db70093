"""C1: lost updates under contention, on PostgreSQL, over HTTP.

    .venv/bin/python benchmarks/reliability/c1_contention.py [--threads 20 --rounds 25]

K threads, each signed in as one of the partnership's plan owners (12 of them, so some
threads share a person in separate sessions, as two browser tabs would), run M rounds of:
GET the update form (reading its version), then POST a narrative carrying the thread's own
token with that version, all on the same progress update. Afterwards the update's revision
history is compared with the answers: every accepted save (302) must be in the history once,
no two accepted saves may rest on the same version, and every refusal must be a 409 that
tells the person someone else saved first.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import requests
import stack

sys.path.insert(0, str(stack.REPO))
from tests.reliability.contention import CONFLICT_TEXT, HIDDEN, judge

HERE = Path(__file__).resolve().parent


def sign_in(url: str, email: str, password: str) -> requests.Session:
    session = requests.Session()
    fields = dict(HIDDEN.findall(session.get(url + "/sign-in/", timeout=30).text))
    answer = session.post(
        url + "/sign-in/",
        {
            "email": email,
            "password": password,
            "csrfmiddlewaretoken": fields["csrfmiddlewaretoken"],
        },
        allow_redirects=False,
        timeout=30,
    )
    if answer.status_code != 302:
        raise SystemExit(f"sign-in as {email} answered {answer.status_code}")
    return session


def contend(session: requests.Session, form_url: str, rounds: int, results: list) -> None:
    for _ in range(rounds):
        page = session.get(form_url, timeout=60)
        fields = dict(HIDDEN.findall(page.text))
        token = f"c1-{uuid.uuid4().hex}"
        answer = session.post(
            form_url,
            {
                "csrfmiddlewaretoken": fields.get("csrfmiddlewaretoken", ""),
                "version": fields.get("version", ""),
                "rag": "amber",
                "narrative": f"Contended save [{token}]",
                "intent": "save",
            },
            allow_redirects=False,
            timeout=60,
        )
        results.append(
            {
                "token": token,
                "base": int(fields.get("version") or 0),
                "status": answer.status_code,
                "told": CONFLICT_TEXT in answer.text,
            }
        )


def measure(url: str, users: dict[str, Any], threads: int, rounds: int) -> list[dict[str, Any]]:
    action, period, _update = users["leads"][0]["writes"][0]
    slug = users["leads"][0]["slug"]
    form_url = f"{url}/p/{slug}/actions/{action}/periods/{period}/update/"
    owners = users["owners"]
    sessions = [
        sign_in(url, owners[i % len(owners)]["email"], users["password"]) for i in range(threads)
    ]
    results: list[dict[str, Any]] = []
    workers = [
        threading.Thread(target=contend, args=(s, form_url, rounds, results)) for s in sessions
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=25)
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="trellis-c1-"))
    report: dict[str, Any] = {"machine": stack.machine(), "K": args.threads, "M": args.rounds}
    with stack.private_postgres() as pg:
        env = stack.app_env(pg.url(), out)
        stack.trellis(env, "migrate", "-v0")
        users = stack.seed(env, out / "users.json", small=True)
        server = stack.Gunicorn(env, out, workers=3)
        try:
            started = time.monotonic()
            results = measure(server.url, users, args.threads, args.rounds)
            report["seconds"] = round(time.monotonic() - started, 1)
        finally:
            server.stop()
        update = int(users["leads"][0]["writes"][0][2])
        revisions = f"FROM progress_updaterevision WHERE update_id = {update}"
        history = pg.psql(f"SELECT narrative {revisions} ORDER BY version", "trellis")
        versions = pg.psql(f"SELECT count(*), max(version) {revisions}", "trellis")
        report.update(judge(results, history.splitlines()))
        report["revisions (count|last version)"] = versions
        report["audit verify"] = stack.trellis(env, "audit", "verify", check=False).stdout.strip()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
