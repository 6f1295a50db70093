from __future__ import annotations

from django.db import models


class AuditEntry(models.Model):
    """One link of the append-only, hash-chained audit log.

    `entry_hash` = SHA-256 of the previous entry's hash and this entry's canonical JSON, so
    changing, removing or reordering any entry breaks every link after it.
    Actor and partnership are kept as plain ids and labels, not foreign keys, so the log
    never changes when the records it describes do.
    """

    at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=300, blank=True)
    on_behalf_of = models.CharField(max_length=300, blank=True)
    partnership_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    verb = models.CharField(max_length=100)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64, blank=True)
    changes = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.verb} {self.object_type}:{self.object_id}"


class AuditChainHead(models.Model):
    """A single row locked while appending, so concurrent writers extend one chain."""

    last_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.last_hash
