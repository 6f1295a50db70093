"""`trellis plan import` and `trellis plan export`."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import Cast
from tests.transfer import councils
from trellis.audit.models import AuditEntry
from trellis.plans.models import Plan


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def riverside(tmp_path: Path) -> Path:
    path = tmp_path / "riverside.docx"
    path.write_bytes(councils.riverside_docx())
    return path


def test_a_dry_run_prints_the_stable_json_and_saves_nothing(cast: Cast, riverside: Path) -> None:
    plans = Plan.objects.count()
    document = json.loads(run("plan", "import", str(riverside), "--dry-run", "--json"))
    assert {k: v for k, v in document.items() if k != "warnings"} == councils.RIVERSIDE
    assert document["warnings"] == [
        "Row 5: 2 outcomes in one cell; its drivers go under the first."
    ]
    assert Plan.objects.count() == plans


def test_a_dry_run_as_a_member_is_checked_like_the_web(cast: Cast, riverside: Path) -> None:
    with pytest.raises(CommandError):
        run(
            "plan",
            "import",
            str(riverside),
            "--dry-run",
            "--as",
            cast.outsider.email,
            "--partnership",
            cast.partnership.slug,
        )


def test_an_owner_imports_a_plan_with_corrected_headings(cast: Cast, tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    path.write_text("Outcome,Workstream,Action\nSafe,Front door,One form\n")
    out = run(
        "plan",
        "import",
        str(path),
        "--as",
        cast.owner.email,
        "--partnership",
        cast.partnership.slug,
        "--map",
        "Workstream=driver",
        "--title",
        "Front door plan",
        "--starts",
        "2020-04-01",
        "--ends",
        "2021-03-31",
    )
    plan = Plan.objects.get(title="Front door plan")
    assert f"Imported plan {plan.pk}" in out
    assert plan.outcomes.get().drivers.get().title == "Front door"
    assert AuditEntry.objects.filter(verb="plan.import", object_id=str(plan.pk)).exists()


def test_a_lead_cannot_import(cast: Cast, riverside: Path) -> None:
    with pytest.raises(CommandError) as refused:
        run(
            "plan",
            "import",
            str(riverside),
            "--as",
            cast.lead.email,
            "--partnership",
            cast.partnership.slug,
        )
    assert refused.value.returncode == 3
    assert not Plan.objects.filter(title="riverside").exists()


def test_problems_stop_the_import_with_a_reason(cast: Cast, riverside: Path) -> None:
    with pytest.raises(CommandError) as refused:
        run(
            "plan",
            "import",
            str(riverside),
            "--as",
            cast.owner.email,
            "--partnership",
            cast.partnership.slug,
            "--starts",
            "2020-10-01",
            "--ends",
            "2020-12-31",
        )
    assert "outside the plan's dates" in str(refused.value)
    assert not Plan.objects.filter(title="riverside").exists()


def test_an_unreadable_file_fails_with_one_line(cast: Cast, tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    path.write_bytes(b"not a workbook")
    with pytest.raises(CommandError) as refused:
        run("plan", "import", str(path), "--dry-run")
    assert "not a real .xlsx file" in str(refused.value)


def test_export_then_import_from_the_command_line(cast: Cast, tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    run(
        "plan",
        "export",
        "--as",
        cast.board.email,
        "--partnership",
        cast.partnership.slug,
        "--plan",
        str(cast.plan.pk),
        "--format",
        "json",
        "--output",
        str(out),
    )
    document = json.loads(run("plan", "import", str(out), "--dry-run", "--json"))
    exported = json.loads(out.read_text())["plan"]
    assert [o["title"] for o in document["outcomes"]] == [o["title"] for o in exported["outcomes"]]


def test_a_dry_run_as_a_lead_is_refused_as_the_upload_page_would(
    cast: Cast, riverside: Path
) -> None:
    with pytest.raises(CommandError) as refused:
        run(
            "plan",
            "import",
            str(riverside),
            "--dry-run",
            "--as",
            cast.lead.email,
            "--partnership",
            cast.partnership.slug,
        )
    assert refused.value.returncode == 3
