"""`trellis` commands act as a named person with the web's checks and audit."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command

from tests import factories
from tests.conftest import Cast
from trellis.accounts.models import Membership, Role
from trellis.audit.models import AuditEntry
from trellis.plans.models import Milestone


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def lead_milestone(cast: Cast) -> Milestone:
    return Milestone.objects.filter(action__lead=cast.lead).first()  # type: ignore[return-value]


def test_plan_show_prints_the_plan_as_json_for_a_member(cast: Cast) -> None:
    out = run(
        "plan", "show", "--as", cast.board.email, "--partnership", cast.partnership.slug, "--json"
    )
    document = json.loads(out)
    assert document["id"] == cast.plan.pk
    assert sum(len(d["actions"]) for o in document["outcomes"] for d in o["drivers"]) == 3


def test_plan_commands_refuse_a_member_of_another_partnership(cast: Cast) -> None:
    with pytest.raises(CommandError, match="not an active member") as error:
        run("plan", "list", "--as", cast.outsider.email, "--partnership", cast.partnership.slug)
    assert error.value.returncode == 4


def test_commands_ask_which_partnership_when_there_are_several(cast: Cast) -> None:
    with pytest.raises(CommandError, match="--partnership"):
        run("plan", "list", "--as", cast.owner.email)


def test_commands_default_to_the_only_partnership(db) -> None:  # type: ignore[no-untyped-def]
    only = factories.partnership()
    owner = factories.person(only, Role.OWNER)
    factories.plan_tree(only, actions=1, lead=owner)
    assert "Improvement plan" in run("plan", "list", "--as", owner.email)


@time_machine.travel(dt.datetime(2020, 3, 2, 12, tzinfo=dt.UTC), tick=False)
def test_the_lead_records_a_milestone_done_with_an_audit_entry(cast: Cast) -> None:
    milestone = lead_milestone(cast)
    before = AuditEntry.objects.count()
    run(
        "milestone",
        "done",
        str(milestone.pk),
        "--as",
        cast.lead.email,
        "--partnership",
        cast.partnership.slug,
        "--date",
        "2020-03-01",
    )
    milestone.refresh_from_db()
    assert milestone.done == dt.date(2020, 3, 1)
    entry = AuditEntry.objects.latest("id")
    assert AuditEntry.objects.count() == before + 1
    assert entry.actor_id == cast.lead.pk
    assert entry.verb == "milestone.update"


def test_a_dry_run_saves_nothing(cast: Cast) -> None:
    milestone = lead_milestone(cast)
    before = AuditEntry.objects.count()
    out = run(
        "milestone",
        "done",
        str(milestone.pk),
        "--as",
        cast.lead.email,
        "--partnership",
        cast.partnership.slug,
        "--dry-run",
    )
    milestone.refresh_from_db()
    assert "Would record" in out
    assert milestone.done is None
    assert AuditEntry.objects.count() == before


def test_a_board_member_cannot_record_a_milestone(cast: Cast) -> None:
    milestone = lead_milestone(cast)
    with pytest.raises(CommandError) as error:
        run(
            "milestone",
            "done",
            str(milestone.pk),
            "--as",
            cast.board.email,
            "--partnership",
            cast.partnership.slug,
        )
    assert error.value.returncode == 3
    milestone.refresh_from_db()
    assert milestone.done is None


def test_a_milestone_of_another_partnership_is_not_found(cast: Cast) -> None:
    theirs = factories.plan_tree(cast.other, actions=1)
    milestone = Milestone.objects.filter(action__driver__outcome__plan=theirs).first()
    assert milestone is not None
    with pytest.raises(CommandError) as error:
        run(
            "milestone",
            "done",
            str(milestone.pk),
            "--as",
            cast.owner.email,
            "--partnership",
            cast.partnership.slug,
        )
    assert error.value.returncode == 4


def test_an_admin_invites_someone_from_the_command_line(
    cast: Cast,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        run(
            "people",
            "invite",
            "new.lead@example.org",
            "--name",
            "New Lead",
            "--role",
            "lead",
            "--as",
            cast.admin.email,
            "--partnership",
            cast.partnership.slug,
        )
    membership = Membership.objects.get(person__email="new.lead@example.org")
    assert membership.roles == ["lead"]
    assert membership.partnership == cast.partnership
    assert len(mail.outbox) == 1


def test_only_an_admin_may_invite_from_the_command_line(cast: Cast) -> None:
    with pytest.raises(CommandError) as error:
        run(
            "people",
            "invite",
            "x@example.org",
            "--name",
            "X",
            "--role",
            "lead",
            "--as",
            cast.owner.email,
            "--partnership",
            cast.partnership.slug,
        )
    assert error.value.returncode == 3
    assert not Membership.objects.filter(person__email="x@example.org").exists()
