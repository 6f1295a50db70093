"""A year of quarterly updates for the demo plan, so a newcomer sees the cycle in action.

The demo world's present is the Q3 2020 cycle (`AS_OF`, a week after its updates fell
due): the three earlier quarters are accepted (some after being returned once, some
late), the first two of them closed; Q3 2020 is a mix of every state, with two actions
still missing an update. Written straight to the database, like the rest of the builder,
with a revision for every step an update went through. Everything here is invented.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from trellis.accounts.models import Group, Person
from trellis.plans.models import Action, Plan
from trellis.progress.models import (
    ProgressUpdate,
    Rag,
    ReportingPeriod,
    UpdateRevision,
    UpdateState,
)
from trellis.progress.services import periods_ensure

AS_OF = dt.date(2020, 10, 23)
CLOSED_PERIODS = ("Q4 2019", "Q1 2020")

S = UpdateState
# How an update got to where it is: (state after the step, who took it, days from the due
# date). "author" is whoever writes the update; "owner" is the plan owner reviewing it.
STORIES: dict[str, tuple[tuple[str, str, int], ...]] = {
    "draft": ((S.DRAFT, "author", -2),),
    "submitted": ((S.DRAFT, "author", -6), (S.SUBMITTED, "author", -3)),
    "accepted": ((S.DRAFT, "author", -6), (S.SUBMITTED, "author", -3), (S.ACCEPTED, "owner", 2)),
    "late": ((S.DRAFT, "author", 2), (S.SUBMITTED, "author", 5)),
    "late-accepted": ((S.DRAFT, "author", 1), (S.SUBMITTED, "author", 3), (S.ACCEPTED, "owner", 6)),
    "returned": ((S.DRAFT, "author", -5), (S.SUBMITTED, "author", -2), (S.RETURNED, "owner", 1)),
    "returned-accepted": (
        (S.DRAFT, "author", -7),
        (S.SUBMITTED, "author", -4),
        (S.RETURNED, "owner", -2),
        (S.DRAFT, "author", 0),
        (S.SUBMITTED, "author", 0),
        (S.ACCEPTED, "owner", 3),
    ),
}


@dataclass(frozen=True)
class Update:
    """One action's update for one period. `by` names a deputy writing for the lead;
    `first` is the text before the owner returned it; `restricted_to` a group's short name."""

    rag: str
    narrative: str
    story: str = "accepted"
    by: str = ""
    first: str = ""
    reason: str = ""
    restricted_to: str = ""


R, A, G, C, N = Rag.RED, Rag.AMBER, Rag.GREEN, Rag.COMPLETE, Rag.NOT_STARTED

