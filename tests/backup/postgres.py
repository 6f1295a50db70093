"""A private PostgreSQL database for one test, created and dropped by it.

The server is the one DATABASE_URL names when that is PostgreSQL, else 127.0.0.1:5432 as
user postgres (what CI provides). A test skips, saying why, only when no server answers."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
TRELLIS = [sys.executable, "-m", "trellis.cli"]


def server_url() -> str:
    configured = os.environ.get("DATABASE_URL", "")
    if configured.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(configured)
        return urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))
    return "postgres://postgres@127.0.0.1:5432/postgres"


@contextmanager
def private_database(prefix: str) -> Iterator[str]:
    import psycopg

    admin_url = server_url()
    try:
        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL is not reachable at {urlsplit(admin_url).netloc}: {exc}")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        admin.execute(f'CREATE DATABASE "{name}"')
        parts = urlsplit(admin_url)
        yield urlunsplit((parts.scheme, parts.netloc, "/" + name, "", ""))
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def run(args: list[str], env: dict[str, str], timeout: float = 300) -> str:
    """Run a command of another instance (its own database and data dir); fail with its
    output if it fails."""
    done = subprocess.run(  # noqa: S603 (our own interpreter and arguments)
        args, env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        pytest.fail(f"{' '.join(args[2:])} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def instance_env(data_dir: Path, database_url: str | None, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TRELLIS_", "DATABASE_", "DJANGO_"))
    }
    env.update(DJANGO_SETTINGS_MODULE="trellis.settings", TRELLIS_DATA_DIR=str(data_dir))
    env.pop("SECRET_KEY", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(extra)
    return env
