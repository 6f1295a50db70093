"""`trellis qa draw|check` acts as a named person through the same services."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import Cast
from tests.improvement.qa import planned_audit, registrations, snapshot
from trellis.improvement.models import Audit, SampledCase

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.DATA_DIR = tmp_path


def run(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("qa", *args, stdout=out)
    return out.getvalue()


def test_an_owner_draws_with_a_seed_and_the_draw_then_checks(cast: Cast) -> None:
    snapshot(cast.partnership, cast.analyst, registrations(10))
    audit = planned_audit(cast, sample_size=3)
    slug = cast.partnership.slug
    said = run(
        "draw", str(audit.pk), "--as", cast.owner.email, "--partnership", slug, "--seed", "7"
    )
    assert "Drew 3 of 10 cases" in said and "seed 7" in said
    assert Audit.objects.get(pk=audit.pk).seed == 7
    checked = json.loads(
        run("check", str(audit.pk), "--as", cast.analyst.email, "--partnership", slug, "--json")
    )
    assert checked == {"audit": audit.pk, "seed": 7, "repeats": True}


def test_a_dry_run_saves_nothing(cast: Cast) -> None:
    snapshot(cast.partnership, cast.analyst, registrations(10))
    audit = planned_audit(cast, sample_size=3)
    said = run(
        "draw",
        str(audit.pk),
        "--as",
        cast.owner.email,
        "--partnership",
        cast.partnership.slug,
        "--dry-run",
    )
    assert said.startswith("Would draw 3 of 10")
    assert Audit.objects.get(pk=audit.pk).status == Audit.Status.PLANNED
    assert not SampledCase.objects.exists()


def test_a_check_fails_when_the_stored_sample_was_altered(cast: Cast) -> None:
    snapshot(cast.partnership, cast.analyst, registrations(10))
    audit = planned_audit(cast, sample_size=3)
    slug = cast.partnership.slug
    run("draw", str(audit.pk), "--as", cast.owner.email, "--partnership", slug)
    first = SampledCase.objects.filter(audit=audit).order_by("position")[0]
    first.pseudonym = "0" * 64
    first.save()
    with pytest.raises(CommandError) as caught:
        run("check", str(audit.pk), "--as", cast.owner.email, "--partnership", slug)
    assert "does not repeat" in str(caught.value)


@pytest.mark.parametrize("who", ["lead", "outsider"])
def test_others_cannot_draw(cast: Cast, who: str) -> None:
    snapshot(cast.partnership, cast.analyst, registrations(10))
    audit = planned_audit(cast)
    with pytest.raises(CommandError):
        run(
            "draw",
            str(audit.pk),
            "--as",
            getattr(cast, who).email,
            "--partnership",
            cast.partnership.slug,
        )
    assert Audit.objects.get(pk=audit.pk).status == Audit.Status.PLANNED
