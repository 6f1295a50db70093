"""The permission matrix: every URL pattern × every role → the expected response.

Deny by default (SECURITY-BAR rows 2, 4, 13 and 16). Patterns are discovered from the root
URLconf, so a new view with no row in `EXPECTED` fails here until someone decides who may
see it. The same walk checks the security headers on every response, that a POST without
a CSRF token is refused everywhere, and that no GET writes a row.
"""

from __future__ import annotations

# --- reports (begin)
import hashlib

# --- reports (end)
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests import factories

# --- api (begin)
from tests.api.conftest import token_of

# --- api (end)
from tests.conftest import Cast, signed_in

# --- measures (begin)
from tests.measures.factories import FIRST_QUARTER
from tests.measures.factories import measure as make_measure

# --- measures (end)
from trellis.accounts.middleware import SIGNED_IN_AT
from trellis.accounts.models import Agency, Group, Membership

# --- api (begin)
from trellis.api.models import TokenUse
from trellis.api.registry import COLLECTIONS

# --- api (end)
from trellis.casedata.models import Snapshot

# --- measures (begin)
from trellis.measures.models import Annotation, Comparator, Measure, Observation

# --- measures (end)
# --- meetings (begin)
from trellis.meetings.models import Decision, Subject

# --- meetings (end)
from trellis.plans.models import (
    Action,
    Driver,
    Finding,
    Grade,
    Inspection,
    Milestone,
    Outcome,
    Plan,
    QualityIndicator,
)
from trellis.progress.evidence import evidence_add
from trellis.progress.models import Comment, Evidence, ProgressUpdate, ReportingPeriod

# --- reports (begin)
from trellis.reports.models import IssuedReport

# --- reports (end)

ROLES = ("anonymous", "admin", "owner", "lead", "analyst", "board", "inspector", "outsider")
MEMBERS = ("admin", "owner", "lead", "analyst", "board", "inspector")

# What a response is reduced to before it is compared with the matrix.
LOGIN = "302 to sign-in"
REDIRECT = "302 elsewhere"
Result = int | str
Response = Any  # the test client's response (HttpResponse plus test attributes)


# Sample objects of the cast's partnership, to fill in URL kwargs.


@dataclass
class World:
    cast: Cast
    plan: Plan
    outcome: Outcome
    driver: Driver
    action: Action  # led by cast.lead
    milestone: Milestone
    inspection: Inspection
    indicator: QualityIndicator
    finding: Finding
    agency: Agency
    group: Group
    membership: Membership  # the lead's
    period: ReportingPeriod  # the plan's first
    update: ProgressUpdate  # the sample action's draft for that period
    comment: Comment  # by the board member, on the sample action
    evidence: Evidence  # a link on the sample update
    evidence_file: Evidence  # a PDF on the sample update, stored under a tmp MEDIA_ROOT
    # --- measures (begin)
    measure: Measure  # evidences the sample action, so its lead may record figures
    observation: Observation  # the sample measure's figure for its first quarter
    annotation: Annotation  # a note on the sample measure's chart
    comparator: Comparator  # a series beside the sample measure
    # --- measures (end)
    # --- improvement (begin)
    project: Any  # the sample action run as an improvement project
    node: Any  # a change idea on its driver diagram
    cycle: Any  # a PDSA cycle of that change idea
    audit_template: Any  # an audit template with one question under the sample indicator
    question: Any
    programme: Any
    audit: Any  # a round being graded: cast.lead reviews it, cast.board moderates it
    case: Any  # its one sampled case
    learning: Any  # a learning point of it
    # --- improvement (end)
    snapshot: Snapshot  # an extract's record (no files: the page shows its manifest)
    # --- meetings (begin)
    decision: Decision  # by a board's group, about the sample action, with a follow-up
    # --- meetings (end)
    # --- transfer (begin)
    pending_import: Any  # the plan owner's import waiting for review
    # --- transfer (end)
    # --- reports (begin)
    issued: IssuedReport  # a board pack issued for the first period, as HTML
    # --- reports (end)

    @property
    def slug(self) -> str:
        return self.cast.partnership.slug


# --- measures (begin)
def measure_samples(cast: Cast, action: Action) -> dict[str, Any]:
    """The sample measure, evidencing `action`, with a figure, a chart note and a series."""
    sample = make_measure(
        cast,
        code="SAMPLE",
        values=[12],
        denominators=[30],
        first=FIRST_QUARTER,
        actions=[action],
        notes=[(FIRST_QUARTER, "New triage began")],
        comparators={"Scotland": [55]},
    )
    return {
        "measure": sample,
        "observation": sample.observations.get(),
        "annotation": sample.annotations.get(),
        "comparator": sample.comparators.get(),
    }


