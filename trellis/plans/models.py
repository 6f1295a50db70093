"""The inspection and the action plan that answers it.

Every record carries its partnership directly (set by the services), so each read is
scoped with one filter and a record of another partnership is simply not found.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

from trellis.accounts.models import Partnership, Person
from trellis.versioning import Versioned


class Grade(models.IntegerChoices):
    EXCELLENT = 6, _("6 – Excellent")
    VERY_GOOD = 5, _("5 – Very good")
    GOOD = 4, _("4 – Good")
    ADEQUATE = 3, _("3 – Adequate")
    WEAK = 2, _("2 – Weak")
    UNSATISFACTORY = 1, _("1 – Unsatisfactory")


class Inspection(Versioned):
    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="inspections"
    )
    regulator = models.CharField(_("regulator"), max_length=200)
    title = models.CharField(_("title"), max_length=300)
    fieldwork_start = models.DateField(_("fieldwork started"), null=True, blank=True)
    fieldwork_end = models.DateField(_("fieldwork ended"), null=True, blank=True)
    published = models.DateField(_("report published"), null=True, blank=True)

    class Meta:
        ordering = ["-published", "-id"]

    def __str__(self) -> str:
        return self.title


class QualityIndicator(Versioned):
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="quality_indicators"
    )
    reference = models.CharField(_("reference"), max_length=20, help_text=_("For example 2.1"))
    title = models.CharField(_("title"), max_length=300)
    grade = models.PositiveSmallIntegerField(_("grade"), choices=Grade.choices)

    class Meta:
        ordering = ["reference"]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class Finding(Versioned):
    class Kind(models.TextChoices):
        STRENGTH = "strength", _("Key strength")
        AREA = "area", _("Area for improvement")

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    text = models.TextField(_("finding"))
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["kind", "position", "id"]

    def __str__(self) -> str:
        return self.text[:80]


class Plan(Versioned):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="plans")
    inspection = models.ForeignKey(
        Inspection, null=True, blank=True, on_delete=models.SET_NULL, related_name="plans"
    )
    title = models.CharField(_("title"), max_length=300)
    theme = models.CharField(_("theme"), max_length=300, blank=True)
    starts = models.DateField(_("starts"))
    ends = models.DateField(_("ends"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # The reporting calendar (trellis.core.periods).
    period_kind = models.CharField(
        _("reporting periods"),
        max_length=10,
        choices=[("quarter", _("Quarters")), ("month", _("Months"))],
        default="quarter",
    )
    year_start_month = models.PositiveSmallIntegerField(
        _("first month of the reporting year"),
        default=1,
        choices=[(m, _(dt.date(2000, m, 1).strftime("%B"))) for m in range(1, 13)],
        help_text=_("January for calendar quarters, April for financial years"),
    )
    due_working_days = models.PositiveSmallIntegerField(
        _("updates due, working days after a period ends"), default=10
    )
    # The plan this one continues after the annual turn (trellis.plans.turn).
    predecessor = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="successors",
        verbose_name=_("carried forward from"),
    )

    class Meta:
        ordering = ["-starts", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends__gte=models.F("starts")), name="plan_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Outcome(Versioned):
    """A stretch outcome aim. `not_applicable` marks a row the inspection needed no action on."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="outcomes")
    title = models.TextField(_("stretch outcome aim"))
    position = models.PositiveIntegerField(default=0)
    not_applicable = models.BooleanField(_("not applicable"), default=False)
    not_applicable_reason = models.TextField(_("why not applicable"), blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title[:80]


class Driver(Versioned):
    """A key driver: what must change to reach the outcome."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    outcome = models.ForeignKey(Outcome, on_delete=models.CASCADE, related_name="drivers")
    title = models.TextField(_("key driver"))
    position = models.PositiveIntegerField(default=0)
    areas_for_improvement = models.ManyToManyField(
        Finding,
        blank=True,
        related_name="drivers",
        verbose_name=_("areas for improvement answered"),
    )

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title[:80]


class Action(Versioned):
    """An improvement project aim, with its leads, measure text and milestones."""

    class Status(models.TextChoices):
        NOT_STARTED = "not-started", _("Not started")
        IN_PROGRESS = "in-progress", _("In progress")
        COMPLETE = "complete", _("Complete")
        NOT_APPLICABLE = "not-applicable", _("Not applicable")

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    driver = models.ForeignKey(Driver, on_delete=models.CASCADE, related_name="actions")
    title = models.TextField(_("improvement project aim"))
    position = models.PositiveIntegerField(default=0)
    linked_plan = models.CharField(
        _("linked plan"),
        max_length=200,
        blank=True,
        help_text=_("Another plan this aim lives in, for example LOIP Outcome 4"),
    )
    linked_plan_version = models.CharField(_("linked plan version"), max_length=50, blank=True)
    key_measure = models.TextField(_("key improvement measure"), blank=True)
    lead_responsibility = models.TextField(
        _("lead responsibility"),
        blank=True,
        help_text=_("Roles and groups as the plan names them, for example CPC Chair"),
    )
    lead = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_actions",
        verbose_name=_("accountable lead"),
    )
    deputies = models.ManyToManyField(
        Person, blank=True, related_name="deputy_actions", verbose_name=_("deputies")
    )
    starts = models.DateField(_("start date"), null=True, blank=True)
    due = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED
    )
    latest_progress = models.TextField(_("latest progress"), blank=True)
    carried_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="carried_to",
        verbose_name=_("carried forward from"),
    )

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title[:80]


class Milestone(Versioned):
    """A dated deliverable, such as a framework implemented by 31 October 2019."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("deliverable"), max_length=300)
    due = models.DateField(_("due date"))
    done = models.DateField(_("done date"), null=True, blank=True)
    # The original due date stays what was promised; a revision says when and why it moved.
    revised_due = models.DateField(_("revised due date"), null=True, blank=True)
    revision_reason = models.TextField(_("reason for the revised date"), blank=True)
    carried_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="carried_to",
        verbose_name=_("carried forward from"),
    )

    class Meta:
        ordering = ["due", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(revised_due__isnull=True) | ~models.Q(revision_reason=""),
                name="milestone_revision_has_reason",
                violation_error_message=_("Say why the due date was revised."),
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def current_due(self) -> dt.date:
        """The date the milestone is now expected: the revised date when there is one."""
        return self.revised_due or self.due
