"""Quality assurance: audit templates (versioned questions under the inspection's quality
indicators), audit programmes and their rounds, the drawn sample (pseudonyms only), each
reviewer's grades, the moderator's reconciled grades, and the learning that follows."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from trellis.accounts.models import Partnership, Person
from trellis.casedata.models import Snapshot
from trellis.measures.models import Measure
from trellis.plans.models import Action, Grade, Inspection, QualityIndicator
from trellis.versioning import Versioned


class AuditTemplate(Versioned):
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    inspection = models.ForeignKey(
        Inspection,
        on_delete=models.RESTRICT,
        related_name="+",
        verbose_name=_("inspection whose quality indicators it uses"),
    )

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class TemplateVersion(models.Model):
    """A numbered set of questions. Once an audit uses it, it never changes: a change is
    a new version, so every audit's grades keep the questions they answered."""

    template = models.ForeignKey(AuditTemplate, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    created_by = models.ForeignKey(Person, on_delete=models.RESTRICT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="template_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.template} v{self.number}"


class Question(models.Model):
    version = models.ForeignKey(TemplateVersion, on_delete=models.CASCADE, related_name="questions")
    indicator = models.ForeignKey(
        QualityIndicator,
        on_delete=models.RESTRICT,
        related_name="+",
        verbose_name=_("quality indicator"),
    )
    text = models.CharField(_("question"), max_length=300)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class Scope(models.TextChoices):
    CP = "cp", _("Children on the child protection register")
    LAC = "lac", _("Looked-after children")


class AuditProgramme(Versioned):
    """A repeated audit (for example child protection case files each quarter); its rounds
    are the audits, and its results are one measure per quality indicator."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    code = models.CharField(
        _("code"), max_length=12, help_text=_("Short, for the measures' codes, for example CP-CFA")
    )
    scope = models.CharField(_("whose case files"), max_length=10, choices=Scope.choices)
    template = models.ForeignKey(
        AuditTemplate,
        on_delete=models.RESTRICT,
        related_name="programmes",
        verbose_name=_("template"),
    )

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "code"], name="programme_code_unique")
        ]

    def __str__(self) -> str:
        return self.title


class Audit(Versioned):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        OPEN = "open", _("Sample drawn, grading")
        CLOSED = "closed", _("Closed, results published")

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    programme = models.ForeignKey(AuditProgramme, on_delete=models.CASCADE, related_name="audits")
    round = models.PositiveIntegerField(_("round"))
    template_version = models.ForeignKey(
        TemplateVersion, on_delete=models.RESTRICT, related_name="audits"
    )
    starts = models.DateField(_("starts"))
    due = models.DateField(_("grading due"))
    scope_from = models.DateField(_("cases from"))
    scope_to = models.DateField(_("cases to"))
    sample_size = models.PositiveSmallIntegerField(_("sample size"))
    moderator = models.ForeignKey(
        Person,
        on_delete=models.RESTRICT,
        related_name="moderated_audits",
        verbose_name=_("moderator"),
    )
    reviewers = models.ManyToManyField(
        Person, related_name="reviewed_audits", verbose_name=_("case-file reviewers")
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    # The draw: which snapshot's case list and which seed, so it can be repeated.
    snapshot = models.ForeignKey(
        Snapshot, null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )
    seed = models.BigIntegerField(null=True, blank=True)
    population = models.PositiveIntegerField(null=True, blank=True)
    sampled_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sampled_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["programme", "round"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "round"], name="audit_round_unique"),
            models.CheckConstraint(
                condition=models.Q(scope_to__gte=models.F("scope_from")),
                name="audit_scope_ordered",
                violation_error_message=_("The cases' period must end after it starts."),
            ),
            models.CheckConstraint(
                condition=models.Q(due__gte=models.F("starts")),
                name="audit_due_after_start",
                violation_error_message=_("Grading is due after the audit starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} – round {self.round}"


class SampledCase(models.Model):
    """A case drawn for the audit, known only by its pseudonym."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="cases")
    position = models.PositiveSmallIntegerField()
    pseudonym = models.CharField(max_length=64)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "pseudonym"], name="sampled_case_unique")
        ]

    def __str__(self) -> str:
        return f"Case {self.position}"


class CaseGrade(models.Model):
    """One reviewer's grade of one question for one case. Only that reviewer writes it, so
    a later save from the same person simply replaces it."""

    case = models.ForeignKey(SampledCase, on_delete=models.CASCADE, related_name="grades")
    question = models.ForeignKey(Question, on_delete=models.RESTRICT, related_name="+")
    reviewer = models.ForeignKey(Person, on_delete=models.RESTRICT, related_name="+")
    grade = models.PositiveSmallIntegerField(choices=Grade.choices)
    comment = models.TextField(blank=True)
    at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "question", "reviewer"], name="case_grade_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.question_id}: {self.grade}"


class Moderation(models.Model):
    """The moderator's reconciled grade, which stands over the reviewers' grades."""

    case = models.ForeignKey(SampledCase, on_delete=models.CASCADE, related_name="moderations")
    question = models.ForeignKey(Question, on_delete=models.RESTRICT, related_name="+")
    grade = models.PositiveSmallIntegerField(choices=Grade.choices)
    comment = models.TextField(blank=True)
    by = models.ForeignKey(Person, on_delete=models.RESTRICT, related_name="+")
    at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "question"], name="moderation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.question_id}: {self.grade}"


class ResultMeasure(models.Model):
    """The measure a programme's results for one quality indicator are charted on."""

    programme = models.ForeignKey(AuditProgramme, on_delete=models.CASCADE, related_name="results")
    indicator = models.ForeignKey(QualityIndicator, on_delete=models.RESTRICT, related_name="+")
    measure = models.OneToOneField(Measure, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["programme", "indicator"], name="result_measure_unique")
        ]

    def __str__(self) -> str:
        return str(self.measure)


class LearningPoint(Versioned):
    """A finding or learning point of an audit; it may become a new action in the plan or
    a training need. The action keeps the link back (`action.learning_points`)."""

    class Kind(models.TextChoices):
        FINDING = "finding", _("Finding")
        LEARNING = "learning", _("Learning point")

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="learning")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    indicator = models.ForeignKey(
        QualityIndicator,
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="+",
        verbose_name=_("quality indicator"),
    )
    text = models.TextField(_("what was found or learnt"))
    action = models.ForeignKey(
        Action, null=True, blank=True, on_delete=models.SET_NULL, related_name="learning_points"
    )
    training_need = models.TextField(_("training need"), blank=True)
    training_for = models.CharField(_("who needs the training"), max_length=200, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text[:80]
