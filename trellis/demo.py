"""A fictional demo partnership, "Riverside", built in the project's own words.

Everything here is invented: the people, the inspection and the plan. It shows a partnership
part-way through its first improvement plan after a joint inspection, so every screen has
something real-looking to show. `build_demo` is used by the `trellis demo` command.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from trellis.accounts.models import Agency, Group, Membership, Nation, Partnership, Person, Role
from trellis.audit.services import audit_append
from trellis.demo_casedata import build_casedata, demo_snapshot_folders
from trellis.demo_measures import build_measures
from trellis.demo_updates import build_updates
from trellis.improvement.demo import build_improvement
from trellis.meetings.demo import build_decisions
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
from trellis.startup import DEMO_DOMAIN

DEMO_SLUG = "riverside"
DEMO_PASSWORD = "Stretch-Outcome-2019"  # noqa: S105 (a published demo password, by design)

PARTNERSHIP = {
    "name": "Riverside Children's Services Partnership",
    "slug": DEMO_SLUG,
    "nation": Nation.SCOTLAND,
}

# key: (name, short name)
AGENCIES: dict[str, tuple[str, str]] = {
    "csw": ("Riverside Council – Children's Social Work", "CSW"),
    "education": ("Riverside Council – Education and Learning", "Education"),
    "health": ("NHS Riverside Health Board", "NHS"),
    "police": ("Police Scotland – Riverside Division", "Police"),
    "reporter": ("Children's Reporter – Riverside Locality", "SCRA"),
    "voluntary": ("Riverside Third Sector Children's Alliance", "Third sector"),
}

# The six sign-ins, one a role: role -> (full name, job title, agency key or None).
ROLE_PEOPLE: dict[str, tuple[str, str, str | None]] = {
    Role.ADMIN: ("Priya Nair", "Improvement Programme Manager", "csw"),
    Role.OWNER: ("Fiona Strachan", "Chief Social Work Officer", "csw"),
    Role.LEAD: ("Callum Reid", "Service Manager – Looked After Children and Care Leavers", "csw"),
    Role.ANALYST: ("Mei Chen", "Head of Business Intelligence", "csw"),
    Role.BOARD: ("Graham Baird", "Chief Executive, Riverside Council (COG Chair)", "csw"),
    # The regulator is not a partner agency, so the inspector belongs to none.
    Role.INSPECTOR: ("Ruth Okafor", "Strategic Inspector, Care Inspectorate", None),
}

# Further people: e-mail local part -> (full name, job title, agency key, role).
OTHER_PEOPLE: dict[str, tuple[str, str, str, str]] = {
    "moira.ferguson": ("Moira Ferguson", "Independent CPC Chair", "csw", Role.LEAD),
    "david.ritchie": ("David Ritchie", "IJB Chief Officer", "health", Role.LEAD),
    "anne.lawrie": ("Anne Lawrie", "Lead Nurse – Looked After Children", "health", Role.LEAD),
    "iain.drummond": (
        "Iain Drummond",
        "Detective Superintendent, Public Protection",
        "police",
        Role.LEAD,
    ),
    "shona.mckenzie": ("Shona McKenzie", "Head of Inclusion", "education", Role.LEAD),
    "euan.barclay": ("Euan Barclay", "Locality Reporter Manager", "reporter", Role.LEAD),
    "nadia.hussain": ("Nadia Hussain", "Chief Executive", "voluntary", Role.LEAD),
    "martin.kerr": ("Martin Kerr", "Chief Education Officer", "education", Role.BOARD),
}

# (name, short name, chair: a role or an e-mail local part)
GROUPS: tuple[tuple[str, str, str], ...] = (
    ("Chief Officers Group", "COG", Role.BOARD),
    ("Integrated Children's Services Board", "ICS Board", Role.OWNER),
    ("Child Protection Committee", "CPC", "moira.ferguson"),
    ("Corporate Parenting Improvement Group", "CPIG", Role.LEAD),
)

# Who sits on each group (by short name), chairs included: restricted updates are read by
# a group's members, so the police detail restricted to the CPC reaches the CPC.
GROUP_MEMBERS: dict[str, tuple[str, ...]] = {
    "COG": (Role.BOARD, "martin.kerr", "david.ritchie", Role.OWNER, "iain.drummond"),
    "ICS Board": (Role.OWNER, Role.ADMIN, "david.ritchie", "shona.mckenzie", "nadia.hussain"),
    "CPC": ("moira.ferguson", "iain.drummond", Role.OWNER, "anne.lawrie", "euan.barclay"),
    "CPIG": (Role.LEAD, "anne.lawrie", "shona.mckenzie", "nadia.hussain", Role.ANALYST),
}

INSPECTION = {
    "regulator": "Care Inspectorate",
    "title": "Joint inspection of services for children at risk of harm in Riverside",
    "fieldwork_start": dt.date(2019, 4, 29),
    "fieldwork_end": dt.date(2019, 6, 7),
    "published": dt.date(2019, 9, 3),
}

QUALITY_INDICATORS: tuple[tuple[str, str], ...] = (
    ("1.1", "Improvements in the safety, wellbeing and life chances of vulnerable children"),
    ("2.1", "Impact on children and young people"),
    ("2.2", "Impact on families"),
    ("9.1–9.4", "Leadership and direction"),
)

STRENGTHS: tuple[str, ...] = (
    "Staff in every agency knew the children they worked with well and built trusting, "
    "lasting relationships with them and their families.",
    "Concerns about children's safety were recognised quickly, and joint discussions between "
    "police, social work and health led to prompt, shared decisions.",
    "Chief officers and the Child Protection Committee gave visible, confident leadership to "
    "keeping children safe.",
    "Families valued early help from schools, health visitors and voluntary organisations, which "
    "often meant statutory measures were not needed.",
    "Young people's views shaped services, through an active champions board and independent "
    "advocacy offered to every looked-after child.",
)

# key -> text; drivers name the areas they answer by key.
AREAS: dict[str, str] = {
    "corporate-parenting": "Leaders' oversight of corporate parenting is not yet as strong as "
    "their oversight of child protection.",
    "outcomes-data": "There is too little outcomes data to show whether things are improving for "
    "looked-after children, particularly those looked after at home and care leavers.",
    "health": "The health needs of looked-after children are not always assessed in good time, "
    "and there are gaps in support for their emotional health.",
}

PLAN = {
    "title": "Children's Services Improvement Plan 2019–2020",
    "theme": "Prosperous People: Children (LOIP)",
    "starts": dt.date(2019, 10, 1),
    "ends": dt.date(2020, 10, 31),
    "status": Plan.Status.ACTIVE,
}

START = dt.date(2019, 10, 1)
END = dt.date(2020, 10, 31)
IN_PROGRESS = Action.Status.IN_PROGRESS
COMPLETE = Action.Status.COMPLETE
NOT_STARTED = Action.Status.NOT_STARTED


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# The plan as a tree: outcomes -> drivers -> actions -> milestones. People are named by role
# or e-mail local part (looked up as plain strings: a Role hashes unlike its value);
# milestones are (title, due, done or ""[, revised due, reason]).
OUTCOMES: tuple[dict[str, Any], ...] = (
    {
        "title": "Children who need protection are recognised and responded to quickly and well, "
        "wherever they first come to our attention.",
        "not_applicable_reason": "The inspection found this a strength and named no area for "
        "improvement. The Child Protection Committee's own business plan keeps this work going.",
        "drivers": (),
    },
    {
        "title": "At all times, children who have experienced abuse and neglect are helped to "
        "stay safe, stay healthy and recover.",
        "drivers": (
            {
                "title": "The health needs of looked-after children are assessed in good time "
                "and met.",
                "areas": ("health",),
                "actions": (
                    {
                        "title": "By 30 Sep 2020, 50% of looked-after children have an initial "
                        "health assessment within 4 weeks of becoming accommodated; 75% by "
                        "30 Sep 2021; 90% by 30 Sep 2022.",
                        "key_measure": "Share of initial health assessments completed within "
                        "4 weeks of accommodation: 50% by 30 Sep 2020, 75% by 30 Sep 2021, "
                        "90% by 30 Sep 2022 (BIU, quarterly).",
                        "lead_responsibility": "IJB Chief Officer and Chief Social Work Officer",
                        "lead": "anne.lawrie",
                        "deputies": (Role.OWNER,),
                        "due": "2022-09-30",
                        "status": IN_PROGRESS,
                        "latest_progress": "Sep 2020: NHS – 17 of 31 children accommodated "
                        "this year (55%) had their assessment within 4 weeks, up from 38% in "
                        "2019. CSW – notification to the LAC nursing team now sent on the day "
                        "a child is accommodated.",
                        "milestones": (
                            (
                                "Same-day notification from CSW to LAC nurses agreed",
                                "2019-12-31",
                                "2019-12-12",
                            ),
                            ("50% assessed within 4 weeks", "2020-09-30", "2020-09-30"),
                            ("75% assessed within 4 weeks", "2021-09-30", ""),
                            ("90% assessed within 4 weeks", "2022-09-30", ""),
                        ),
                    },
                ),
            },
            {
                "title": "Children and young people get timely support for their emotional "
                "health and wellbeing.",
                "areas": ("health",),
                "actions": (
                    {
                        "title": "By 31 Mar 2020, a multi-agency emotional wellbeing pathway for "
                        "looked-after children and care leavers is agreed and in use.",
                        "key_measure": "Pathway agreed by the ICS Board; weeks from referral to "
                        "first support, reported quarterly.",
                        "lead_responsibility": "IJB Chief Officer",
                        "lead": "david.ritchie",
                        "deputies": ("nadia.hussain",),
                        "due": "2020-03-31",
                        "status": IN_PROGRESS,
                        "latest_progress": "Aug 2020: NHS – pathway agreed by the ICS Board in "
                        "March; median wait from referral to first support 9 weeks (was 18). "
                        "Third sector – counselling for care leavers extended to age 26.",
                        "milestones": (
                            ("Pathway agreed by ICS Board", "2020-03-31", "2020-03-19"),
                        ),
                    },
                ),
            },
            {
                "title": "Children on the child protection register are seen and heard regularly, "
                "including when services are disrupted.",
                "areas": (),
                "actions": (
                    {
                        "title": "Every child on the child protection register is seen face to "
                        "face by their key worker at least once a week.",
                        "key_measure": "Share of children on the CP register seen face to face "
                        "each week (BIU weekly return).",
                        "lead_responsibility": "CPC Chair",
                        "lead": "moira.ferguson",
                        "deputies": ("iain.drummond",),
                        "starts": "2020-03-23",
                        "status": IN_PROGRESS,
                        "latest_progress": "Jun 2020: CPC – weekly returns since March; 95% of "
                        "children on the register seen face to face each week during lockdown, "
                        "the rest by video with a visit within 10 days. Police – joint visits "
                        "with CSW where risk rose.",
                    },
                    {
                        "title": "Every looked-after child reported missing has a return "
                        "discussion within 72 hours of coming home.",
                        "key_measure": "Share of missing episodes followed by a return "
                        "discussion within 72 hours.",
                        "lead_responsibility": "Detective Superintendent, Public Protection & "
                        "Service Manager – LAC",
                        "lead": "iain.drummond",
                        "status": IN_PROGRESS,
                        "latest_progress": "Sep 2020: Police – 41 missing episodes this "
                        "quarter, 34 (83%) with a return discussion in 72 hours. CSW – "
                        "residential staff trained to hold the discussions.",
                        "milestones": (
                            ("Joint return-discussion protocol signed", "2020-01-31", "2020-02-10"),
                        ),
                    },
                ),
            },
        ),
    },
    {
        "title": "The wellbeing of looked-after children is as good as it can be, wherever "
        "they live.",
        "drivers": (
            {
                "title": "Leaders oversee corporate parenting as closely as they oversee child "
                "protection.",
                "areas": ("corporate-parenting",),
                "actions": (
                    {
                        "title": "Hold a multi-agency corporate parenting workshop by 30 Nov 2019 "
                        "and take an improvement charter from it to the Corporate Parenting "
                        "Improvement Group in Dec 2019.",
                        "key_measure": "A multi-agency workshop by 30 Nov 2019; an improvement "
                        "charter to the Corporate Parenting Improvement Group in Dec 2019.",
                        "lead_responsibility": "ICS Board Chair & Corporate Parenting "
                        "Improvement Group Chair",
                        "lead": Role.LEAD,
                        "due": "2019-12-31",
                        "status": COMPLETE,
                        "latest_progress": "Dec 2019: CSW – workshop held 21 Nov with 46 people "
                        "from all six agencies and 8 care-experienced young people. Charter "
                        "agreed by the Improvement Group on 17 Dec.",
                        "milestones": (
                            ("Multi-agency workshop held", "2019-11-30", "2019-11-21"),
                            (
                                "Improvement charter to the Corporate Parenting Improvement Group",
                                "2019-12-31",
                                "2019-12-17",
                            ),
                        ),
                    },
                ),
            },
            {
                "title": "Children looked after at home do as well as children looked after "
                "in other settings.",
                "areas": ("outcomes-data",),
                "actions": (
                    {
                        "title": "Close the gap in attendance, exclusions and attainment between "
                        "children looked after at home and those looked after elsewhere.",
                        "linked_plan": "LOIP Outcome 4",
                        "linked_plan_version": "2019 refresh",
                        "key_measure": "Attendance, exclusions and leavers' attainment for "
                        "children looked after at home against other looked-after children.",
                        "lead_responsibility": "Chief Education Officer & Head of Inclusion",
                        "lead": "shona.mckenzie",
                        "deputies": ("martin.kerr",),
                        "status": IN_PROGRESS,
                        "latest_progress": "Jun 2020: Education – attendance of children looked "
                        "after at home 86% against 93% for those in foster care (gap 7 points, "
                        "was 11). No exclusions since January.",
                    },
                ),
            },
            {
                "title": "More children live in family-based care close to home.",
                "areas": (),
                "actions": (
                    {
                        "title": "Shift the balance of care towards family-based care and cut "
                        "out-of-area placements by a fifth by 31 Oct 2020.",
                        "key_measure": "Balance of care (at home, with kin, foster, residential) "
                        "and out-of-area placements, reported quarterly by the BIU.",
                        "lead_responsibility": "Chief Social Work Officer",
                        "lead": Role.LEAD,
                        "status": IN_PROGRESS,
                        "latest_progress": "Sep 2020: CSW – at home 22%, with kin 19%, foster "
                        "care 46%, residential 10% (+2, +1, 0 and -3 points on last year). "
                        "Out-of-area placements down from 15 to 12.",
                        "milestones": (
                            (
                                "Placement commissioning review reported to ICS Board",
                                "2020-03-31",
                                "2020-04-28",
                            ),
                        ),
                    },
                ),
            },
            {
                "title": "Children who receive short breaks have plans that are reviewed and up "
                "to date.",
                "areas": (),
                "actions": (
                    {
                        "title": "By 30 Sep 2020, 100% of children receiving regular short breaks "
                        "have their plan reviewed, and at least once a year after that.",
                        "key_measure": "Share of short-break plans reviewed in the last 12 "
                        "months (100% by 30 Sep 2020).",
                        "lead_responsibility": "Service Manager – Children with Disabilities",
                        "lead": Role.LEAD,
                        "due": "2020-09-30",
                        "status": IN_PROGRESS,
                        "latest_progress": "Sep 2020: CSW – 58 of 64 plans reviewed (91%); the "
                        "other 6 booked for October.",
                        "milestones": (
                            (
                                "All short-break plans reviewed",
                                "2020-06-30",
                                "",
                                "2020-09-30",
                                "Reviews paused while respite services were closed",
                            ),
                        ),
                    },
                ),
            },
            {
                "title": "Decisions about children's care are made without drift.",
                "areas": (),
                "actions": (
                    {
                        "title": "By 30 Jun 2020, 75% of social background reports reach the "
                        "Reporter within the 20-day target.",
                        "key_measure": "Share of reports received by the Reporter within 20 "
                        "days, reported quarterly.",
                        "lead_responsibility": "Locality Reporter Manager & Chief Social Work "
                        "Officer",
                        "lead": "euan.barclay",
                        "due": "2020-06-30",
                        "status": IN_PROGRESS,
                        "latest_progress": "Jul 2020: SCRA – 68% of reports on time this "
                        "quarter (was 52%). CSW – a team manager now checks every report due "
                        "within 5 days.",
                    },
                ),
            },
        ),
    },
    {
        "title": "Care-experienced young people are helped to make a good start in adult life.",
        "drivers": (
            {
                "title": "Young people who leave care stay in touch and get the aftercare they "
                "are entitled to.",
                "areas": ("outcomes-data",),
                "actions": (
                    {
                        "title": "Keep in touch with every care leaver entitled to aftercare, "
                        "with 80% in touch at 31 Oct 2020, and show it in engagement data.",
                        "key_measure": "Share of eligible care leavers in touch in the last 3 "
                        "months, by age band (BIU, quarterly).",
                        "lead_responsibility": "Chief Executive, Third Sector Alliance & Service "
                        "Manager – Care Leavers",
                        "lead": "nadia.hussain",
                        "deputies": (Role.LEAD,),
                        "due": "2020-10-31",
                        "status": IN_PROGRESS,
                        "latest_progress": "Sep 2020: Third sector – 112 of 147 eligible care "
                        "leavers (76%) in touch this quarter. CSW – aftercare workers now "
                        "recorded in the case system, so contacts can be counted.",
                        "milestones": (
                            (
                                "Contact recording added to the case system",
                                "2020-02-28",
                                "2020-03-06",
                            ),
                        ),
                    },
                ),
            },
            {
                "title": "Disabled young people move from children's to adult services smoothly "
                "and with a plan.",
                "areas": (),
                "actions": (
                    {
                        "title": "Every disabled young person has a transition plan by age 16 "
                        "and a named adult-services worker 6 months before moving on.",
                        "key_measure": "Share of disabled young people aged 16+ with a "
                        "transition plan; share with a named adult worker 6 months ahead.",
                        "lead_responsibility": "IJB Chief Officer and Chief Social Work Officer",
                        "lead": "david.ritchie",
                        "starts": "2020-04-01",
                        "status": NOT_STARTED,
                        "latest_progress": "",
                    },
                ),
            },
        ),
    },
    {
        "title": "Leaders work together to keep improving outcomes for children and young people.",
        "drivers": (
            {
                "title": "Leaders have the data they need to see whether outcomes for "
                "looked-after children are improving.",
                "areas": ("outcomes-data",),
                "actions": (
                    {
                        "title": "The BIU produces a Data Summary report on outcomes for all "
                        "groups of looked-after children, quarterly and annually.",
                        "key_measure": "Data Summary report to COG each quarter; annual report "
                        "by 31 Oct 2020.",
                        "lead_responsibility": "Chief Officer – Business Intelligence Unit",
                        "lead": Role.ANALYST,
                        "status": IN_PROGRESS,
                        "latest_progress": "Sep 2020: BIU – third quarterly report to COG; now "
                        "splits looked after at home, with kin, foster and residential, and "
                        "care leavers. Numbers under 5 suppressed.",
                        "milestones": (
                            (
                                "First quarterly Data Summary report to COG",
                                "2020-01-31",
                                "2020-01-29",
                            ),
                            ("Annual Data Summary report to COG", "2020-10-31", ""),
                        ),
                    },
                ),
            },
            {
                "title": "Multi-agency quality assurance tells leaders how good practice is and "
                "what must change.",
                "areas": (),
                "actions": (
                    {
                        "title": "A multi-agency Quality Assurance Framework is implemented by "
                        "31 Oct 2019.",
                        "key_measure": "Framework implemented by 31 Oct 2019; case-file audits "
                        "held on schedule.",
                        "lead_responsibility": "Chief Social Work Officer & CPC Chair",
                        "lead": Role.OWNER,
                        "deputies": ("moira.ferguson",),
                        "due": "2019-10-31",
                        "status": COMPLETE,
                        "latest_progress": "Sep 2020: CSW – framework in place since 28 Oct "
                        "2019; 2020 audit programme agreed. First multi-agency case-file audit "
                        "(24 records, children looked after at home) began 14 Sep.",
                        "milestones": (
                            ("Quality Assurance Framework implemented", "2019-10-31", "2019-10-28"),
                            ("2020 audit programme agreed", "2020-01-31", "2020-02-05"),
                            (
                                "First multi-agency case-file audit started",
                                "2020-09-30",
                                "2020-09-14",
                            ),
                        ),
                    },
                ),
            },
            {
                "title": "Staff, children and families know what the partnership is changing "
                "and why.",
                "areas": (),
                "actions": (
                    {
                        "title": "A communication strategy for the improvement plan is agreed by "
                        "31 Oct 2019.",
                        "key_measure": "Strategy agreed by 31 Oct 2019; quarterly briefing to "
                        "all staff.",
                        "lead_responsibility": "ICS Board Chair",
                        "lead": Role.ADMIN,
                        "due": "2019-10-31",
                        "status": COMPLETE,
                        "latest_progress": "Oct 2019: CSW – strategy agreed by the ICS Board; "
                        "first staff briefing issued, and a version written with young people "
                        "for the champions board.",
                        "milestones": (
                            ("Communication strategy agreed", "2019-10-31", "2019-10-24"),
                        ),
                    },
                ),
            },
            {
                "title": "Leaders challenge one another on corporate parenting as they do on "
                "child protection.",
                "areas": ("corporate-parenting",),
                "actions": (
                    {
                        "title": "Effective challenge by leaders: COG reviews the plan every "
                        "quarter and records the challenge given and what was agreed.",
                        "key_measure": "Quarterly COG review held; challenges and agreed "
                        "actions minuted.",
                        "lead_responsibility": "COG Chair",
                        "lead": Role.BOARD,
                        "status": IN_PROGRESS,
                        "latest_progress": "Aug 2020: COG – three reviews held; challenged "
                        "slow health assessments and asked NHS for a recovery plan, received "
                        "in July.",
                        "milestones": (
                            ("First quarterly plan review at COG", "2020-02-28", "2020-02-20"),
                        ),
                    },
                ),
            },
        ),
    },
)


@dataclass
class DemoBuild:
    """What `build_demo` did: the partnership, whether it was built now, and the counts."""

    partnership: Partnership
    built: bool
    counts: dict[str, int] = field(default_factory=dict)


def demo_email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


def demo_sign_ins() -> list[tuple[str, str, str]]:
    """(role label, e-mail, password) for each role's demo sign-in."""
    return [(str(Role(role).label), demo_email(str(role)), DEMO_PASSWORD) for role in ROLE_PEOPLE]


