"""F7: production refuses to start without each of its secrets.

    .venv/bin/python benchmarks/reliability/f7_missing_secrets.py

Starts Trellis in production mode the two ways docs/deploy.md does (`trellis serve`, and
gunicorn on trellis.wsgi directly) once with every secret (the control, which must start),
then once without each of SECRET_KEY, TRELLIS_PSEUDONYM_SECRET and DATABASE_URL. Each run
without a secret must end by itself with a non-zero exit and a message naming what is
missing. Everything listens on 127.0.0.1 at a free port; every process is stopped by pid.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import stack

SECRETS = ("SECRET_KEY", "TRELLIS_PSEUDONYM_SECRET", "DATABASE_URL")


def production_env(database_url: str) -> dict[str, str]:
    return stack.app_env(
        database_url,
        Path(tempfile.mkdtemp(prefix="trellis-f7-")),
        TRELLIS_MODE="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        TRELLIS_PSEUDONYM_SECRET=secrets.token_urlsafe(32),
        ALLOWED_HOSTS="127.0.0.1",
        EMAIL_HOST="127.0.0.1",
        TRELLIS_SSL_REDIRECT="0",
    )


def start(how: str, env: dict[str, str]) -> dict[str, Any]:
    """Start and wait up to 40 s: a refusal ends the process; a start answers /healthz."""
    port = stack.free_port()
    command = {
        "serve": [str(stack.BIN / "trellis"), "serve", "--port", str(port), "--workers", "1"],
        "gunicorn": [
            stack.PYTHON,
            "-m",
            "gunicorn",
            "trellis.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            "--workers=1",
            "--no-control-socket",
        ],
    }[how]
    process = subprocess.Popen(  # noqa: S603
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=stack.REPO
    )
    served = False
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        served = stack.wait_for(f"http://127.0.0.1:{port}/healthz", 25)
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        code = None
    else:
        code = process.returncode
    output = process.stdout.read().decode(errors="replace") if process.stdout else ""
    message = next(
        (line.strip() for line in output.splitlines() if "ImproperlyConfigured" in line), ""
    )
    return {"exit": code, "served": served, "message": message}


def main() -> None:
    report: dict[str, Any] = {"machine": stack.machine()}
    with stack.private_postgres() as pg:
        env = production_env(pg.url())
        stack.trellis({**env, "TRELLIS_MODE": "development"}, "migrate", "-v0")
        refused = 0
        for how in ("serve", "gunicorn"):
            report[f"{how}: all secrets (control)"] = start(how, env)
            for name in SECRETS:
                result = start(how, {k: v for k, v in env.items() if k != name})
                result["names it"] = name in result["message"]
                report[f"{how}: without {name}"] = result
                refused += bool(result["exit"]) and result["names it"] and not result["served"]
        report["refused with a clear message"] = f"{refused}/{2 * len(SECRETS)}"
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
