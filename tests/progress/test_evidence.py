"""Evidence on progress updates: links and files. Files are checked by content, refused with
a clear message leaving nothing behind, stored under random names outside the static root,
and downloaded only by people allowed to see them."""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import StopUpload
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests import factories
from tests.conftest import Cast, signed_in
from trellis.accounts.models import Group, Membership, Role
from trellis.audit.models import AuditEntry
from trellis.errors import Forbidden
from trellis.plans.models import Action
from trellis.progress.evidence import evidence_add
from trellis.progress.filetypes import REFUSALS, Infected, UploadRefused, detect_kind
from trellis.progress.models import Evidence, ProgressUpdate
from trellis.uploads import (
    NAME_MAX,
    SizeLimitUploadHandler,
    SpoolingUploadHandler,
    clean_file_name,
)

MB = 1024 * 1024

# Real, tiny files of every allowed type.


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1×1, 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def jpeg_bytes() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def content_types(main: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Override PartName="/{main}" ContentType="application/vnd.openxmlformats-'
        'officedocument.main+xml"/></Types>'
    ).encode()


def docx_bytes() -> bytes:
    return zip_bytes(
        {
            "[Content_Types].xml": content_types("word/document.xml"),
            "_rels/.rels": b"<Relationships/>",
            "word/document.xml": b"<w:document><w:body><w:p/></w:body></w:document>",
        }
    )


def xlsx_bytes(**extra: bytes) -> bytes:
    return zip_bytes(
        {
            "[Content_Types].xml": content_types("xl/workbook.xml"),
            "_rels/.rels": b"<Relationships/>",
            "xl/workbook.xml": b"<workbook><sheets/></workbook>",
            "xl/worksheets/sheet1.xml": b"<worksheet/>",
            **extra,
        }
    )


def xlsm_bytes() -> bytes:
    return xlsx_bytes(**{"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 macros"})


def docm_without_vba_part_bytes() -> bytes:
    """Macro-enabled by its declared content type alone."""
    return zip_bytes(
        {
            "[Content_Types].xml": b'<Types><Override PartName="/word/document.xml" '
            b'ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>',
            "word/document.xml": b"<w:document/>",
        }
    )


def zip_bomb_bytes() -> bytes:
    """A small .xlsx whose entries declare about 4 GB when expanded."""
    data = bytearray(xlsx_bytes(**{"xl/media/big.bin": b"\x00" * 1000}))
    offset = data.find(b"PK\x01\x02")
    while offset != -1:  # each central directory entry: uncompressed size at +24
        data[offset + 24 : offset + 28] = struct.pack("<I", 0xFFFFFF00)
        offset = data.find(b"PK\x01\x02", offset + 4)
    return bytes(data)


def many_entries_bytes() -> bytes:
    return xlsx_bytes(**{f"xl/parts/{i}.xml": b"" for i in range(2001)})


def exe_bytes() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def eicar_bytes() -> bytes:
    return rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


