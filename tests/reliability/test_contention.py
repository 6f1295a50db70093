"""C1, outcome only: several people saving the same progress update at once lose nothing.
Each thread loads the form (with its version) and saves its own text, round after round;
afterwards every save told "saved" is in the revision history once, no two saves were
accepted on the same version, and every refusal was a 409 telling the person why.

Real threads need real commits, so the test runs outside the usual rolled-back transaction.
It works on SQLite (writers queue on the database lock) and PostgreSQL (the version check
is one UPDATE … WHERE version = n); benchmarks/reliability/c1_contention.py is the
timed, larger version over HTTP.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
from django.db import connections
from django.urls import reverse

from tests import factories
from tests.conftest import signed_in
from tests.reliability.contention import CONFLICT_TEXT, HIDDEN, judge
from trellis.accounts.models import Role
from trellis.plans.models import Action
from trellis.progress.models import UpdateRevision

THREADS, ROUNDS = 4, 5
SAME_VERSION_WRITERS = 20


def _contend(
    client: Any, url: str, results: list[dict[str, Any]], start: threading.Barrier
) -> None:
    try:
        start.wait()
        for _ in range(ROUNDS):
            fields = dict(HIDDEN.findall(client.get(url).content.decode()))
            token = f"c1-{uuid.uuid4().hex}"
            answer = client.post(
                url,
                {
                    "version": fields["version"],
                    "rag": "amber",
                    "narrative": f"Contended save [{token}]",
                    "intent": "save",
                },
            )
            results.append(
                {
                    "token": token,
                    "base": int(fields["version"]),
                    "status": answer.status_code,
                    "told": CONFLICT_TEXT in answer.content.decode(),
                }
            )
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_of_one_update_lose_nothing_and_every_refusal_says_why() -> None:
    part = factories.partnership()
    lead = factories.person(part, Role.LEAD)
    factories.plan_tree(part, actions=1, lead=lead)
    action = Action.objects.get(partnership=part)
    update = factories.update(action)
    url = reverse("progress:update-write", args=[part.slug, action.pk, update.period_id])
    clients = [signed_in(factories.person(part, Role.OWNER)) for _ in range(THREADS)]
    results: list[dict[str, Any]] = []
    start = threading.Barrier(THREADS)
    threads = [threading.Thread(target=_contend, args=(c, url, results, start)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    history = UpdateRevision.objects.filter(update=update).values_list("narrative", flat=True)
    outcome = judge(results, history)

    assert outcome["rounds"] == THREADS * ROUNDS
    assert outcome["other answers"] == []
    assert outcome["lost updates"] == 0
    assert outcome["refused saves found in history"] == 0
    assert outcome["accepted"] == outcome["history rows from the run"]
    assert outcome["conflicts telling the person"] == outcome["conflicts (409)"]
    update.refresh_from_db()
    assert update.version == 1 + outcome["accepted"]


def _post_once(
    client: Any,
    url: str,
    data: dict[str, str],
    results: list[dict[str, Any]],
    start: threading.Barrier,
) -> None:
    try:
        token = f"c1-{uuid.uuid4().hex}"
        start.wait()
        answer = client.post(url, {**data, "narrative": f"Same-version save [{token}]"})
        results.append(
            {
                "token": token,
                "base": int(data["version"]),
                "status": answer.status_code,
                "told": CONFLICT_TEXT in answer.content.decode(),
            }
        )
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_twenty_saves_against_one_version_leave_one_winner_and_one_new_revision() -> None:
    # Every writer opens the form before anyone saves, so all twenty carry the same version;
    # then they save at once. The version check must let exactly one through.
    part = factories.partnership()
    lead = factories.person(part, Role.LEAD)
    factories.plan_tree(part, actions=1, lead=lead)
    action = Action.objects.get(partnership=part)
    update = factories.update(action)
    url = reverse("progress:update-write", args=[part.slug, action.pk, update.period_id])
    clients = [signed_in(factories.person(part, Role.OWNER)) for _ in range(SAME_VERSION_WRITERS)]
    forms = [dict(HIDDEN.findall(c.get(url).content.decode())) for c in clients]
    assert {f["version"] for f in forms} == {str(update.version)}
    revisions_before = UpdateRevision.objects.filter(update=update).count()
    data = {"version": str(update.version), "rag": "red", "intent": "save"}
    results: list[dict[str, Any]] = []
    start = threading.Barrier(SAME_VERSION_WRITERS)
    threads = [
        threading.Thread(target=_post_once, args=(c, url, data, results, start)) for c in clients
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    history = UpdateRevision.objects.filter(update=update).values_list("narrative", flat=True)
    outcome = judge(results, history)
    assert outcome["rounds"] == SAME_VERSION_WRITERS
    assert outcome["accepted"] == 1
    assert outcome["conflicts (409)"] == SAME_VERSION_WRITERS - 1
    assert outcome["conflicts telling the person"] == SAME_VERSION_WRITERS - 1
    assert outcome["lost updates"] == 0
    assert UpdateRevision.objects.filter(update=update).count() == revisions_before + 1
    assert outcome["history rows from the run"] == 1
    (winner,) = [r["token"] for r in results if r["status"] == 302]
    update.refresh_from_db()
    assert update.version == int(data["version"]) + 1
    assert winner in update.narrative and update.rag == "red"
