"""A `Document` as an editable Word file styled as a council committee paper.

Real headings (Word's Heading 1–3 styles, so the navigation pane and a generated contents
work), real tables (their header row repeats on each page), charts as PNG pictures
rasterised from the SVG with CairoSVG (Word does not take SVG from python-docx) with their
alternative text in the drawing's `descr` attribute, and the figures behind each chart as a
table under it. Page numbers are a PAGE field in the footer; the protective marking is in
the header. A table of contents (a TOC field that Word fills in when the file opens) follows
the cover.
"""

from __future__ import annotations

import io
from functools import cache

import cairosvg
from docx import Document as new_docx
from docx.document import Document as WordDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Pt, RGBColor
from docx.table import Table as WordTable
from docx.text.paragraph import Paragraph as WordParagraph

from trellis.reports.document import (
    Block,
    BulletList,
    Cell,
    ChartBlock,
    Document,
    PageBreak,
    Paragraph,
    Section,
    Summary,
    Table,
)
from trellis.reports.render.html import WIDE, has_wide_table

CONTENTS_LEVELS = 2  # headings listed in the contents, as in the PDF and the web page
CHART_WIDTH = Cm(16)
CHART_PIXELS = 1440  # twice the SVG's width: sharp when printed
RAG_COLOURS = {
    "red": "D4351C",
    "amber": "F47738",
    "green": "00703C",
    "complete": "1D70B8",
}


def render_docx(document: Document) -> bytes:
    word = new_docx()
    _styles(word)
    _page(word, document)
    _cover(word, document)
    _contents(word, document)
    turned = False  # a section break has just started a new page
    for block in document.blocks:
        if isinstance(block, PageBreak) and turned:
            continue
        turned = isinstance(block, Section) and has_wide_table(block)
        if turned:
            _orient(word, landscape=True)
        _block(word, block)
        if turned:
            _orient(word, landscape=False)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def _styles(word: WordDocument) -> None:
    normal = word.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(11)
    for name, size in (("Title", 26), ("Heading 1", 18), ("Heading 2", 14), ("Heading 3", 12)):
        style = word.styles[name]
        style.font.name = "Arial"
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = RGBColor(0x0B, 0x0C, 0x0C)


def _page(word: WordDocument, document: Document) -> None:
    section = word.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    header = section.header.paragraphs[0]
    header.text = document.protective_marking
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("Page ")
    _field(footer, "PAGE")
    footer.add_run(" of ")
    _field(footer, "NUMPAGES")
    props = word.core_properties
    props.title = document.title
    props.subject = document.subtitle
    props.author = dict(document.metadata).get("Prepared by", "")
    props.keywords = document.kind


def _field(paragraph: WordParagraph, code: str) -> None:
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), code)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _cover(word: WordDocument, document: Document) -> None:
    _styled(word, document.title, "Title")
    subtitle = word.add_paragraph()
    subtitle.add_run(document.subtitle).font.size = Pt(14)
    if document.metadata:
        table = word.add_table(rows=0, cols=2)
        table._tbl.tblStyle_val = _style_ids()["Table Grid"]
        for label, value in document.metadata:
            row = table.add_row().cells
            row[0].text, row[1].text = label, value
            row[0].paragraphs[0].runs[0].bold = True
    word.add_paragraph()


# Elements of w:settings that come after w:updateFields in the schema's order (Word checks it).
_AFTER_UPDATE_FIELDS = frozenset(
    {
        "hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids",
        "mathPr", "attachedSchema", "themeFontLang", "clrSchemeMapping",
        "doNotIncludeSubdocsInStats", "doNotAutoCompressPictures", "forceUpgrade", "captions",
        "readModeInkLockDown", "smartTagType", "schemaLibrary", "shapeDefaults",
        "doNotEmbedSmartTags", "decimalSymbol", "listSeparator",
    }
)  # fmt: skip


def _contents(word: WordDocument, document: Document) -> None:
    """A Word table of contents: a TOC field over Heading 1 and 2 (the levels the PDF's
    contents list), with hyperlinked entries. Word fills in its page numbers when the file
    is opened (`updateFields` in the settings, so Word asks to update the fields); until
    then the field shows the headings themselves without page numbers, so a reader whose
    program does not update fields still sees what the document holds."""
    _styled(word, "Contents", "TOC Heading")
    entries = [
        ("  " * (s.level - 1)) + s.heading
        for s in document.sections()
        if s.in_contents and s.level <= CONTENTS_LEVELS
    ]
    lines = [
        "Page numbers appear when Word updates this table: answer Yes when it asks to "
        "update the fields, or right-click here and choose Update Field.",
        *entries,
    ]
    first = word.add_paragraph()
    _field_char(first, "begin")
    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = f' TOC \\o "1-{CONTENTS_LEVELS}" \\h \\z \\u '
    run = OxmlElement("w:r")
    run.append(instruction)
    first._p.append(run)
    _field_char(first, "separate")
    first.add_run(lines[0]).italic = True
    last = first
    for line in lines[1:]:
        last = word.add_paragraph(line)
    _field_char(last, "end")
    settings = word.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    after = [c for c in settings if c.tag.rpartition("}")[2] in _AFTER_UPDATE_FIELDS]
    if after:
        after[0].addprevious(update)
    else:
        settings.append(update)
    word.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _field_char(paragraph: WordParagraph, kind: str) -> None:
    run = OxmlElement("w:r")
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), kind)
    run.append(char)
    paragraph._p.append(run)


