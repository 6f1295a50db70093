"""Hostile and broken files are refused with a reason, and nothing is kept."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from tests.conftest import Cast
from tests.transfer import councils
from trellis.accounts.policy import membership_for
from trellis.errors import Invalid
from trellis.transfer.models import PendingImport
from trellis.transfer.parse import parse_file
from trellis.transfer.readers import MAX_BYTES, ReadError, read_bytes
from trellis.transfer.services import pending_import_create

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
)


def rule_of(data: bytes, name: str) -> str:
    with pytest.raises(ReadError) as refused:
        parse_file(data, name)
    return refused.value.rule


def rezipped(data: bytes, replace: dict[str, bytes], add: dict[str, bytes] | None = None) -> bytes:
    """The same Office file with some parts replaced or added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, replace.get(info.filename, source.read(info.filename)))
        for name, body in (add or {}).items():
            target.writestr(name, body, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def bomb(data: bytes) -> bytes:
    return rezipped(data, {}, {"customXml/padding.xml": b"\x00" * (20 * 1024**2)})


@pytest.mark.parametrize("name", ["plan.xlsx", "plan.docx", "plan.csv", "plan.txt"])
def test_an_old_office_file_renamed_is_refused(name: str) -> None:
    assert rule_of(OLE2, name) == "old-office-format"


def test_a_workbook_that_unpacks_to_far_more_than_it_holds_is_refused() -> None:
    assert rule_of(bomb(councils.northshire_xlsx()), "plan.xlsx") == "zip-bomb"


def test_a_document_that_unpacks_to_far_more_than_it_holds_is_refused() -> None:
    assert rule_of(bomb(councils.riverside_docx()), "plan.docx") == "zip-bomb"


def test_xml_entities_in_a_document_are_refused() -> None:
    data = councils.riverside_docx()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        body = archive.read("word/document.xml")
    hostile = LAUGHS + body.split(b"?>", 1)[1]
    assert rule_of(rezipped(data, {"word/document.xml": hostile}), "plan.docx") == "xml-entities"


def test_xml_entities_in_a_workbook_are_refused() -> None:
    data = councils.northshire_xlsx()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    hostile = LAUGHS + sheet.split(b"?>", 1)[-1]  # openpyxl writes no declaration
    found = rule_of(rezipped(data, {"xl/worksheets/sheet1.xml": hostile}), "plan.xlsx")
    assert found == "xml-entities"


def test_a_macro_document_is_refused() -> None:
    data = rezipped(councils.riverside_docx(), {}, {"word/vbaProject.bin": b"macro"})
    assert rule_of(data, "plan.docx") == "macro-enabled"


def test_text_renamed_as_a_workbook_is_refused() -> None:
    assert rule_of(b"Outcome,Action\nSafe,Visit\n", "plan.xlsx") == "not-xlsx"


def test_a_zip_that_is_not_a_plan_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "hello")
    assert rule_of(out.getvalue(), "plan.zip") == "unknown-format"


def test_a_damaged_pdf_is_refused() -> None:
    assert rule_of(b"%PDF-1.4\n1 0 obj <</Type /Catalog>> garbage", "plan.pdf") == "unreadable-pdf"


def test_binary_content_named_as_text_is_refused() -> None:
    assert rule_of(b"\x00\x01\x02binary\x00", "plan.txt") == "not-text"


def test_bytes_that_are_no_known_encoding_are_refused() -> None:
    assert rule_of(b"Outcome\tAction\n\x81\x8d\x8f\x90\x9d\n", "plan.txt") == "encoding"


def test_a_document_without_a_table_is_refused() -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Our plan is to do better.")
    stream = io.BytesIO()
    document.save(stream)
    assert rule_of(stream.getvalue(), "plan.docx") == "no-table"


def test_a_table_without_headings_is_refused() -> None:
    assert rule_of(b"a,b,c\n1,2,3\n", "plan.csv") == "no-header"


def test_a_huge_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    huge = tmp_path / "plan.csv"
    with huge.open("wb") as out:
        out.truncate(MAX_BYTES + 1)
    with pytest.raises(ReadError) as refused:
        read_bytes(huge)
    assert refused.value.rule == "file-too-large"


def test_a_formula_in_a_workbook_is_never_evaluated() -> None:
    draft = parse_file(councils.northshire_xlsx(), "plan.xlsx").draft()
    assert all("SUM" not in m and m != "3" for a in draft.actions() for m in a.measures)


def test_a_refused_upload_keeps_nothing(cast: Cast) -> None:
    owner = membership_for(cast.owner, cast.partnership.slug)
    with pytest.raises(Invalid) as refused:
        pending_import_create(membership=owner, data=OLE2, name="plan.xls")
    assert "file" in refused.value.errors
    assert not PendingImport.objects.exists()
