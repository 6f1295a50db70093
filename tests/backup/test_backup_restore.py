"""`trellis backup` and `trellis restore` in this process's database (SQLite, or
PostgreSQL when DATABASE_URL names it): what a backup holds and leaves out, restoring over
the same instance with --replace, and refusals that change nothing."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import struct
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from tests.backup.builders import populate
from tests.backup.contents import contents, files_under
from tests.conftest import Cast
from trellis.accounts.models import Partnership, Person
from trellis.audit.models import AuditEntry
from trellis.audit.services import audit_verify
from trellis.backup.archive import MANIFEST


@pytest.fixture(autouse=True)
def _data_dir(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = tmp_path / "data" / "files"
    (tmp_path / "data").mkdir()


@pytest.fixture
def world(cast: Cast, tmp_path: Path) -> Cast:
    populate(cast, tmp_path)
    return cast


def backup(slug: str, out: Path) -> str:
    stdout = io.StringIO()
    call_command("backup", str(out), "--partnership", slug, stdout=stdout)
    return stdout.getvalue()


def restore(path: Path, *args: str) -> str:
    stdout = io.StringIO()
    call_command("restore", str(path), *args, stdout=stdout)
    return stdout.getvalue()


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rows(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in data.splitlines() if line]


def test_a_backup_holds_the_partnership_and_nothing_of_another(world: Cast, tmp_path: Path) -> None:
    out = tmp_path / "home.zip"
    said = backup("riverside-test", out)
    assert "SHA-256" in said and oct(out.stat().st_mode & 0o777) == "0o600"
    held = members(out)
    manifest = json.loads(held[MANIFEST])
    assert manifest["partnership"]["slug"] == "riverside-test"
    labels = {m["model"] for m in manifest["models"]}
    # Models found through the app registry, including those of later apps.
    assert {"plans.action", "progress.evidence", "casedata.snapshot", "api.apitoken"} <= labels
    assert {"accounts.mfadevice", "accounts.recoverycode", "reports.issuedreport"} <= labels
    partnerships = rows(held["records/accounts.partnership.jsonl"])
    assert [p["fields"]["slug"] for p in partnerships] == ["riverside-test"]
    plans = rows(held["records/plans.plan.jsonl"])
    assert plans and all(p["fields"]["partnership"] == world.partnership.pk for p in plans)
    emails = {p["fields"]["email"] for p in rows(held["records/accounts.person.jsonl"])}
    assert "lead@example.org" in emails and "other-lead@example.org" not in emails
    # Secrets travel: password hashes, the sealed authenticator, token digests.
    assert all(p["fields"]["password"] for p in rows(held["records/accounts.person.jsonl"]))
    assert rows(held["records/accounts.mfadevice.jsonl"])[0]["fields"]["secret"]
    assert rows(held["records/api.apitoken.jsonl"])[0]["fields"]["digest"]
    # Files: this partnership's evidence and snapshot, not the other's evidence.
    files = manifest["files"]
    assert any(f.startswith("files/media/evidence/") for f in files)
    assert any(f.endswith(".parquet") for f in files)
    assert any(f.endswith("manifest.json") for f in files)
    evidence_bytes = [held[f] for f in files if f.startswith("files/media/")]
    assert evidence_bytes and all(b.endswith(b"home.pdf") for b in evidence_bytes)
    # Audit: its own entries in full, only the links of anything else.
    entries = rows(held["audit/entries.jsonl"])
    assert entries and {e["partnership_id"] for e in entries} == {world.partnership.pk}
    assert entries[-1]["verb"] == "backup.created"
    links = rows(held["audit/links.jsonl"])
    assert links and all(len(link) == 3 for link in links)
    assert manifest["members"].keys() == set(held) - {MANIFEST}


@pytest.mark.parametrize("batch", [None, 3], ids=["usual-batches", "batches-of-3"])
def test_replace_restores_exactly_what_was_backed_up(
    world: Cast, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch: int | None
) -> None:
    if batch:  # many batches per model, on the way out and on the way in
        monkeypatch.setattr("trellis.backup.dump.BATCH", batch)
        monkeypatch.setattr("trellis.backup.load.BATCH", batch)
    out = tmp_path / "home.zip"
    backup("riverside-test", out)
    before = contents("riverside-test")
    files_before = files_under(tmp_path / "data" / "snapshots")

    said = restore(out, "--replace")
    assert "Restored riverside-test" in said and "replaced" in said
    after = contents("riverside-test")
    assert after["records"] == before["records"]
    assert after["files"] == before["files"]
    assert files_under(tmp_path / "data" / "snapshots") == files_before
    # The other partnership was deleted with everything else the instance held.
    assert list(Partnership.objects.values_list("slug", flat=True)) == ["riverside-test"]
    assert not Person.objects.filter(email="other-lead@example.org").exists()
    # Same entries, same content, relinked into a chain that verifies; the restore audited.
    restored = after["audit"]
    assert restored[: len(before["audit"])] == before["audit"]
    assert restored[-1]["verb"] == "backup.restored"
    assert audit_verify().ok


def test_a_non_empty_instance_is_refused_without_replace(world: Cast, tmp_path: Path) -> None:
    out = tmp_path / "home.zip"
    backup("riverside-test", out)
    count = AuditEntry.objects.count()
    with pytest.raises(CommandError, match="already holds data"):
        restore(out)
    assert Partnership.objects.count() == 2 and AuditEntry.objects.count() == count


def data_offset(path: Path, member: str) -> int:
    """Where a member's stored bytes begin (after its local header)."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    raw = path.read_bytes()
    start = info.header_offset
    name_length, extra_length = struct.unpack("<HH", raw[start + 26 : start + 30])
    return start + 30 + name_length + extra_length


