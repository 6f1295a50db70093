"""B1's corpus of hostile upload files, generated rather than committed: each specimen is a
name and its bytes, built here in a second, so the corpus is reviewable as code and never
carries a real zip bomb in the repository.

Used by tests/reliability/test_bad_files.py (through the test client) and by
benchmarks/reliability/b1_corpus.py (over HTTP, timed, with the worker's peak memory).
"""

from __future__ import annotations

import io
import random
import zipfile
from dataclasses import dataclass

EPISODES = "child_id,date_of_birth,sex,episode_start,episode_end,placement_type,placement_area"
ROW = "C{:05d},2010-01-0{},f,2019-01-01,,foster,in_area"


@dataclass(frozen=True)
class Specimen:
    name: str
    data: bytes
    why: str


def _rows(n: int = 20) -> list[str]:
    return [ROW.format(i, 1 + i % 9) for i in range(n)]


def _csv(*lines: str, newline: str = "\r\n") -> str:
    return newline.join(lines) + newline


GOOD_CSV = _csv(EPISODES, *_rows())

# Minimal SpreadsheetML parts, written by hand so the XML itself can be hostile.
_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="{main}"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "{extra}</Types>"
)
_XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="episodes" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WB_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _sheet(rows: list[list[str]], prolog: str = "") -> str:
    body = "".join(
        "<row>" + "".join(f'<c t="inlineStr"><is><t>{v}</t></is></c>' for v in row) + "</row>"
        for row in rows
    )
    return (
        f'<?xml version="1.0"?>{prolog}<worksheet {_NS}><sheetData>{body}</sheetData></worksheet>'
    )


def xlsx(
    sheet: str | None = None,
    shared: str = f'<?xml version="1.0"?><sst {_NS} count="0" uniqueCount="0"/>',
    *,
    main: str = _XLSX_MAIN,
    extra_parts: dict[str, bytes] | None = None,
) -> bytes:
    rows = [EPISODES.split(","), *[r.split(",") for r in _rows()]]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        extra = '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
        z.writestr("[Content_Types].xml", _TYPES.format(main=main, extra=extra))
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet if sheet is not None else _sheet(rows))
        z.writestr("xl/sharedStrings.xml", shared)
        for name, data in (extra_parts or {}).items():
            z.writestr(name, data)
    return buffer.getvalue()


