"""Round trip across databases: this test's database (SQLite in the default run) backed
up, restored into a fresh PostgreSQL instance, backed up there and restored into a fresh
SQLite instance; every record, audit entry and file compared with the original."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from tests.backup.builders import populate
from tests.backup.contents import contents, files_under
from tests.backup.postgres import TRELLIS, instance_env, private_database, run
from tests.conftest import Cast

SLUG = "riverside-test"


@pytest.fixture(autouse=True)
def _data_dir(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path / "a"
    settings.MEDIA_ROOT = tmp_path / "a" / "files"
    (tmp_path / "a").mkdir()


def read_instance(env: dict[str, str]) -> Any:
    return json.loads(run([TRELLIS[0], "-m", "tests.backup.contents", SLUG], env))


def test_sqlite_to_postgresql_and_back_keeps_every_record_and_file(
    cast: Cast, tmp_path: Path
) -> None:
    populate(cast, tmp_path)
    first = tmp_path / "first.zip"
    call_command("backup", str(first), "--partnership", SLUG, verbosity=0)
    original = contents(SLUG)

    with private_database("h_backup_rt") as url:
        pg = instance_env(tmp_path / "b", url)
        run([*TRELLIS, "migrate", "--no-input", "-v0"], pg)
        run([*TRELLIS, "restore", str(first)], pg)
        on_postgres = read_instance(pg)
        run([*TRELLIS, "audit", "verify"], pg)
        second = tmp_path / "second.zip"
        run([*TRELLIS, "backup", str(second), "--partnership", SLUG], pg)
        # Keys were kept as they were, and PostgreSQL's sequences moved past them.
        run([TRELLIS[0], "-c", NEW_ROWS], pg)

    lite = instance_env(tmp_path / "c", None)
    run([*TRELLIS, "migrate", "--no-input", "-v0"], lite)
    run([*TRELLIS, "restore", str(second)], lite)
    back_on_sqlite = read_instance(lite)
    run([*TRELLIS, "audit", "verify"], lite)

    assert on_postgres["records"] == original["records"]
    assert back_on_sqlite["records"] == original["records"]
    assert sum(len(rows) for rows in original["records"].values()) > 100
    assert on_postgres["files"] == back_on_sqlite["files"] == original["files"]
    assert len(original["files"]) >= 3 and "missing" not in original["files"].values()
    # File by file on disk: the restored tree holds exactly the partnership's files, each
    # byte-identical to the original (the other partnership's evidence stays behind).
    restored, source = files_under(tmp_path / "c"), files_under(tmp_path / "a")
    disk = {p: h for p, h in restored.items() if p.startswith(("snapshots/", "files/"))}
    assert len(disk) == len(original["files"])
    assert all(source[path] == digest for path, digest in disk.items())
    # Audit entries keep their ids, times, actors and changes; each instance adds its own
    # backup and restore entries after them.
    audit = original["audit"]
    assert on_postgres["audit"][: len(audit)] == audit
    assert back_on_sqlite["audit"][: len(on_postgres["audit"])] == on_postgres["audit"]
    verbs = [e["verb"] for e in back_on_sqlite["audit"][len(audit) :]]
    assert verbs == ["backup.restored", "backup.created", "backup.restored"]


NEW_ROWS = """
import django
django.setup()
from trellis.accounts.models import Partnership, Person
from trellis.plans.models import Plan
home = Partnership.objects.get(slug="riverside-test")
Person.objects.create_user("after-restore@example.org", "x" * 16, full_name="New")
plan = Plan.objects.filter(partnership=home).first()
plan.pk = None
plan.save()
"""
