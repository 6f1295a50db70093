"""The demo's improvement work, built through the same services as the pages: the health
assessment aim run as an improvement project (an approved charter, a driver diagram and
three PDSA cycles pinned to the LAC-IHA run chart), and two rounds of the child protection
case-file audit, graded, moderated and charted, whose learning created an action."""

from __future__ import annotations

import datetime as dt
from typing import Any

from trellis.accounts.models import Agency, Membership, Partnership, Role
from trellis.improvement import selectors
from trellis.improvement.assurance import audit_detail
from trellis.improvement.models import Audit, DriverNode, Project
from trellis.improvement.services import audits, cycles, grading, learning, projects, templates
from trellis.measures.models import Measure
from trellis.plans.models import Action, Driver, Inspection
from trellis.startup import DEMO_DOMAIN

D = dt.date.fromisoformat


def _member(part: Partnership, key: str) -> Membership:
    """A demo member by role (for the six sign-ins) or e-mail local part."""
    return Membership.objects.select_related("person", "partnership").get(
        partnership=part, person__email=f"{key}@{DEMO_DOMAIN}"
    )


CHARTER = {
    "aim": "By 30 September 2020, 50% of children who become looked after have their initial "
    "health assessment within 4 weeks; 75% by 30 September 2021.",
    "why": "The inspection found health needs were not assessed in good time. An assessment "
    "in the first weeks finds unmet needs (dental, immunisations, emotional health) while the "
    "child's plan is being made.",
    "team_others": "Two care-experienced young people from the champions board",
}

# (kind, text, parent's index in this list or None)
DIAGRAM: tuple[tuple[str, str, int | None], ...] = (
    (
        "primary",
        "The LAC nursing team knows about every child as soon as they are accommodated",
        None,
    ),
    ("primary", "There is capacity to assess every child within 4 weeks", None),
    ("secondary", "Social workers notify health on the day, every time", 0),
    ("secondary", "Carers bring the child to the appointment", 1),
    ("secondary", "Clinics have slots kept free for new children", 1),
    ("change", "Same-day e-mail from the duty social worker to the LAC nurses", 2),
    ("change", "Text reminder to carers two days before the appointment", 3),
    ("change", "Two protected clinic slots a week for initial assessments", 4),
)

# (change idea index, title, plan, prediction, who, plan date, do, study, act, decision,
#  what next, point on the LAC-IHA chart)
CYCLES: tuple[tuple[Any, ...], ...] = (
    (
        5,
        "Same-day e-mail from one duty team",
        "The east duty team e-mails the LAC nurses on "
        "the day a child is accommodated, for four weeks.",
        "At least 8 of 10 notifications arrive the same day.",
        "East duty team manager",
        "2019-11-04",
        "2019-11-04",
        "2019-12-09",
        "2019-12-16",
        "adapt",
        "9 of 11 arrived the same day; two were missed at "
        "weekends. Add the out-of-hours team before spreading.",
        "2019-12-31",
    ),
    (
        5,
        "Same-day e-mail across all duty teams",
        "Every duty team and the out-of-hours service e-mail the LAC nurses on the day.",
        "9 in 10 notifications the same day; more assessments within 4 weeks next quarter.",
        "Service manager, LAC",
        "2020-01-06",
        "2020-01-06",
        "2020-03-02",
        "2020-03-09",
        "adopt",
        "24 of 26 the same day. Adopted as standard practice from March.",
        "2020-03-31",
    ),
    (
        7,
        "Protected clinic slots",
        "Hold two initial assessment slots a week at the central "
        "clinic, released to routine work if unused by Wednesday.",
        "No child waits more than 3 weeks for a slot.",
        "Lead Nurse – LAC",
        "2020-04-06",
        "2020-04-06",
        "2020-06-22",
        "2020-06-29",
        "adopt",
        "Longest wait 16 days; 5 slots released unused. Adopted; review "
        "the number of slots each quarter.",
        "2020-06-30",
    ),
)

QUESTIONS: tuple[tuple[str, str], ...] = (
    ("1.1", "Does the child's plan say clearly how risks to the child will be reduced?"),
    ("2.1", "Was the child seen, and seen alone where appropriate, at every core group?"),
    ("2.1", "Are the child's views recorded and do they shape the plan?"),
    ("2.2", "Were the family helped to understand the concerns and the plan?"),
)

