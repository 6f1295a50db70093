"""B3: schemathesis against the OpenAPI document the app serves, over HTTP, every check,
once per role: anonymous and a write token of each seeded role (admin, owner, analyst,
board member, inspector, lead) plus a member of another partnership.

    .venv/bin/python benchmarks/reliability/b3_schemathesis.py [--examples 25]

gunicorn serves the reliability seed (one partnership, and a second for the outsider) from
a private PostgreSQL cluster on 127.0.0.1, with the API rate limit raised (the limit has
its own test). Each role's `schemathesis run` has a time limit and is stopped past it;
the figures are read from its JUnit report: cases per operation, failures by check.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import stack

TOKENS = """
import json, sys
import django
django.setup()
from trellis.accounts.models import Membership
from trellis.api.tokens import token_create
wanted = json.loads(sys.argv[1])
out = {}
for role, slug in wanted:
    m = Membership.objects.filter(
        roles__contains=[role], partnership__slug=slug, is_active=True
    ).first()
    for scope in ("write", "read"):  # the widest scope the role may hold
        try:
            out[f"{role}@{slug}"] = token_create(
                person=m.person, name=f"b3 {role} {scope}", scope=scope, days=30
            )[1]
            break
        except Exception as error:
            print(role, scope, repr(error), file=sys.stderr)
print(json.dumps(out))
"""


def tokens(env: dict[str, str], wanted: list[tuple[str, str]]) -> dict[str, str]:
    done = subprocess.run(  # noqa: S603
        [stack.PYTHON, "-c", TOKENS, json.dumps(wanted)],
        env=env,
        capture_output=True,
        text=True,
        cwd=stack.REPO,
    )
    if done.returncode or len(json.loads(done.stdout or "{}")) < len(wanted):
        raise SystemExit(f"Could not make every role's token:\n{done.stderr}")
    found: dict[str, str] = json.loads(done.stdout)
    return found


def junit(path: Path) -> dict[str, Any]:
    """Operations run, how many failed and the checks that failed, from schemathesis's
    JUnit report (one testcase per operation, a failure element per failed check)."""
    if not path.exists():
        return {"report": "missing"}
    root = ET.parse(path).getroot()  # noqa: S314 (written by schemathesis here)
    cases = root.iter("testcase")
    failed: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    operations = 0
    for case in cases:
        operations += 1
        for failure in case.iter("failure"):
            # One line per failed check: "- ST105 Undocumented Content-Type".
            for check in re.findall(r"^- (ST\d+ [^\n]+)$", failure.text or "", re.M):
                failed[check.strip()] += 1
        for error in case.iter("error"):
            errors[(error.get("message") or "error")[:120]] += 1
    return {"operations": operations, "failures": dict(failed), "errors": dict(errors)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=25, help="per operation and role")
    parser.add_argument("--limit", type=int, default=600, help="seconds per role at most")
    args = parser.parse_args()
    report: dict[str, Any] = {"machine": stack.machine(), "examples": args.examples, "roles": {}}
    with stack.private_postgres() as pg:
        work = Path(tempfile.mkdtemp(prefix="trellis-b3-"))
        data = work / "data"
        (data / "upload-tmp").mkdir(parents=True)
        env = stack.app_env(pg.url(), data, TRELLIS_API_RATE_LIMIT="1000000")
        stack.trellis(env, "migrate", "-v0")
        subprocess.run(  # noqa: S603
            [
                stack.PYTHON,
                str(stack.REPO / "benchmarks/reliability/seed.py"),
                str(work / "u.json"),
                *("--partnerships", "2", "--people", "30", "--actions", "8"),
            ],
            env=env,
            check=True,
            capture_output=True,
        )
        home = "reliability-1"
        roles = ["admin", "owner", "analyst", "board", "inspector", "lead"]
        secrets = tokens(env, [(r, home) for r in roles] + [("owner", "reliability-2")])
        headers = {"anonymous": None} | {
            ("outsider (owner elsewhere)" if key.endswith("-2") else key.split("@")[0]): value
            for key, value in secrets.items()
        }
        server = stack.Gunicorn(env, work, workers=3)
        try:
            for role, secret in headers.items():
                junit_path = work / f"{role.split()[0]}.xml"
                command = [
                    str(stack.BIN / "schemathesis"),
                    "run",
                    f"{server.url}/api/v1/openapi.json",
                    "--checks",
                    "all",
                    "--max-examples",
                    str(args.examples),
                    "--report",
                    "junit",
                    "--report-junit-path",
                    str(junit_path),
                    "--request-timeout",
                    "30",
                    "--seed",
                    "1",
                ]
                if secret:
                    command += ["-H", f"Authorization: Bearer {secret}"]
                started = time.monotonic()
                try:
                    done = subprocess.run(  # noqa: S603
                        command, capture_output=True, text=True, timeout=args.limit, cwd=work
                    )
                    tail = done.stdout.strip().splitlines()[-12:]
                    exit_code: int | str = done.returncode
                except subprocess.TimeoutExpired:
                    tail, exit_code = ["stopped at the time limit"], "timeout"
                report["roles"][role] = {
                    "exit": exit_code,
                    "seconds": round(time.monotonic() - started),
                    **junit(junit_path),
                    "summary": [line for line in tail if line.strip()],
                }
                print(json.dumps({role: report["roles"][role]}), flush=True)
        finally:
            server.stop()
        report["server 5xx in access log"] = sum(
            1
            for line in server.access_log.read_text().splitlines()
            if line.split(" ", 1)[0].startswith("5")
        )
        report["requests in access log"] = len(server.access_log.read_text().splitlines())
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
