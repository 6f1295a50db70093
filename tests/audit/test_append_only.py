"""The application cannot change or remove audit entries on PostgreSQL (a trigger refuses
it, migration audit 0002), only documented maintenance can; and many writers at once still
leave one chain."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import ProgrammingError, connections, transaction

from tests.conftest import Cast
from trellis.audit.models import AuditChainHead, AuditEntry
from trellis.audit.services import GENESIS, audit_append, audit_maintenance, audit_verify

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
postgres_only = pytest.mark.skipif(
    not ON_POSTGRES,
    reason="the append-only trigger exists on PostgreSQL only; SQLite has no such guard",
)
INSUFFICIENT_PRIVILEGE = "42501"


def refused(error: pytest.ExceptionInfo[ProgrammingError]) -> bool:
    return getattr(error.value.__cause__, "sqlstate", None) == INSUFFICIENT_PRIVILEGE


@pytest.fixture
def entry(db: None) -> AuditEntry:
    return audit_append(actor=None, verb="test.written", object_type="test")


@postgres_only
def test_updating_an_audit_entry_through_the_orm_is_refused(entry: AuditEntry) -> None:
    with pytest.raises(ProgrammingError) as error, transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(verb="test.rewritten")

    assert refused(error)
    assert AuditEntry.objects.get(pk=entry.pk).verb == "test.written"


@postgres_only
def test_saving_a_changed_audit_entry_is_refused(entry: AuditEntry) -> None:
    entry.actor_label = "someone.else@example.org"

    with pytest.raises(ProgrammingError) as error, transaction.atomic():
        entry.save()

    assert refused(error)
    assert AuditEntry.objects.get(pk=entry.pk).actor_label == "system"


@postgres_only
def test_deleting_an_audit_entry_through_the_orm_is_refused(entry: AuditEntry) -> None:
    with pytest.raises(ProgrammingError) as error, transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()

    assert refused(error)
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@postgres_only
def test_deleting_the_chain_head_is_refused(entry: AuditEntry) -> None:
    with pytest.raises(ProgrammingError) as error, transaction.atomic():
        AuditChainHead.objects.all().delete()

    assert refused(error)
    assert AuditChainHead.objects.get(pk=1).last_hash == entry.entry_hash


@postgres_only
def test_maintenance_may_change_entries_and_only_inside_its_block(entry: AuditEntry) -> None:
    with audit_maintenance():
        AuditEntry.objects.filter(pk=entry.pk).update(verb="test.maintained")

    with pytest.raises(ProgrammingError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(verb="test.after-the-block")
    assert AuditEntry.objects.get(pk=entry.pk).verb == "test.maintained"


def test_appending_still_moves_the_chain_head(entry: AuditEntry) -> None:
    second = audit_append(actor=None, verb="test.again", object_type="test")

    assert second.prev_hash == entry.entry_hash
    assert AuditChainHead.objects.get(pk=1).last_hash == second.entry_hash
    assert audit_verify().ok


# Twenty writers at once. Real threads need real commits, so this runs outside the usual
# rolled-back transaction (the flush after it is a TRUNCATE, which the trigger allows).

WRITERS, APPENDS = 20, 3


def _write(n: int, errors: list[BaseException], start: threading.Barrier) -> None:
    try:
        start.wait()
        for k in range(APPENDS):
            with transaction.atomic():
                audit_append(
                    actor=None, verb="test.parallel", object_type="test", changes={"w": n, "k": k}
                )
    except BaseException as exc:
        errors.append(exc)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_writers_leave_one_chain_that_verifies_with_no_forks(cast: Cast) -> None:
    before = AuditEntry.objects.count()
    errors: list[BaseException] = []
    start = threading.Barrier(WRITERS)
    threads = [threading.Thread(target=_write, args=(n, errors, start)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    report = audit_verify()
    links = list(AuditEntry.objects.order_by("id").values_list("prev_hash", "entry_hash"))
    written = AuditEntry.objects.filter(verb="test.parallel").values_list("changes", flat=True)

    assert errors == []
    assert sorted((c["w"], c["k"]) for c in written) == [
        (n, k) for n in range(WRITERS) for k in range(APPENDS)
    ]
    assert report.ok and report.checked == before + WRITERS * APPENDS
    prevs = [prev for prev, _ in links]
    assert len(set(prevs)) == len(prevs)  # no two entries extend the same link: no fork
    assert prevs[0] == GENESIS
    assert AuditChainHead.objects.get(pk=1).last_hash == links[-1][1]
