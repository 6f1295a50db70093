"""The demo's decisions: a year of the groups' decisions about Riverside's plan, some with
their follow-up done, some still open, one answering a challenge and one that created an
improvement aim. Invented, like the rest of the demo (trellis/demo.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from trellis.accounts.models import Group, Person, Role
from trellis.demo_updates import find_action
from trellis.measures.models import Measure
from trellis.meetings.models import Decision, Subject
from trellis.plans.models import Action, Driver, Plan
from trellis.progress.models import Comment

D = dt.date

CHALLENGE = (
    "Initial health assessments within four weeks fell to 35% in the first quarter. What is "
    "the recovery plan, and when will the COG see it?"
)
NEW_AIM = (
    "By 31 March 2021 every child who goes missing from care three or more times in a "
    "quarter has a multi-agency review of their safety plan within 10 working days."
)


@dataclass(frozen=True)
class Demo:
    group: str  # a group's short name
    decided_on: dt.date
    aim: str  # a phrase naming the aim (or, for a measure, its code)
    text: str
    follow_up: str = ""
    owner: str = ""  # a key of the demo's people
    due: dt.date | None = None
    done: dt.date | None = None
    subject: str = Subject.ACTION


DECISIONS = (
    Demo(
        "COG",
        D(2019, 12, 10),
        "corporate parenting workshop",
        "Agreed the improvement charter from the multi-agency workshop. The Corporate "
        "Parenting Improvement Group reports to the COG every quarter.",
        "CPIG to bring its first quarterly report to the COG.",
        str(Role.LEAD),
        D(2020, 3, 31),
        D(2020, 3, 24),
    ),
    Demo(
        "COG",
        D(2020, 5, 19),
        "initial health assessment",
        "Asked NHS Riverside for a recovery plan for initial health assessments.",
        "IJB Chief Officer to present the recovery plan to the July meeting.",
        "david.ritchie",
        D(2020, 7, 21),
        D(2020, 7, 21),
        subject=Subject.THREAD,
    ),
    Demo(
        "CPC",
        D(2020, 6, 16),
        "reported missing",
        "Agreed a new aim: a multi-agency safety plan review for children repeatedly "
        "reported missing from care.",
        "Plan owner to add the aim to the plan, led by Police Scotland.",
        str(Role.OWNER),
        D(2020, 7, 31),
        D(2020, 7, 2),
    ),
    Demo(
        "ICS Board",
        D(2020, 8, 11),
        "OOA-PLACE",
        "Agreed to commission six more local foster placements before any new out-of-area "
        "placement is agreed for a child under 12.",
        "Commissioning review to report how many local placements were added.",
        str(Role.OWNER),
        D(2020, 11, 30),
        subject=Subject.MEASURE,
    ),
    Demo(
        "COG",
        D(2020, 9, 15),
        "looked after at home and those",
        "Asked the BIU to show the gap between children looked after at home and in other "
        "settings in every Data Summary report.",
        "BIU to add the gap, by age and by school stage, to the annual Data Summary.",
        str(Role.ANALYST),
        D(2020, 10, 31),
    ),
)


def build_decisions(
    plan: Plan, people: dict[str, Person], groups: dict[str, Group], actions: list[Action]
) -> dict[str, int]:
    """The demo's decisions (through the ORM, as the rest of the demo is built)."""
    board = people[str(Role.BOARD)]
    for spec in DECISIONS:
        action: Action | None = None
        measure = comment = None
        if spec.subject == Subject.MEASURE:
            measure = Measure.objects.get(partnership_id=plan.partnership_id, code=spec.aim)
        else:
            action = find_action(actions, spec.aim)
        if spec.subject == Subject.THREAD and action is not None:
            comment = Comment.objects.create(
                partnership_id=plan.partnership_id, action=action, author=board, body=CHALLENGE
            )
        decision = Decision.objects.create(
            partnership_id=plan.partnership_id,
            plan=plan,
            group=groups[spec.group],
            decided_on=spec.decided_on,
            subject=spec.subject,
            action=action,
            measure=measure,
            comment=comment,
            text=spec.text,
            follow_up=spec.follow_up,
            follow_up_owner=people[spec.owner] if spec.owner else None,
            follow_up_due=spec.due,
            follow_up_done=spec.done,
            recorded_by=board,
            updated_by=board,
        )
        if spec.aim == "reported missing" and action is not None:
            _new_aim(decision, action.driver, people)
    # One aim more than the plan was built with: the count the demo reports is the total.
    total = Action.objects.filter(partnership_id=plan.partnership_id).count()
    return {"decisions": len(DECISIONS), "actions": total}


def _new_aim(decision: Decision, driver: Driver, people: dict[str, Person]) -> None:
    """The aim the CPC's decision asked for, under the same key driver."""
    made = Action.objects.create(
        partnership_id=decision.partnership_id,
        driver=driver,
        title=NEW_AIM,
        position=driver.actions.count() + 1,
        key_measure="Share of children reported missing three or more times with a review",
        lead_responsibility="Police Scotland – Detective Superintendent, Public Protection",
        lead=people["iain.drummond"],
        starts=D(2020, 7, 1),
        due=D(2021, 3, 31),
        status=Action.Status.IN_PROGRESS,
    )
    decision.created_action = made
    decision.save(update_fields=["created_action"])