# --- measures (end)


# --- meetings (begin)
def meetings_samples(cast: Cast, action: Action) -> dict[str, Any]:
    board = Group.objects.create(partnership=cast.partnership, name="Corporate Parenting Board")
    return {
        "decision": Decision.objects.create(
            partnership=cast.partnership,
            plan=cast.plan,
            group=board,
            decided_on=FIRST_QUARTER,
            subject=Subject.ACTION,
            action=action,
            text="Agreed to fund two nurses",
            follow_up="Report back in March",
            recorded_by=cast.board,
        )
    }


# --- meetings (end)


# --- reports (begin)
def reports_samples(cast: Cast, period: ReportingPeriod) -> dict[str, Any]:
    content = b"<!DOCTYPE html><title>Board pack</title>"
    return {
        "issued": IssuedReport.objects.create(
            partnership=cast.partnership,
            plan=cast.plan,
            period=period,
            kind="board-pack",
            format="html",
            status=IssuedReport.Status.ISSUED,
            content=content,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            file_name="board-pack.html",
            requested_by=cast.owner,
        )
    }


# --- reports (end)


# --- improvement (begin)
def improvement_samples(cast: Cast, action: Action) -> dict[str, Any]:
    """The sample action's project, a change idea and one PDSA cycle (through the ORM)."""
    import datetime as dt

    from trellis.improvement.models import DriverNode, PdsaCycle, Project

    project = Project.objects.create(partnership=cast.partnership, action=action, aim="50%")
    node = DriverNode.objects.create(
        partnership=cast.partnership, project=project, kind="change", text="Same-day e-mail"
    )
    cycle = PdsaCycle.objects.create(
        partnership=cast.partnership,
        project=project,
        change_idea=node,
        number=1,
        title="Try it",
        plan_what="E-mail",
        prediction="Faster",
        plan_who="Duty team",
        plan_when=dt.date(2020, 1, 6),
    )
    return {"project": project, "node": node, "cycle": cycle}


def assurance_samples(cast: Cast, inspection: Inspection) -> dict[str, Any]:
    """A template, a programme and an open round with one case and one learning point."""
    import datetime as dt

    from trellis.improvement.models import (
        Audit,
        AuditProgramme,
        AuditTemplate,
        LearningPoint,
        Question,
        SampledCase,
        TemplateVersion,
    )

    part = cast.partnership
    indicator = QualityIndicator.objects.create(
        partnership=part, inspection=inspection, reference="1.1", title="Safety", grade=Grade.GOOD
    )
    template = AuditTemplate.objects.create(
        partnership=part, title="CP case file", inspection=inspection
    )
    version = TemplateVersion.objects.create(template=template, number=1, created_by=cast.owner)
    question = Question.objects.create(version=version, indicator=indicator, text="Seen alone?")
    programme = AuditProgramme.objects.create(
        partnership=part, title="CP case files", code="CP-CFA", scope="cp", template=template
    )
    audit = Audit.objects.create(
        partnership=part,
        programme=programme,
        round=1,
        template_version=version,
        starts=dt.date(2020, 10, 5),
        due=dt.date(2020, 10, 30),
        scope_from=dt.date(2020, 7, 1),
        scope_to=dt.date(2020, 9, 30),
        sample_size=1,
        moderator=cast.board,
        status=Audit.Status.OPEN,
    )
    audit.reviewers.set([cast.lead])
    return {
        "audit_template": template,
        "question": question,
        "programme": programme,
        "audit": audit,
        "case": SampledCase.objects.create(audit=audit, position=1, pseudonym="ab" * 32),
        "learning": LearningPoint.objects.create(
            partnership=part, audit=audit, kind="learning", text="Plans lack dates"
        ),
    }


# --- improvement (end)


# --- transfer (begin)
def transfer_samples(cast: Cast) -> dict[str, Any]:
    """An import the plan owner uploaded and has not finished reviewing."""
    from trellis.accounts.policy import membership_for
    from trellis.transfer.services import pending_import_create

    text = "Outcome\tKey driver\tAction\nSafe\tSeen weekly\tVisit every week\n"
    owner = membership_for(cast.owner, cast.partnership.slug)
    pending = pending_import_create(membership=owner, data=None, name="Pasted", text=text)
    return {"pending_import": pending}


# --- transfer (end)


