"""The stack every reliability script runs against, started and stopped by the script itself:
a private PostgreSQL cluster (its own data directory and port, never the machine's own
cluster), gunicorn on 127.0.0.1, and a sampler of the CPU each process tree uses.

Nothing here listens beyond loopback, and every process is stopped by the pid it was
started with, so a script that fails half-way leaves nothing running.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parents[2]
BIN = REPO / ".venv" / "bin"
PYTHON = str(BIN / "python")


def pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        raise SystemExit("PostgreSQL's server programs (pg_ctl, initdb) are not installed.")
    return Path(found[-1]).parent


PSQL = shutil.which("psql") or "psql"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivatePostgres:
    """A throw-away cluster in a temporary directory, run as the postgres user, listening
    only on 127.0.0.1 at a free port. Restarting it (F2) touches nothing else."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="trellis-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        shutil.chown(self.root, "postgres", "postgres")

    def _as_postgres(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 (fixed programs, our own arguments)
            ["runuser", "-u", "postgres", "--", *args],  # noqa: S607
            check=True,
            capture_output=True,
            text=True,
        )

    def start(self) -> None:
        b = pg_bin()
        self._as_postgres(str(b / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres")
        self._pg_ctl("start")
        self.psql("CREATE DATABASE trellis")

    def _pg_ctl(self, verb: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        self._as_postgres(
            str(pg_bin() / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.root / "server.log"),
            "-o",
            options,
            "-w",
            verb,
            *extra,
        )

    def restart(self) -> None:
        self._pg_ctl("restart", "-m", "fast")

    def stop(self) -> None:
        if self.data.exists():
            with contextlib.suppress(subprocess.CalledProcessError):
                self._pg_ctl("stop", "-m", "fast")
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, db: str = "trellis") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def psql(self, sql: str, db: str = "postgres") -> str:
        done = subprocess.run(  # noqa: S603
            [
                PSQL,
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                db,
                "-tA",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout.strip()

    def postmaster_pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])


RATE_LIMITED = (
    "EXTRACT_UPLOADS",
    "EVIDENCE_UPLOADS",
    "PLAN_IMPORTS",
    "RECORD_DOWNLOADS",
    "REPORT_BUILDS",
    "PLAN_EXPORTS",
)


def app_env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """Development mode with DEBUG off: production's code paths without its HTTPS-only
    cookies, which a plain-HTTP load generator on loopback could not send back."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRELLIS_", "DATABASE"))}
    env.update(
        DJANGO_SETTINGS_MODULE="trellis.settings",
        TRELLIS_MODE="development",
        TRELLIS_DEBUG="0",
        TRELLIS_DATA_DIR=str(data_dir),
        DATABASE_URL=database_url,
        TRELLIS_LOG_LEVEL="WARNING",
        SECRET_KEY=secrets.token_urlsafe(50),
        # The scripts measure load and bad input, not the per-person rate limits (tested in
        # tests/accounts/test_rate_limits.py): a few personas make every request.
        **{f"TRELLIS_RATE_{kind}": "0" for kind in RATE_LIMITED},
        PYTHONPATH=str(REPO),
    )
    env.update(extra)
    return env


def trellis(
    env: dict[str, str], *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [str(BIN / "trellis"), *args], env=env, check=check, capture_output=True, text=True
    )


def seed(env: dict[str, str], out: Path, *, small: bool = False) -> dict[str, Any]:
    """Run seed.py into the env's database; return its list of who may do what. `small` is
    one partnership of 30 people and 8 actions, for the runs that need only a few."""
    size = ["--partnerships", "1", "--people", "30", "--actions", "8"] if small else []
    subprocess.run(  # noqa: S603
        [PYTHON, str(Path(__file__).with_name("seed.py")), str(out), *size],
        env=env,
        check=True,
        capture_output=True,
    )
    users: dict[str, Any] = json.loads(out.read_text())
    return users


class Gunicorn:
    """gunicorn serving Trellis on 127.0.0.1; its error log (tracebacks included) and access
    log go to files beside the run's other output."""

    def __init__(self, env: dict[str, str], out: Path, *, workers: int = 3) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.error_log = out / "gunicorn-error.log"
        self.access_log = out / "gunicorn-access.log"
        self.app_log = out / "app.log"  # the workers' own stderr: Django's error lines
        self._app_log = self.app_log.open("ab")
        self.process = subprocess.Popen(  # noqa: S603
            [
                PYTHON,
                "-m",
                "gunicorn",
                "trellis.wsgi:application",
                f"--bind=127.0.0.1:{self.port}",
                f"--workers={workers}",
                "--timeout=30",
                "--graceful-timeout=5",
                "--no-control-socket",
                f"--error-logfile={self.error_log}",
                f"--access-logfile={self.access_log}",
                "--access-logformat=%(s)s %(m)s %(U)s %(M)s",
            ],
            env=env,
            cwd=REPO,
            stdout=self._app_log,
            stderr=subprocess.STDOUT,
        )
        if not wait_for(self.url + "/healthz", 60):
            self.stop()
            raise SystemExit(f"gunicorn did not start; see {self.error_log}")

    @property
    def pid(self) -> int:
        return self.process.pid

    def workers(self) -> list[int]:
        with contextlib.suppress(psutil.Error):
            return [c.pid for c in psutil.Process(self.pid).children()]
        return []

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._app_log.close()


def wait_for(url: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


class CpuSampler:
    """CPU used by process trees during a run (in percent of one core; 200% is both cores
    of this machine), sampled each second so processes that die (a killed worker) still
    count up to their last sample."""

    def __init__(self, **roots: int) -> None:
        self.roots = roots
        self.seen: dict[str, dict[int, float]] = {name: {} for name in roots}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.started = time.monotonic()
        self.wall = 0.0
        self.base: dict[str, dict[int, float]] = {}

    def __enter__(self) -> CpuSampler:
        # What the processes already running had used counts against them, not the run.
        self._sample()
        self.base = {name: dict(pids) for name, pids in self.seen.items()}
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._sample()
        self._stop.set()
        self._thread.join()
        self.wall = time.monotonic() - self.started

    def _sample(self) -> None:
        for name, pid in self.roots.items():
            with contextlib.suppress(psutil.Error):
                root = psutil.Process(pid)
                for p in [root, *root.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        t = p.cpu_times()
                        self.seen[name][p.pid] = t.user + t.system

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            self._sample()

    def percent(self) -> dict[str, float]:
        """Average use of one core, in percent, over the run."""
        wall = self.wall or (time.monotonic() - self.started)
        used = {
            name: sum(t - self.base[name].get(pid, 0.0) for pid, t in pids.items())
            for name, pids in self.seen.items()
        }
        return {name: round(100 * seconds / wall, 1) for name, seconds in used.items()}


def peak_rss_mb(pids: list[int]) -> float:
    """The highest resident set any of the processes reached (VmHWM), in MB."""
    peak = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
    return round(peak / 1024, 1)


def reset_peak_rss(pids: list[int]) -> None:
    """Start the processes' VmHWM again from their present resident set (Linux's
    clear_refs 5), so a figure that follows covers only what came after: the sign-in's
    Argon2 hash (100 MiB for a moment, then freed) is not the upload's memory."""
    for pid in pids:
        with contextlib.suppress(OSError):
            Path(f"/proc/{pid}/clear_refs").write_text("5")


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    pg = PrivatePostgres()
    try:
        pg.start()
        yield pg
    finally:
        pg.stop()


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    import django
    import gunicorn

    load = os.getloadavg()
    return {
        "nproc": str(os.cpu_count()),
        "python": sys.version.split()[0],
        "django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "postgres": pg_bin().parent.name,
        "load average at start": " ".join(f"{x:.2f}" for x in load),
    }
