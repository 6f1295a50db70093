"""The health endpoint the proxy and monitoring poll (SECURITY-BAR 36): it answers from
the database's state and reveals nothing else."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import OperationalError, connection
from django.test import Client

from tests.conftest import Cast, signed_in


def test_healthy_is_a_bare_ok(db: Any) -> None:
    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    assert "no-store" in response["Cache-Control"]
    assert "Set-Cookie" not in response.headers


def test_it_says_the_same_to_someone_signed_in(cast: Cast) -> None:
    assert signed_in(cast.admin).get("/healthz").content == b"ok"


def test_no_database_means_503_and_still_no_detail(
    db: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse() -> Any:
        raise OperationalError("connection refused: server at 10.0.0.5 version 15.4")

    with monkeypatch.context() as patched:
        patched.setattr(connection, "cursor", refuse)
        response = Client().get("/healthz")

    assert response.status_code == 503
    assert response.content == b"unavailable"
    assert "the database did not answer" in caplog.text


def test_only_get(db: Any) -> None:
    assert Client().post("/healthz").status_code in {403, 405}
