"""The production start of docs/deploy.md, exercised against PostgreSQL: migrate,
collectstatic, check --deploy, gunicorn on 127.0.0.1 with TRELLIS_MODE=production, the
health endpoint, the sign-in page and a static file over HTTP as the proxy forwards them,
one pass of the worker, then the server stopped. The first-administrator script is run
as docs/deploy.md prints it. Loopback only, every step time-bounded."""

from __future__ import annotations

import re
import secrets
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.backup.postgres import REPO, TRELLIS, instance_env, private_database, run
from tests.backup.test_deploy_docs import first_admin_script

# What the reverse proxy adds to every request (docs/deploy.md's nginx example).
PROXIED = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, headers=headers or PROXIED)  # noqa: S310 (loopback)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=5) as response:
            return response.status, _headers(response), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, _headers(exc), ""


def _headers(response: Any) -> dict[str, str]:
    return {k.lower(): v for k, v in response.headers.items()}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def wait_for_health(server: subprocess.Popen[bytes], base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited with {server.returncode} before answering")
        try:
            if get(base + "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail("gunicorn did not answer /healthz within 60 s")


def test_the_documented_production_start_serves_on_postgresql(tmp_path: Path) -> None:
    with private_database("h_deploy") as url:
        env = instance_env(
            tmp_path / "data",
            url,
            TRELLIS_MODE="production",
            SECRET_KEY=secrets.token_urlsafe(60),
            ALLOWED_HOSTS="127.0.0.1",
            TRELLIS_PSEUDONYM_SECRET=secrets.token_urlsafe(40),
            EMAIL_HOST="smtp.invalid",
        )
        run([*TRELLIS, "migrate", "--no-input", "-v0"], env)
        run([*TRELLIS, "collectstatic", "--no-input", "-v0"], env)
        run([*TRELLIS, "check", "--deploy", "--fail-level", "WARNING"], env)
        said = run([*TRELLIS, "shell", "-c", first_admin_script()], env)
        assert "Created riverside with administrator" in said

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = (tmp_path / "gunicorn.log").open("wb")
        server = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            [
                TRELLIS[0], "-m", "gunicorn", "trellis.wsgi:application",
                f"--bind=127.0.0.1:{port}", "--workers=2", "--timeout=60",
                "--graceful-timeout=10", "--access-logfile=-", "--no-control-socket",
            ],
            env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            wait_for_health(server, base)
            status, headers, body = get(base + "/healthz")
            assert (status, body) == (200, "ok")
            assert "max-age=31536000" in headers["strict-transport-security"]

            status, headers, page = get(base + "/sign-in/")
            assert status == 200 and 'name="password"' in page and "<form" in page
            assert "__Host-csrftoken=" in headers.get("set-cookie", "")
            assert "Secure" in headers["set-cookie"]
            # Static files: hashed names from collectstatic, served by whitenoise.
            css = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', page)
            assert css, "the page links no hashed stylesheet"
            status, headers, _ = get(base + css.group(1))
            assert status == 200 and "immutable" in headers.get("cache-control", "")

            # Plain HTTP straight to gunicorn is sent to HTTPS; unknown hosts are refused.
            assert get(base + "/sign-in/", {"Host": "127.0.0.1"})[0] == 301
            assert get(base + "/healthz", {**PROXIED, "Host": "evil.example"})[0] == 400

            run([*TRELLIS, "worker", "--once"], env, timeout=120)
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)
            log.close()
        assert server.returncode == 0, (tmp_path / "gunicorn.log").read_text()
