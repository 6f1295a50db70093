"""Builders for the quality-assurance tests: a snapshot of pseudonymised child protection
registrations written as the case-data service writes them, a template with questions
under two quality indicators, a programme and a planned audit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa
from django.conf import settings

from tests import factories
from tests.conftest import Cast
from tests.measures.factories import member
from trellis.accounts.models import Partnership, Person, Role
from trellis.casedata.models import Snapshot
from trellis.casedata.services import pseudonymised, snapshot_folder, write_parquet
from trellis.core.pseudonym import partnership_key
from trellis.improvement.models import Audit, AuditProgramme, AuditTemplate
from trellis.improvement.services import audits, templates
from trellis.plans.models import Grade, Inspection, QualityIndicator

D = dt.date
JULY_2020 = D(2020, 7, 1)
Q3_2020 = (JULY_2020, D(2020, 9, 30))


def registrations(count: int, *, start: dt.date = JULY_2020) -> pa.Table:
    """`count` children registered on `start` (still registered), plus one deregistered
    long before: the one case that must never be drawn for Q3 2020."""
    ids = [f"CHILD-{i:03d}" for i in range(count)] + ["OLD-CASE"]
    starts = [start] * count + [D(2018, 1, 1)]
    ends: list[Any] = [None] * count + [D(2018, 6, 1)]
    return pa.table(
        {
            "child_id": pa.array(ids),
            "registration_date": pa.array(starts, pa.date32()),
            "deregistration_date": pa.array(ends, pa.date32()),
        }
    )


def snapshot(part: Partnership, by: Person, table: pa.Table, **extra: Any) -> Snapshot:
    """A snapshot holding `table` as its cp_registrations, pseudonymised with the
    partnership's key, stored where the case-data service stores its files."""
    key = partnership_key(settings.TRELLIS_PSEUDONYM_SECRET, part.slug)
    made = Snapshot.objects.create(
        partnership=part,
        uploaded_by=by,
        extract_date=D(2020, 12, 31),
        covers_from=D(2017, 1, 1),
        source_name="extract.csv",
        status=Snapshot.Status.COMPUTED,
        **extra,
    )
    made.manifest = {
        "datasets": write_parquet(
            snapshot_folder(made), {"cp_registrations": pseudonymised(table, key)}
        )
    }
    made.save(update_fields=["manifest"])
    return made


def indicators(cast: Cast) -> tuple[QualityIndicator, QualityIndicator]:
    inspection = Inspection.objects.get(plans=cast.plan)
    return (
        QualityIndicator.objects.create(
            partnership=cast.partnership,
            inspection=inspection,
            reference="2.1",
            title="Impact on children",
            grade=Grade.GOOD,
        ),
        QualityIndicator.objects.create(
            partnership=cast.partnership,
            inspection=inspection,
            reference="2.2",
            title="Impact on families",
            grade=Grade.GOOD,
        ),
    )


def template(cast: Cast) -> AuditTemplate:
    qi_children, qi_families = indicators(cast)
    owner = member(cast, cast.owner)
    made = templates.template_create(
        membership=owner,
        fields={"title": "CP case file", "inspection": Inspection.objects.get(plans=cast.plan)},
    )
    for position, (qi, text) in enumerate(
        [
            (qi_children, "Is the child's plan SMART?"),
            (qi_children, "Was the child seen alone?"),
            (qi_families, "Were the family's views recorded?"),
        ]
    ):
        templates.question_save(made, membership=owner, indicator=qi, text=text, position=position)
    return made


def programme(cast: Cast, code: str = "cp-cfa") -> AuditProgramme:
    return audits.programme_create(
        membership=member(cast, cast.owner),
        fields={
            "title": "CP case files",
            "code": code,
            "scope": "cp",
            "template": template(cast),
        },
    )


def reviewers(cast: Cast, count: int = 2) -> list[Person]:
    return [factories.person(cast.partnership, Role.LEAD) for _ in range(count)]


def planned_audit(
    cast: Cast,
    prog: AuditProgramme | None = None,
    *,
    sample_size: int = 4,
    people: list[Person] | None = None,
    moderator: Person | None = None,
    quarter: tuple[dt.date, dt.date] = Q3_2020,
) -> Audit:
    return audits.audit_create(
        prog or programme(cast),
        membership=member(cast, cast.owner),
        fields={
            "starts": D(2020, 10, 5),
            "due": D(2020, 10, 30),
            "scope_from": quarter[0],
            "scope_to": quarter[1],
            "sample_size": sample_size,
            "moderator": moderator or factories.person(cast.partnership, Role.BOARD),
        },
        reviewers=people if people is not None else reviewers(cast),
    )
