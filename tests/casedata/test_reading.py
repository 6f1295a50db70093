"""Hostile and broken files: each is read correctly or gives a clear problem; none raises."""

from __future__ import annotations

import codecs
import datetime as dt
import io
import re
import struct
import zipfile
from pathlib import Path

import openpyxl
import pytest

from tests.casedata.conftest import (
    EXTRACT_DATE,
    VALID,
    Extract,
    csv_bytes,
    found,
    rewrite_zip,
    row,
    rules_of,
    write_xlsx,
)
from trellis.casedata import reading_xlsx
from trellis.casedata.problems import Problems
from trellis.casedata.reading import Source
from trellis.casedata.schema import DATASETS
from trellis.casedata.validation import ReadResult, read_extract
from trellis.transfer.parse import parse_file
from trellis.transfer.readers import ReadError

EP = "episodes.csv"
EPX = "episodes.xlsx"
HEADER = list(VALID["episodes"])
VALUES = list(VALID["episodes"].values())


def tables_of(result: ReadResult) -> dict[str, list[dict[str, object]]]:
    assert result.errors == [], result.errors
    assert result.tables is not None
    return {name: table.to_pylist() for name, table in result.tables.items()}


def read(path: Path) -> ReadResult:
    return read_extract(path, extract_date=EXTRACT_DATE)


# CSV encodings and shapes ------------------------------------------------------------------


def test_a_utf8_byte_order_mark_does_not_spoil_the_first_column_name(extract: Extract):
    extract.file(EP, codecs.BOM_UTF8 + csv_bytes([VALID["episodes"]]))
    assert tables_of(extract.read())["episodes"][0]["child_id"] == "C1"


def test_a_cp1252_file_as_excel_writes_it_is_read(extract: Extract):
    values = row("episodes", child_id="CAFÉ1") | {"name": "Zoë – £5"}
    extract.file(EP, csv_bytes([values], encoding="cp1252"))
    result = extract.read()
    assert tables_of(result)["episodes"][0]["child_id"] == "CAFÉ1"
    assert found(result.warnings) == {(EP, 1, "name", "unknown-column")}


def test_a_utf8_file_with_accents_is_read_as_utf8(extract: Extract):
    extract.file(EP, csv_bytes([row("episodes", child_id="café1")], encoding="utf-8"))
    assert tables_of(extract.read())["episodes"][0]["child_id"] == "CAFÉ1"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_a_utf16_file_with_a_byte_order_mark_is_read(extract: Extract, encoding: str):
    data = csv_bytes([row("episodes", child_id="Zoë")], encoding="utf-16-le")
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + csv_bytes(
            [row("episodes", child_id="Zoë")], encoding="utf-16-be"
        )
    else:
        data = codecs.BOM_UTF16_LE + data
    extract.file(EP, data)
    assert tables_of(extract.read())["episodes"][0]["child_id"] == "ZOË"


def test_a_semicolon_delimited_file_is_read(extract: Extract):
    extract.file(EP, csv_bytes([VALID["episodes"]], delimiter=";"))
    assert tables_of(extract.read())["episodes"][0]["placement_type"] == "foster"


def test_a_tab_delimited_file_is_read(extract: Extract):
    extract.file(EP, csv_bytes([VALID["episodes"]], delimiter="\t"))
    assert tables_of(extract.read())["episodes"][0]["placement_type"] == "foster"


def test_quoted_fields_may_hold_the_delimiter_and_line_breaks(extract: Extract):
    rows = [
        row("episodes") | {"notes": "moved, twice\nthen settled"},
        row("episodes", child_id="C2", sex="Q") | {"notes": ""},
    ]
    extract.csv("episodes", rows)
    result = extract.read()
    assert found(result.errors) == {(EP, 3, "sex", "not-in-list")}  # row 2 spans two lines


