"""Tokens for the cast, and a client that sends one."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.conftest import Cast
from trellis.accounts.models import Person
from trellis.api.tokens import token_create


def token_of(person: Person, scope: str = "write", name: str = "", days: int = 30) -> str:
    """A new token's secret for `person`."""
    _token, secret = token_create(
        person=person, name=name or f"{person.email} {scope}", scope=scope, days=days
    )
    return secret


class Api:
    """The test client with a token on every request, and JSON in and out."""

    def __init__(self, secret: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}

    def get(self, path: str, data: dict[str, Any] | None = None, **headers: str) -> Any:
        return self.client.get(path, data or {}, headers={**self.headers, **headers})

    def post(self, path: str, body: Any) -> Any:
        return self.client.post(
            path, json.dumps(body), content_type="application/json", headers=self.headers
        )


@pytest.fixture
def api_for(cast: Cast) -> Any:
    """api_for("lead") or api_for("lead", scope="read"): a client with that role's token."""

    def make(role: str, scope: str = "write") -> Api:
        person = cast.by_role()[role]
        return Api(token_of(person, scope) if person else None)

    return make


def url(cast: Cast, tail: str) -> str:
    return f"/api/v1/p/{cast.partnership.slug}/{tail}"
