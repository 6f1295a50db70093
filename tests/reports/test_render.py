"""The renderers on a hand-made document: every kind of block in every format, text that
would be markup or a formula kept as text, sheet names Excel accepts, and no block kind
silently dropped."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import openpyxl
import pytest
from docx import Document as read_docx
from lxml import etree

from trellis.reports.document import (
    BulletList,
    Cell,
    Document,
    PageBreak,
    Paragraph,
    Section,
    Summary,
    Table,
    cells,
)
from trellis.reports.render import FORMAT_NAMES, render

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
HOSTILE = '<script>alert("x")</script> & =1+2'
DDE = "=cmd|' /C calc'!A0"


def sample() -> Document:
    table = Table(
        "Figures: [2020]/21?",  # every character Excel refuses in a sheet name
        (cells("Area", "Count"),),
        ((Cell("North"), Cell("12", 12)), (Cell(HOSTILE), Cell.hidden())),
        own_sheet=True,
        filterable=True,
    )
    twin = Table("Figures: [2020]/21?", (cells("A"),), ((Cell("@SUM(A1)"),),), own_sheet=True)
    return Document(
        kind="test",
        title="A test report",
        subtitle=HOSTILE,
        blocks=(
            Section(
                "First",
                1,
                (
                    Paragraph(HOSTILE),
                    Paragraph(DDE),
                    BulletList(("one", "-2 items")),
                    Summary((("Total", Cell("12", 12)), ("Small", Cell.hidden()))),
                    PageBreak(),
                    Section("Second", 2, (table, twin), "second"),
                ),
                "first",
            ),
        ),
        metadata=(("Prepared by", "Tester"),),
    )


def test_html_escapes_text_and_keeps_the_structure() -> None:
    html = render(sample(), "html").decode()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; =1+2" in html
    assert '<h2 id="first">First</h2>' in html and '<h3 id="second">Second</h3>' in html
    assert '<a href="#second">Second</a>' in html  # in the contents
    assert '<th scope="col">Area</th>' in html
    assert '<span class="suppressed"' in html
    assert 'style="' not in html  # nothing a strict CSP would block but the <style> block


def test_excel_keeps_formulas_as_text_and_names_sheets_as_excel_allows() -> None:
    book = openpyxl.load_workbook(io.BytesIO(render(sample(), "xlsx")))
    assert book.sheetnames == ["Summary", "Figures   2020  21", "Figures   2020  21 (2)"]
    figures = book["Figures   2020  21"]
    assert figures["B2"].value == 12 and figures["B3"].value == "[c]"
    assert figures.auto_filter.ref == "A1:B3"
    values = [
        cell
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    ]
    assert all(cell.data_type == "s" for cell in values)
    texts = {cell.value for cell in values}
    assert {"'@SUM(A1)", f"'{DDE}", "• -2 items", HOSTILE} <= texts


def test_word_carries_every_block() -> None:
    word = read_docx(io.BytesIO(render(sample(), "docx")))
    styles = [(p.style.name, p.text) for p in word.paragraphs]
    assert ("Title", "A test report") in styles
    assert ("Heading 1", "First") in styles and ("Heading 2", "Second") in styles
    assert ("List Bullet", "one") in styles
    assert any(HOSTILE in p.text for p in word.paragraphs)
    all_cells = [c.text for t in word.tables for r in t.rows for c in r.cells]
    assert "[c]" in all_cells and "12" in all_cells


def test_word_has_a_table_of_contents_that_word_fills_in_on_opening() -> None:
    content = render(sample(), "docx")
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        body = etree.fromstring(package.read("word/document.xml"))
        settings = etree.fromstring(package.read("word/settings.xml"))
    w = {"w": W}
    paragraphs = body.findall(".//w:body/w:p", w)
    styles = [p.find("w:pPr/w:pStyle", w) for p in paragraphs]
    heading = next(
        i for i, s in enumerate(styles) if s is not None and s.get(f"{{{W}}}val") == "TOCHeading"
    )
    assert "".join(paragraphs[heading].itertext()) == "Contents"
    # One complex field: begin, its instruction, separate, the placeholder, end.
    chars = body.findall(".//w:fldChar", w)
    kinds = [c.get(f"{{{W}}}fldCharType") for c in chars]
    assert kinds == ["begin", "separate", "end"]
    instruction = "".join(t.text for t in body.findall(".//w:instrText", w))
    assert instruction.split() == ["TOC", "\\o", '"1-2"', "\\h", "\\z", "\\u"]
    # Between begin and end: the hint and the headings (levels 1 and 2) until Word updates.
    begin = next(i for i, p in enumerate(paragraphs) if p.find(".//w:fldChar", w) is not None)
    end = max(i for i, p in enumerate(paragraphs) if p.find(".//w:fldChar", w) is not None)
    result = ["".join(p.itertext()).strip() for p in paragraphs[begin : end + 1]]
    assert "Update Field" in result[0]
    assert result[1:] == ["First", "Second"]
    assert heading < begin and begin < next(
        i for i, s in enumerate(styles) if s is not None and s.get(f"{{{W}}}val") == "Heading1"
    )
    update = settings.find("w:updateFields", w)
    assert update is not None and update.get(f"{{{W}}}val") == "true"
    # In the schema's order: before the compatibility settings that follow it.
    names = [etree.QName(c).localname for c in settings]
    assert names.index("updateFields") < names.index("compat")
    # The contents heading is not itself a level Word's TOC lists (outline level 9).
    assert ("TOC Heading", "Contents") in [
        (p.style.name, p.text) for p in read_docx(io.BytesIO(content)).paragraphs
    ]


@dataclass(frozen=True)
class Unknown:
    text: str


@pytest.mark.parametrize("name", [n for n in FORMAT_NAMES if n != "xlsx"])
def test_a_block_no_renderer_knows_is_refused_not_dropped(name: str) -> None:
    document = Document("test", "T", "S", (Unknown("lost"),))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Unknown"):
        render(document, name)
