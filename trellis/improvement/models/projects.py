"""An action run as an improvement project: its charter, driver diagram and PDSA cycles.

A project belongs to one action (the plan's SMART aim) and carries its partnership
directly, like every plan record, so reads are scoped with one filter."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from trellis.accounts.models import Agency, Partnership, Person
from trellis.measures.models import Annotation, Measure
from trellis.plans.models import Action
from trellis.versioning import Versioned

# The IHI progress scale, kept as tenths so it is an exact whole number (5 means 0.5).
SCORES: dict[int, Promise] = {
    5: _("0.5 – Intent to participate"),
    10: _("1.0 – Charter and team formed"),
    15: _("1.5 – Planning for the project has begun"),
    20: _("2.0 – Activity, but no changes"),
    25: _("2.5 – Changes tested, but no improvement"),
    30: _("3.0 – Modest improvement"),
    35: _("3.5 – Improvement"),
    40: _("4.0 – Significant improvement"),
    45: _("4.5 – Sustainable improvement"),
    50: _("5.0 – Outstanding sustainable results"),
}


class Project(Versioned):
    """The charter. Its aim starts as the action's SMART aim and may be sharpened."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    action = models.OneToOneField(Action, on_delete=models.CASCADE, related_name="project")
    aim = models.TextField(_("aim"), help_text=_("What, by how much, by when"))
    why = models.TextField(_("why it matters"), blank=True)
    team_members = models.ManyToManyField(
        Person, blank=True, related_name="improvement_teams", verbose_name=_("team members")
    )
    team_agencies = models.ManyToManyField(
        Agency, blank=True, related_name="+", verbose_name=_("agencies in the team")
    )
    team_others = models.TextField(
        _("others in the team"),
        blank=True,
        help_text=_("People without a sign-in, such as a young people's champion"),
    )
    sponsor = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="sponsored_projects",
        verbose_name=_("sponsor"),
    )
    outcome_measures = models.ManyToManyField(
        Measure, blank=True, related_name="+", verbose_name=_("outcome measures")
    )
    process_measures = models.ManyToManyField(
        Measure, blank=True, related_name="+", verbose_name=_("process measures")
    )
    balancing_measures = models.ManyToManyField(
        Measure, blank=True, related_name="+", verbose_name=_("balancing measures")
    )
    approved_by = models.CharField(
        _("approved by"), max_length=200, blank=True, help_text=_("For example the ICS Board")
    )
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    approval_recorded_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    score = models.PositiveSmallIntegerField(
        _("progress score"), null=True, blank=True, choices=list(SCORES.items())
    )
    score_suggested = models.PositiveSmallIntegerField(null=True, blank=True)
    score_confirmed_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    score_confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(approved_on__isnull=True) | ~models.Q(approved_by=""),
                name="project_approval_names_approver",
                violation_error_message=_("Say who approved the charter."),
            )
        ]

    def __str__(self) -> str:
        return self.aim[:80]

    @property
    def approved(self) -> bool:
        return self.approved_on is not None

    @property
    def score_label(self) -> str:
        return str(SCORES[self.score]) if self.score else ""

    @property
    def score_due(self) -> bool:
        """The score is confirmed each quarter: due when never confirmed, or last confirmed
        before the current calendar quarter began, so a stale score is flagged."""
        if self.score_confirmed_at is None:
            return True
        today = timezone.localdate()
        quarter_began = dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
        return timezone.localdate(self.score_confirmed_at) < quarter_began


class NodeKind(models.TextChoices):
    PRIMARY = "primary", _("Primary driver")
    SECONDARY = "secondary", _("Secondary driver")
    CHANGE = "change", _("Change idea")


class DriverNode(Versioned):
    """One box of the driver diagram. Primary drivers hang from the aim, secondary drivers
    from a primary, change ideas from either (or from the aim while the diagram is still
    being drawn). The charter's change ideas are these nodes, so they are written once."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="nodes")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
        verbose_name=_("under"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=NodeKind.choices)
    text = models.CharField(_("text"), max_length=300)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class Decision(models.TextChoices):
    ADOPT = "adopt", _("Adopt")
    ADAPT = "adapt", _("Adapt")
    ABANDON = "abandon", _("Abandon")


class PdsaCycle(Versioned):
    """A test of a change idea: plan, do, study, act, each with its date."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="cycles")
    change_idea = models.ForeignKey(
        DriverNode, on_delete=models.RESTRICT, related_name="cycles", verbose_name=_("change idea")
    )
    number = models.PositiveIntegerField(_("cycle number"))
    title = models.CharField(_("what is tested"), max_length=150)
    plan_what = models.TextField(_("plan: what will be done"))
    prediction = models.TextField(_("plan: what we predict will happen"))
    plan_who = models.CharField(_("plan: who"), max_length=200)
    plan_when = models.DateField(_("plan: when"))
    do_on = models.DateField(_("do: carried out on"), null=True, blank=True)
    do_notes = models.TextField(_("do: what happened"), blank=True)
    study_on = models.DateField(_("study: studied on"), null=True, blank=True)
    study_notes = models.TextField(
        _("study: what the data showed, against the prediction"), blank=True
    )
    act_on = models.DateField(_("act: decided on"), null=True, blank=True)
    decision = models.CharField(
        _("act: decision"), max_length=10, choices=Decision.choices, blank=True
    )
    act_notes = models.TextField(_("act: what next"), blank=True)
    # The chart point the cycle is pinned to; the note on the chart is the measures app's.
    pin_measure = models.ForeignKey(
        Measure, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pin_period = models.DateField(null=True, blank=True)
    annotation = models.ForeignKey(
        Annotation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="pdsa_number_unique"),
        ]

    def __str__(self) -> str:
        return f"PDSA {self.number}: {self.title}"

    @property
    def stage(self) -> str:
        if self.act_on:
            return str(_("Acted on"))
        if self.study_on:
            return str(_("Studied"))
        if self.do_on:
            return str(_("Carried out"))
        return str(_("Planned"))