@pytest.fixture
def world(cast: Cast, settings: Any, tmp_path: Any) -> World:
    settings.MEDIA_ROOT = tmp_path  # evidence files are written here
    part = cast.partnership
    action = Action.objects.filter(partnership=part, lead=cast.lead)[0]
    inspection = Inspection.objects.get(plans=cast.plan)
    update = factories.update(action)
    return World(
        cast=cast,
        plan=cast.plan,
        outcome=action.driver.outcome,
        driver=action.driver,
        action=action,
        milestone=action.milestones.all()[0],
        inspection=inspection,
        indicator=QualityIndicator.objects.create(
            partnership=part,
            inspection=inspection,
            reference="2.1",
            title="Impact on children",
            grade=Grade.GOOD,
        ),
        finding=Finding.objects.filter(inspection=inspection)[0],
        agency=Agency.objects.create(partnership=part, name="Riverside Council"),
        group=Group.objects.create(partnership=part, name="Chief Officers Group"),
        membership=Membership.objects.get(person=cast.lead, partnership=part),
        period=update.period,
        update=update,
        comment=Comment.objects.create(
            partnership=part, action=action, author=cast.board, body="Why is this amber?"
        ),
        evidence=Evidence.objects.create(
            partnership=part,
            update=update,
            title="Workshop notes",
            url="https://example.org/notes",
            added_by=cast.lead,
        ),
        evidence_file=evidence_add(
            membership=Membership.objects.get(person=cast.lead, partnership=part),
            update=update,
            title="Minutes",
            upload=SimpleUploadedFile("minutes.pdf", b"%PDF-1.4\n%%EOF\n"),
        ),
        # --- measures (begin)
        **measure_samples(cast, action),
        # --- measures (end)
        # --- improvement (begin)
        **improvement_samples(cast, action),
        **assurance_samples(cast, inspection),
        # --- improvement (end)
        snapshot=Snapshot.objects.create(
            partnership=part,
            uploaded_by=cast.analyst,
            extract_date=FIRST_QUARTER,
            covers_from=FIRST_QUARTER,
            source_name="extract.zip",
            status=Snapshot.Status.COMPUTED,
        ),
        # --- meetings (begin)
        **meetings_samples(cast, action),
        # --- meetings (end)
        # --- transfer (begin)
        **transfer_samples(cast),
        # --- transfer (end)
        # --- reports (begin)
        **reports_samples(cast, update.period),
        # --- reports (end)
    )


Kwargs = Callable[[World], dict[str, Any]]


def none(w: World) -> dict[str, Any]:
    return {}


def at(**objects: str) -> Kwargs:
    """A partnership URL: its slug, and each kwarg the pk of the named sample object,
    e.g. `at(pk="action")`."""
    return lambda w: {"slug": w.slug, **{k: getattr(w, v).pk for k, v in objects.items()}}


def reset_link(w: World) -> dict[str, Any]:
    """Well-formed but never issued: the confirm page says the link has expired."""
    uid = urlsafe_base64_encode(force_bytes(w.cast.owner.pk))
    return {"uidb64": uid, "token": "c0ffee-0123456789abcdef0123"}


# Rows of the matrix.


class Row(NamedTuple):
    kwargs: Kwargs
    expect: dict[str, Result]
    shows: str = ""  # text the 200 pages must contain


def public(status: Result = 200) -> dict[str, Result]:
    return dict.fromkeys(ROLES, status)


def members(default: Result, **by_role: Result) -> dict[str, Result]:
    """A page of the partnership: anonymous is sent to sign in, an outsider is told it does
    not exist, and each member gets `default` unless named."""
    return {"anonymous": LOGIN, **dict.fromkeys(MEMBERS, default), **by_role, "outsider": 404}


def everyone() -> dict[str, Result]:
    return members(200)


def owner_only() -> dict[str, Result]:
    return members(403, owner=200)


def admin_only() -> dict[str, Result]:
    return members(403, admin=200)


def owner_and_action_lead() -> dict[str, Result]:
    return members(403, owner=200, lead=200)


def signed_in_home() -> dict[str, Result]:
    return {**public(REDIRECT), "anonymous": LOGIN}


# --- api (begin)
API_COLLECTIONS = list(COLLECTIONS)
# --- api (end)