def test_a_row_with_too_few_values_is_an_error_and_later_rows_keep_their_numbers(
    extract: Extract,
):
    good = ",".join(VALUES)
    extract.file(
        EP,
        (
            ",".join(HEADER)
            + "\n"
            + good
            + "\nC2,2015-02-01\n"
            + good.replace(",M,", ",Q,").replace("C1", "C3")
        ).encode(),
    )
    assert found(extract.read().errors) == {
        (EP, 3, None, "field-count"),
        (EP, 4, "sex", "not-in-list"),
    }


def test_a_zero_byte_csv_is_an_empty_file(extract: Extract):
    extract.file(EP, b"")
    assert found(extract.read().errors) == {(EP, None, None, "empty-file")}


def test_a_csv_with_only_a_header_is_valid_and_empty(extract: Extract):
    extract.file(EP, (",".join(HEADER) + "\n").encode())
    assert tables_of(extract.read())["episodes"] == []


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00",
        bytes(range(256)) * 4,
    ],
    ids=["png", "pdf", "zip", "xls", "all-bytes"],
)
def test_a_binary_file_named_csv_is_refused_as_not_text(extract: Extract, data: bytes):
    extract.file(EP, data)
    assert rules_of(extract.read().errors) == {"not-text"}


def test_a_nul_byte_deep_in_a_file_is_refused_as_not_text(extract: Extract):
    rows = [row("episodes", child_id=f"C{i}") for i in range(5000)]
    extract.file(EP, csv_bytes(rows) + b"C9,\x00,M,2020-01-01,,foster,in_area\n")
    assert "not-text" in rules_of(extract.read().errors)


def test_bytes_that_are_neither_utf8_nor_cp1252_are_an_encoding_error(extract: Extract):
    extract.file(EP, (",".join(HEADER) + "\n").encode() + b"\x81\x8d\x8f\x90\x9d,x\n")
    assert found(extract.read().errors) == {(EP, None, None, "encoding")}


def test_an_unclosed_quote_is_a_problem_not_a_crash(extract: Extract):
    extract.file(EP, (",".join(HEADER) + '\n"C1,2015-02-01,M\n').encode())
    assert extract.read().errors


# xlsx ------------------------------------------------------------------------------------------


def test_an_xlsx_dataset_is_read(extract: Extract):
    extract.xlsx("episodes", [HEADER, VALUES])
    assert tables_of(extract.read())["episodes"][0]["episode_start"] == dt.date(2020, 1, 1)


def test_real_date_cells_are_read_as_dates(extract: Extract):
    values = VALUES.copy()
    values[1] = dt.date(2015, 2, 1)
    values[3] = dt.datetime(2020, 1, 1, 0, 0)
    extract.xlsx("episodes", [HEADER, values])
    episode = tables_of(extract.read())["episodes"][0]
    assert episode["date_of_birth"] == dt.date(2015, 2, 1)
    assert episode["episode_start"] == dt.date(2020, 1, 1)


def test_excel_serial_numbers_in_date_columns_are_read_as_dates(extract: Extract):
    values = VALUES.copy()
    values[3] = 43831  # 1 January 2020
    values[4] = 43891.0  # 1 March 2020
    extract.xlsx("episodes", [HEADER, values])
    episode = tables_of(extract.read())["episodes"][0]
    assert (episode["episode_start"], episode["episode_end"]) == (
        dt.date(2020, 1, 1),
        dt.date(2020, 3, 1),
    )


def test_whole_numbers_in_xlsx_are_read_as_integers_not_dates(extract: Extract):
    extract.xlsx("attendance", [list(VALID["attendance"]), ["C1", "2019/20", 300.0, 280]])
    assert tables_of(extract.read())["attendance"][0]["possible_sessions"] == 300


def test_a_formula_is_never_evaluated(extract: Extract):
    path = extract.xlsx("attendance", [list(VALID["attendance"]), ["C1", "2019/20", 300, "=1+1"]])
    assert openpyxl.load_workbook(path).active["D2"].value == "=1+1"  # a formula, no cached value
    result = extract.read()
    assert found(result.errors) == {("attendance.xlsx", 2, "attended_sessions", "required")}


