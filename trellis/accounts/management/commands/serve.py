"""`trellis serve`: run Trellis under gunicorn and say when it is ready."""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from trellis.startup import refuse_unsafe_production


class Command(BaseCommand):
    help = "Serve Trellis with gunicorn on loopback (or --host) until interrupted or SIGTERM."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args: Any, **options: Any) -> None:
        serve(**options, on_ready=lambda url: self.stdout.write(f"Trellis is ready at {url}"))


def serve(*, host: str, port: int, workers: int, on_ready: Callable[[str], None], **_: Any) -> None:
    refuse_unsafe_production()
    if not settings.PRODUCTION:
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)
    url = f"http://{host}:{port}"
    server = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        [
            sys.executable,
            "-m",
            "gunicorn",
            "trellis.wsgi:application",
            f"--bind={host}:{port}",
            f"--workers={workers}",
            "--access-logfile=-",
            "--graceful-timeout=5",
            "--no-control-socket",
        ]
    )
    previous = signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        if not _wait_until_ready(server, url + "/healthz"):
            raise CommandError(f"The server did not start on {url}; is the port in use?")
        on_ready(url)
        server.wait()
    except (KeyboardInterrupt, _Stopped):
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        _stop(server)


class _Stopped(Exception):
    """SIGTERM (from a supervisor, systemd or a container runtime) asked us to stop."""


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise _Stopped


def _stop(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM to gunicorn: its workers finish the requests in flight (graceful timeout
    5 s), then it exits; killed only if it has not gone well after that."""
    if server.poll() is None:
        server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _wait_until_ready(server: subprocess.Popen[bytes], health_url: str) -> bool:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(health_url, timeout=1) as response:  # noqa: S310
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.2)
    return False