# fmt: off
EXPECTED: dict[str, Row] = {
    # Public pages, and the front door.
    "home":                       Row(none, signed_in_home()),
    "healthz":                    Row(none, public()),
    "accessibility":              Row(none, public()),
    "privacy":                    Row(none, public()),
    "accounts:sign-in":           Row(none, public()),
    "accounts:sign-out":          Row(none, public(405)),  # POST only
    "accounts:reset-request":     Row(none, public()),
    "accounts:reset-sent":        Row(none, public()),
    "accounts:reset-confirm":     Row(reset_link, public(), shows="has expired"),
    "accounts:reset-done":        Row(none, public()),
    # People and the directory: admins.
    "accounts:people":            Row(at(), admin_only()),
    "accounts:person-invite":     Row(at(), admin_only()),
    "accounts:person-edit":       Row(at(pk="membership"), admin_only()),
    "accounts:person-deactivate": Row(at(pk="membership"), admin_only()),
    "accounts:person-hand-over":  Row(at(pk="membership"), admin_only()),
    "accounts:directory":         Row(at(), admin_only()),
    "accounts:agency-create":     Row(at(), admin_only()),
    "accounts:agency-edit":       Row(at(pk="agency"), admin_only()),
    "accounts:group-create":      Row(at(), admin_only()),
    "accounts:group-edit":        Row(at(pk="group"), admin_only()),
    # --- mfa (begin)
    # The second step of signing in: only after the password, in the same session, so a
    # request without that half-way note (everyone here) is sent back to sign in.
    "accounts:sign-in-code":      Row(none, public(LOGIN)),
    "accounts:sign-in-set-up":    Row(none, public(LOGIN)),
    # Anyone signed in manages their own two-step sign-in (the outsider too).
    "accounts:security":          Row(none, {**public(), "anonymous": LOGIN},
                                      shows="Two-step sign-in"),
    "accounts:security-set-up":   Row(none, {**public(), "anonymous": LOGIN},
                                      shows="Set up two-step sign-in"),
    # Nobody in the cast has an app, so there are no codes to renew: back to the page.
    "accounts:recovery-codes":    Row(none, {**public(REDIRECT), "anonymous": LOGIN}),
    "accounts:person-mfa-reset":  Row(at(pk="membership"), admin_only()),
    "accounts:person-end-sessions": Row(at(pk="membership"), admin_only()),
    # --- mfa (end)
    # --- sso (begin)
    # Single sign-on: the sample partnership has no provider, so starting one, or the
    # provider's return with no flow started in this session, is sent back to sign in.
    # Set up by admins.
    "accounts:sso-start":         Row(at(), public(LOGIN)),
    "accounts:sso-callback":      Row(none, public(LOGIN)),
    "accounts:sso-settings":      Row(at(), admin_only(), shows="Single sign-on"),
    # --- sso (end)
    # Reading: every member.
    "plans:partnership-home":     Row(at(), everyone()),
    "plans:my-actions":           Row(at(), everyone()),
    "plans:inspection-list":      Row(at(), everyone()),
    "plans:inspection-detail":    Row(at(pk="inspection"), everyone()),
    "plans:plan-list":            Row(at(), everyone()),
    "plans:plan-detail":          Row(at(pk="plan"), everyone()),
    "plans:outcome-detail":       Row(at(pk="outcome"), everyone()),
    "plans:action-detail":        Row(at(pk="action"), everyone()),
    # The inspection: plan owners.
    "plans:inspection-create":    Row(at(), owner_only()),
    "plans:inspection-edit":      Row(at(pk="inspection"), owner_only()),
    "plans:indicator-create":     Row(at(inspection_pk="inspection"), owner_only()),
    "plans:indicator-edit":       Row(at(pk="indicator"), owner_only()),
    "plans:finding-create":       Row(at(inspection_pk="inspection"), owner_only()),
    "plans:finding-edit":         Row(at(pk="finding"), owner_only()),
    # The plan: plan owners.
    "plans:plan-create":          Row(at(), owner_only()),
    "plans:plan-edit":            Row(at(pk="plan"), owner_only()),
    "plans:plan-turn":            Row(at(pk="plan"), owner_only()),
    "plans:outcome-create":       Row(at(plan_pk="plan"), owner_only()),
    "plans:outcome-edit":         Row(at(pk="outcome"), owner_only()),
    "plans:driver-create":        Row(at(outcome_pk="outcome"), owner_only()),
    "plans:driver-edit":          Row(at(pk="driver"), owner_only()),
    "plans:action-create":        Row(at(driver_pk="driver"), owner_only()),
    "plans:action-edit":          Row(at(pk="action"), owner_only()),
    # Milestones: plan owners, and the action's lead (the sample action is cast.lead's).
    "plans:milestone-create":     Row(at(action_pk="action"), owner_and_action_lead()),
    "plans:milestone-edit":       Row(at(pk="milestone"), owner_and_action_lead()),
    # Progress cycle: updates and their history.
    "progress:update-write":      Row(at(action_pk="action", period_pk="period"),
                                      owner_and_action_lead()),
    "progress:update-detail":     Row(at(pk="update"), everyone()),
    "progress:update-history":    Row(at(pk="update"), everyone()),
    "progress:update-accept":     Row(at(pk="update"), public(405)),  # POST only
    "progress:update-return":     Row(at(pk="update"), public(405)),  # POST only
    # (end of updates rows)
    # Progress cycle: reporting periods.
    "progress:period-list":       Row(at(plan_pk="plan"), everyone()),
    "progress:period-close":      Row(at(pk="period"), owner_only()),
    "progress:period-reopen":     Row(at(pk="period"), admin_only()),
    # (end of periods rows)
    # Progress cycle: evidence.
    "progress:evidence-add":      Row(at(update_pk="update"), owner_and_action_lead()),
    "progress:evidence-download": Row(at(pk="evidence_file"), everyone()),
    "progress:evidence-delete":   Row(at(pk="evidence"), owner_and_action_lead()),
    # (end of evidence rows)
    # Progress cycle: challenge comments.
    # Owners and board members comment, the action's lead (cast.lead) replies.
    "progress:comment-add":       Row(at(action_pk="action"),
                                      members(403, owner=200, board=200, lead=200)),
    "progress:comment-edit":      Row(at(pk="comment"), members(403, board=200)),  # its author
    "progress:comment-history":   Row(at(pk="comment"), everyone()),
    # (end of comments rows)
    # Progress cycle: the plan owner's overview.
    "progress:overview":          Row(at(plan_pk="plan"), everyone(), shows="Progress overview"),
    "progress:overview-csv":      Row(at(plan_pk="plan"), everyone()),
    # (end of overview rows)
    # Progress cycle: reminders and the person's own settings.
    # Not under /p/<slug>/: anyone signed in, the outsider too, sees their own settings.
    "progress:account-settings":  Row(none, {**public(), "anonymous": LOGIN}, shows="Your settings"),  # noqa: E501
    # (end of reminders rows)
    # --- measures (begin)
    # Measures: every member reads them; owners and analysts define them, their targets and
    # series, and remove notes and series; figures and chart notes may also be added by the
    # leads of the aims a measure evidences (the sample measure evidences cast.lead's action).
    "measures:measure-list":        Row(at(), everyone(), shows="SAMPLE"),
    "measures:plan-board":          Row(at(pk="plan"), everyone(), shows="SAMPLE"),
    "measures:measure-detail":      Row(at(pk="measure"), everyone(), shows='role="img"'),
    "measures:observation-history": Row(at(pk="observation"), everyone()),
    "measures:measure-create":      Row(at(), members(403, owner=200, analyst=200)),
    "measures:measure-edit":        Row(at(pk="measure"), members(403, owner=200, analyst=200)),
    "measures:targets-edit":        Row(at(pk="measure"), members(403, owner=200, analyst=200)),
    "measures:comparator-add":      Row(at(pk="measure"), members(403, owner=200, analyst=200)),
    "measures:annotation-remove":   Row(at(pk="annotation"),
                                        members(403, owner=200, analyst=200)),
    "measures:comparator-remove":   Row(at(pk="comparator"),
                                        members(403, owner=200, analyst=200)),
    "measures:observation-add":     Row(at(pk="measure"),
                                        members(403, owner=200, analyst=200, lead=200)),
    "measures:observation-edit":    Row(at(pk="observation"),
                                        members(403, owner=200, analyst=200, lead=200)),
    "measures:paste":               Row(at(pk="measure"),
                                        members(403, owner=200, analyst=200, lead=200)),
    "measures:annotation-add":      Row(at(pk="measure"),
                                        members(403, owner=200, analyst=200, lead=200)),
    # --- measures (end)
    # --- meetings (begin)
    # Decisions: every member reads them; admins, plan owners and board members record and
    # correct them; the aim a decision asks for is created by plan owners (the plan's rule).
    "meetings:decision-log":        Row(at(), everyone(), shows="Decision log"),
    "meetings:decision-detail":     Row(at(pk="decision"), everyone(), shows="Agreed to fund"),
    "meetings:decision-edit":       Row(at(pk="decision"),
                                        members(403, admin=200, owner=200, board=200)),
    "meetings:decision-action":     Row(at(pk="decision"), owner_only()),
    "meetings:decision-on-action":  Row(at(action_pk="action"),
                                        members(403, admin=200, owner=200, board=200)),
    "meetings:decision-on-thread":  Row(at(action_pk="action"),
                                        members(403, admin=200, owner=200, board=200)),
    "meetings:decision-on-measure": Row(at(measure_pk="measure"),
                                        members(403, admin=200, owner=200, board=200)),
    "meetings:meeting-list":        Row(at(), everyone(), shows="Chief Officers Group"),
    "meetings:meeting":             Row(at(group_pk="group"), everyone(),
                                        shows="Chief Officers Group"),
    # --- meetings (end)
    # --- reports (begin)
    # Issued reports carry only what the board may read: every member reads and downloads
    # them; plan owners issue them, analysts the data summary (a POST on the same page,
    # tested in tests/reports/test_issued.py).
    "reports:plan-reports":         Row(at(plan_pk="plan"), everyone(), shows="Issued reports"),
    # The milestones the dashboard lists only the first of: every member, as the dashboard.
    "reports:plan-milestones":      Row(at(plan_pk="plan"), everyone(),
                                        shows="Milestones overdue and due soon"),
    "reports:issued-download":      Row(at(pk="issued"), everyone()),
    "reports:issued-view":          Row(at(pk="issued"), everyone(), shows="Board pack"),
    # --- reports (end)
    # --- improvement (begin)
    # Improvement projects: every member reads them; the action's lead (and deputies) and
    # plan owners edit the charter, diagram and cycles; owners record approval; only the
    # lead confirms the progress score. The sample action already has its project, so
    # starting one sends its editors to it.
    "improvement:project-list":     Row(at(), everyone(), shows="Improvement projects"),
    "improvement:project-create":   Row(at(action_pk="action"),
                                        members(403, owner=REDIRECT, lead=REDIRECT)),
    "improvement:project-detail":   Row(at(pk="project"), everyone(), shows="Charter"),
    "improvement:project-edit":     Row(at(pk="project"), owner_and_action_lead()),
    "improvement:project-approve":  Row(at(pk="project"), owner_only()),
    "improvement:score-confirm":    Row(at(pk="project"), members(403, lead=200)),
    "improvement:node-create":      Row(at(project_pk="project"), owner_and_action_lead()),
    "improvement:node-edit":        Row(at(pk="node"), owner_and_action_lead()),
    "improvement:node-delete":      Row(at(pk="node"), owner_and_action_lead()),
    "improvement:cycle-create":     Row(at(project_pk="project"), owner_and_action_lead()),
    "improvement:cycle-detail":     Row(at(pk="cycle"), everyone(), shows="PDSA 1"),
    "improvement:cycle-edit":       Row(at(pk="cycle"), owner_and_action_lead()),
    # Quality assurance: every member reads the programme and results; plan owners set up
    # templates, programmes and rounds and close them; owners and analysts draw samples;
    # the round's reviewer (cast.lead) grades and its moderator (cast.board) moderates and
    # records learning, as owners do; owners turn learning into actions or training.
    "improvement:audit-home":       Row(at(), everyone(), shows="Audit programme"),
    "improvement:template-create":  Row(at(), owner_only()),
    "improvement:template-detail":  Row(at(pk="audit_template"), everyone(), shows="Seen alone?"),
    "improvement:question-create":  Row(at(template_pk="audit_template"), owner_only()),
    "improvement:question-edit":    Row(at(pk="question"), owner_only()),
    "improvement:question-remove":  Row(at(pk="question"), owner_only()),
    "improvement:indicator-evidence": Row(at(), everyone(), shows="1.1 Safety"),
    "improvement:outcome-diagram":  Row(at(pk="outcome"), everyone(), shows="Same-day e-mail"),
    "improvement:programme-create": Row(at(), owner_only()),
    "improvement:audit-create":     Row(at(programme_pk="programme"), owner_only()),
    "improvement:audit-detail":     Row(at(pk="audit"), everyone(), shows="Results by quality"),
    "improvement:audit-edit":       Row(at(pk="audit"), owner_only()),
    "improvement:sample-draw":      Row(at(pk="audit"), members(403, owner=200, analyst=200)),
    "improvement:audit-close":      Row(at(pk="audit"), owner_only()),
    "improvement:case-grade":       Row(at(pk="case"), members(403, lead=200)),
    "improvement:case-moderate":    Row(at(pk="case"), members(403, board=200)),
    "improvement:question-moderate": Row(at(pk="case", question_pk="question"),
                                         members(403, board=200)),
    "improvement:learning-add":     Row(at(audit_pk="audit"), members(403, owner=200, board=200)),
    "improvement:learning-action":  Row(at(pk="learning"), owner_only()),
    "improvement:learning-training": Row(at(pk="learning"), owner_only()),
    # --- improvement (end)
    # --- transfer (begin)
    # Importing builds a plan, so it is for plan owners; an import is seen only by the
    # person who uploaded it. Every member may export a plan they can read.
    "transfer:import":              Row(at(), owner_only(), shows="Import a plan"),
    "transfer:review":              Row(at(pk="pending_import"), owner_only(),
                                        shows="Check the import"),
    "transfer:discard":             Row(at(pk="pending_import"), public(405)),  # POST only
    "transfer:export":              Row(at(pk="plan"), everyone(), shows="Export the plan"),
    "transfer:download":            Row(lambda w: {"slug": w.slug, "pk": w.plan.pk,
                                                   "fmt": "json"}, everyone()),
    # --- transfer (end)
    # --- api (begin)
    # The API: its document and reference are public; the token page is anyone's own. A
    # collection answers every member (JSON and CSV), 401 without credentials and 404 to an
    # outsider; writes are POST only. `test_api_answers_a_token_as_it_answers_a_session`
    # walks the same rows with each role's token.
    "api:openapi":                  Row(none, public()),
    "api:reference":                Row(none, public(), shows="API reference"),
    "api:tokens":                   Row(none, {**public(), "anonymous": LOGIN},
                                        shows="Create a token"),
    "api:token-revoke":             Row(lambda w: {"pk": 1}, public(405)),  # POST only
    "api:partnerships":             Row(none, {**public(), "anonymous": 401}),
    **{
        f"api:{name}{suffix}": Row(at(), {**everyone(), "anonymous": 401})
        for name in API_COLLECTIONS
        for suffix in ("", "-csv")
    },
    "api:update-submit":            Row(at(pk="update"), public(405)),  # POST only
    "api:observation-save":         Row(at(pk="measure"), public(405)),  # POST only
    "api:milestone-complete":       Row(at(pk="milestone"), public(405)),  # POST only
    # --- api (end)
    # Case-level data: analysts only (the one role that sees record-level data).
    "casedata:data-home":           Row(at(), members(403, analyst=200), shows="Upload and check"),
    "casedata:report-csv":          Row(at(), members(403, analyst=200)),
    "casedata:snapshot":            Row(at(pk="snapshot"), members(403, analyst=200),
                                        shows="extract.zip"),
    # The sample figure was entered by hand, so it has no records behind it.
    "casedata:figure-records":      Row(at(pk="observation"), members(403, analyst=404)),
}
# fmt: on