# Action (found by a phrase of its title) -> period label -> its update. An action with
# no entry for a period that has ended is missing its update.
UPDATES: dict[str, dict[str, Update]] = {
    "initial health assessment": {
        "Q4 2019": Update(
            A,
            "NHS – 6 of 17 children accommodated since April (35%) had an initial health "
            "assessment within 4 weeks. CSW – same-day notification to the LAC nursing team "
            "agreed on 12 December, in use from January.",
        ),
        "Q1 2020": Update(
            A,
            "CSW (for NHS, while the Lead Nurse is redeployed) – 9 of 22 children (41%) "
            "assessed within 4 weeks. From 23 March LAC nurses assess by video where a visit "
            "is not possible.",
            by="owner",
        ),
        "Q2 2020": Update(
            A,
            "NHS – 12 of 25 children (48%) assessed within 4 weeks, up from 41%; 7 of the 12 "
            "by video during lockdown. Face-to-face assessments resumed on 6 July.",
            story="returned-accepted",
            first="NHS – assessments continued by video during lockdown and performance is "
            "improving.",
            reason="Please give this quarter's figure against the 50% aim, and say how many "
            "assessments were done by video.",
        ),
        "Q3 2020": Update(
            G,
            "NHS – 17 of 31 children accommodated this year (55%) had their assessment within "
            "4 weeks, up from 31% in the year to September 2019: the 50% aim is met. CSW – "
            "notification to the LAC nursing team now sent on the day a child is accommodated.",
            story="submitted",
        ),
    },
    "emotional wellbeing pathway": {
        "Q4 2019": Update(
            A,
            "NHS – draft pathway shared with all six agencies on 4 December; CAMHS and the "
            "Third Sector Alliance agreed one referral form. Median wait from referral to "
            "first support 18 weeks.",
        ),
        "Q1 2020": Update(
            G,
            "NHS – pathway agreed by the ICS Board on 19 March. Median wait 15 weeks. Third "
            "sector – two counsellors funded for care leavers from April.",
        ),
        "Q2 2020": Update(
            A,
            "Third sector (for NHS) – pathway in use since April: 38 referrals, median wait 11 "
            "weeks. Face-to-face counselling paused in lockdown; 29 young people supported by "
            "phone or video.",
            by="nadia.hussain",
        ),
        "Q3 2020": Update(
            G,
            "Third sector (for NHS) – median wait from referral to first support 9 weeks (18 a "
            "year ago). Counselling for care leavers extended to age 26. CAMHS figures for "
            "September still to come.",
            story="draft",
            by="nadia.hussain",
        ),
    },
    "seen face to face": {
        "Q1 2020": Update(
            G,
            "CPC – weekly return started 23 March. In the first week 56 of the 64 children on "
            "the register (88%) were seen face to face; the rest by video, with a visit "
            "arranged.",
        ),
        "Q2 2020": Update(
            G,
            "CPC – 95% of children on the register seen face to face each week during "
            "lockdown (weekly range 91%–98%); the rest by video with a visit within 10 days. "
            "Police – 23 joint visits with CSW where risk rose.",
        ),
        "Q3 2020": Update(
            G,
            "CPC – 97% seen face to face each week. Video contact now only where a household "
            "is self-isolating (4 children in September).",
            story="submitted",
        ),
    },
    "reported missing": {
        "Q4 2019": Update(
            A,
            "Police – 37 missing episodes from care this quarter; 22 (59%) followed by a "
            "return discussion within 72 hours. Joint protocol with CSW drafted.",
        ),
        "Q1 2020": Update(
            A,
            "Police – protocol signed on 10 February. 29 episodes, 20 (69%) with a return "
            "discussion in 72 hours. Sent late: the division's analysts were redeployed in "
            "April.",
            story="late-accepted",
        ),
        "Q2 2020": Update(
            A,
            "Police – 33 episodes, 26 (79%) with a return discussion in 72 hours. For the CPC "
            "only: 9 of the episodes involved three young people from one residential house, "
            "linked to suspected criminal exploitation in the town centre. A joint "
            "investigation began on 12 June and a disruption plan is in place.",
            restricted_to="CPC",
        ),
        "Q3 2020": Update(
            G,
            "Police – 41 missing episodes this quarter, 34 (83%) with a return discussion in "
            "72 hours. CSW – residential staff trained to hold the discussions.",
        ),
    },
    "corporate parenting workshop": {
        "Q4 2019": Update(
            C,
            "CSW – workshop held on 21 November with 46 people from all six agencies and 8 "
            "care-experienced young people. Improvement charter agreed by the Corporate "
            "Parenting Improvement Group on 17 December. Action complete.",
        ),
    },
    "looked after at home and those": {
        "Q4 2019": Update(
            A,
            "Education – attendance of children looked after at home 82% against 93% in "
            "foster care (gap 11 points). 6 exclusions of children looked after at home this "
            "term.",
        ),
        "Q1 2020": Update(
            A,
            "Education (for the Head of Inclusion) – attendance 86% against 93% to the school "
            "closures on 20 March (gap 7 points). No exclusions since January. 31 of 58 "
            "children looked after at home took up a hub-school place.",
            by="martin.kerr",
        ),
        "Q2 2020": Update(
            A,
            "Education – schools closed all quarter. A named teacher kept weekly contact with "
            "55 of 58 children looked after at home; 41 were given a laptop or tablet.",
        ),
        "Q3 2020": Update(
            A,
            "Education – schools reopened on 12 August. September attendance 88% for children "
            "looked after at home against 94% in foster care (gap 6 points). No exclusions.",
        ),
    },
    "out-of-area placements": {
        "Q4 2019": Update(
            R,
            "CSW – balance of care: at home 20%, with kin 18%, foster care 46%, residential "
            "13%. Out-of-area placements rose from 15 to 17 after two emergency placements in "
            "November, with no local residential vacancy.",
        ),
        "Q1 2020": Update(
            R,
            "CSW – 16 out-of-area placements. The placement commissioning review is delayed "
            "by COVID-19, now due at the ICS Board in April. 2 new foster carers approved.",
        ),
        "Q2 2020": Update(
            A,
            "CSW – commissioning review reported to the ICS Board on 28 April: 4 new local "
            "foster placements and a 3-bed local residential house agreed. Out-of-area "
            "placements down to 14.",
        ),
        "Q3 2020": Update(
            A,
            "CSW – at home 22%, with kin 19%, foster care 46%, residential 10% (+2, +1, 0 and "
            "-3 points on last year). Out-of-area placements down from 15 to 12, but the "
            "local residential house will not open until January.",
            story="late",
        ),
    },
    "short breaks": {
        "Q4 2019": Update(
            A,
            "CSW – 29 of 64 short-break plans (45%) reviewed in the last 12 months. Review "
            "schedule agreed with the two short-break providers.",
        ),
        "Q1 2020": Update(
            A,
            "CSW – 37 of 64 plans (58%) reviewed. Short breaks suspended on 23 March; "
            "reviews continue by phone with families.",
        ),
        "Q2 2020": Update(
            G,
            "CSW – 49 of 64 plans (77%) reviewed, on track for 100% by 30 September. Short "
            "breaks restart in July at reduced capacity.",
        ),
        "Q3 2020": Update(
            G,
            "CSW – 58 of 64 plans reviewed (91%); the other 6 booked for October.",
            story="returned",
            reason="The aim was 100% by 30 September and 91% were reviewed, so this is not "
            "green. Please mark it amber and say when the last 6 reviews will be done.",
        ),
    },
    "social background reports": {
        "Q4 2019": Update(
            R,
            "SCRA – 52% of social background reports reached the Reporter within 20 days "
            "(aim 75% by June). CSW – team managers now track every report due.",
        ),
        "Q1 2020": Update(
            A,
            "SCRA – 61% on time. Hearings held remotely from April; CSW and SCRA share a "
            "weekly list of reports due.",
            story="late-accepted",
        ),
        "Q2 2020": Update(
            A,
            "SCRA – 68% of reports on time this quarter (was 52%). CSW – a team manager now "
            "checks every report due within 5 days. The 75% aim for June is missed; a new "
            "date of December 2020 goes to COG.",
        ),
    },
    "care leaver entitled": {
        "Q4 2019": Update(
            A,
            "Third sector – 91 of 143 eligible care leavers (64%) in touch this quarter. "
            "CSW – aftercare contacts are not yet in the case system, so these are counted by "
            "hand.",
        ),
        "Q1 2020": Update(
            A,
            "CSW (for the Third Sector Alliance) – 98 of 145 eligible care leavers (68%) in "
            "touch this quarter. Contact recording added to the case system on 6 March, so "
            "the BIU will count contacts from next quarter.",
            story="returned-accepted",
            by="lead",
            first="CSW (for the Third Sector Alliance) – more care leavers in touch; contact "
            "recording added to the case system on 6 March.",
            reason="Please give the number and share in touch, as in the last update.",
        ),
        "Q2 2020": Update(
            G,
            "Third sector – 107 of 146 (73%) in touch. Weekly calls to every care leaver "
            "living alone during lockdown; 60 laptops and phones given out.",
        ),
        "Q3 2020": Update(
            G,
            "Third sector – 112 of 147 eligible care leavers (76%) in touch this quarter. "
            "CSW – aftercare workers now recorded in the case system, so contacts can be "
            "counted.",
            story="submitted",
        ),
    },
    "transition plan": {
        "Q2 2020": Update(
            N,
            "NHS – start deferred: the transitions team was redeployed to the COVID-19 "
            "response. Work begins in September with a joint audit of the 22 disabled young "
            "people aged 16 and 17.",
        ),
    },
    "Data Summary report": {
        "Q4 2019": Update(
            A,
            "BIU – first Data Summary report drafted: balance of care and placement moves. "
            "Children looked after at home cannot yet be picked out in the education data; a "
            "data-sharing agreement with Education is being drawn up.",
        ),
        "Q1 2020": Update(
            G,
            "BIU – first quarterly Data Summary report to COG on 29 January. Splits looked "
            "after at home, with kin, foster and residential care, and care leavers by age "
            "band. Numbers under 5 suppressed in every table.",
            story="returned-accepted",
            first="BIU – first quarterly Data Summary report to COG on 29 January, with care "
            "leavers by age band and children looked after at home.",
            reason="The care-leaver table shows groups of 3 and 4 young people. Please "
            "suppress numbers under 5 before this goes further.",
        ),
        "Q2 2020": Update(
            G,
            "BIU – second quarterly report to COG in May, adding the weekly figures for "
            "children on the CP register seen face to face during lockdown.",
        ),
        "Q3 2020": Update(
            G,
            "BIU – third quarterly report to COG; now splits looked after at home, with kin, "
            "foster and residential, and care leavers. Numbers under 5 suppressed. The annual "
            "report is being drafted for 31 October.",
            story="draft",
        ),
    },
    "Quality Assurance Framework": {
        "Q4 2019": Update(
            C,
            "CPC (for the Chief Social Work Officer) – framework implemented on 28 October "
            "2019: a multi-agency case-file audit each quarter, graded on the six-point scale "
            "against the quality indicators.",
            by="moira.ferguson",
        ),
        "Q3 2020": Update(
            C,
            "CSW – first multi-agency case-file audit began on 14 September: 24 records of "
            "children looked after at home, read in pairs by CSW, Education, NHS and Police.",
        ),
    },
    "communication strategy": {
        "Q4 2019": Update(
            C,
            "CSW – strategy agreed by the ICS Board on 24 October; first staff briefing "
            "issued, and a version written with young people for the champions board.",
        ),
    },
    "Effective challenge by leaders": {
        "Q4 2019": Update(
            N,
            "COG – first quarterly review of the plan set for 20 February; a template for "
            "minuting challenge and agreed actions adopted.",
        ),
        "Q1 2020": Update(
            G,
            "COG – first review held on 20 February: challenged the pace of health "
            "assessments (35%) and asked NHS for a recovery plan. Reviews move to video from "
            "April.",
        ),
        "Q2 2020": Update(
            G,
            "COG – second review in May: challenged the rise in out-of-area placements and "
            "agreed the commissioning review's new local placements.",
        ),
        "Q3 2020": Update(
            G,
            "COG – three reviews held; challenged slow health assessments and asked NHS for a "
            "recovery plan, received in July.",
            story="submitted",
        ),
    },
}


