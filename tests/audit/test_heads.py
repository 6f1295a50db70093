"""The chain's head is exported each night to a file outside the database, and
`trellis audit verify --head FILE` finds a chain rewritten after an export, even one that
verifies on its own."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command

from tests.conftest import Cast
from trellis.audit.heads import (
    EXPORT_VERB,
    HEADS_FILE,
    head_export,
    head_export_daily,
    head_export_due,
    heads_verify,
)
from trellis.audit.models import AuditChainHead, AuditEntry
from trellis.audit.services import audit_append, audit_maintenance, audit_verify, entry_digest

NIGHT = dt.datetime(2023, 1, 16, 3, 30, tzinfo=dt.UTC)  # Europe/London is UTC in January


def write(n: int) -> list[AuditEntry]:
    return [audit_append(actor=None, verb="test.entry", changes={"n": k}) for k in range(n)]


def lines(directory: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (directory / HEADS_FILE).read_text().splitlines()]


def rewrite_from(entry: AuditEntry, **changes: Any) -> None:
    """What someone with write access could do: change an entry, then recompute every hash
    after it and the chain head, so the chain verifies on its own."""
    with audit_maintenance():
        AuditEntry.objects.filter(pk=entry.pk).update(**changes)
        prev = entry.prev_hash
        for later in AuditEntry.objects.filter(pk__gte=entry.pk).order_by("id"):
            later.prev_hash = prev
            later.entry_hash = entry_digest(prev, later)
            later.save(update_fields=["prev_hash", "entry_hash"])
            prev = later.entry_hash
        AuditChainHead.objects.filter(pk=1).update(last_hash=prev)


def verify_with(heads: Path) -> str:
    out = StringIO()
    call_command("audit", "verify", "--head", str(heads), stdout=out)
    return out.getvalue()


# The export


def test_the_export_appends_the_last_entry_as_a_json_line(db: None, tmp_path: Path) -> None:
    last = write(3)[-1]

    export = head_export(tmp_path)

    assert export.head is not None and export.head.id == last.pk
    [line] = lines(tmp_path)
    assert line["id"] == last.pk and line["hash"] == last.entry_hash
    assert dt.datetime.fromisoformat(line["at"]) == last.at
    run = AuditEntry.objects.get(verb=EXPORT_VERB)
    assert run.changes == {"exported_id": last.pk, "exported_hash": last.entry_hash}


def test_each_export_adds_a_line_and_keeps_the_earlier_ones(db: None, tmp_path: Path) -> None:
    write(2)
    head_export(tmp_path)
    write(2)
    head_export(tmp_path)

    first, second = lines(tmp_path)

    assert second["id"] > first["id"]
    # The second export's head is the first export's own record, or later.
    assert second["id"] >= AuditEntry.objects.filter(verb=EXPORT_VERB).first().pk  # type: ignore[union-attr]


def test_an_empty_chain_writes_no_line_but_records_the_run(db: None, tmp_path: Path) -> None:
    export = head_export(tmp_path)

    assert export.head is None
    assert not (tmp_path / HEADS_FILE).exists()
    assert AuditEntry.objects.filter(verb=EXPORT_VERB).count() == 1


# Checking the chain against the exported heads


def test_the_chain_holds_every_exported_head(db: None, tmp_path: Path) -> None:
    write(3)
    head_export(tmp_path)
    write(3)
    head_export(tmp_path)

    output = verify_with(tmp_path / HEADS_FILE)

    assert "Audit chain intact" in output
    assert "2 checked" in output


def test_a_tail_removed_with_the_chain_head_moved_back_is_found(db: None, tmp_path: Path) -> None:
    entries = write(5)
    head_export(tmp_path)
    with audit_maintenance():  # remove the last two entries and the export's record
        AuditEntry.objects.filter(pk__gte=entries[3].pk).delete()
        AuditChainHead.objects.filter(pk=1).update(last_hash=entries[2].entry_hash)

    assert audit_verify().ok  # the chain alone cannot tell
    with pytest.raises(CommandError, match=f"entry #{entries[4].pk}, exported"):
        verify_with(tmp_path / HEADS_FILE)


def test_a_rewritten_and_rehashed_chain_is_found(db: None, tmp_path: Path) -> None:
    entries = write(5)
    head_export(tmp_path)
    rewrite_from(entries[1], actor_label="someone.else@example.org")

    assert audit_verify().ok
    report = heads_verify(tmp_path / HEADS_FILE)
    assert not report.ok
    assert f"entry #{entries[4].pk} no longer has the hash" in report.problem


def test_a_head_exported_after_the_rewrite_does_not_hide_an_earlier_one(
    db: None, tmp_path: Path
) -> None:
    entries = write(4)
    head_export(tmp_path)
    rewrite_from(entries[0], verb="test.forged")
    head_export(tmp_path)

    report = heads_verify(tmp_path / HEADS_FILE)

    assert not report.ok and report.checked == 0  # the first line already fails


def test_a_line_that_is_not_a_head_is_named(db: None, tmp_path: Path) -> None:
    write(2)
    head_export(tmp_path)
    with (tmp_path / HEADS_FILE).open("a") as out:
        out.write('{"id": "seven", "hash": "abc"}\n')

    with pytest.raises(CommandError, match=r"line 2 of audit-heads\.jsonl is not a head"):
        verify_with(tmp_path / HEADS_FILE)


def test_a_missing_heads_file_is_refused(db: None, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="There is no file"):
        verify_with(tmp_path / "nowhere.jsonl")


# The nightly job


def test_nothing_is_due_without_a_directory(db: None, settings: Any) -> None:
    settings.TRELLIS_AUDIT_HEAD_DIR = ""

    assert not head_export_due(NIGHT)


def test_the_nightly_task_exports_once_a_night(db: None, tmp_path: Path, settings: Any) -> None:
    settings.TRELLIS_AUDIT_HEAD_DIR = str(tmp_path)
    write(2)

    with time_machine.travel(NIGHT - dt.timedelta(hours=1), tick=False):
        assert not head_export_due(NIGHT - dt.timedelta(hours=1))
        early = head_export_daily.call()
    with time_machine.travel(NIGHT, tick=False):
        assert head_export_due(NIGHT)
        first = head_export_daily.call()
        second = head_export_daily.call()

    assert early == {"skipped": True}
    assert first["skipped"] is False and second == {"skipped": True}
    assert len(lines(tmp_path)) == 1


# The database worker takes its own transactions, so this test commits for real.
@pytest.mark.django_db(transaction=True)
def test_the_worker_queues_and_runs_the_export_at_night(
    cast: Cast, tmp_path: Path, settings: Any
) -> None:
    settings.TRELLIS_AUDIT_HEAD_DIR = str(tmp_path)
    out = StringIO()

    with time_machine.travel(NIGHT, tick=False):
        call_command("worker", "--once", stdout=out)

    assert "Queued the daily audit head export job." in out.getvalue()
    [line] = lines(tmp_path)
    assert AuditEntry.objects.get(pk=line["id"]).entry_hash == line["hash"]
