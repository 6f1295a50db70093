"""R1: the restore drill of docs/deploy.md, timed. A seeded database on one private
PostgreSQL cluster is dumped (`pg_dump -Fc`) and restored (`pg_restore --exit-on-error`)
into a fresh private cluster on another loopback port; then every table's row count and
md5 are compared, the audit chain verified, `migrate --check` run, and gunicorn started
on the restored database for a sign-in.

    .venv/bin/python benchmarks/reliability/r1_restore_drill.py [--small] [--children 300]

The source holds the reliability seed (5 partnerships, 2,000 actions, 16,000 updates;
--small: one partnership) and one loaded synthetic extract, so case-data snapshots and
audit entries are in the dump. RTO is counted from the start of pg_restore to the first
successful sign-in on the restored copy. Neither cluster is the machine's own; both are
removed at the end.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import re
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import stack


def checksums(pg: stack.PrivatePostgres) -> dict[str, str]:
    tables = pg.psql(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
        "trellis",
    ).split()
    sums = {}
    for table in tables:
        sums[table] = pg.psql(
            f"SELECT count(*) || ' ' || md5(coalesce(string_agg(t::text, '' ORDER BY t::text), '')) FROM \"{table}\" t",  # noqa: E501, S608 (our own table names)
            "trellis",
        )
    return sums


def sign_in(url: str, email: str, password: str) -> int:
    jar = http.cookiejar.CookieJar()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    with opener.open(url + "/sign-in/", timeout=30) as page:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode())
    body = urllib.parse.urlencode(
        {
            "email": email,
            "password": password,
            "csrfmiddlewaretoken": token.group(1) if token else "",
        }
    ).encode()
    request = urllib.request.Request(  # noqa: S310 (loopback http only)
        url + "/sign-in/", data=body, headers={"Referer": url}
    )
    try:
        with opener.open(request, timeout=30) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--children", type=int, default=300)
    args = parser.parse_args()
    report: dict[str, Any] = {"machine": stack.machine()}
    work = Path(tempfile.mkdtemp(prefix="trellis-r1-"))
    with stack.private_postgres() as source, stack.private_postgres() as target:
        report["ports"] = {"source": source.port, "target": target.port}
        data = work / "data"
        (data / "upload-tmp").mkdir(parents=True)
        env = stack.app_env(source.url(), data)
        stack.trellis(env, "migrate", "-v0")
        users = stack.seed(env, work / "users.json", small=args.small)
        analyst = users["analysts"][0]
        extract = work / "extract"
        stack.trellis(env, "data", "generate", str(extract), "--children", str(args.children))
        stack.trellis(
            env, "data", "load", str(extract), "--as", analyst["email"],
            "--partnership", analyst["slug"], "--extract-date", "2020-12-31",
        )  # fmt: skip
        dump = work / "trellis.dump"
        started = time.monotonic()
        subprocess.run(  # noqa: S603
            ["pg_dump", "-Fc", f"--file={dump}", source.url()],  # noqa: S607
            check=True,
            capture_output=True,
        )
        report["pg_dump s"] = round(time.monotonic() - started, 1)
        report["dump MB"] = round(dump.stat().st_size / 1e6, 2)
        before = checksums(source)

        started = time.monotonic()
        subprocess.run(  # noqa: S603
            ["pg_restore", "--exit-on-error", "--no-owner", f"--dbname={target.url()}", str(dump)],  # noqa: S607
            check=True,
            capture_output=True,
        )
        report["pg_restore s"] = round(time.monotonic() - started, 1)
        after = checksums(target)
        report["tables"] = len(before)
        report["rows"] = sum(int(v.split()[0]) for v in before.values())
        report["tables differing"] = sorted(t for t in before if before[t] != after.get(t))
        report["tables missing or extra"] = sorted(set(before) ^ set(after))

        restored = stack.app_env(target.url(), data, SECRET_KEY=env["SECRET_KEY"])
        audit = stack.trellis(restored, "audit", "verify", check=False)
        report["audit verify"] = {"exit": audit.returncode, "says": audit.stdout.strip()[-200:]}
        check = stack.trellis(restored, "migrate", "--check", check=False)
        report["migrate --check exit"] = check.returncode
        server = stack.Gunicorn(restored, work)
        try:
            report["sign-in status"] = sign_in(server.url, analyst["email"], users["password"])
        finally:
            server.stop()
        report["RTO s (restore to signed in)"] = round(time.monotonic() - started, 1)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