ALLOWED = [
    ("report.pdf", pdf_bytes, "application/pdf"),
    (
        "notes.docx",
        docx_bytes,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        "figures.xlsx",
        xlsx_bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("figures.csv", lambda: "area,count\nNorth,3\nCafé,4\n".encode(), "text/csv"),
    ("bom.csv", lambda: "\ufeffarea,count\nNorth,3\n".encode(), "text/csv"),
    ("windows.csv", lambda: "area,cost\nNorth,£3\n".encode("cp1252"), "text/csv"),
    ("chart.png", png_bytes, "image/png"),
    ("photo.jpg", jpeg_bytes, "image/jpeg"),
    ("photo.jpeg", jpeg_bytes, "image/jpeg"),
]

REFUSED = [
    ("setup.pdf", exe_bytes, "not-allowed"),
    ("setup.exe", exe_bytes, "not-allowed"),
    ("budget.xlsx", xlsm_bytes, "macros"),
    ("letter.docx", docm_without_vba_part_bytes, "macros"),
    ("bomb.xlsx", zip_bomb_bytes, "zip-bomb"),
    ("parts.xlsx", many_entries_bytes, "zip-bomb"),
    ("archive.docx", lambda: zip_bytes({"readme.txt": b"hello"}), "not-allowed"),
    ("encrypted.xlsx", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "not-allowed"),
    ("chart.pdf", png_bytes, "mismatch"),
    ("report.docx", pdf_bytes, "mismatch"),
    ("figures.csv", lambda: b"area\x00count\n", "not-text"),
    ("figures.csv", lambda: b"caf\x81\x8d\n", "not-text"),
    ("page.html", lambda: b"<html><script>alert(1)</script></html>", "not-allowed"),
    ("empty.pdf", lambda: b"", "empty"),
    ("test.csv", eicar_bytes, "malware"),
]


# The people and places.


@dataclass
class Scene:
    cast: Cast
    update: ProgressUpdate
    lead: Membership
    owner: Membership
    media: Path
    temp: Path

    @property
    def slug(self) -> str:
        return self.cast.partnership.slug

    def add_url(self, update: ProgressUpdate | None = None) -> str:
        return reverse("progress:evidence-add", args=[self.slug, (update or self.update).pk])

    def download_url(self, evidence: Evidence) -> str:
        return reverse("progress:evidence-download", args=[self.slug, evidence.pk])

    def delete_url(self, evidence: Evidence) -> str:
        return reverse("progress:evidence-delete", args=[self.slug, evidence.pk])

    def stored_files(self) -> list[Path]:
        return sorted(p for p in self.media.rglob("*") if p.is_file())

    def temp_files(self) -> list[Path]:
        return sorted(p for p in self.temp.rglob("*") if p.is_file())


def membership_of(cast: Cast, person: Any) -> Membership:
    return Membership.objects.select_related("partnership", "person").get(
        person=person, partnership=cast.partnership
    )


@pytest.fixture
def scene(cast: Cast, settings: Any, tmp_path: Path) -> Scene:
    media, temp = tmp_path / "media", tmp_path / "tmp"
    temp.mkdir()
    settings.MEDIA_ROOT = media
    settings.FILE_UPLOAD_TEMP_DIR = temp
    action = Action.objects.filter(partnership=cast.partnership, lead=cast.lead)[0]
    return Scene(
        cast=cast,
        update=factories.update(action),
        lead=membership_of(cast, cast.lead),
        owner=membership_of(cast, cast.owner),
        media=media,
        temp=temp,
    )


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def post_file(scene: Scene, name: str, data: bytes, who: Any = None, **fields: Any) -> Any:
    client = signed_in(who or scene.cast.lead)
    return client.post(
        scene.add_url(), {"title": "Evidence", "url": "", "file": upload(name, data), **fields}
    )


def add_file(scene: Scene, name: str = "minutes.pdf", **kwargs: Any) -> Evidence:
    return evidence_add(
        membership=scene.lead,
        update=scene.update,
        title="Minutes",
        upload=upload(name, pdf_bytes()),
        **kwargs,
    )


def refusal_reasons() -> list[str]:
    return [e.changes["reason"] for e in AuditEntry.objects.filter(verb="evidence.refuse")]


# Adding files.


@pytest.mark.parametrize(("name", "make", "content_type"), ALLOWED)
def test_each_allowed_type_is_stored_under_a_random_name_with_its_digest(
    scene: Scene, name: str, make: Callable[[], bytes], content_type: str
) -> None:
    data = make()
    response = post_file(scene, name, data)
    assert response.status_code == 302
    evidence = Evidence.objects.get(update=scene.update)
    assert evidence.content_type == content_type
    assert evidence.file_name == name
    assert evidence.size == len(data)
    assert evidence.sha256 == hashlib.sha256(data).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{32}", evidence.stored_name)
    assert scene.stored_files() == [scene.media / "evidence" / evidence.stored_name]
    assert (scene.media / "evidence" / evidence.stored_name).read_bytes() == data
    assert scene.temp_files() == []


def test_adding_a_file_is_audited_without_its_content(scene: Scene) -> None:
    post_file(scene, "report.pdf", pdf_bytes())
    evidence = Evidence.objects.get(update=scene.update)
    entry = AuditEntry.objects.get(verb="evidence.add")
    assert entry.object_id == str(evidence.pk)
    assert entry.changes["sha256"] == evidence.sha256
    assert entry.changes["file_name"] == "report.pdf"
    assert "%PDF" not in str(entry.changes)


@pytest.mark.parametrize(("name", "make", "reason"), REFUSED)
def test_a_refused_file_says_which_rule_and_leaves_nothing_behind(
    scene: Scene, name: str, make: Callable[[], bytes], reason: str
) -> None:
    response = post_file(scene, name, make())
    assert response.status_code == 400
    assert refusal_reasons() == [reason]
    message = str(REFUSALS[reason]).split("%")[0]
    assert escape(message).encode() in response.content
    assert not Evidence.objects.exists()
    assert scene.stored_files() == []
    assert scene.temp_files() == []


def test_a_file_of_exactly_10_mb_is_accepted(scene: Scene) -> None:
    data = pdf_bytes().ljust(10 * MB, b" ")
    assert post_file(scene, "big.pdf", data).status_code == 302
    assert Evidence.objects.get().size == 10 * MB
    assert scene.temp_files() == []


def test_a_file_one_byte_over_10_mb_is_stopped_and_nothing_is_stored(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    received: list[int] = []
    receive = SpoolingUploadHandler.receive_data_chunk

    def spy(handler: Any, raw_data: bytes, start: int) -> Any:
        received.append(start + len(raw_data))
        return receive(handler, raw_data, start)

    monkeypatch.setattr(SpoolingUploadHandler, "receive_data_chunk", spy)
    response = post_file(scene, "big.pdf", pdf_bytes().ljust(10 * MB + 1, b" "))
    assert max(received) <= 10 * MB  # stopped while arriving: the last byte never landed
    assert response.status_code == 400
    assert escape(str(REFUSALS["too-large"])).encode() in response.content
    assert refusal_reasons() == ["too-large"]
    assert not Evidence.objects.exists()
    assert scene.stored_files() == []
    assert scene.temp_files() == []


def test_the_upload_handler_stops_receiving_at_the_limit(rf: Any, settings: Any) -> None:
    settings.TRELLIS_UPLOAD_MAX_BYTES = 100
    request = rf.post("/")
    handler = SizeLimitUploadHandler(request)
    handler.handle_raw_input(io.BytesIO(), {}, 1000, "b")
    handler.new_file("file", "a.pdf", "application/pdf", None)
    assert handler.receive_data_chunk(b"x" * 100, 0) == b"x" * 100
    with pytest.raises(StopUpload):
        handler.receive_data_chunk(b"x", 100)
    assert request.stopped_upload.name == "a.pdf"


def test_the_upload_handler_stops_a_body_declared_far_too_large_before_any_byte(
    rf: Any, settings: Any
) -> None:
    request = rf.post("/")
    handler = SizeLimitUploadHandler(request)
    handler.handle_raw_input(io.BytesIO(), {}, 50 * MB, "b")
    with pytest.raises(StopUpload) as stopped:
        handler.new_file("file", "huge.pdf", "application/pdf", None)
    assert request.stopped_upload.name == "huge.pdf"
    assert stopped.value.connection_reset  # five times the limit: the rest is never read


def test_a_body_a_little_over_the_limit_is_read_to_its_end_so_the_page_can_answer(
    rf: Any, settings: Any
) -> None:
    request = rf.post("/")
    handler = SizeLimitUploadHandler(request)
    handler.handle_raw_input(io.BytesIO(), {}, 11 * MB, "b")
    handler.new_file("file", "big.pdf", "application/pdf", None)
    with pytest.raises(StopUpload) as stopped:
        handler.receive_data_chunk(b"x" * MB, 10 * MB)
    assert request.stopped_upload.name == "big.pdf"
    assert not stopped.value.connection_reset


def broken_scanner(upload: Any) -> None:
    raise ConnectionRefusedError("clamd is not running")


def test_an_unavailable_scanner_refuses_the_upload_with_503(scene: Scene, settings: Any) -> None:
    settings.TRELLIS_UPLOAD_SCANNER = "tests.progress.test_evidence.broken_scanner"
    response = post_file(scene, "report.pdf", pdf_bytes())
    assert response.status_code == 503
    assert refusal_reasons() == ["scanner-down"]
    assert not Evidence.objects.exists()
    assert scene.stored_files() == []


# File names.

NAMES = [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("..\\..\\windows\\win.pdf", "win.pdf"),
    ("CON.pdf", "CON_.pdf"),
    ("lpt1.report.pdf", "lpt1_.report.pdf"),
    ("invoice\u202efdp.pdf", "invoicefdp.pdf"),
    ("tab\tand\x00nul.pdf", "tabandnul.pdf"),
    ('what?<is>"this".pdf', "what__is__this_.pdf"),
    ("  ...hidden.pdf  ", "hidden.pdf"),
    ("x" * 300 + ".pdf", "x" * (NAME_MAX - 4) + ".pdf"),
]


@pytest.mark.parametrize(("raw", "clean"), NAMES)
def test_a_file_is_stored_under_a_uuid_and_shown_under_a_cleaned_name(
    scene: Scene, raw: str, clean: str
) -> None:
    evidence = add_file(scene, raw)
    assert evidence.file_name == clean
    assert re.fullmatch(r"[0-9a-f]{32}", evidence.stored_name)
    assert scene.stored_files() == [scene.media / "evidence" / evidence.stored_name]


def test_a_name_with_path_parts_sent_by_a_browser_is_cleaned(scene: Scene) -> None:
    # The test client drops "/" parts itself; backslashes reach the server.
    assert post_file(scene, "..\\..\\secret\\minutes.pdf", pdf_bytes()).status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.file_name == "minutes.pdf"
    assert "minutes" not in evidence.stored_name


@given(st.text(max_size=400))
@hypothesis_settings(max_examples=300, deadline=None)
def test_a_cleaned_name_has_no_path_control_or_bidi_characters(raw: str) -> None:
    name = clean_file_name(raw)
    assert 0 < len(name) <= NAME_MAX
    assert not {"/", "\\", "\u202e", "\x00", "\n"} & set(name)
    assert name == name.strip(". ")


def damaged(original: bytes) -> st.SearchStrategy[bytes]:
    """The file with some bytes overwritten, or cut short."""
    edits = st.lists(st.tuples(st.integers(0, len(original) - 1), st.integers(0, 255)))
    cut = st.integers(0, len(original))

    def apply(args: tuple[list[tuple[int, int]], int]) -> bytes:
        data = bytearray(original)
        for at, value in args[0]:
            data[at] = value
        return bytes(data[: args[1]])

    return st.tuples(edits, cut).map(apply)


ANY_BYTES = st.one_of(
    st.binary(max_size=2048),
    st.binary(max_size=2048).map(lambda b: b"PK\x03\x04" + b),
    damaged(docx_bytes()),
    damaged(xlsx_bytes()),
)


@given(ANY_BYTES, st.sampled_from(["pdf", "docx", "xlsx", "csv", "png", "jpg", "exe"]))
@hypothesis_settings(max_examples=500, deadline=None)
def test_any_bytes_are_either_recognised_or_refused_with_a_reason(data: bytes, ext: str) -> None:
    try:
        kind = detect_kind(io.BytesIO(data), f"file.{ext}")
    except UploadRefused as exc:
        assert exc.reason in REFUSALS
    else:
        assert ext in kind.extensions


def test_a_stand_in_scanner_finds_the_eicar_string_across_chunks() -> None:
    from trellis.progress.filetypes import signature_scan

    with pytest.raises(Infected):
        signature_scan(io.BytesIO(b"a" * (64 * 1024 - 10) + eicar_bytes()))
    signature_scan(io.BytesIO(b"clean"))


# Links, and the form.


def test_a_link_is_added_and_nothing_is_stored(scene: Scene) -> None:
    client = signed_in(scene.cast.lead)
    response = client.post(
        scene.add_url(), {"title": "Board paper", "url": "https://example.org/paper"}
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert (evidence.url, evidence.stored_name, evidence.size) == (
        "https://example.org/paper",
        "",
        0,
    )
    assert scene.stored_files() == []


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.org/x", "example"])
def test_a_link_that_is_not_http_or_https_is_refused(scene: Scene, url: str) -> None:
    client = signed_in(scene.cast.lead)
    response = client.post(scene.add_url(), {"title": "Paper", "url": url})
    assert response.status_code == 400
    assert not Evidence.objects.exists()


def test_a_link_and_a_file_together_are_refused(scene: Scene) -> None:
    response = post_file(scene, "a.pdf", pdf_bytes(), url="https://example.org/")
    assert response.status_code == 400
    assert not Evidence.objects.exists()
    assert scene.stored_files() == []


def test_neither_a_link_nor_a_file_is_refused(scene: Scene) -> None:
    client = signed_in(scene.cast.lead)
    assert client.post(scene.add_url(), {"title": "Paper"}).status_code == 400
    assert not Evidence.objects.exists()


def test_evidence_can_be_restricted_to_groups_of_the_partnership(scene: Scene) -> None:
    police = Group.objects.create(partnership=scene.cast.partnership, name="Police")
    response = post_file(scene, "a.pdf", pdf_bytes(), restricted_to=[police.pk])
    assert response.status_code == 302
    assert list(Evidence.objects.get().restricted_to.all()) == [police]


def test_a_group_of_another_partnership_cannot_be_chosen(scene: Scene) -> None:
    theirs = Group.objects.create(partnership=scene.cast.other, name="Theirs")
    response = post_file(scene, "a.pdf", pdf_bytes(), restricted_to=[theirs.pk])
    assert response.status_code == 400
    assert not Evidence.objects.exists()


# Who may add.


def test_a_deputy_and_a_plan_owner_can_add_evidence(scene: Scene) -> None:
    deputy = scene.update.action.deputies.get()
    assert post_file(scene, "a.pdf", pdf_bytes(), who=deputy).status_code == 302
    assert post_file(scene, "b.pdf", pdf_bytes(), who=scene.cast.owner).status_code == 302
    assert set(Evidence.objects.values_list("added_by", flat=True)) == {
        deputy.pk,
        scene.cast.owner.pk,
    }


def test_a_lead_of_another_action_cannot_add_evidence(scene: Scene) -> None:
    other_lead = factories.person(scene.cast.partnership, Role.LEAD)
    Action.objects.exclude(pk=scene.update.action_id).filter(
        partnership=scene.cast.partnership
    ).update(lead=other_lead)
    client = signed_in(other_lead)
    assert client.get(scene.add_url()).status_code == 403
    assert post_file(scene, "a.pdf", pdf_bytes(), who=other_lead).status_code == 403
    assert not Evidence.objects.exists()
    assert scene.stored_files() == []


@pytest.mark.parametrize("role", ["board", "analyst", "inspector", "admin"])
def test_readers_cannot_add_evidence(scene: Scene, role: str) -> None:
    who = getattr(scene.cast, role)
    assert post_file(scene, "a.pdf", pdf_bytes(), who=who).status_code == 403
    assert not Evidence.objects.exists()


def test_an_outsider_is_told_the_update_does_not_exist(scene: Scene) -> None:
    assert post_file(scene, "a.pdf", pdf_bytes(), who=scene.cast.outsider).status_code == 404
    assert not Evidence.objects.exists()


def test_anonymous_is_sent_to_sign_in(scene: Scene) -> None:
    response = signed_in(None).post(scene.add_url(), {"title": "x", "url": "https://e.org/"})
    assert response.status_code == 302
    assert not Evidence.objects.exists()


def test_a_closed_period_refuses_new_evidence(scene: Scene) -> None:
    period = scene.update.period
    period.closed_at = timezone.now()
    period.save()
    assert signed_in(scene.cast.lead).get(scene.add_url()).status_code == 403
    assert post_file(scene, "a.pdf", pdf_bytes()).status_code == 403
    assert not Evidence.objects.exists()
    assert scene.stored_files() == []


# Downloads.


@pytest.mark.parametrize("role", ["lead", "owner", "board", "analyst", "inspector", "admin"])
def test_every_member_can_download_unrestricted_evidence_as_an_attachment(
    scene: Scene, role: str
) -> None:
    evidence = add_file(scene, "minutes.pdf")
    response = signed_in(getattr(scene.cast, role)).get(scene.download_url(evidence))
    assert response.status_code == 200
    assert response.content == pdf_bytes()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="minutes.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_a_non_ascii_name_is_offered_safely_for_download(scene: Scene) -> None:
    evidence = add_file(scene, "café notes.pdf")
    response = signed_in(scene.cast.lead).get(scene.download_url(evidence))
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''caf")


def test_restricted_evidence_is_refused_to_a_board_member_outside_its_groups(
    scene: Scene,
) -> None:
    police = Group.objects.create(partnership=scene.cast.partnership, name="Police")
    evidence = add_file(scene, restricted_to=[police])
    assert signed_in(scene.cast.board).get(scene.download_url(evidence)).status_code == 403
    police.members.add(scene.cast.board)
    assert signed_in(scene.cast.board).get(scene.download_url(evidence)).status_code == 200


def test_evidence_of_a_restricted_update_is_refused_to_those_outside_its_groups(
    scene: Scene,
) -> None:
    police = Group.objects.create(partnership=scene.cast.partnership, name="Police")
    scene.update.restricted_to.add(police)
    evidence = add_file(scene)
    assert signed_in(scene.cast.board).get(scene.download_url(evidence)).status_code == 403
    assert signed_in(scene.cast.owner).get(scene.download_url(evidence)).status_code == 200


def test_an_outsider_cannot_download_and_is_told_nothing_exists(scene: Scene) -> None:
    evidence = add_file(scene)
    assert signed_in(scene.cast.outsider).get(scene.download_url(evidence)).status_code == 404


def test_anonymous_download_is_sent_to_sign_in(scene: Scene) -> None:
    evidence = add_file(scene)
    response = signed_in(None).get(scene.download_url(evidence))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign-in"))


def test_a_link_has_nothing_to_download(scene: Scene) -> None:
    link = Evidence.objects.create(
        partnership=scene.cast.partnership,
        update=scene.update,
        title="Paper",
        url="https://example.org/",
        added_by=scene.cast.lead,
    )
    assert signed_in(scene.cast.lead).get(scene.download_url(link)).status_code == 404


def test_a_file_changed_on_disk_is_not_served(scene: Scene) -> None:
    evidence = add_file(scene)
    (scene.media / "evidence" / evidence.stored_name).write_bytes(b"%PDF- tampered")
    assert signed_in(scene.cast.lead).get(scene.download_url(evidence)).status_code == 404


def test_stored_files_are_not_served_by_any_url(scene: Scene) -> None:
    evidence = add_file(scene)
    client = signed_in(scene.cast.lead)
    assert client.get(f"/media/evidence/{evidence.stored_name}").status_code == 404
    assert client.get(f"/files/evidence/{evidence.stored_name}").status_code == 404


# Removing.


def test_the_adder_removes_evidence_and_its_file(
    scene: Scene, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    evidence = add_file(scene)
    client = signed_in(scene.cast.lead)
    assert client.get(scene.delete_url(evidence)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(scene.delete_url(evidence))
    assert response.status_code == 302
    assert not Evidence.objects.exists()
    assert scene.stored_files() == []
    assert AuditEntry.objects.filter(verb="evidence.remove", object_id=str(evidence.pk)).exists()


def test_a_plan_owner_removes_evidence_someone_else_added(
    scene: Scene, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    evidence = add_file(scene)
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(scene.cast.owner).post(scene.delete_url(evidence))
    assert response.status_code == 302
    assert not Evidence.objects.exists()
    assert scene.stored_files() == []


def test_a_deputy_cannot_remove_evidence_the_lead_added(scene: Scene) -> None:
    evidence = add_file(scene)
    deputy = scene.update.action.deputies.get()
    assert signed_in(deputy).post(scene.delete_url(evidence)).status_code == 403
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    assert len(scene.stored_files()) == 1


def test_evidence_cannot_be_removed_once_the_period_is_closed(scene: Scene) -> None:
    evidence = add_file(scene)
    period = scene.update.period
    period.closed_at = timezone.now()
    period.save()
    assert signed_in(scene.cast.owner).post(scene.delete_url(evidence)).status_code == 403
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    assert len(scene.stored_files()) == 1


def test_the_service_refuses_a_closed_period_too(scene: Scene) -> None:
    period = scene.update.period
    period.closed_at = timezone.now()
    period.save()
    with pytest.raises(Forbidden):
        add_file(scene)
    assert scene.stored_files() == []


# The list shown on an update.

LIST = Template('{% include "progress/evidence_list.html" with update=update %}')


def render_list(update: ProgressUpdate, membership: Membership) -> str:
    return LIST.render(Context({"update": update, "membership": membership}))


def test_the_list_shows_restricted_evidence_only_to_those_allowed(scene: Scene) -> None:
    police = Group.objects.create(partnership=scene.cast.partnership, name="Police")
    add_file(scene, "secret.pdf", restricted_to=[police])
    evidence_add(
        membership=scene.lead,
        update=scene.update,
        title="Board paper",
        url="https://example.org/paper",
    )
    board = render_list(scene.update, membership_of(scene.cast, scene.cast.board))
    assert "Restricted to Police" in board
    assert "Minutes" not in board and "secret.pdf" not in board
    assert 'href="https://example.org/paper" rel="noopener noreferrer"' in board
    lead = render_list(scene.update, scene.lead)
    assert "Minutes" in lead and "PDF" in lead and "Restricted to Police" in lead
    assert "Add evidence" in lead and "Add evidence" not in board


def test_the_list_makes_the_same_queries_for_3_and_30_entries(scene: Scene) -> None:
    police = Group.objects.create(partnership=scene.cast.partnership, name="Police")
    board = membership_of(scene.cast, scene.cast.board)

    def queries(count: int) -> int:
        Evidence.objects.all().delete()
        for i in range(count):
            evidence = Evidence.objects.create(
                partnership=scene.cast.partnership,
                update=scene.update,
                title=f"Paper {i}",
                url="https://example.org/",
                added_by=scene.cast.lead,
            )
            evidence.restricted_to.add(police)
        update = ProgressUpdate.objects.select_related("period", "action").get(pk=scene.update.pk)
        viewer = Membership.objects.select_related("partnership", "person").get(pk=board.pk)
        with CaptureQueriesContext(connection) as captured:
            render_list(update, viewer)
        return len(captured)

    assert queries(3) == queries(30)