# Per round: quarter, seed, and each reviewer's grades (per case, per question), six cases.
ROUNDS: tuple[dict[str, Any], ...] = (
    {
        "scope": ("2020-04-01", "2020-06-30"),
        "dates": ("2020-07-13", "2020-08-07"),
        "seed": 20200713,
        "grades": (
            ((3, 4, 3, 4), (2, 3, 3, 3), (4, 4, 5, 4), (3, 3, 2, 3), (4, 5, 4, 4), (3, 4, 3, 3)),
            ((3, 4, 3, 4), (2, 3, 4, 3), (4, 4, 5, 4), (3, 3, 2, 3), (4, 5, 4, 4), (3, 4, 3, 4)),
        ),
        "moderated": (
            (1, 2, 3, "Views noted once, not used in the plan"),
            (5, 3, 4, "Family given a written plan and went over it with the worker"),
        ),
    },
    {
        "scope": ("2020-07-01", "2020-09-30"),
        "dates": ("2020-10-12", "2020-11-06"),
        "seed": 20201012,
        "grades": (
            ((4, 5, 4, 4), (4, 4, 4, 5), (5, 5, 4, 4), (3, 4, 4, 4), (4, 5, 5, 4), (4, 4, 3, 4)),
            ((4, 5, 4, 4), (4, 4, 4, 5), (5, 5, 4, 4), (4, 4, 4, 4), (4, 5, 5, 4), (4, 4, 3, 4)),
        ),
        "moderated": ((3, 0, 4, "The plan names the risks and how each is reduced"),),
    },
)


def build_improvement(part: Partnership) -> dict[str, int]:
    project = _project(part)
    audit_rounds = _audits(part)
    return {"improvement_projects": 1, "pdsa_cycles": project.cycles.count(), **audit_rounds}


def _project(part: Partnership) -> Project:
    lead = _member(part, "anne.lawrie")
    owner = _member(part, str(Role.OWNER))
    action = Action.objects.get(partnership=part, title__contains="initial health assessment")
    measure = Measure.objects.get(partnership=part, code="LAC-IHA")
    project = projects.project_create(
        membership=lead,
        action=action,
        fields={**CHARTER, "sponsor": _member(part, "david.ritchie").person},
        m2m={
            "outcome_measures": [measure],
            "team_members": [lead.person, _member(part, str(Role.LEAD)).person],
            "team_agencies": list(
                Agency.objects.filter(partnership=part, short_name__in=["CSW", "NHS"])
            ),
        },
    )
    project = projects.project_approve(
        project,
        membership=owner,
        expected_version=project.version,
        approved_by="Corporate Parenting Improvement Group",
        approved_on=D("2019-12-17"),
    )
    nodes: list[DriverNode] = []
    for kind, text, parent in DIAGRAM:
        fields = {
            "kind": kind,
            "text": text,
            "parent": nodes[parent] if parent is not None else None,
        }
        nodes.append(projects.node_create(project, membership=lead, fields=fields))
    for row in CYCLES:
        _cycle(project, lead, nodes, measure, row)
    # The lead confirms what the project's state suggests.
    shown = selectors.project_detail(part, project.pk)
    suggested = selectors.suggestion_for(shown, selectors.project_measures(lead, shown)).score
    projects.score_confirm(
        shown, membership=lead, expected_version=shown.version, score=suggested, suggested=suggested
    )
    return project


def _cycle(
    project: Project, lead: Membership, nodes: list[DriverNode], measure: Measure, row: Any
) -> None:
    idea, title, what, prediction, who, plan, do, study, act, decision, notes, point = row
    cycles.cycle_create(
        project,
        membership=lead,
        fields={
            "change_idea": nodes[idea],
            "title": title,
            "plan_what": what,
            "prediction": prediction,
            "plan_who": who,
            "plan_when": D(plan),
            "do_on": D(do),
            "do_notes": "Carried out as planned.",
            "study_on": D(study),
            "study_notes": notes.split(".")[0] + ".",
            "act_on": D(act),
            "decision": decision,
            "act_notes": notes,
            "pin_measure": measure,
            "pin_period": D(point),
        },
    )