def test_a_formula_reads_as_the_value_excel_cached(extract: Extract):
    path = extract.xlsx("attendance", [list(VALID["attendance"]), ["C1", "2019/20", 300, 0]])
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    cached = sheet.replace(b'<c r="D2" t="n"><v>0</v></c>', b'<c r="D2"><f>1+1</f><v>7</v></c>')
    assert cached != sheet
    rewrite_zip(path, {"xl/worksheets/sheet1.xml": cached})
    assert tables_of(extract.read())["attendance"][0]["attended_sessions"] == 7


def test_an_xlsx_with_missing_rows_in_its_xml_keeps_the_users_row_numbers(extract: Extract):
    path = extract.xlsx(
        "episodes", [HEADER, VALUES, [None] * 7, ["C2", *VALUES[1:2], "Q", *VALUES[3:]]]
    )
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    gap = re.sub(rb'<row r="3"(/>| [^>]*/>|>.*?</row>)', b"", sheet)
    assert gap != sheet and b'r="3"' not in gap  # the XML skips row 3, as Excel's may
    rewrite_zip(path, {"xl/worksheets/sheet1.xml": gap})
    assert found(extract.read().errors) == {(EPX, 4, "sex", "not-in-list")}


def test_a_workbook_of_several_sheets_reads_the_first_with_a_warning(extract: Extract):
    path = extract.xlsx("episodes", [HEADER, VALUES])
    workbook = openpyxl.load_workbook(path)
    workbook.create_sheet("Notes")["A1"] = "ignored"
    workbook.save(path)
    result = extract.read()
    assert tables_of(result)["episodes"][0]["child_id"] == "C1"
    assert found(result.warnings) == {(EPX, None, None, "other-sheets")}


def raw_rows(path: Path) -> list[list[str]]:
    """The first sheet as the reader gives it to validation: header, then rows of text."""
    table = reading_xlsx.read_xlsx(
        Source(path.name, lambda: path.open("rb")), DATASETS["episodes"], Problems()
    )
    assert table is not None
    columns = [table.table.column(f"c{i}").to_pylist() for i in range(len(table.header))]
    return [table.header, *map(list, zip(*columns, strict=True))]


def sheet_xml(path: Path) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml")


def test_times_durations_booleans_and_numbers_read_as_text(extract: Extract):
    path = extract.xlsx(
        "episodes",  # text columns 0, 2, 5 and 6 (1, 3 and 4 are dates)
        [
            HEADER,
            [dt.time(12, 30), None, dt.timedelta(hours=26, minutes=30), None, None, True, 2.5],
            [7.0, None, -3, None, None, False, None],
        ],
    )
    workbook = openpyxl.load_workbook(path)
    workbook.active["C2"].number_format = "[h]:mm:ss"  # how Excel marks a duration
    workbook.save(path)
    assert raw_rows(path)[1:] == [
        ["12:30:00", "", "26:30:00", "", "", "TRUE", "2.5"],
        ["7", "", "-3", "", "", "FALSE", ""],
    ]


def test_a_datetime_cell_reads_as_its_date_in_any_column(extract: Extract):
    path = extract.xlsx("episodes", [HEADER, [dt.datetime(2020, 1, 2, 13, 5), *VALUES[1:]]])
    assert raw_rows(path)[1][0] == "2020-01-02"


def test_an_error_cell_reads_as_empty(extract: Extract):
    path = extract.xlsx("episodes", [HEADER, VALUES])
    sheet = sheet_xml(path)
    error = re.sub(rb'<c r="A2"[^>]*>.*?</c>', b'<c r="A2" t="e"><f>NA()</f><v>#N/A</v></c>', sheet)
    assert error != sheet
    rewrite_zip(path, {"xl/worksheets/sheet1.xml": error})
    assert found(extract.read().errors) == {(EPX, 2, "child_id", "required")}