@cache
def _style_ids() -> dict[str, str]:
    """The ids of the styles we use, in python-docx's default template (every file starts
    from it). Naming a style by its id skips python-docx's lookup by name, which searched
    every style twice for each paragraph and took a quarter of a 200-action pack's time."""
    styles = new_docx().styles
    names = ("Title", "TOC Heading", "List Bullet", "Caption", "Table Grid")
    return {n: styles[n].style_id for n in (*names, "Heading 1", "Heading 2", "Heading 3")}


def _styled(word: WordDocument, text: str, style: str) -> WordParagraph:
    """A paragraph in one of our styles: what `add_paragraph(text, style=...)` makes."""
    paragraph = word.add_paragraph(text)
    paragraph._p.style = _style_ids()[style]
    return paragraph


def _block(word: WordDocument, block: Block) -> None:
    if isinstance(block, Section):
        _styled(word, block.heading, f"Heading {min(block.level, 3)}")
        for child in block.blocks:
            _block(word, child)
    elif isinstance(block, Paragraph):
        paragraph = word.add_paragraph(block.text)
        if block.style == "small":
            for run in paragraph.runs:
                run.font.size = Pt(9)
    elif isinstance(block, BulletList):
        for item in block.items:
            _styled(word, item, "List Bullet")
    elif isinstance(block, Table):
        _table(word, block)
    elif isinstance(block, ChartBlock):
        _chart(word, block)
    elif isinstance(block, Summary):
        table = word.add_table(rows=0, cols=2)
        table._tbl.tblStyle_val = _style_ids()["Table Grid"]
        for label, value in block.items:
            row = table.add_row().cells
            row[0].text = label
            row[0].paragraphs[0].runs[0].bold = True
            _fill(row[1], value)
        word.add_paragraph()
    elif isinstance(block, PageBreak):
        word.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    else:
        raise TypeError(f"no Word form for {type(block).__name__}")


def _orient(word: WordDocument, landscape: bool) -> None:
    """Start a new section on a new page, turned as asked (headers and footers carry on)."""
    section = word.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    long, short = Cm(29.7), Cm(21)
    section.page_width, section.page_height = (long, short) if landscape else (short, long)


def _table(word: WordDocument, block: Table) -> None:
    wide = block.columns > WIDE
    caption = _styled(word, block.caption or block.name, "Caption")
    caption.paragraph_format.keep_with_next = True
    table = word.add_table(rows=0, cols=block.columns)
    table._tbl.tblStyle_val = _style_ids()["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    small = Pt(8) if block.columns > 5 else Pt(10)
    for header in block.header:
        row = table.add_row()
        _repeat_header(row._tr)
        for cell, value in zip(row.cells, header, strict=True):
            cell.text = value.text
            run = cell.paragraphs[0].runs[0] if cell.paragraphs[0].runs else None
            if run is not None:
                run.bold = True
                run.font.size = small
            _shade(cell, "F3F2F1")
    for values in block.rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            _fill(cell, value, size=small)
    _widths(table, block, Cm(25.7) if wide else Cm(17))
    word.add_paragraph()


def _repeat_header(tr: object) -> None:
    props = tr.get_or_add_trPr()  # type: ignore[attr-defined]
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    props.append(flag)


def _widths(table: WordTable, block: Table, across: Length) -> None:
    if not block.widths or len(block.widths) != block.columns:
        return
    total = sum(block.widths)
    table.autofit = False
    # The XML `cell.width = ...` writes (each cell's w:tcW, which `add_row` made), written
    # directly: through python-docx's cell objects it was a tenth of a large pack's time.
    twips = [str(Length(int(across * share / total)).twips) for share in block.widths]
    for tr in table._tbl.tr_lst:
        for tc, width in zip(tr.tc_lst, twips, strict=True):
            properties = tc.get_or_add_tcPr()
            cell_width = properties.find(qn("w:tcW"))
            if cell_width is None:
                cell_width = OxmlElement("w:tcW")
                properties.insert(0, cell_width)
            cell_width.set(qn("w:type"), "dxa")
            cell_width.set(qn("w:w"), width)


def _fill(cell: object, value: Cell, *, size: Pt | None = None) -> None:
    paragraph = cell.paragraphs[0]  # type: ignore[attr-defined]
    lines = value.text.split("\n") or [""]
    run = paragraph.add_run(lines[0])
    for line in lines[1:]:
        run.add_break()
        run.add_text(line)
    if size is not None:
        run.font.size = size
    if value.suppressed:
        run.italic = True
    if value.value is not None or value.suppressed:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if value.rag in RAG_COLOURS:
        run.bold = True
        _shade(cell, RAG_COLOURS[value.rag], text_white=True, run=run)


def _shade(cell: object, colour: str, *, text_white: bool = False, run: object = None) -> None:
    props = cell._tc.get_or_add_tcPr()  # type: ignore[attr-defined]
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour)
    props.append(shading)
    if text_white and run is not None:
        run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)  # type: ignore[attr-defined]


def _chart(word: WordDocument, block: ChartBlock) -> None:
    png = cairosvg.svg2png(bytestring=block.svg.encode("utf-8"), output_width=CHART_PIXELS)
    paragraph = word.add_paragraph()
    paragraph.paragraph_format.keep_with_next = True
    shape = paragraph.add_run().add_picture(io.BytesIO(png), width=CHART_WIDTH)
    properties = shape._inline.docPr
    properties.set("descr", block.alt)
    properties.set("title", block.title)
    _styled(word, block.caption, "Caption")
    _table(word, block.data)