def _zip(entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buffer.getvalue()


def zip_bomb(megabytes: int, inner: str = "episodes.csv") -> bytes:
    """One member that inflates to `megabytes` MB of a repeated row (about 1000:1)."""
    buffer = io.BytesIO()
    line = (ROW.format(1, 1) + "\n").encode()
    chunk = line * (1024 * 1024 // len(line))
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z,
        z.open(inner, "w", force_zip64=True) as member,
    ):
        member.write((EPISODES + "\n").encode())
        for _ in range(megabytes):
            member.write(chunk)
    return buffer.getvalue()


def _xlsx_bomb(megabytes: int) -> bytes:
    cell = b'<row><c t="inlineStr"><is><t>C00001</t></is></c></row>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        base = xlsx()
        with zipfile.ZipFile(io.BytesIO(base)) as src:
            for item in src.namelist():
                if item != "xl/worksheets/sheet1.xml":
                    z.writestr(item, src.read(item))
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            member.write(f'<?xml version="1.0"?><worksheet {_NS}><sheetData>'.encode())
            chunk = cell * (1024 * 1024 // len(cell))
            for _ in range(megabytes):
                member.write(chunk)
            member.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)
XXE = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
# The header of an OLE2 compound file: legacy .xls, and the wrapper of an encrypted .xlsx.
OLE2 = bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff"
HTML_TABLE = (
    "<html><body><table><tr><th>child_id</th><th>sex</th></tr>"
    "<tr><td>C00001</td><td>f</td></tr></table><script>alert(1)</script></body></html>"
)


def _docx(document: str) -> bytes:
    return _zip(
        {
            "[Content_Types].xml": (
                b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                b'2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
                b'<Override PartName="/word/document.xml" ContentType="application/'
                b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
            ),
            "word/document.xml": document.encode(),
        }
    )


def specimens(bomb_mb: int = 200) -> list[Specimen]:
    """About fifty hostile files. Names end with the extension each upload page accepts
    (or pointedly does not)."""
    rng = random.Random(20260101)
    good = GOOD_CSV.encode()
    word_laughs = LAUGHS + '<w:document xmlns:w="x"><w:body>&lol9;</w:body></w:document>'
    word_xxe = XXE + '<w:document xmlns:w="x"><w:body>&xxe;</w:body></w:document>'
    s = Specimen
    return [
        # Archives that expand or escape
        s("zip_bomb.zip", zip_bomb(bomb_mb), f"{bomb_mb} MB of rows from a small zip"),
        s("episodes.xlsx", _xlsx_bomb(bomb_mb // 2), "worksheet XML inflating ~1000:1"),
        s("nested.zip", _zip({"inner.zip": zip_bomb(8)}), "a zip inside a zip"),
        s("slip.zip", _zip({"../../../tmp/episodes.csv": good}), "zip-slip member path"),
        s("absolute.zip", _zip({"/etc/episodes.csv": good}), "absolute member path"),
        s("many.zip", _zip({f"f{i}.csv": b"a\n" for i in range(5000)}), "5,000 members"),
        s("stored_big.zip", _zip({"episodes.csv": good * 2000}, zipfile.ZIP_STORED), "stored"),
        s("not_a.zip", rng.randbytes(4096), "random bytes named .zip"),
        s("truncated.xlsx", xlsx()[:700], "a workbook cut short"),
        # XML attacks inside workbooks and documents
        s(
            "laughs.xlsx",
            xlsx(shared=LAUGHS + f"<sst {_NS}><si><t>&lol9;</t></si></sst>"),
            "billion laughs in sharedStrings",
        ),
        s(
            "laughs_sheet.xlsx",
            xlsx(_sheet([["&lol9;"]], LAUGHS[len('<?xml version="1.0"?>') :])),
            "billion laughs in the sheet",
        ),
        s(
            "xxe.xlsx",
            xlsx(_sheet([["&xxe;"]], XXE[len('<?xml version="1.0"?>') :])),
            "external entity reading /etc/passwd",
        ),
        s("laughs.docx", _docx(word_laughs), "billion laughs in a Word document"),
        s("xxe.docx", _docx(word_xxe), "external entity in a Word document"),
        # Formats pretending to be others
        s("macro.xlsm", xlsx(main=_XLSM_MAIN, extra_parts={"xl/vbaProject.bin": b"VBA"}), "xlsm"),
        s(
            "macro_named.xlsx",
            xlsx(main=_XLSM_MAIN, extra_parts={"xl/vbaProject.bin": b"V"}),
            "macro-enabled workbook named .xlsx",
        ),
        s("legacy.xls", OLE2 + rng.randbytes(2000), "legacy binary Excel"),
        s("encrypted.xlsx", OLE2 + b"EncryptionInfo" + rng.randbytes(2000), "encrypted xlsx"),
        s("html.xls", HTML_TABLE.encode(), "HTML saved as .xls"),
        s("html_as.xlsx", HTML_TABLE.encode(), "HTML named .xlsx"),
        s("html_as.csv", HTML_TABLE.encode(), "HTML named .csv"),
        s("gzip.csv", bytes.fromhex("1f8b0800") + rng.randbytes(500), "gzip named .csv"),
        s("garbage.csv", rng.randbytes(8192), "random bytes"),
        s("broken.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R", "truncated PDF"),
        s("deep.json", b"[" * 100_000 + b"]" * 100_000, "JSON nested 100,000 deep"),
        s("huge_number.json", b'{"plan": 1e999999, "title": NaN}', "non-finite JSON numbers"),
        s("bad_utf8.json", b'{"title": "\xff\xfe\xc3"}', "invalid UTF-8 in JSON"),
        # Formulas and encodings
        s(
            "formulas.csv",
            _csv(
                EPISODES,
                '=HYPERLINK("http://x","y"),+1,-1,@SUM(A1),=1+1,a,b',
                "=cmd|' /C calc'!A0,2010-01-01,f,2019-01-01,,foster,in_area",
            ).encode(),
            "spreadsheet formulas in cells",
        ),
        s("formulas.xlsx", xlsx(_sheet([EPISODES.split(","), ["=1+1", "=NOW()"]])), "formulas"),
        s("bom.csv", b"\xef\xbb\xbf" + good, "UTF-8 with a byte-order mark"),
        s(
            "cp1252.csv",
            _csv(EPISODES, "C\xe9001,2010-01-01,f,2019-01-01,,foster,in_area").encode("cp1252"),
            "Windows-1252 text",
        ),
        s("utf16le.csv", b"\xff\xfe" + GOOD_CSV.encode("utf-16-le"), "UTF-16LE with BOM"),
        s("utf16le_nobom.csv", GOOD_CSV.encode("utf-16-le"), "UTF-16LE without BOM"),
        s("nul.csv", good.replace(b",f,", b",f\x00,", 5) + b"\x00" * 100, "NUL bytes"),
        s("nul.txt", b"Outcome: x\x00\x00\nAction: y\x00\n", "NUL bytes in pasted-plan text"),
        # Shape
        s(
            "wide.csv",
            _csv(",".join(f"c{i}" for i in range(16384)), ",".join("1" * 16384)).encode(),
            "16,384 columns",
        ),
        s("wide.xlsx", xlsx(_sheet([[f"c{i}" for i in range(16384)]])), "16,384 columns"),
        s(
            "long_cell.csv",
            _csv(EPISODES, "C1," + "x" * 32767 + ",f,2019-01-01,,foster,in_area").encode(),
            "a 32,767-character cell",
        ),
        s("long_cell.xlsx", xlsx(_sheet([EPISODES.split(","), ["x" * 32767]])), "32,767 chars"),
        s(
            "over_limit.csv",
            _csv(EPISODES, '"' + "y" * 140_000 + '",2010-01-01,f,,,,').encode(),
            "a field over csv.field_size_limit (131,072)",
        ),
        s(
            "duplicate_headers.csv",
            _csv(EPISODES + ",child_id,sex", *(r + ",C1,m" for r in _rows())).encode(),
            "duplicate column names",
        ),
        s("empty.csv", b"", "zero bytes"),
        s("empty.xlsx", b"", "zero bytes"),
        s("blank_lines.csv", b"\n\n\n\n", "only newlines"),
        s("header_only.csv", _csv(EPISODES).encode(), "a header and no rows"),
        s("header_only.xlsx", xlsx(_sheet([EPISODES.split(",")])), "a header and no rows"),
        s(
            "mixed_newlines.csv",
            (EPISODES + "\r\n" + "\n".join(_rows(5)) + "\r" + "\r".join(_rows(5))).encode(),
            "CRLF, LF and CR in one file",
        ),
        s(
            "unbalanced.csv",
            _csv(EPISODES, 'C1,"2010-01-01,f,2019-01-01,,foster,in_area', *_rows(3)).encode(),
            "an unclosed quote",
        ),
        s("semicolons.csv", GOOD_CSV.replace(",", ";").encode(), "semicolon-separated"),
        s(
            "bad_dates.csv",
            _csv(
                EPISODES,
                "C1,0000-00-00,f,9999-12-31,2019-02-30,foster,x",
                "C2,43831,x,31/12/2019,,,in_area",
            ).encode(),
            "impossible dates",
        ),
        # Hostile names
        s("../../../../etc/episodes.csv", good, "path traversal in the file name"),
        s("..\\..\\windows\\episodes.csv", good, "Windows path traversal"),
        s("episodes\u202evsc.exe.csv", good, "right-to-left override in the name"),
        s("EPISODES.CSV", good, "upper-case name and extension"),
        s("a" * 300 + ".csv", good, "a 304-character name"),
        s("plan.exe", b"MZ" + rng.randbytes(1000), "an executable"),
    ]