# Discovery and the walk.


def url_patterns() -> Iterator[tuple[str, str]]:
    """(namespaced name, full route) of every pattern in the root URLconf."""

    def walk(patterns: list[Any], prefix: str, namespaces: list[str]) -> Iterator[tuple[str, str]]:
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, route, [*namespaces, *filter(None, [p.namespace])])
            elif isinstance(p, URLPattern):
                yield ":".join([*namespaces, p.name or f"<unnamed {route}>"]), route

    return walk(get_resolver().url_patterns, "", [])


def outcome(response: Response) -> Result:
    if response.status_code == 302:
        sign_in = reverse("accounts:sign-in")
        return LOGIN if response["Location"].startswith(sign_in) else REDIRECT
    return response.status_code


def clients(cast: Cast) -> dict[str, Client]:
    return {role: signed_in(person) for role, person in cast.by_role().items()}


class Visit(NamedTuple):
    name: str
    role: str
    url: str
    response: Response


def get_every_url(world: World) -> Iterator[Visit]:
    """GET every discovered pattern as every role. Patterns missing from EXPECTED are the
    caller's concern (they are skipped here)."""
    by_role = clients(world.cast)
    for name, _route in url_patterns():
        row = EXPECTED.get(name)
        if row is None:
            continue
        url = reverse(name, kwargs=row.kwargs(world))
        for role in ROLES:
            yield Visit(name, role, url, by_role[role].get(url))