def demo_exists() -> bool:
    return Partnership.objects.filter(slug=DEMO_SLUG).exists()


def remove_demo() -> None:
    """Delete the demo partnership (its records cascade), its extracts' files and every
    demo person."""
    demo = Partnership.objects.filter(slug=DEMO_SLUG).first()
    if demo is not None:
        folders = demo_snapshot_folders(demo.pk)
        demo.delete()
        transaction.on_commit(lambda: _remove_folders(folders))
    Person.objects.filter(email__iendswith="@" + DEMO_DOMAIN).delete()


def _remove_folders(folders: list[Path]) -> None:
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


def refuse_in_production() -> None:
    if settings.PRODUCTION:
        raise ImproperlyConfigured(
            "The demo partnership cannot be built in production: its sign-ins and password "
            "are public. Use a development database."
        )


def build_demo(*, reset: bool = False) -> DemoBuild:
    """Build the demo partnership in one transaction; leave an existing one unless `reset`."""
    refuse_in_production()
    with transaction.atomic():
        if reset:
            remove_demo()
        existing = Partnership.objects.filter(slug=DEMO_SLUG).first()
        if existing is not None:
            return DemoBuild(existing, built=False)
        return _build()


def _build() -> DemoBuild:
    part = Partnership.objects.create(**PARTNERSHIP)
    agencies = _agencies(part)
    people = _people(part, agencies)
    groups = _groups(part, people)
    inspection = _inspection(part)
    areas = _findings(part, inspection)
    plan = Plan.objects.create(partnership=part, inspection=inspection, **PLAN)
    counts = {"people": len(people), "agencies": len(agencies), "groups": len(groups)}
    counts |= {"quality_indicators": len(QUALITY_INDICATORS), "strengths": len(STRENGTHS)}
    counts |= {"areas": len(areas)} | _plan_tree(part, plan, people, areas)
    by_short_name = {group.short_name: group for group in groups}
    counts |= build_updates(plan, people, by_short_name, owner=people[str(Role.OWNER)])
    actions = list(Action.objects.filter(driver__outcome__plan=plan))
    counts |= build_measures(part, actions, analyst=people[str(Role.ANALYST)])
    analyst = Membership.objects.get(partnership=part, person=people[str(Role.ANALYST)])
    counts |= build_casedata(analyst, actions)
    counts |= build_improvement(part)
    counts |= build_decisions(plan, people, by_short_name, actions)
    audit_append(
        actor=None,
        verb="demo.build",
        object_type="partnership",
        object_id=str(part.pk),
        partnership_id=part.pk,
        changes=counts,
    )
    return DemoBuild(part, built=True, counts=counts)


