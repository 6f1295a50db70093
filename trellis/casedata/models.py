"""Case-level extracts once accepted: an immutable snapshot (Parquet files of pseudonymised
rows and a manifest of counts and checksums), and every figure computed from it.

A snapshot's rows are never changed; a correction is a new upload. Every computed figure
records its snapshot and the definition version that produced it, so any number can be
traced and reproduced."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from trellis.accounts.models import Partnership, Person


def new_key() -> str:
    return secrets.token_hex(16)


class Snapshot(models.Model):
    class Status(models.TextChoices):
        COMPUTING = "computing", _("Computing measures")
        COMPUTED = "computed", _("Measures computed")
        FAILED = "failed", _("Computing failed")

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    # Names its folder: unique even where a database is rebuilt over the same files.
    key = models.CharField(max_length=32, default=new_key, unique=True, editable=False)
    uploaded_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    extract_date = models.DateField(_("extract date"))
    # The first day the extract is complete from: measures are computed from its quarter on
    # (an extract holds earlier dates too, such as the start of a long placement).
    covers_from = models.DateField(_("complete from"))
    source_name = models.CharField(_("file uploaded"), max_length=200)
    # {"datasets": {name: {"file", "rows", "sha256"}}, "warnings": n, "definitions": version}
    manifest = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.COMPUTING)
    progress = models.PositiveSmallIntegerField(default=0)  # per cent of the computation
    failure = models.TextField(blank=True)
    # When its rows (the Parquet files) were deleted under the retention period
    # (trellis/casedata/retention.py); its manifest, checksums and figures are kept.
    purged_at = models.DateTimeField(null=True, blank=True)
    # The stored files' checksums with the extract and completeness dates: the same extract
    # loaded again (a retry after a failure) finds this snapshot instead of making another.
    fingerprint = models.CharField(max_length=64, blank=True, default="")
    # Whoever computes the measures holds this lease and renews it while alive; a
    # computation whose lease ran out died (its process was killed) and shows as failed.
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "fingerprint"],
                condition=models.Q(purged_at__isnull=True) & ~models.Q(fingerprint=""),
                name="one_live_snapshot_per_extract",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_name} ({self.extract_date:%d %B %Y})"

    @property
    def folder(self) -> str:
        """Where its files live, relative to the snapshots root."""
        return f"{self.partnership_id}/{self.key}"


class ComputedFigure(models.Model):
    """One row of the measure library for one period and group, as `trellis data compute`
    gives it (numerators and denominators as counts, shares as fractions)."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="figures")
    measure = models.CharField(max_length=40)
    period_start = models.DateField()
    period_end = models.DateField()
    # "" for the unbroken row, else "field=value" (one field per breakdown row)
    group = models.CharField(max_length=80, blank=True)
    numerator = models.BigIntegerField(null=True)
    denominator = models.BigIntegerField(null=True)
    value = models.FloatField(null=True)
    provisional = models.BooleanField(default=False)
    definition = models.CharField(max_length=40)  # measure@version

    class Meta:
        ordering = ["measure", "period_start", "group"]
        indexes = [models.Index(fields=["snapshot", "measure", "period_end"])]

    def __str__(self) -> str:
        return f"{self.measure} {self.period_end} {self.group or 'all'}"
