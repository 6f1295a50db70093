"""Measures: what the partnership counts to show an aim is met, with a baseline and dated
targets, one observation per period, notes on the chart and series to compare against.

A measure belongs to the partnership, not to one plan: its data runs on when a plan is
succeeded, and the plan's actions say which measures evidence them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from trellis.accounts.models import Partnership, Person
from trellis.plans.models import Action
from trellis.versioning import Versioned


class Kind(models.TextChoices):
    PERCENTAGE = "percentage", _("Percentage (numerator and denominator)")
    COUNT = "count", _("Count")
    RATE = "rate", _("Rate per N")
    MEAN = "mean", _("Mean")
    MILESTONE = "milestone", _("Milestone (per cent complete)")


class Direction(models.TextChoices):
    INCREASE = "increase", _("Higher is better")
    DECREASE = "decrease", _("Lower is better")
    NEUTRAL = "neutral", _("Neither")


class MeasureRole(models.TextChoices):
    OUTCOME = "outcome", _("Outcome measure")
    PROCESS = "process", _("Process measure")
    BALANCING = "balancing", _("Balancing measure")


class Source(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    COMPUTED = "computed", _("Computed from case-level data")


class Frequency(models.TextChoices):
    QUARTER = "quarter", _("Quarterly")
    MONTH = "month", _("Monthly")
    YEAR = "year", _("Yearly")
    ACADEMIC_YEAR = "academic", _("Academic years (1 August to 31 July)")


class Chart(models.TextChoices):
    RUN = "run", _("Run chart (median)")
    I = "i", _("I chart (individual values, control limits)")  # noqa: E741
    P = "p", _("P chart (proportions, control limits)")


class Rules(models.TextChoices):
    ANHOEJ = "anhoej", _("Anhøj rules (runs analysis)")
    MDC = "mdc", _("Making Data Count (NHS England)")


class Measure(Versioned):
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(
        _("code"), max_length=30, help_text=_("A short reference, for example LAC-IHA-4W")
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("definition"), blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    rate_per = models.PositiveIntegerField(
        _("rate per"), null=True, blank=True, help_text=_("For a rate: per how many, e.g. 10000")
    )
    unit = models.CharField(
        _("unit"), max_length=30, blank=True, help_text=_("For example days (blank for a count)")
    )
    decimals = models.PositiveSmallIntegerField(_("decimal places shown"), default=0)
    direction = models.CharField(
        _("which direction is better"), max_length=10, choices=Direction.choices
    )
    counts_children = models.BooleanField(
        _("counts children"),
        default=False,
        help_text=_("Small counts of children are hidden in published figures."),
    )
    role = models.CharField(_("role"), max_length=10, choices=MeasureRole.choices)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    frequency = models.CharField(
        _("how often"), max_length=10, choices=Frequency.choices, default=Frequency.QUARTER
    )
    chart = models.CharField(_("chart"), max_length=3, choices=Chart.choices, default=Chart.RUN)
    rules = models.CharField(
        _("signal rules"), max_length=8, choices=Rules.choices, default=Rules.ANHOEJ
    )
    actions = models.ManyToManyField(
        Action, blank=True, related_name="measures", verbose_name=_("evidences the aims")
    )
    # For a computed measure: the built-in definition (trellis/casedata/compute) and, where
    # the definition gives one row per group (balance of care), the group, as "field=value".
    definition = models.CharField(_("built-in definition"), max_length=40, blank=True)
    definition_group = models.CharField(_("group"), max_length=80, blank=True)
    baseline_value = models.FloatField(_("baseline value"), null=True, blank=True)
    baseline_date = models.DateField(_("baseline date"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "code"], name="measure_code_unique"),
            models.CheckConstraint(
                condition=models.Q(baseline_value__isnull=True)
                | models.Q(baseline_date__isnull=False),
                name="measure_baseline_dated",
                violation_error_message=_("Give the baseline's date."),
            ),
            models.CheckConstraint(
                condition=~models.Q(chart="p") | models.Q(kind="percentage"),
                name="measure_p_chart_percentage",
                violation_error_message=_("A P chart is for percentages only."),
            ),
            models.CheckConstraint(
                condition=~models.Q(rules="mdc") | models.Q(chart="i"),
                name="measure_mdc_i_chart",
                violation_error_message=_("Making Data Count rules apply to I charts only."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def is_percentage(self) -> bool:
        return self.kind == Kind.PERCENTAGE


class Target(models.Model):
    """A dated point on the measure's trajectory: 75% by 30 September 2021."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="targets")
    due = models.DateField(_("by"))
    value = models.FloatField(_("value"))

    class Meta:
        ordering = ["due"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "due"], name="target_one_per_date")
        ]

    def __str__(self) -> str:
        return f"{self.value:g} by {self.due:%d %B %Y}"


class Observation(Versioned):
    """The measure's figure for one period, named by the period's last day."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="observations")
    period_ends = models.DateField(_("period ending"))
    numerator = models.FloatField(_("numerator"), null=True, blank=True)
    denominator = models.FloatField(_("denominator"), null=True, blank=True)
    value = models.FloatField(_("value"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)
    provisional = models.BooleanField(_("provisional"), default=False)
    # Where a computed figure came from: the upload and the definition version.
    snapshot = models.ForeignKey(
        "casedata.Snapshot", null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )
    definition = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["period_ends"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "period_ends"], name="observation_one_per_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure_id} {self.period_ends}"


class ObservationRevision(models.Model):
    """Each saved state of an observation, for its history."""

    observation = models.ForeignKey(Observation, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    numerator = models.FloatField(null=True)
    denominator = models.FloatField(null=True)
    value = models.FloatField(null=True)
    note = models.TextField(blank=True)
    provisional = models.BooleanField(default=False)
    by = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["version"]

    def __str__(self) -> str:
        return f"{self.observation_id} v{self.version}"


class Annotation(models.Model):
    """A dated note on the chart; a process change starts a new phase of the limits."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="annotations")
    when = models.DateField(_("date"))
    text = models.CharField(_("note"), max_length=200)
    process_change = models.BooleanField(
        _("the process changed here"),
        default=False,
        help_text=_("Centre line and limits are recalculated from this date."),
    )
    added_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["when", "id"]

    def __str__(self) -> str:
        return self.text


class Comparator(models.Model):
    """A series to compare against, such as the national figure."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="comparators")
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "name"], name="comparator_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class ComparatorValue(models.Model):
    comparator = models.ForeignKey(Comparator, on_delete=models.CASCADE, related_name="values")
    period_ends = models.DateField()
    value = models.FloatField()

    class Meta:
        ordering = ["period_ends"]
        constraints = [
            models.UniqueConstraint(
                fields=["comparator", "period_ends"], name="comparator_one_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.comparator_id} {self.period_ends}"
