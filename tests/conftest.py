"""Personas and shared fixtures. Personas are built per test (the database is rolled
back between tests) by one function, so every test reads the same cast."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.test import Client

from tests import factories
from trellis.accounts.models import Partnership, Person, Role
from trellis.plans.models import Plan


@pytest.fixture(autouse=True)
def _fast_passwords(settings):  # type: ignore[no-untyped-def]
    # Argon2 costs ~0.1 s a hash here; one test checks Argon2 itself (tests/accounts).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class NeverLogged(logging.Handler):
    """Every record a test's code logs, checked for values no log may ever hold
    (SECURITY-BAR row 32): the personas' password and the canary child identifiers some
    tests load. The record's extra fields count, as the JSON security log writes them."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.hits: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = " ".join([self.format(record), *map(str, vars(record).values())]).casefold()
        for value in (factories.PASSWORD, *factories.CANARY_CHILD_IDS):
            if value.casefold() in text:
                self.hits.append(f"{record.name}: {record.getMessage()[:200]}")


@pytest.fixture(autouse=True)
def _nothing_secret_is_logged() -> Iterator[None]:
    scan = NeverLogged()
    logging.getLogger().addHandler(scan)
    try:
        yield
    finally:
        logging.getLogger().removeHandler(scan)
    assert not scan.hits, f"a password or child identifier reached the log: {scan.hits}"


@dataclass
class Cast:
    partnership: Partnership
    other: Partnership
    plan: Plan
    admin: Person
    owner: Person
    lead: Person
    analyst: Person
    board: Person
    inspector: Person
    outsider: Person

    def by_role(self) -> dict[str, Person | None]:
        return {
            "anonymous": None,
            "admin": self.admin,
            "owner": self.owner,
            "lead": self.lead,
            "analyst": self.analyst,
            "board": self.board,
            "inspector": self.inspector,
            "outsider": self.outsider,
        }


@pytest.fixture
def cast(db) -> Cast:  # type: ignore[no-untyped-def]
    home = factories.partnership("riverside-test")
    other = factories.partnership("elsewhere-test")
    lead = factories.person(home, Role.LEAD, email="lead@example.org")
    plan = factories.plan_tree(home, actions=3, lead=lead)
    return Cast(
        partnership=home,
        other=other,
        plan=plan,
        admin=factories.person(home, Role.ADMIN, email="admin@example.org"),
        owner=factories.person(home, Role.OWNER, email="owner@example.org"),
        lead=lead,
        analyst=factories.person(home, Role.ANALYST, email="analyst@example.org"),
        board=factories.person(home, Role.BOARD, email="board@example.org"),
        inspector=factories.person(home, Role.INSPECTOR, email="inspector@example.org"),
        outsider=factories.person(other, Role.OWNER, Role.ADMIN, email="outsider@example.org"),
    )


def signed_in(person: Person | None) -> Client:
    client = Client()
    if person is not None:
        client.force_login(person)
        session = client.session
        import time

        session["signed_in_at"] = time.time()
        session.save()
    return client
