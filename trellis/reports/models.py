"""Issued reports: a pack once issued is kept as the bytes that were downloaded, so it can
be downloaded again unchanged however the plan changes afterwards."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from trellis.accounts.models import Partnership, Person
from trellis.plans.models import Plan
from trellis.progress.models import ReportingPeriod


class IssuedReport(models.Model):
    """One report of one kind (a name in trellis.reports.registry.REPORTS) for a plan and
    a period in one format. Built by a background task (`status` and `progress` show how it
    is going); once `issued`, `content` and `sha256` never change."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        BUILDING = "building", _("Being built")
        ISSUED = "issued", _("Issued")
        FAILED = "failed", _("Failed")

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="issued_reports")
    period = models.ForeignKey(ReportingPeriod, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("report"), max_length=40)
    format = models.CharField(_("format"), max_length=10)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    content = models.BinaryField(default=b"", editable=False)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    requested_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    failure = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["plan", "-requested_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.format} {self.period_id}"

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.BUILDING)
