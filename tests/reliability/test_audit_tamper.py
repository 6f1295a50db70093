"""S2, outcome only: each kind of tampering with the audit log is detected, and the
verifier names the first entry that does not hold (benchmarks/reliability/s2_tamper.py runs
the same four against copies of a PostgreSQL database through `trellis audit verify`)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from tests.conftest import Cast
from tests.reliability.tamper import KINDS, tamper
from trellis.accounts.policy import membership_for
from trellis.audit.models import AuditEntry
from trellis.audit.services import audit_verify
from trellis.plans.models import Inspection
from trellis.plans.services import plan_item_create


@pytest.fixture
def chain(cast: Cast) -> list[int]:
    """Seven entries written by the services, on top of whatever the cast wrote."""
    owner = membership_for(cast.owner, cast.partnership.slug)
    for n in range(7):
        plan_item_create(
            Inspection, membership=owner, fields={"regulator": "CI", "title": f"Inspection {n}"}
        )
    ids = list(AuditEntry.objects.order_by("id").values_list("id", flat=True))
    assert audit_verify().ok
    return ids


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_of_tampering_is_detected_and_the_first_bad_entry_named(
    chain: list[int], kind: str
) -> None:
    expected = tamper(kind)

    report = audit_verify()

    assert not report.ok
    assert report.first_broken_id == expected
    with pytest.raises(CommandError, match=f"#{expected}\\b"):
        call_command("audit", "verify")


def test_the_forged_insertion_itself_verifies_so_the_entry_after_it_is_named(
    chain: list[int],
) -> None:
    expected = tamper("insert")

    report = audit_verify()

    # Every entry up to and including the forgery links correctly: the break shows where
    # the chain resumes, which is why the forgery cannot go unnoticed.
    assert report.checked == len(chain) // 2 + 2  # up to k, then the forgery
    assert report.first_broken_id == expected


def test_four_of_four_tamper_kinds_are_detected(chain: list[int]) -> None:
    detected = 0
    for kind in KINDS:
        with transaction.atomic():
            sid = transaction.savepoint()
            expected = tamper(kind)
            report = audit_verify()
            detected += report.first_broken_id == expected
            transaction.savepoint_rollback(sid)
        assert audit_verify().ok
    assert detected == len(KINDS)
