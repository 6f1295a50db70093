"""Production mode refuses to start until it is safe, and says what to fix."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from tests import factories
from trellis.startup import refuse_unsafe_production

GOOD_KEY = "k" * 20 + "0123456789abcdefghijklmnopqrstuvwxyz"
PRODUCTION_ENV = {
    "TRELLIS_MODE": "production",
    "SECRET_KEY": GOOD_KEY,
    "ALLOWED_HOSTS": "trellis.example.org",
    "DATABASE_URL": "sqlite:///:memory:",
    "EMAIL_HOST": "smtp.example.org",
    "TRELLIS_PSEUDONYM_SECRET": "p" * 16 + "0123456789abcdefghij",
}


def load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    """Import the settings in a fresh interpreter with exactly these variables."""
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV}
    return subprocess.run(
        [sys.executable, "-c", "import trellis.settings"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    "missing",
    ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "EMAIL_HOST", "TRELLIS_PSEUDONYM_SECRET"],
)
def test_production_refuses_to_start_naming_the_missing_variable(missing: str) -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = load_settings(**env)
    assert result.returncode != 0
    assert f"Set the environment variable {missing}" in result.stderr


def test_production_refuses_a_short_secret_key() -> None:
    result = load_settings(**{**PRODUCTION_ENV, "SECRET_KEY": "too-short"})
    assert result.returncode != 0
    assert "at least 50 random characters" in result.stderr


def test_production_refuses_a_short_pseudonym_secret() -> None:
    result = load_settings(**{**PRODUCTION_ENV, "TRELLIS_PSEUDONYM_SECRET": "short"})
    assert result.returncode != 0
    assert "TRELLIS_PSEUDONYM_SECRET must be at least 32" in result.stderr


def test_production_starts_with_what_it_needs() -> None:
    assert load_settings(**PRODUCTION_ENV).returncode == 0


def test_development_needs_no_variables() -> None:
    assert load_settings().returncode == 0


def test_no_security_check_is_silenced() -> None:
    assert not [c for c in settings.SILENCED_SYSTEM_CHECKS if c.startswith("security.")]


@pytest.mark.django_db
def test_production_refuses_to_start_while_a_demo_account_exists(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PRODUCTION = True
    factories.person(None, email="owner@demo.example.org")
    with pytest.raises(ImproperlyConfigured, match="Demo accounts"):
        refuse_unsafe_production()


@pytest.mark.django_db
def test_production_starts_when_no_demo_account_exists(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PRODUCTION = True
    factories.person(None, email="someone@council.example.org")
    refuse_unsafe_production()


@pytest.mark.django_db
def test_development_allows_demo_accounts(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PRODUCTION = False
    factories.person(None, email="owner@demo.example.org")
    refuse_unsafe_production()