def missing_from_matrix() -> list[str]:
    return [
        f"{name} ({route}): add it to EXPECTED"
        for name, route in url_patterns()
        if name not in EXPECTED
    ]


def header_problems(response: Response) -> list[str]:
    problems = [
        f"{header}: {response.get(header)!r}, want {want!r}"
        for header, want in (
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "same-origin"),
            ("Cross-Origin-Opener-Policy", "same-origin"),
            ("X-Frame-Options", "DENY"),
        )
        if response.get(header) != want
    ]
    if "no-store" not in response.get("Cache-Control", ""):
        problems.append(f"Cache-Control: {response.get('Cache-Control')!r}, want no-store")
    csp = response.get("Content-Security-Policy", "")
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    for directive, value in (
        ("default-src", "'self'"),
        ("object-src", "'none'"),
        ("base-uri", "'none'"),
        ("frame-ancestors", "'none'"),
    ):
        if value not in directives.get(directive, []):
            problems.append(f"CSP {directive} lacks {value}: {csp!r}")
    script_src = directives.get("script-src", [])
    if not script_src or {"'unsafe-inline'", "'unsafe-eval'"} & set(script_src):
        problems.append(f"CSP script-src missing or unsafe: {csp!r}")
    # A page with scripts must allow exactly its own, by nonce. (A redirect or a text
    # response carries no nonce: its script-src is 'self' alone, which is stricter.)
    page_nonces = set(re.findall(rb'<script[^>]*\bnonce="([^"]*)"', response.content))
    header_nonces = {s[len("'nonce-") : -1].encode() for s in script_src if s.startswith("'nonce-")}
    if b"<script" in response.content and (not header_nonces or page_nonces != header_nonces):
        problems.append(f"scripts {page_nonces} not allowed by nonce {header_nonces}")
    return problems


