"""S1, outcome only: the counts benchmarks/reliability/s1_security.py prints, as checks.
The permission walk itself (every pattern × every role, headers, CSRF) is
tests/test_url_matrix.py; here: every pattern has a row naming all eight roles, and Django's
deployment checks find nothing under production settings."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from tests.test_url_matrix import EXPECTED, ROLES, url_patterns

REPO = Path(__file__).resolve().parents[2]


def test_every_url_pattern_has_an_expected_answer_for_every_role() -> None:
    patterns = [name for name, _route in url_patterns()]

    assert len(ROLES) == 8
    assert sorted(patterns) == sorted(EXPECTED)
    assert all(set(EXPECTED[name].expect) == set(ROLES) for name in patterns)


def test_the_deployment_checks_find_nothing_under_production_settings(tmp_path: Path) -> None:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("TRELLIS_", "DATABASE", "DJANGO_"))
    }
    env.update(
        TRELLIS_MODE="production",
        TRELLIS_DATA_DIR=str(tmp_path),
        SECRET_KEY=secrets.token_urlsafe(50),
        TRELLIS_PSEUDONYM_SECRET=secrets.token_urlsafe(32),
        ALLOWED_HOSTS="trellis.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        EMAIL_HOST="127.0.0.1",
    )
    done = subprocess.run(
        [sys.executable, "-m", "trellis.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout
