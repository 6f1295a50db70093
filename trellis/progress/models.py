"""The quarterly progress cycle: reporting periods, progress updates and their history,
evidence, challenge comments and the record of reminders sent."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from trellis.accounts.models import Group, Partnership, Person
from trellis.plans.models import Action, Plan
from trellis.versioning import Versioned


class ReportingPeriod(models.Model):
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="periods")
    label = models.CharField(max_length=40)
    starts = models.DateField()
    ends = models.DateField()
    due = models.DateField(_("updates due"))
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["starts"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "starts"], name="period_unique_start")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class Rag(models.TextChoices):
    """Each status has a plain-English meaning, always shown in words beside it."""

    NOT_STARTED = "not-started", _("Not started")
    RED = "red", _("Red")
    AMBER = "amber", _("Amber")
    GREEN = "green", _("Green")
    COMPLETE = "complete", _("Complete")


RAG_MEANINGS = {
    Rag.NOT_STARTED: _("Work has not begun yet."),
    Rag.RED: _("Off track: the aim will be missed without a decision or help."),
    Rag.AMBER: _("At risk: some slippage, with a plan to recover it."),
    Rag.GREEN: _("On track to meet the aim by its date."),
    Rag.COMPLETE: _("Done: the aim or deliverable has been achieved."),
}


class UpdateState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned")


class ProgressUpdate(Versioned):
    """One action's update for one period, written by its lead (or a deputy for them)."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="updates")
    period = models.ForeignKey(ReportingPeriod, on_delete=models.CASCADE, related_name="updates")
    rag = models.CharField(_("status"), max_length=12, choices=Rag.choices)
    narrative = models.TextField(_("progress this period"))
    state = models.CharField(max_length=10, choices=UpdateState.choices, default=UpdateState.DRAFT)
    author = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    # Set when a deputy writes on the accountable lead's behalf.
    on_behalf_of = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    late = models.BooleanField(default=False)
    reviewed_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField(blank=True)
    restricted_to = models.ManyToManyField(
        Group, blank=True, related_name="+", verbose_name=_("restricted to")
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["action", "period"], name="update_one_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.action_id} {self.period_id} {self.state}"


class UpdateRevision(models.Model):
    """A copy of an update as it stood after each change: the history and its differences."""

    update = models.ForeignKey(ProgressUpdate, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    state = models.CharField(max_length=10, choices=UpdateState.choices)
    rag = models.CharField(max_length=12, choices=Rag.choices)
    narrative = models.TextField()
    note = models.TextField(blank=True)
    by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["version"]

    def __str__(self) -> str:
        return f"{self.update_id} v{self.version}"


class Evidence(models.Model):
    """A link or a file supporting an update. Files live outside the static root under a
    random name and are only ever served as a download to people allowed to see them."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    update = models.ForeignKey(ProgressUpdate, on_delete=models.CASCADE, related_name="evidence")
    title = models.CharField(_("title"), max_length=200)
    url = models.URLField(_("link"), blank=True)
    stored_name = models.CharField(max_length=64, blank=True)  # a UUID; never the user's name
    file_name = models.CharField(max_length=200, blank=True)  # cleaned, for the download
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    restricted_to = models.ManyToManyField(Group, blank=True, related_name="+")
    added_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]

    def __str__(self) -> str:
        return self.title


class Comment(Versioned):
    """Challenge: a comment on an action (optionally on one of its updates). Edits are kept
    as revisions, never silent."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="comments")
    update = models.ForeignKey(
        ProgressUpdate, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("comment"))
    edited = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:60]


class CommentRevision(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.comment_id} at {self.at:%Y-%m-%d %H:%M}"


class ReminderSent(models.Model):
    """One reminder e-mail item sent to a person. An item is sent again only when its
    reason changes (for example from 'due soon' to 'overdue') or the resend interval
    passes."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)  # what the reminder is about, e.g. "update:12:34"
    reason = models.CharField(max_length=40)  # e.g. "due-soon", "overdue", "missing"
    sent_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["person", "key"])]

    def __str__(self) -> str:
        return f"{self.key} {self.reason}"