def build_updates(
    plan: Plan, people: dict[str, Person], groups: dict[str, Group], owner: Person
) -> dict[str, int]:
    """Create the plan's periods and its year of updates; close the earliest periods."""
    periods = {p.label: p for p in periods_ensure(plan)}
    actions = list(Action.objects.filter(driver__outcome__plan=plan).select_related("lead"))
    written = 0
    for phrase, by_period in UPDATES.items():
        action = find_action(actions, phrase)
        for label, spec in by_period.items():
            _write(action, periods[label], spec, people, groups, owner)
            written += 1
    for label in CLOSED_PERIODS:
        period = periods[label]
        period.closed_at = _at(period.due + dt.timedelta(days=28), 0)
        period.closed_by = owner
        period.save(update_fields=["closed_at", "closed_by"])
    return {"periods": len(periods), "updates": written}


def find_action(actions: list[Action], phrase: str) -> Action:
    found = [a for a in actions if phrase.lower() in a.title.lower()]
    if len(found) != 1:
        raise ValueError(f"{len(found)} demo actions match {phrase!r}; want exactly one")
    return found[0]


def _at(day: dt.date, step: int) -> dt.datetime:
    """A working-day time for a step: weekends move to Monday; later steps later in a day."""
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9 + step, 15 * (step % 4))))