def row_counts() -> dict[str, int]:
    """Rows of every table of Trellis's own apps, many-to-many tables included. Rate-limit
    counters are left out: a GET of a download is counted there on purpose."""
    return {
        model._meta.db_table: model._default_manager.count()
        for label in ("accounts", "plans", "audit")
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        if model._meta.label_lower != "accounts.rateevent"
    }


# The tests.


def test_every_url_pattern_has_a_row_in_the_matrix() -> None:
    missing = missing_from_matrix()
    assert not missing, "URL patterns with no permission row:\n" + "\n".join(missing)
    stale = set(EXPECTED) - {name for name, _ in url_patterns()}
    assert not stale, f"EXPECTED rows for patterns that no longer exist: {sorted(stale)}"


def test_every_role_gets_the_expected_response_with_security_headers_on_every_url(
    world: World,
) -> None:
    mismatches = missing_from_matrix()
    visits = 0
    for name, role, url, response in get_every_url(world):
        visits += 1
        row = EXPECTED[name]
        want, got = row.expect[role], outcome(response)
        if got != want:
            mismatches.append(f"{name} as {role} ({url}): expected {want}, got {got}")
        if got == 200 and row.shows and row.shows.encode() not in response.content:
            mismatches.append(f"{name} as {role}: page does not show {row.shows!r}")
        mismatches += [f"{name} as {role}: {p}" for p in header_problems(response)]
    patterns = len(list(url_patterns()))
    print(f"{patterns} patterns × {len(ROLES)} roles, {len(mismatches)} mismatches")
    assert visits == len(EXPECTED) * len(ROLES)
    assert not mismatches, f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches)


