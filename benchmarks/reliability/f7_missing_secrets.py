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
import signal
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


def _wait_or_stop(process: subprocess.Popen[bytes], how: str, port: int) -> tuple[Any, bool]:
    """(exit code, False) when it ends by itself within 15 s; else (None, whether it
    answered /healthz), stopped the way each is meant to be stopped."""
    try:
        return process.wait(timeout=15), False
    except subprocess.TimeoutExpired:
        pass
    served = stack.wait_for(f"http://127.0.0.1:{port}/healthz", 25)
    # `trellis serve` stops its gunicorn on Ctrl-C (SIGINT); gunicorn stops on SIGTERM.
    process.send_signal(signal.SIGINT if how == "serve" else signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    return None, served


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
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(  # noqa: S603
            command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=stack.REPO
        )
        code, served = _wait_or_stop(process, how, port)
        log.seek(0)
        output = log.read().decode(errors="replace")
    # The exception's own line, the last of its traceback (not the source line raising it).
    lines = [line.strip() for line in output.splitlines() if "ImproperlyConfigured: " in line]
    message = lines[-1] if lines else ""
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
