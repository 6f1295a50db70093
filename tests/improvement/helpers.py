"""Shared builders for the improvement tests: a project on the lead's action with a health
assessment measure, built through the services the pages use."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client

from tests.conftest import Cast
from tests.measures.factories import FIRST_QUARTER, member
from tests.measures.factories import measure as make_measure
from trellis.improvement.models import DriverNode, PdsaCycle, Project
from trellis.improvement.services import cycles, projects
from trellis.measures.models import Measure
from trellis.plans.models import Action

# Q1 2018 .. Q4 2020: flat at 30% then a shift upwards (as in the demo's health measure).
IHA_NUMERATORS = [6, 6, 5, 7, 6, 6, 7, 6, 6, 9, 12, 17]
IHA_DENOMINATORS = [20, 20, 20, 20, 20, 20, 20, 20, 17, 22, 25, 31]


def lead_action(cast: Cast) -> Action:
    return Action.objects.filter(partnership=cast.partnership, lead=cast.lead).order_by("pk")[0]


def iha_measure(cast: Cast, action: Action, **extra: Any) -> Measure:
    return make_measure(
        cast,
        code=extra.pop("code", "LAC-IHA"),
        values=extra.pop("values", IHA_NUMERATORS),
        denominators=extra.pop("denominators", IHA_DENOMINATORS),
        first=FIRST_QUARTER,
        actions=[action],
        **extra,
    )


def project(cast: Cast, *, outcome: list[Measure] | None = None, **m2m: Any) -> Project:
    action = lead_action(cast)
    return projects.project_create(
        membership=member(cast, cast.lead),
        action=action,
        fields={"aim": "50% assessed within 4 weeks by 30 Sep 2020", "why": "Health needs"},
        m2m={"outcome_measures": outcome or [], **m2m},
    )


def approve(cast: Cast, p: Project, on: dt.date = dt.date(2019, 12, 17)) -> Project:
    p.refresh_from_db()
    return projects.project_approve(
        p,
        membership=member(cast, cast.owner),
        expected_version=p.version,
        approved_by="ICS Board",
        approved_on=on,
    )


def change_idea(cast: Cast, p: Project, text: str = "Same-day notification") -> DriverNode:
    primary = projects.node_create(
        p, membership=member(cast, cast.lead), fields={"kind": "primary", "text": "Timely referral"}
    )
    return projects.node_create(
        p,
        membership=member(cast, cast.lead),
        fields={"kind": "change", "text": text, "parent": primary},
    )


def cycle(cast: Cast, p: Project, idea: DriverNode, **fields: Any) -> PdsaCycle:
    base = {
        "change_idea": idea,
        "title": "Notify nurses the same day",
        "plan_what": "Social workers e-mail the LAC nurse on the day",
        "prediction": "Half of children seen within 4 weeks",
        "plan_who": "Duty team",
        "plan_when": dt.date(2020, 1, 6),
    }
    return cycles.cycle_create(p, membership=member(cast, cast.lead), fields={**base, **fields})


def client_of(person: Any) -> Client:
    from tests.conftest import signed_in

    return signed_in(person)