def test_a_post_without_a_csrf_token_is_refused_everywhere_and_writes_nothing(
    world: World,
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.cast.owner)
    session = client.session
    session[SIGNED_IN_AT] = time.time()  # as signed_in() does
    session.save()
    # Plausible form data, so that a missing check would have something to save.
    data = {
        "title": "Written without a token",
        "name": "Written without a token",
        "text": "Written without a token",
        "email": "csrf@example.org",
        "full_name": "Cross Site",
        "roles": ["owner"],
        "successor": world.cast.owner.pk,
        "version": "1",
    }
    before = row_counts()
    refused = []
    for name, row in EXPECTED.items():
        url = reverse(name, kwargs=row.kwargs(world))
        response = client.post(url, data)
        if response.status_code != 403 or b"Your form expired" not in response.content:
            refused.append(f"{name} ({url}): {response.status_code}")
    assert not refused, "POST without a CSRF token was not refused:\n" + "\n".join(refused)
    assert row_counts() == before
    # Sign-out was refused too: the owner is still signed in.
    assert outcome(client.get(reverse("plans:partnership-home", args=[world.slug]))) == 200


def test_a_get_of_every_url_as_every_role_writes_no_rows(world: World) -> None:
    before = row_counts()
    for _visit in get_every_url(world):
        pass
    after = row_counts()
    changed = {
        table: (before[table], after[table]) for table in before if before[table] != after[table]
    }
    assert not changed, f"GET changed row counts: {changed}"


# --- api (begin)
def test_api_answers_a_token_as_it_answers_a_session(world: World) -> None:
    """Every API row again, each member sending their own token instead of a cookie: the
    same answer (a token never reaches more than its owner), and each use logged by name."""
    mismatches = []
    tokens = {
        role: token_of(person, "write", name=f"matrix {role}")
        for role, person in world.cast.by_role().items()
        if person is not None
    }
    visits = 0
    for name, row in EXPECTED.items():
        if not name.startswith("api:") or name in ("api:tokens", "api:token-revoke"):
            continue
        url = reverse(name, kwargs=row.kwargs(world))
        for role, secret in tokens.items():
            visits += 1
            response = Client().get(url, headers={"Authorization": f"Bearer {secret}"})
            if response.status_code != row.expect[role]:
                mismatches.append(f"{name} as {role}: {response.status_code}")
            mismatches += [f"{name} as {role}: {p}" for p in header_problems(response)]
    print(f"{visits} API requests with tokens, {len(mismatches)} mismatches")
    assert not mismatches, "\n".join(mismatches)
    logged = TokenUse.objects.filter(token_name="matrix board", path__startswith="/api/v1/p/")
    assert logged.count() == len([n for n in EXPECTED if n.startswith("api:")]) - 5


# --- api (end)
