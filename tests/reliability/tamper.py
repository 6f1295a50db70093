"""S2's four ways of tampering with the audit log, each as someone with write access to the
database would do it, and the entry the verifier should name as the first bad one.

On PostgreSQL the application cannot change or remove audit entries (a trigger refuses it),
so each tampering runs under `audit_maintenance()`, as a superuser could: what is shown is
that tampering past the trigger is still detected.

Shared by tests/reliability/test_audit_tamper.py and benchmarks/reliability/s2_tamper.py
(which applies them to copies of a PostgreSQL database and runs `trellis audit verify`).
"""

from __future__ import annotations

from django.db.models import F

from trellis.audit.models import AuditEntry
from trellis.audit.services import audit_maintenance, entry_digest

KINDS = ("edit", "delete", "reorder", "insert")
# Far beyond any id the chain has, so shifting ids up never collides with an existing row.
SHIFT = 10_000_000


def _copy(entry: AuditEntry, pk: int) -> AuditEntry:
    fields = {f.attname: getattr(entry, f.attname) for f in AuditEntry._meta.concrete_fields}
    return AuditEntry(**{**fields, "id": pk})


def tamper(kind: str) -> int:
    """Tamper with an entry in the middle of the chain; return the id the verifier should
    name. The chain must hold at least four entries."""
    with audit_maintenance():
        return _tamper(kind)


def _tamper(kind: str) -> int:
    ids = list(AuditEntry.objects.order_by("id").values_list("id", flat=True))
    if len(ids) < 4:
        raise ValueError("tampering needs a chain of at least four entries")
    k = ids[len(ids) // 2]
    after = ids[ids.index(k) + 1]
    target = AuditEntry.objects.get(pk=k)
    if kind == "edit":
        # Someone rewrites who did it: the entry no longer matches its own hash.
        AuditEntry.objects.filter(pk=k).update(actor_label="someone.else@example.org")
        return k
    if kind == "delete":
        # An embarrassing entry removed: the next one no longer links to its predecessor.
        target.delete()
        return after
    if kind == "reorder":
        # Two entries swap places: the first of them now follows the wrong entry.
        other = AuditEntry.objects.get(pk=after)
        AuditEntry.objects.filter(pk__in=[k, after]).delete()
        _copy(other, k).save(force_insert=True)
        _copy(target, after).save(force_insert=True)
        return k
    if kind == "insert":
        # A forged entry slipped in after k, correctly hashed onto k: the forgery itself
        # verifies, so the first bad link is the entry that used to follow k.
        AuditEntry.objects.filter(pk__gt=k).update(id=F("id") + SHIFT)
        forged = _copy(target, k + 1)
        forged.verb = "plan.delete"
        forged.prev_hash = target.entry_hash
        forged.entry_hash = entry_digest(target.entry_hash, forged)
        forged.save(force_insert=True)
        return after + SHIFT
    raise ValueError(f"unknown tamper kind {kind!r}")