def test_excel_serial_numbers_count_from_1904_in_a_1904_workbook(extract: Extract):
    values = VALUES.copy()
    values[1] = dt.date(2015, 2, 1)  # a date cell: calamine applies the 1904 system itself
    values[3] = 43831 - 1462  # 1 January 2020, counted from 1904
    path = extract.xlsx("episodes", [HEADER, values])
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml")
    mac = re.sub(rb"<workbookPr\b[^>]*/>", b'<workbookPr date1904="1"/>', book)
    assert mac != book
    rewrite_zip(path, {"xl/workbook.xml": mac})
    row = raw_rows(path)[1]
    assert (row[1], row[3]) == ("2019-02-02", "2020-01-01")  # the cell's serial, read as 1904


def test_a_serial_number_past_9999_stays_a_number_in_a_1904_workbook(extract: Extract):
    values = VALUES.copy()
    values[3] = 2958465  # 31 December 9999 in 1900 terms; past it in 1904 terms
    path = extract.xlsx("episodes", [HEADER, values])
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml")
    rewrite_zip(
        path,
        {
            "xl/workbook.xml": re.sub(
                rb"<workbookPr\b[^>]*/>", b'<workbookPr date1904="true"/>', book
            )
        },
    )
    assert raw_rows(path)[1][3] == "2958465"


def test_a_stored_dimension_smaller_than_the_sheet_hides_no_rows(extract: Extract):
    path = extract.xlsx("episodes", [HEADER, VALUES, ["C2", *VALUES[1:2], "Q", *VALUES[3:]]])
    sheet = sheet_xml(path)
    small = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:B2"/>', sheet)
    assert small != sheet
    rewrite_zip(path, {"xl/worksheets/sheet1.xml": small})
    assert found(extract.read().errors) == {(EPX, 3, "sex", "not-in-list")}


@pytest.mark.parametrize(
    "far",
    [
        b'<row r="2"><c r="XFD1048576"><v>1</v></c></row>',
        b'<row r="2"><c r="a99999999999"><v>1</v></c></row>',
        b'<row r="1048576"><c><v>1</v></c><c><v>1</v></c><c><v>1</v></c><c><v>1</v></c></row>',
        b'<row r="2"><c foo=">" r="ZZ9999"><v>1</v></c></row>',
        b'<row r="2"><c hidden r="A1"><v>1</v></c></row><row r="9000000"><c><v>1</v></c></row>',
    ],
    ids=["last-cell", "past-excel", "numbered-row", "quoted-gt", "malformed"],
)
def test_a_cell_far_beyond_the_data_is_refused_before_the_sheet_is_read(
    extract: Extract, far: bytes
):
    """calamine holds the rectangle from A1 to the farthest cell in memory: one cell at
    XFD1048576 would ask for hundreds of gigabytes and abort the process."""
    path = extract.xlsx("episodes", [HEADER])
    sheet = sheet_xml(path)
    rewrite_zip(
        path, {"xl/worksheets/sheet1.xml": sheet.replace(b"</sheetData>", far + b"</sheetData>")}
    )
    assert found(extract.read().errors) == {(EPX, None, None, "too-many-cells")}


def test_a_formatted_but_empty_cell_far_away_does_not_refuse_the_sheet(extract: Extract):
    path = extract.xlsx("episodes", [HEADER, VALUES])
    workbook = openpyxl.load_workbook(path)
    workbook.active["XFD1048576"].number_format = "0.00"  # a style, no value
    workbook.save(path)
    assert b'r="XFD1048576"' in sheet_xml(path)
    assert tables_of(extract.read())["episodes"][0]["child_id"] == "C1"


def test_a_zero_byte_xlsx_is_an_empty_file(extract: Extract):
    extract.file(EPX, b"")
    assert found(extract.read().errors) == {(EPX, None, None, "empty-file")}