def _agencies(part: Partnership) -> dict[str, Agency]:
    return {
        key: Agency.objects.create(partnership=part, name=name, short_name=short)
        for key, (name, short) in AGENCIES.items()
    }


def _person(local: str, full_name: str, job_title: str) -> Person:
    person, _ = Person.objects.update_or_create(
        email=demo_email(local),
        defaults={"full_name": full_name, "job_title": job_title, "is_active": True},
    )
    person.set_password(DEMO_PASSWORD)  # bypasses the validators on purpose: a demo password
    person.save(update_fields=["password"])
    return person


def _people(part: Partnership, agencies: dict[str, Agency]) -> dict[str, Person]:
    """Everyone, keyed by role (for the six sign-ins) or by e-mail local part."""
    rows = [
        (str(role), name, title, agency, str(role))
        for role, (name, title, agency) in ROLE_PEOPLE.items()
    ]
    rows += [(local, *row) for local, row in OTHER_PEOPLE.items()]
    people: dict[str, Person] = {}
    for local, name, title, agency, role in rows:
        person = _person(local, name, title)
        Membership.objects.create(
            person=person,
            partnership=part,
            agency=agencies[agency] if agency else None,
            roles=[str(role)],
        )
        people[local] = person
    return people


def _groups(part: Partnership, people: dict[str, Person]) -> list[Group]:
    groups = [
        Group.objects.create(
            partnership=part, name=name, short_name=short, chair=people[str(chair)]
        )
        for name, short, chair in GROUPS
    ]
    for group in groups:
        group.members.set([people[str(key)] for key in GROUP_MEMBERS[group.short_name]])
    return groups


