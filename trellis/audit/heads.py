"""The audit chain's head, exported each night to storage outside the application's reach,
and checked later against the chain (`trellis audit verify --head FILE`).

Someone with write access to the database can rewrite the log's tail and the chain head
together so that `trellis audit verify` passes. A head exported where the application can
only append (a mount the host controls) stops that: every head in the file must still be
in the chain, with the same hash, because an entry's hash covers every entry before it.

The export is a JSON line appended to `audit-heads.jsonl` in TRELLIS_AUDIT_HEAD_DIR:
the last committed entry's id, hash and time, and when it was exported. Each run is audited
(`audit.head-export`), which is also how a second worker knows the night's run happened.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from trellis.audit.models import AuditChainHead, AuditEntry
from trellis.audit.services import audit_append

logger = logging.getLogger("trellis.audit.heads")
EXPORT_VERB = "audit.head-export"
HEADS_FILE = "audit-heads.jsonl"
RUN_HOUR = 3  # local time: after the night's retention purge, so its record is covered
HASH = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Head:
    id: int
    hash: str
    at: dt.datetime


@dataclass(frozen=True)
class Export:
    skipped: bool
    head: Head | None


def chain_head() -> Head | None:
    """The last committed entry (appends are serialised, so it is the end of the chain)."""
    last = AuditEntry.objects.order_by("-id").first()
    if last is None:
        return None
    return Head(last.pk, last.entry_hash, last.at)


def head_export(directory: Path, *, unless_run_since: dt.datetime | None = None) -> Export:
    """Append the chain's head to the heads file in `directory` (which must exist), then
    audit the run. Nothing is written for an empty chain, nor when a run is recorded since
    `unless_run_since` (checked under the lock, so two racing workers export once)."""
    with transaction.atomic():
        # Appends wait while the head row is locked, so the head cannot move under us.
        AuditChainHead.objects.select_for_update().filter(pk=1).first()
        if unless_run_since is not None and _ran_since(unless_run_since):
            return Export(skipped=True, head=None)
        head = chain_head()
        if head is not None:
            _append_line(directory / HEADS_FILE, head)
        audit_append(
            actor=None,
            verb=EXPORT_VERB,
            changes={
                "exported_id": head.id if head else None,
                "exported_hash": head.hash if head else "",
            },
        )
    return Export(skipped=False, head=head)


def _append_line(path: Path, head: Head) -> None:
    line = {
        "id": head.id,
        "hash": head.hash,
        "at": head.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "exported_at": timezone.now().astimezone(dt.UTC).isoformat(timespec="seconds"),
    }
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(line, sort_keys=True) + "\n")
        out.flush()
        os.fsync(out.fileno())


@dataclass(frozen=True)
class HeadsReport:
    checked: int
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


def heads_verify(path: Path) -> HeadsReport:
    """Check the chain still holds every head in the file, each with the hash exported."""
    heads: list[tuple[int, dict[str, Any]]] = []
    with path.open(encoding="utf-8") as lines:
        for number, text in enumerate(lines, start=1):
            if not text.strip():
                continue
            head = _parse(text)
            if head is None:
                return HeadsReport(len(heads), f"line {number} of {path.name} is not a head")
            heads.append((number, head))
    ids = {head["id"] for _, head in heads}
    stored = dict(AuditEntry.objects.filter(pk__in=ids).values_list("id", "entry_hash"))
    for checked, (number, head) in enumerate(heads):
        when = head.get("exported_at", "?")
        if head["id"] not in stored:
            return HeadsReport(
                checked,
                f"entry #{head['id']}, exported as the head on {when} (line {number}), "
                "is no longer in the chain",
            )
        if stored[head["id"]] != head["hash"]:
            return HeadsReport(
                checked,
                f"entry #{head['id']} no longer has the hash exported on {when} (line {number})",
            )
    return HeadsReport(len(heads))


def _parse(text: str) -> dict[str, Any] | None:
    try:
        head = json.loads(text)
    except json.JSONDecodeError:
        return None
    if not isinstance(head, dict):
        return None
    if not isinstance(head.get("id"), int) or not HASH.fullmatch(str(head.get("hash", ""))):
        return None
    return head


# The nightly job, queued by `trellis worker`.


def head_directory() -> Path | None:
    configured = settings.TRELLIS_AUDIT_HEAD_DIR
    return Path(configured) if configured else None


def run_time(now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now)
    return local.replace(hour=RUN_HOUR, minute=0, second=0, microsecond=0)


def _ran_since(start: dt.datetime) -> bool:
    return AuditEntry.objects.filter(verb=EXPORT_VERB, at__gte=start).exists()


def head_export_due(now: dt.datetime) -> bool:
    """An export directory is set, and tonight's run time has passed with no run since."""
    if head_directory() is None:
        return False
    start = run_time(now)
    return now >= start and not _ran_since(start)


@task()
def head_export_daily() -> dict[str, Any]:
    """Tonight's export. Two workers may both queue it: the second to run does nothing."""
    directory = head_directory()
    now = timezone.now()
    if directory is None or now < run_time(now):
        return {"skipped": True}
    export = head_export(directory, unless_run_since=run_time(now))
    if export.skipped:
        return {"skipped": True}
    exported = export.head.id if export.head else None
    logger.info("audit: exported the chain head (entry #%s)", exported)
    return {"skipped": False, "exported_id": exported}


HEAD_EXPORT_JOB = ("audit head export", head_export_due, head_export_daily)