def test_an_old_xls_renamed_xlsx_is_refused_with_a_clear_problem(extract: Extract):
    extract.file(EPX, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    assert found(extract.read().errors) == {(EPX, None, None, "xls-format")}


def test_a_macro_enabled_workbook_renamed_xlsx_is_refused(extract: Extract):
    path = extract.xlsx("episodes", [HEADER, VALUES])
    with zipfile.ZipFile(path) as z:
        types = z.read("[Content_Types].xml")
    macro_types = types.replace(
        b"spreadsheetml.sheet.main+xml", b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"
    )
    assert macro_types != types
    rewrite_zip(path, {"[Content_Types].xml": macro_types})
    assert found(extract.read().errors) == {(EPX, None, None, "macro-enabled")}


def test_a_workbook_holding_a_vba_project_is_refused(extract: Extract):
    path = extract.xlsx("episodes", [HEADER, VALUES])
    rewrite_zip(path, {}, add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0"})
    assert rules_of(extract.read().errors) == {"macro-enabled"}


@pytest.mark.parametrize("data", [b"child_id\nC1\n", b"PK\x03\x04 not really a zip"])
def test_a_file_that_is_not_a_workbook_named_xlsx_is_refused(extract: Extract, data: bytes):
    extract.file(EPX, data)
    assert rules_of(extract.read().errors) == {"not-xlsx"}


def test_a_zip_without_a_workbook_named_xlsx_is_refused(extract: Extract):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", b"<Types/>")
        z.writestr("xl/workbook.bin", b"\x00")
    extract.file(EPX, buffer.getvalue())
    assert rules_of(extract.read().errors) == {"not-xlsx"}


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b']>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    b"</sheetData></worksheet>"
)


XXE_SHEET = (
    b'<?xml version="1.0"?>\n<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row>'
    b"</sheetData></worksheet>"
)


def test_an_xlsx_with_a_billion_laughs_sheet_is_refused(extract: Extract):
    path = extract.xlsx("episodes", [HEADER, VALUES])
    rewrite_zip(path, {"xl/worksheets/sheet1.xml": BILLION_LAUGHS})
    assert found(extract.read().errors) == {(EPX, None, None, "xml-entities")}


def test_an_xlsx_with_an_external_entity_is_refused(extract: Extract):
    path = extract.xlsx("episodes", [HEADER, VALUES])
    with zipfile.ZipFile(path) as z:
        workbook = z.read("xl/workbook.xml")
    xxe = (
        b'<?xml version="1.0"?>\n<!DOCTYPE workbook [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        + workbook.replace(b'name="Sheet"', b'name="&xxe;"')
    )
    rewrite_zip(path, {"xl/workbook.xml": xxe})
    assert found(extract.read().errors) == {(EPX, None, None, "xml-entities")}


def test_workbooks_are_refused_when_defusedxml_is_not_active(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Case-level workbooks are parsed by calamine, which expands no entities (next test);
    the plan importer shares this module's workbook checks and still parses with openpyxl,
    so it is the reader that must refuse without defusedxml."""
    data = write_xlsx(tmp_path / "plan.xlsx", [["Outcome", "Action"], ["Safer", "Train"]])
    monkeypatch.setattr(openpyxl, "DEFUSEDXML", False)
    with pytest.raises(ReadError) as refused:
        parse_file(data.read_bytes(), "plan.xlsx")
    assert refused.value.rule == "xml-unsafe"


@pytest.mark.parametrize("attack", [BILLION_LAUGHS, XXE_SHEET], ids=["laughs", "xxe"])
def test_the_sheet_parser_expands_no_entities_even_past_the_doctype_check(
    extract: Extract, monkeypatch: pytest.MonkeyPatch, attack: bytes
):
    path = extract.xlsx("episodes", [HEADER, VALUES])
    rewrite_zip(path, {"xl/worksheets/sheet1.xml": attack})
    monkeypatch.setattr(reading_xlsx, "_DOCTYPE", (b"\x00never\x00",))
    assert found(extract.read().errors) == {(EPX, None, None, "unreadable-xlsx")}


def test_an_xlsx_that_unpacks_to_far_more_than_its_size_is_refused(extract: Extract):
    path = extract.xlsx("episodes", [HEADER, VALUES])
    padding = b"<!-- " + b"0" * (20 * 1024**2) + b" -->"
    rewrite_zip(path, {}, add={"xl/padding.xml": padding})
    assert found(extract.read().errors) == {(EPX, None, None, "zip-bomb")}


def test_an_xlsx_holding_a_path_that_climbs_out_is_refused(extract: Extract):
    path = extract.xlsx("episodes", [HEADER, VALUES])
    rewrite_zip(path, {}, add={"../../evil.xml": b"<x/>"})
    assert found(extract.read().errors) == {(EPX, None, None, "zip-unsafe-path")}


# Zips of datasets -----------------------------------------------------------------------------


def zip_of(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def test_a_zip_bomb_is_refused_unread(tmp_path: Path):
    bomb = zip_of(
        tmp_path / "extract.zip",
        {"episodes.csv": csv_bytes([VALID["episodes"]]) + b" " * (50 * 1024**2)},
    )
    assert bomb.stat().st_size < 1024**2
    assert found(read(bomb).errors) == {("extract.zip", None, None, "zip-bomb")}


def test_a_zip_declaring_more_than_two_gigabytes_is_refused(tmp_path: Path):
    archive = zip_of(tmp_path / "extract.zip", {"episodes.csv": csv_bytes([VALID["episodes"]])})
    data = bytearray(archive.read_bytes())
    central = data.rindex(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 3 * 1024**3)  # uncompressed size
    archive.write_bytes(bytes(data))
    assert rules_of(read(archive).errors) == {"zip-bomb"}


def test_a_zip_member_holding_more_than_it_declares_is_refused(tmp_path: Path):
    content = csv_bytes([row("episodes", child_id=f"C{i}") for i in range(2000)])
    archive = zip_of(tmp_path / "extract.zip", {"episodes.csv": content})
    data = bytearray(archive.read_bytes())
    declared = 100
    struct.pack_into("<I", data, 22, declared)  # local header: uncompressed size
    central = data.rindex(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, declared)
    archive.write_bytes(bytes(data))
    result = read(archive)
    assert rules_of(result.errors) <= {"unreadable-zip", "zip-bomb"}
    assert result.errors and result.tables is None


@pytest.mark.parametrize("name", ["../evil.csv", "/etc/episodes.csv", "a/../../episodes.csv"])
def test_a_zip_member_whose_path_climbs_out_is_refused(tmp_path: Path, name: str):
    archive = zip_of(
        tmp_path / "extract.zip",
        {"episodes.csv": csv_bytes([VALID["episodes"]]), name: b"child_id\n"},
    )
    result = read(archive)
    assert found(result.errors) == {("extract.zip", None, None, "zip-unsafe-path")}
    assert result.tables is None


def test_a_zip_holding_a_symlink_is_refused(tmp_path: Path):
    archive = tmp_path / "extract.zip"
    with zipfile.ZipFile(archive, "w") as z:
        link = zipfile.ZipInfo("episodes.csv")
        link.external_attr = (0o120777 << 16) | 0
        z.writestr(link, b"/etc/passwd")
    assert rules_of(read(archive).errors) == {"zip-unsafe-path"}


def test_a_file_named_zip_that_is_no_zip_is_an_error(tmp_path: Path):
    archive = tmp_path / "extract.zip"
    archive.write_bytes(b"child_id\nC1\n")
    assert rules_of(read(archive).errors) == {"unreadable-zip"}


def test_an_xlsx_inside_a_zip_is_read(tmp_path: Path):
    workbook = write_xlsx(tmp_path / "episodes.xlsx", [HEADER, VALUES])
    archive = zip_of(tmp_path / "extract.zip", {"episodes.xlsx": workbook.read_bytes()})
    assert tables_of(read(archive))["episodes"][0]["child_id"] == "C1"


def test_an_encrypted_zip_member_is_an_error(tmp_path: Path):
    archive = zip_of(tmp_path / "extract.zip", {"episodes.csv": csv_bytes([VALID["episodes"]])})
    data = bytearray(archive.read_bytes())
    central = data.rindex(b"PK\x01\x02")
    struct.pack_into("<H", data, central + 8, 0x1)  # general purpose flag: encrypted
    archive.write_bytes(bytes(data))
    assert rules_of(read(archive).errors) == {"zip-encrypted"}
