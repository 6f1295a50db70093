"""Drawing an audit's sample: reproducible from its seed, from the latest snapshot, and
only ever from the audit's own partnership's cases."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from tests.conftest import Cast
from tests.improvement.qa import D, planned_audit, registrations, snapshot
from tests.measures.factories import member
from trellis.errors import Forbidden, Invalid
from trellis.improvement import sampling
from trellis.improvement.models import Audit, SampledCase
from trellis.improvement.services import audits

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.DATA_DIR = tmp_path


def drawn(audit: Audit) -> list[str]:
    return list(audit.cases.order_by("position").values_list("pseudonym", flat=True))


def test_the_same_snapshot_and_seed_draw_the_same_cases_in_the_same_order(cast: Cast) -> None:
    snapshot(cast.partnership, cast.analyst, registrations(30))
    first = planned_audit(cast, sample_size=6)
    second = planned_audit(cast, first.programme, sample_size=6)
    for audit in (first, second):
        audits.sample_draw(
            audit, membership=member(cast, cast.owner), expected_version=1, seed=20201005
        )
    assert len(drawn(first)) == 6
    assert drawn(first) == drawn(second)
    assert audits.sample_repeats(Audit.objects.get(pk=first.pk))


def test_a_different_seed_draws_differently_and_the_seed_is_recorded(cast: Cast) -> None:
    snapshot(cast.partnership, cast.analyst, registrations(30))
    one, other = planned_audit(cast, sample_size=6), None
    other = planned_audit(cast, one.programme, sample_size=6)
    audits.sample_draw(one, membership=member(cast, cast.owner), expected_version=1, seed=1)
    audits.sample_draw(other, membership=member(cast, cast.analyst), expected_version=1)
    stored = Audit.objects.get(pk=other.pk)
    assert stored.seed is not None and stored.population == 30
    assert drawn(one) != drawn(other)


def test_pure_draw_is_a_seeded_sample_of_the_sorted_case_list() -> None:
    table = pa.table(
        {
            "child_id": ["c", "a", "b", "a"],
            "registration_date": pa.array([D(2020, 1, 1)] * 4, pa.date32()),
            "deregistration_date": pa.array([None, None, D(2020, 8, 1), None], pa.date32()),
        }
    )
    cases = sampling.case_list(table, "cp", D(2020, 7, 1), D(2020, 9, 30))
    assert cases == ["a", "b", "c"]
    assert sampling.draw(cases, 2, 7) == sampling.draw(list(cases), 2, 7)
    assert sorted(sampling.draw(cases, 10, 7)) == cases  # fewer cases than the size: all


def test_cases_outside_the_audits_period_are_never_drawn(cast: Cast) -> None:
    snapshot(cast.partnership, cast.analyst, registrations(3))
    audit = planned_audit(cast, sample_size=10)
    audits.sample_draw(audit, membership=member(cast, cast.owner), expected_version=1, seed=3)
    assert Audit.objects.get(pk=audit.pk).population == 3  # OLD-CASE left out


def test_another_partnerships_newer_snapshot_is_never_drawn_from(cast: Cast) -> None:
    ours = snapshot(cast.partnership, cast.analyst, registrations(5))
    snapshot(cast.other, cast.outsider, registrations(50))  # newer, and larger
    audit = planned_audit(cast, sample_size=50)
    audits.sample_draw(audit, membership=member(cast, cast.owner), expected_version=1, seed=3)
    stored = Audit.objects.get(pk=audit.pk)
    assert stored.snapshot == ours
    theirs = set(
        sampling.snapshot_cases(
            sampling.latest_snapshot(cast.other.pk),
            "cp",
            D(2020, 7, 1),
            D(2020, 9, 30),  # type: ignore[arg-type]
        )
    )
    assert len(drawn(stored)) == 5 and not theirs & set(drawn(stored))


def test_the_latest_unpurged_snapshot_is_used(cast: Cast) -> None:
    snapshot(cast.partnership, cast.analyst, registrations(5))
    snapshot(cast.partnership, cast.analyst, registrations(8))
    snapshot(
        cast.partnership,
        cast.analyst,
        registrations(20),
        purged_at=dt.datetime(2021, 1, 1, tzinfo=dt.UTC),
    )
    audit = planned_audit(cast, sample_size=50)
    audits.sample_draw(audit, membership=member(cast, cast.owner), expected_version=1, seed=3)
    assert Audit.objects.get(pk=audit.pk).population == 8


def test_without_an_extract_nothing_is_drawn(cast: Cast) -> None:
    audit = planned_audit(cast)
    with pytest.raises(Invalid):
        audits.sample_draw(audit, membership=member(cast, cast.owner), expected_version=1)
    assert not SampledCase.objects.exists()
    assert Audit.objects.get(pk=audit.pk).status == Audit.Status.PLANNED


@pytest.mark.parametrize("role", ["lead", "board", "inspector", "admin"])
def test_only_owners_and_analysts_draw(cast: Cast, role: str) -> None:
    snapshot(cast.partnership, cast.analyst, registrations(5))
    audit = planned_audit(cast)
    with pytest.raises(Forbidden):
        audits.sample_draw(audit, membership=member(cast, getattr(cast, role)), expected_version=1)


def test_a_sample_is_drawn_once(cast: Cast) -> None:
    snapshot(cast.partnership, cast.analyst, registrations(5))
    audit = planned_audit(cast)
    audit = audits.sample_draw(audit, membership=member(cast, cast.owner), expected_version=1)
    with pytest.raises(Invalid):
        audits.sample_draw(
            audit, membership=member(cast, cast.owner), expected_version=audit.version
        )
