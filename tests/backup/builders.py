"""A partnership with something in every kind of record the backup must carry: a plan,
updates with evidence files and restricted groups, a computed case-level snapshot,
measures and observations, an issued report's bytes, an authenticator, recovery codes and an
API token; and a second partnership whose records must never travel with it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyotp
from django.core.files.uploadedfile import SimpleUploadedFile

from tests import factories
from tests.casedata.test_load import EPISODES, load, write
from tests.conftest import Cast
from trellis.accounts.mfa import enrol, new_secret
from trellis.accounts.models import Group, Membership
from trellis.api.tokens import token_create
from trellis.casedata.tasks import compute_into
from trellis.plans.models import Action
from trellis.progress.evidence import evidence_add
from trellis.reports.models import IssuedReport

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def evidence(membership: Membership, action: Action, name: str) -> None:
    update = factories.update(action)
    group = Group.objects.create(partnership=action.partnership, name=f"Group for {name}")
    evidence_add(
        membership=membership,
        update=update,
        title=f"Minutes {name}",
        upload=SimpleUploadedFile(name, PDF + name.encode(), content_type="application/pdf"),
        restricted_to=[group],
    )


def populate(cast: Cast, tmp_path: Path) -> None:
    home = cast.partnership
    lead = Membership.objects.get(person=cast.lead, partnership=home)
    evidence(lead, Action.objects.filter(partnership=home, lead=cast.lead)[0], "home.pdf")

    other_lead = factories.person(cast.other, "lead", email="other-lead@example.org")
    factories.plan_tree(cast.other, actions=3, lead=other_lead)
    evidence(
        Membership.objects.get(person=other_lead, partnership=cast.other),
        Action.objects.filter(partnership=cast.other, lead=other_lead)[0],
        "other.pdf",
    )

    compute_into(load(cast, write(tmp_path / "extract", EPISODES)))

    plan = cast.plan
    IssuedReport.objects.create(
        partnership=home,
        plan=plan,
        period=plan.periods.all()[0],
        kind="board-pack",
        format="pdf",
        status=IssuedReport.Status.ISSUED,
        content=PDF + bytes(range(256)),
        size=len(PDF) + 256,
        requested_by=cast.owner,
        issued_at=dt.datetime(2020, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC),
    )
    secret = new_secret()
    enrol(cast.admin, secret, pyotp.TOTP(secret).now())
    token_create(person=cast.analyst, name="Power BI", scope="read", days=30)
