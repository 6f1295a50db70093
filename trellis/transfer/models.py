"""A pending import: the rows read from a file and the column mapping, kept on the server
between the upload and the review page's "Import this plan", so nothing of the plan is
saved until the person has checked it. Owned by the uploader in one partnership; it
expires (PENDING_HOURS) and is deleted when imported or discarded."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from trellis.accounts.models import Partnership, Person
from trellis.versioning import Versioned

PENDING_HOURS = 24


class PendingImport(Versioned):
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    source_name = models.CharField(_("file"), max_length=120)
    source_format = models.CharField(max_length=10)
    grid = models.JSONField()  # trellis.transfer.draft.Grid.to_json()
    mapping = models.JSONField()  # a field name (or null) for each column of the grid
    title = models.CharField(_("plan title"), max_length=300)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return self.source_name
