"""`trellis serve` stops its gunicorn and exits 0 on SIGTERM, as a supervisor sends it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_sigterm_stops_serve_and_its_gunicorn_with_exit_code_0(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "TRELLIS_DATA_DIR": str(tmp_path), "TRELLIS_DEBUG": "0"}
    env.pop("DATABASE_URL", None)
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "trellis.cli", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None
        # gunicorn's access log shares the pipe; serve's own line says when it is ready
        # (the loop ends at end of output if serve exits instead).
        ready = next((line for line in server.stdout if "ready at" in line), "")
        assert f"127.0.0.1:{port}" in ready
        assert not port_is_free(port)
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 0
        assert port_is_free(port)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