def _audits(part: Partnership) -> dict[str, int]:
    owner = _member(part, str(Role.OWNER))
    inspection = Inspection.objects.get(partnership=part)
    template = templates.template_create(
        membership=owner,
        fields={"title": "Multi-agency child protection case file audit", "inspection": inspection},
    )
    indicators = {qi.reference: qi for qi in inspection.quality_indicators.all()}
    for position, (reference, text) in enumerate(QUESTIONS):
        templates.question_save(
            template,
            membership=owner,
            indicator=indicators[reference],
            text=text,
            position=position,
        )
    programme = audits.programme_create(
        membership=owner,
        fields={
            "title": "Child protection case files",
            "code": "CP-CFA",
            "scope": "cp",
            "template": template,
        },
    )
    reviewers = [_member(part, key) for key in ("anne.lawrie", "iain.drummond")]
    moderator = _member(part, "moira.ferguson")
    audit = None
    for spec in ROUNDS:
        audit = _round(part, programme, owner, reviewers, moderator, spec)
    assert audit is not None  # noqa: S101 (two rounds above)
    _learning(part, audit_detail(part, programme.audits.order_by("round")[0].pk), owner, moderator)
    return {"audit_rounds": len(ROUNDS)}


def _round(
    part: Partnership,
    programme: Any,
    owner: Membership,
    reviewers: list[Membership],
    moderator: Membership,
    spec: dict[str, Any],
) -> Audit:
    audit = audits.audit_create(
        programme,
        membership=owner,
        fields={
            "starts": D(spec["dates"][0]),
            "due": D(spec["dates"][1]),
            "scope_from": D(spec["scope"][0]),
            "scope_to": D(spec["scope"][1]),
            "sample_size": len(spec["grades"][0]),
            "moderator": moderator.person,
        },
        reviewers=[r.person for r in reviewers],
    )
    audit = audits.sample_draw(
        audit, membership=owner, expected_version=audit.version, seed=spec["seed"]
    )
    audit = audit_detail(part, audit.pk)
    questions = list(audit.template_version.questions.order_by("position"))
    cases = list(audit.cases.order_by("position"))
    for reviewer, by_case in zip(reviewers, spec["grades"], strict=True):
        for case, row in zip(cases, by_case, strict=False):
            grades = {q.pk: (g, "") for q, g in zip(questions, row, strict=True)}
            grading.grades_save(case, membership=reviewer, grades=grades)
    for case_index, question_index, grade, comment in spec["moderated"]:
        grading.moderation_save(
            cases[case_index],
            membership=moderator,
            question_id=questions[question_index].pk,
            grade=grade,
            comment=comment,
        )
    audit = audit_detail(part, audit.pk)
    audit = audits.audit_close(audit, membership=owner, expected_version=audit.version)
    # The story is set in 2020: the draw and the close happened on the round's dates.
    Audit.objects.filter(pk=audit.pk).update(
        sampled_at=_noon(spec["dates"][0]), closed_at=_noon(spec["dates"][1])
    )
    return audit


def _noon(day: str) -> dt.datetime:
    return dt.datetime.combine(D(day), dt.time(12), tzinfo=dt.UTC)


def _learning(part: Partnership, audit: Audit, owner: Membership, moderator: Membership) -> None:
    """Learning named against its quality indicator, so the evidence pack finds the action
    it created under that indicator."""
    indicators = {
        qi.reference: qi for qi in audit.programme.template.inspection.quality_indicators.all()
    }
    point = learning.learning_add(
        audit,
        membership=moderator,
        fields={
            "kind": "learning",
            "indicator": indicators["1.1"],
            "text": "In half the case files the chronology was missing or more than three months "
            "out of date, so reviewers could not see the pattern of concerns.",
        },
    )
    driver = Driver.objects.get(
        partnership=part, title__startswith="Children on the child protection"
    )
    learning.learning_to_action(
        point,
        membership=owner,
        expected_version=point.version,
        driver=driver,
        fields={
            "title": "By 31 March 2021, every child on the child protection register has a "
            "chronology updated within the last month.",
            "lead": moderator.person,
            "due": D("2021-03-31"),
        },
    )
    training = learning.learning_add(
        audit,
        membership=moderator,
        fields={
            "kind": "finding",
            "indicator": indicators["2.1"],
            "text": "Children's views were recorded but rarely shaped the plan.",
        },
    )
    learning.learning_to_training(
        training,
        membership=owner,
        expected_version=training.version,
        need="Direct work with children and writing their views into the plan",
        audience="Social workers, health visitors and school staff on core groups",
    )
