"""Decisions: what a governance group decided about an improvement aim, a measure or a
challenge thread, and what follows from it.

A decision belongs to one plan (so a plan's decision log can be read for any reporting
period) and is taken by one group on one day. What follows is optional: a sentence, the
person who sees it through and a date it is due, marked done when it is. A decision may
also have created an improvement aim (`created_action`), made through the plans' own
services.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from trellis.accounts.models import Group, Partnership, Person
from trellis.measures.models import Measure
from trellis.plans.models import Action, Plan
from trellis.progress.models import Comment
from trellis.versioning import Versioned


class Subject(models.TextChoices):
    ACTION = "action", _("Improvement aim")
    MEASURE = "measure", _("Measure")
    THREAD = "thread", _("Challenge thread")


class Decision(Versioned):
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="decisions")
    # RESTRICT: what a decision is about cannot be deleted from under it, except when the
    # whole partnership or plan goes (the decision is deleted in the same cascade).
    group = models.ForeignKey(
        Group, on_delete=models.RESTRICT, related_name="decisions", verbose_name=_("decided by")
    )
    decided_on = models.DateField(_("date of the decision"))
    subject = models.CharField(_("about"), max_length=10, choices=Subject.choices)
    action = models.ForeignKey(
        Action, null=True, blank=True, on_delete=models.RESTRICT, related_name="decisions"
    )
    measure = models.ForeignKey(
        Measure, null=True, blank=True, on_delete=models.RESTRICT, related_name="decisions"
    )
    # For a decision on a challenge thread: the challenge it answers, when one is named.
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.RESTRICT, related_name="decisions"
    )
    text = models.TextField(_("what was decided"))
    follow_up = models.TextField(_("what follows"), blank=True)
    follow_up_owner = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decision_follow_ups",
        verbose_name=_("who sees it through"),
    )
    follow_up_due = models.DateField(_("follow-up due"), null=True, blank=True)
    follow_up_done = models.DateField(_("follow-up done"), null=True, blank=True)
    created_action = models.ForeignKey(
        Action,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="created_by_decisions",
        verbose_name=_("improvement aim it created"),
    )
    recorded_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-decided_on", "-id"]
        indexes = [models.Index(fields=["plan", "decided_on"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(subject="action", action__isnull=False, measure__isnull=True)
                    | Q(subject="measure", measure__isnull=False, action__isnull=True)
                    | Q(subject="thread", action__isnull=False, measure__isnull=True)
                ),
                name="decision_subject_matches",
                violation_error_message=_("Say what the decision is about."),
            ),
            models.CheckConstraint(
                condition=Q(comment__isnull=True) | Q(subject="thread"),
                name="decision_comment_only_on_thread",
            ),
            models.CheckConstraint(
                condition=~Q(follow_up="")
                | Q(
                    follow_up_owner__isnull=True,
                    follow_up_due__isnull=True,
                    follow_up_done__isnull=True,
                ),
                name="decision_follow_up_described",
                violation_error_message=_("Say what follows before naming who or when."),
            ),
        ]

    def __str__(self) -> str:
        return self.text[:80]