def damaged(source: Path, out: Path, member: str, change: Any) -> Path:
    """A copy of the archive with one member changed, manifest left as it was."""
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(out, "w") as copy:
        for name in archive.namelist():
            data = archive.read(name)
            copy.writestr(name, change(data) if name == member else data)
    return out


def test_damaged_or_truncated_backups_load_nothing(world: Cast, tmp_path: Path) -> None:
    out = tmp_path / "home.zip"
    backup("riverside-test", out)
    before = contents("riverside-test")
    snapshots = files_under(tmp_path / "data" / "snapshots")
    data = out.read_bytes()
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(data[: len(data) // 2])
    flipped = tmp_path / "flipped.zip"
    at = data_offset(out, "records/accounts.person.jsonl") + 10
    flipped.write_bytes(data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :])
    plan = damaged(out, tmp_path / "plan.zip", "records/plans.plan.jsonl", lambda b: b[:-20])
    cases: list[tuple[Path, str]] = [
        (truncated, "damaged or incomplete"),
        (flipped, "damaged|checksum"),
        (plan, "does not match its checksum"),
    ]
    for path, reason in cases:
        with pytest.raises(CommandError, match=reason):
            restore(path, "--replace")
        assert contents("riverside-test") == before
        assert Partnership.objects.count() == 2
        assert files_under(tmp_path / "data" / "snapshots") == snapshots
        assert not list((tmp_path / "data").glob(".restore-*"))


def test_a_wrong_sha256_is_refused(world: Cast, tmp_path: Path) -> None:
    out = tmp_path / "home.zip"
    backup("riverside-test", out)
    with pytest.raises(CommandError, match="SHA-256 you gave"):
        restore(out, "--replace", "--sha256", "0" * 64)
    assert Partnership.objects.count() == 2


def forged(source: Path, out: Path, member: str, change: Any) -> Path:
    """A copy with one member changed and the manifest rewritten to match, as someone
    editing the archive would: the checksums pass, so something else must catch it."""
    held = members(source)
    held[member] = change(held[member])
    manifest = json.loads(held[MANIFEST])
    manifest["members"][member] = {
        "sha256": hashlib.sha256(held[member]).hexdigest(),
        "size": len(held[member]),
    }
    for listed in manifest["models"]:
        if listed["member"] == member:
            listed["rows"] = len(rows(held[member]))
    if member == "audit/entries.jsonl":
        manifest["audit"]["entries"] = len(rows(held[member]))
    held[MANIFEST] = json.dumps(manifest).encode()
    with zipfile.ZipFile(out, "w") as copy:
        for name, data in held.items():
            copy.writestr(name, data)
    return out


def edit_lines(edit: Any) -> Any:
    def change(data: bytes) -> bytes:
        lines = [json.loads(line) for line in data.splitlines()]
        return b"".join(json.dumps(x).encode() + b"\n" for x in edit(lines))

    return change


def reworded(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    entries[0]["verb"] = "plan.delete"
    return entries


@pytest.mark.parametrize(
    ("member", "edit", "reason"),
    [
        ("audit/entries.jsonl", reworded, "content does not match its hash"),
        ("audit/entries.jsonl", lambda e: e[:1] + e[2:], "previous hash does not match"),
        ("audit/entries.jsonl", lambda e: e[:-1], "does not end at its recorded head"),
        ("records/accounts.person.jsonl", lambda p: p[1:], "records do not load"),
    ],
    ids=["entry-changed", "entry-removed", "last-entry-removed", "person-removed"],
)
def test_edited_backups_are_caught_and_load_nothing(
    world: Cast, tmp_path: Path, member: str, edit: Any, reason: str
) -> None:
    out = tmp_path / "home.zip"
    backup("riverside-test", out)
    # The instance has lost its files: a failed restore must not leave any behind.
    shutil.rmtree(tmp_path / "data" / "snapshots")
    shutil.rmtree(tmp_path / "data" / "files")
    before = contents("riverside-test")
    bad = forged(out, tmp_path / "forged.zip", member, edit_lines(edit))
    with pytest.raises(CommandError, match=reason):
        restore(bad, "--replace")
    assert contents("riverside-test") == before
    assert Partnership.objects.count() == 2
    assert not files_under(tmp_path / "data")


def test_a_restore_warns_when_the_keys_differ(world: Cast, tmp_path: Path, settings: Any) -> None:
    out = tmp_path / "home.zip"
    backup("riverside-test", out)
    settings.TRELLIS_PSEUDONYM_SECRET = "another-secret-" + "y" * 30
    stderr = io.StringIO()
    call_command("restore", str(out), "--replace", stdout=io.StringIO(), stderr=stderr)
    assert "TRELLIS_PSEUDONYM_SECRET differs" in stderr.getvalue()
    assert "SECRET_KEY" not in stderr.getvalue()


def test_a_backup_from_another_schema_version_is_refused(world: Cast, tmp_path: Path) -> None:
    out = tmp_path / "home.zip"
    backup("riverside-test", out)
    held = members(out)
    manifest = json.loads(held[MANIFEST])
    manifest["migrations"]["plans"].append("9999_from_the_future")
    held[MANIFEST] = json.dumps(manifest).encode()
    newer = tmp_path / "newer.zip"
    with zipfile.ZipFile(newer, "w") as copy:
        for name, data in held.items():
            copy.writestr(name, data)
    with pytest.raises(CommandError, match="different database schema") as refused:
        restore(newer, "--replace")
    assert refused.value.returncode == 4
    assert Partnership.objects.count() == 2


def test_backup_refuses_an_unknown_partnership_and_an_existing_file(
    world: Cast, tmp_path: Path
) -> None:
    with pytest.raises(CommandError, match="no partnership 'nowhere'"):
        backup("nowhere", tmp_path / "x.zip")
    out = tmp_path / "home.zip"
    out.write_bytes(b"keep me")
    with pytest.raises(CommandError, match="already exists"):
        backup("riverside-test", out)
    assert out.read_bytes() == b"keep me"
    assert not list(tmp_path.glob("*.partial"))