def _inspection(part: Partnership) -> Inspection:
    inspection = Inspection.objects.create(partnership=part, **INSPECTION)
    for reference, title in QUALITY_INDICATORS:
        QualityIndicator.objects.create(
            partnership=part,
            inspection=inspection,
            reference=reference,
            title=title,
            grade=Grade.GOOD,
        )
    return inspection


def _findings(part: Partnership, inspection: Inspection) -> dict[str, Finding]:
    """Create strengths and areas for improvement; return the areas by key."""
    for position, text in enumerate(STRENGTHS):
        Finding.objects.create(
            partnership=part,
            inspection=inspection,
            kind=Finding.Kind.STRENGTH,
            text=text,
            position=position,
        )
    return {
        key: Finding.objects.create(
            partnership=part,
            inspection=inspection,
            kind=Finding.Kind.AREA,
            text=text,
            position=position,
        )
        for position, (key, text) in enumerate(AREAS.items())
    }


def _plan_tree(
    part: Partnership, plan: Plan, people: dict[str, Person], areas: dict[str, Finding]
) -> dict[str, int]:
    counts = {"outcomes": 0, "drivers": 0, "actions": 0, "milestones": 0}
    for position, row in enumerate(OUTCOMES):
        reason = row.get("not_applicable_reason", "")
        outcome = Outcome.objects.create(
            partnership=part,
            plan=plan,
            title=row["title"],
            position=position,
            not_applicable=bool(reason),
            not_applicable_reason=reason,
        )
        counts["outcomes"] += 1
        for driver_position, driver_row in enumerate(row["drivers"]):
            driver = Driver.objects.create(
                partnership=part,
                outcome=outcome,
                title=driver_row["title"],
                position=driver_position,
            )
            driver.areas_for_improvement.set([areas[key] for key in driver_row["areas"]])
            counts["drivers"] += 1
            for action_position, action_row in enumerate(driver_row["actions"]):
                milestones = _action(part, driver, action_position, action_row, people)
                counts["actions"] += 1
                counts["milestones"] += milestones
    return counts


def _action(
    part: Partnership,
    driver: Driver,
    position: int,
    row: dict[str, Any],
    people: dict[str, Person],
) -> int:
    """Create one action with its deputies and milestones; return how many milestones."""
    action = Action.objects.create(
        partnership=part,
        driver=driver,
        position=position,
        title=row["title"],
        linked_plan=row.get("linked_plan", ""),
        linked_plan_version=row.get("linked_plan_version", ""),
        key_measure=row["key_measure"],
        lead_responsibility=row["lead_responsibility"],
        lead=people[str(row["lead"])],
        starts=_d(row["starts"]) if "starts" in row else START,
        due=_d(row["due"]) if "due" in row else END,
        status=row["status"],
        latest_progress=row["latest_progress"],
    )
    action.deputies.set([people[str(key)] for key in row.get("deputies", ())])
    milestones = row.get("milestones", ())
    for title, due, done, *revision in milestones:
        Milestone.objects.create(
            partnership=part,
            action=action,
            title=title,
            due=_d(due),
            done=_d(done) if done else None,
            revised_due=_d(revision[0]) if revision else None,
            revision_reason=revision[1] if revision else "",
        )
    return len(milestones)