def _write(
    action: Action,
    period: ReportingPeriod,
    spec: Update,
    people: dict[str, Person],
    groups: dict[str, Group],
    owner: Person,
) -> ProgressUpdate:
    """The update as the state machine would have left it, with a revision for each step."""
    lead = action.lead
    if lead is None:
        raise ValueError(f"The demo action {action.title!r} has no lead")
    author = people[spec.by] if spec.by else lead
    steps = [
        (state, owner if who == "owner" else author, _at(period.due + dt.timedelta(days=days), i))
        for i, (state, who, days) in enumerate(STORIES[spec.story])
    ]
    returned = [i for i, (state, _, _) in enumerate(steps) if state == S.RETURNED]
    submitted = [at for state, _, at in steps if state == S.SUBMITTED]
    reviews = [(by, at) for state, by, at in steps if state in (S.ACCEPTED, S.RETURNED)]
    update = ProgressUpdate.objects.create(
        partnership_id=action.partnership_id,
        action=action,
        period=period,
        rag=spec.rag,
        narrative=spec.narrative,
        state=steps[-1][0],
        author=author,
        on_behalf_of=lead if author != lead else None,
        submitted_at=submitted[-1] if submitted else None,
        late=bool(submitted) and submitted[-1].date() > period.due,
        reviewed_by=reviews[-1][0] if reviews else None,
        reviewed_at=reviews[-1][1] if reviews else None,
        return_reason=spec.reason if returned else "",
        version=len(steps),
        updated_by=steps[-1][1],
    )
    if spec.restricted_to:
        update.restricted_to.set([groups[spec.restricted_to]])
    UpdateRevision.objects.bulk_create(
        UpdateRevision(
            update=update,
            version=i + 1,
            state=state,
            rag=spec.rag,
            narrative=spec.first
            if spec.first and returned and i <= returned[0]
            else spec.narrative,
            note=spec.reason if state == S.RETURNED else "",
            by=by,
            at=at,
        )
        for i, (state, by, at) in enumerate(steps)
    )
    # Stamp the record with the times of its story, not the time of the build.
    ProgressUpdate.objects.filter(pk=update.pk).update(
        created_at=steps[0][2], updated_at=steps[-1][2]
    )
    return update
