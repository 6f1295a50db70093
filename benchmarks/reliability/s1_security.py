"""S1: the security regression counts, printed.

    .venv/bin/python benchmarks/reliability/s1_security.py

Runs the permission matrix (tests/test_url_matrix.py: every URL pattern × every role, the
security headers on every answer, a POST without a CSRF token to every pattern, and no GET
writing a row), and Django's deployment checks under production settings, and prints the
counts. pip-audit and bandit are not among the project's locked tools, so they are reported
as not run rather than installed.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import stack


def matrix() -> dict[str, Any]:
    data = Path(tempfile.mkdtemp(prefix="trellis-s1-"))
    env = stack.app_env(f"sqlite:///{data / 'trellis.sqlite3'}", data)
    env.pop("DATABASE_URL")
    done = subprocess.run(  # noqa: S603
        [
            str(stack.BIN / "pytest"),
            "-q",
            "-s",
            "-n",
            "0",
            "-p",
            "no:cacheprovider",
            "tests/test_url_matrix.py",
        ],
        env=env,
        cwd=stack.REPO,
        capture_output=True,
        text=True,
    )
    shutil.rmtree(data, ignore_errors=True)
    walk = re.search(r"(\d+) patterns × (\d+) roles, (\d+) mismatches", done.stdout)
    tally = re.search(r"(\d+) passed(?:, (\d+) failed)?", done.stdout)
    return {
        "URL patterns": int(walk.group(1)) if walk else None,
        "roles": int(walk.group(2)) if walk else None,
        "mismatches (status, headers, CSP)": int(walk.group(3)) if walk else None,
        "matrix tests passed": int(tally.group(1)) if tally else 0,
        "matrix tests failed": int(tally.group(2) or 0) if tally else None,
        "pytest exit": done.returncode,
    }


def deploy_check() -> dict[str, Any]:
    data = Path(tempfile.mkdtemp(prefix="trellis-s1-"))
    env = stack.app_env(
        f"sqlite:///{data / 'trellis.sqlite3'}",
        data,
        TRELLIS_MODE="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        TRELLIS_PSEUDONYM_SECRET=secrets.token_urlsafe(32),
        ALLOWED_HOSTS="trellis.example.org",
        EMAIL_HOST="127.0.0.1",
    )
    done = stack.trellis(env, "check", "--deploy", check=False)
    shutil.rmtree(data, ignore_errors=True)
    issues = re.search(r"identified (\d+) issue", done.stdout + done.stderr)
    return {
        "exit": done.returncode,
        "warnings": int(issues.group(1)) if issues else 0,
        "output": (done.stdout + done.stderr).strip().splitlines()[-1:],
    }


def main() -> None:
    report = {
        "machine": stack.machine(),
        "permission matrix": matrix(),
        "check --deploy (production settings)": deploy_check(),
        "pip-audit": "not run: not among the locked tools",
        "bandit": "not run: not among the locked tools (ruff's S rules run in `make test`)",
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
