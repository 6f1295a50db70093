"""The board pack: what it says, from hand-built data; that every format says the same
numbers (each file read back with its own library); that children's figures are protected
in every format; that charts carry text alternatives; and that it costs the same number
of queries at any size."""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
from dataclasses import dataclass
from html.parser import HTMLParser

import openpyxl
import pdfplumber
import pypdfium2
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from docx import Document as read_docx
from docx.oxml.ns import qn

from tests import factories
from tests.conftest import Cast
from tests.measures.factories import measure
from trellis.accounts.models import Group
from trellis.core.disclosure import SUPPRESSED, Thresholds
from trellis.measures.models import Measure
from trellis.progress.models import Comment, ReportingPeriod
from trellis.reports.document import Document, Table
from trellis.reports.registry import REPORTS, ReportRequest
from trellis.reports.render import render
from trellis.reports.render.html import page

TODAY = dt.date(2020, 10, 23)
Q2, Q3 = 2, 3  # Q2 and Q3 2020 among the factory plan's periods (Q4 2019, Q1 2020, ...)
# Quarterly figures from Q1 2018 (the measures factory's first quarter) to Q3 2020.
LEAVERS = [40, 42, 45, 44, 47, 49, 52, 55, 56, 58, 61]
# Children seen each week, of those on the register: Q3 2020's 1 of 3 must be withheld.
SEEN = [30, 28, 31, 33, 29, 32, 34, 33, 35, 34, 1]
ON_REGISTER = [40, 40, 41, 42, 40, 41, 42, 40, 41, 42, 3]
SECRET = "33%"
QUARTERS = [f"Q{q} {y}" for y in (2018, 2019, 2020) for q in (1, 2, 3, 4)][
    :11
]  # 1 of 3: the withheld figure, never printed for the board


@dataclass
class Scene:
    cast: Cast
    period: ReportingPeriod
    leavers: Measure
    seen: Measure

    def request(self, thresholds: Thresholds | None) -> ReportRequest:
        return ReportRequest(self.cast.plan, self.period, thresholds, "Plan owner", TODAY)


@pytest.fixture
def scene(cast: Cast) -> Scene:
    actions = list(cast.plan.outcomes.all()[0].drivers.all()[0].actions.order_by("position"))
    factories.update(actions[0], state="accepted", rag="amber", period_index=Q2)
    factories.update(actions[0], state="accepted", rag="red", period_index=Q3)
    factories.update(actions[1], state="submitted", rag="green", period_index=Q3)
    factories.update(actions[2], state="draft", rag="amber", period_index=Q3)
    leavers = measure(
        cast, code="CL1", title="Care leavers in touch", values=LEAVERS, actions=[actions[0]]
    )
    seen = measure(
        cast,
        code="CP2",
        title="Children on the register seen weekly",
        values=SEEN,
        denominators=ON_REGISTER,
        actions=[actions[1]],
    )
    Measure.objects.filter(pk=seen.pk).update(counts_children=True)
    Comment.objects.create(
        partnership=cast.partnership,
        action=actions[0],
        author=cast.board,
        body='=HYPERLINK("http://example.org") Why is this red?',
    )
    return Scene(cast, cast.plan.periods.all()[Q3], leavers, seen)


def build(scene: Scene, thresholds: Thresholds | None = None, *, board: bool = True) -> Document:
    limits = thresholds or (Thresholds() if board else None)
    return REPORTS["board-pack"].build(scene.request(limits))


def table_named(document: Document, name: str) -> Table:
    return next(t for t in document.tables() if t.name == name)


# What the pack says


def test_the_pack_has_its_sections_in_order_and_reports_what_the_board_may_read(
    scene: Scene,
) -> None:
    document = build(scene)
    assert document.title == "Board pack: Q3 2020"
    headings = [(s.level, s.heading) for s in document.sections()]
    assert headings == [
        (1, "Summary"),
        (2, "What changed"),
        (2, "What is off track"),
        (2, "What needs a decision"),
        (1, "The action plan"),
        (1, "Measures"),
        (2, "Care leavers in touch"),
        (2, "Children on the register seen weekly"),
        (1, "Challenge log"),
        (1, "Decision log"),
    ]
    plan = table_named(document, "Action plan")
    assert [c.text for c in plan.header[-1]][:6] == [
        "Stretch outcome aim",
        "Key driver",
        "Improvement project aim",
        "Key improvement measure",
        "Lead responsibility",
        "Progress update",
    ]
    by_aim = {row[2].text: row for row in plan.rows}
    assert (by_aim["Aim 0"][5].text, by_aim["Aim 0"][6].text) == ("Progress on Aim 0", "Red")
    assert by_aim["Aim 1"][6].text == "Green"  # submitted: reported
    assert (by_aim["Aim 2"][5].text, by_aim["Aim 2"][6].text) == (
        "No update received.",
        "No update",
    )  # a draft is not reported
    changed = " ".join(_texts(document, "What changed"))
    assert "Aim 0: Amber to Red since Q2 2020." in changed


def test_an_update_restricted_to_groups_is_reported_by_status_word_only(
    scene: Scene, cast: Cast
) -> None:
    update = cast.plan.periods.all()[Q3].updates.get(action__title="Aim 1")
    update.restricted_to.add(Group.objects.create(partnership=cast.partnership, name="Police"))
    row = next(r for r in table_named(build(scene), "Action plan").rows if r[2].text == "Aim 1")
    assert (row[5].text, row[6].text) == ("Restricted to named groups.", "Restricted")


def test_figures_after_the_period_are_left_out(scene: Scene, cast: Cast) -> None:
    earlier = build_for(scene, cast.plan.periods.all()[Q2])
    data = next(c for c in earlier.charts() if c.title == "Care leavers in touch").data
    assert [r[0].text for r in data.rows][-1] == "Q2 2020"
    assert "61%" not in [r[1].text for r in data.rows]


def build_for(scene: Scene, period: ReportingPeriod) -> Document:
    request = ReportRequest(scene.cast.plan, period, Thresholds(), "Plan owner", TODAY)
    return REPORTS["board-pack"].build(request)


def _texts(document: Document, heading: str) -> list[str]:
    from trellis.reports.document import BulletList, Paragraph

    section = next(s for s in document.sections() if s.heading == heading)
    found: list[str] = []
    for block in section.blocks:
        if isinstance(block, BulletList):
            found.extend(block.items)
        elif isinstance(block, Paragraph):
            found.append(block.text)
    return found


# The same numbers in every format


def numbers(document: Document) -> list[str]:
    """Every figure of every table, in reading order: what each format must show."""
    return [
        cell.text
        for table in document.tables()
        for row in table.rows
        for cell in row
        if cell.value is not None or cell.suppressed
    ]


def docx_cells(content: bytes) -> list[str]:
    word = read_docx(io.BytesIO(content))
    return [cell.text for table in word.tables for row in table.rows for cell in row.cells]


def xlsx_cells(content: bytes) -> list[str]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]


class _HtmlCells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in ("td", "dd"):
            self._depth += 1
            self.cells.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "dd"):
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._depth:
            self.cells[-1] += data


def html_cells(content: bytes) -> list[str]:
    parser = _HtmlCells()
    parser.feed(content.decode())
    return parser.cells


def in_order(wanted: list[str], found: list[str]) -> bool:
    """Whether `wanted` appears in `found` in the same order (other cells between)."""
    position = iter(found)
    return all(any(w == f for f in position) for w in wanted)


def test_every_format_shows_the_same_numbers(scene: Scene) -> None:
    document = build(scene)
    wanted = numbers(document)
    assert "58%" in wanted and SUPPRESSED in wanted  # the scene has both kinds
    assert in_order(wanted, docx_cells(render(document, "docx")))
    assert in_order(wanted, html_cells(render(document, "html")))
    # Excel stores numbers as numbers: compare the values behind the texts.
    values = [
        str(c.value) if c.value is not None else c.text
        for t in document.tables()
        for r in t.rows
        for c in r
        if c.value is not None or c.suppressed
    ]
    found = xlsx_cells(render(document, "xlsx"))
    for value in values:
        assert value in found or value.removesuffix(".0") in found, value
    pdf_text = pdf_words(render(document, "pdf"))
    assert in_order(wanted, pdf_text)


def pdf_words(content: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    return re.findall(r"\[c\]|\S+", text)


def test_excel_keeps_the_plan_filterable_and_the_measures_data_on_its_own_sheet(
    scene: Scene,
) -> None:
    book = openpyxl.load_workbook(io.BytesIO(render(build(scene), "xlsx")))
    # No decision was recorded, so the decision log is a sentence, not a sheet.
    assert book.sheetnames == ["Summary", "Action plan", "Measures data", "Challenge log"]
    plan = book["Action plan"]
    assert plan.auto_filter.ref == "A1:G4"
    assert plan["A1"].value == "Stretch outcome aim"
    data = [row for row in book["Measures data"].iter_rows(values_only=True) if any(row)]
    assert data[0][0] == "Care leavers in touch" and data[1][:2] == ("Period", "Value")
    assert [row[:2] for row in data[2:13]] == [
        (label, value) for label, value in zip(QUARTERS, LEAVERS, strict=True)
    ]
    comment = book["Challenge log"]["D2"]
    assert comment.data_type == "s" and comment.value.startswith("'=HYPERLINK")


# Disclosure control


def test_a_withheld_figure_is_withheld_in_every_format(scene: Scene) -> None:
    document = build(scene)
    for name in ("docx", "html", "xlsx", "pdf"):
        content = render(document, name)
        if name == "docx":
            cells = docx_cells(content)
        elif name == "xlsx":
            cells = xlsx_cells(content)
        elif name == "html":
            cells = html_cells(content)
        else:
            cells = pdf_words(content)
        assert SUPPRESSED in cells, name
        assert SECRET not in cells, name
    # Nowhere else either: not in a sentence, a caption, an alternative text or the SVG.
    html = render(document, "html").decode().split("</style>", 1)[1]  # not the CSS
    assert not re.search(r"(?<![\d.])33(\.3+)?%", html)
    word = read_docx(io.BytesIO(render(document, "docx")))
    assert not any(SECRET in p.text for p in word.paragraphs)
    assert not any(SECRET in (s._inline.docPr.get("descr") or "") for s in word.inline_shapes)
    svg = next(c for c in document.charts() if c.title.startswith("Children")).svg
    assert SECRET not in svg and "33.3" not in svg


def test_an_analysts_own_copy_shows_the_figure(scene: Scene) -> None:
    document = build(scene, board=False)
    assert SECRET in numbers(document) and SUPPRESSED not in numbers(document)


# Charts


def test_charts_are_pictures_with_alternative_text_in_word(scene: Scene) -> None:
    document = build(scene)
    word = read_docx(io.BytesIO(render(document, "docx")))
    shapes = list(word.inline_shapes)
    assert len(shapes) == 2
    alts = [shape._inline.docPr.get("descr") for shape in shapes]
    assert alts == [chart.alt for chart in document.charts()]
    assert alts[0].startswith("Care leavers in touch: Rose from 40% to 61%")


def test_charts_are_svg_with_text_alternatives_in_html_and_pdf(scene: Scene) -> None:
    document = build(scene)
    html = render(document, "html").decode()
    svgs = re.findall(r"<svg[^>]*>", html)
    assert len(svgs) == 2
    assert all('role="img"' in s and 'aria-label="' in s for s in svgs)
    assert "<figcaption>Rose from 40% to 61%" in html
    with pdfplumber.open(io.BytesIO(render(document, "pdf"))) as pdf:
        figures = [
            node["alt_text"]
            for page in pdf.pages
            for node in _walk(page.structure_tree)
            if node.get("type") == "Figure"
        ]
    assert len(figures) == 2
    assert "Care leavers in touch" in figures[0]
    assert "Children on the register" in figures[1]


def test_pdf_charts_are_the_same_svg_drawn_as_vectors_with_their_text(scene: Scene) -> None:
    document = build(scene)
    print_page = page(document, for_pdf=True)
    images = re.findall(r'<img class="chart" src="data:image/svg\+xml;base64,([^"]+)"', print_page)
    assert [base64.b64decode(data).decode() for data in images] == [
        chart.svg for chart in document.charts()
    ]
    legend = (
        next(iter(document.charts()))
        .svg.split('data-part="legend"')[1]
        .split('data-part="grid"')[0]
    )
    labels = re.findall(r"<text[^>]*>([^<]+)</text>", legend)
    with pdfplumber.open(io.BytesIO(render(document, "pdf"))) as pdf:
        text = " ".join(page.extract_text() or "" for page in pdf.pages)
    # Text in the PDF, not pixels (drawn glyph by glyph, so read back without its spaces).
    squeezed = re.sub(r"\s", "", text)
    assert labels and all(re.sub(r"\s", "", label) in squeezed for label in labels)


def _walk(nodes: list[dict]) -> list[dict]:  # type: ignore[type-arg]
    found = []
    for node in nodes:
        found.append(node)
        found.extend(_walk(node.get("children", [])))
    return found


# The PDF looks like a document


def test_the_pdfs_first_pages_are_not_blank_and_carry_their_headings(scene: Scene) -> None:
    content = render(build(scene), "pdf")
    pdf = pypdfium2.PdfDocument(content)
    with pdfplumber.open(io.BytesIO(content)) as plumbed:
        first = plumbed.pages[0].extract_text()
        second = plumbed.pages[1].extract_text()
        last = plumbed.pages[-1].extract_text()
    assert "Board pack: Q3 2020" in first and "Contents" in first and "Summary" in first
    assert re.search(r"The action plan\s*\.*\s*\d+", first)  # the contents give pages
    assert "What is off track" in first + second
    assert f"Page {len(pdf)} of {len(pdf)}" in last
    for index in (0, 1):
        image = pdf[index].render(scale=0.5).to_pil().convert("L")
        width, height = image.size
        body = image.crop((0, height // 8, width, height * 7 // 8))  # no header or footer
        dark = sum(1 for value in body.getdata() if value < 128)
        assert dark > 200, f"page {index + 1} looks blank"


# Cost


def test_the_queries_do_not_grow_with_the_plan(scene: Scene, cast: Cast) -> None:
    with CaptureQueriesContext(connection) as small:
        build(scene)
    bigger = factories.plan_tree(cast.partnership, actions=12)
    for action in bigger.outcomes.all()[0].drivers.all()[0].actions.all():
        factories.update(action, state="accepted", rag="red", period_index=Q3)
        measure(cast, values=LEAVERS, actions=[action])
    request = ReportRequest(bigger, bigger.periods.all()[Q3], Thresholds(), "Owner", TODAY)
    with CaptureQueriesContext(connection) as large:
        REPORTS["board-pack"].build(request)
    assert len(large) == len(small)


def test_word_has_real_headings_and_the_action_plan_on_landscape_pages(scene: Scene) -> None:
    from docx.enum.section import WD_ORIENT

    word = read_docx(io.BytesIO(render(build(scene), "docx")))
    headings = [(p.style.name, p.text) for p in word.paragraphs if p.style.name.startswith("Head")]
    assert headings[:2] == [("Heading 1", "Summary"), ("Heading 2", "What changed")]
    assert ("Heading 1", "The action plan") in headings
    orientations = [s.orientation for s in word.sections]
    assert orientations == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE, WD_ORIENT.PORTRAIT]
    plan = next(t for t in word.tables if t.rows[0].cells[0].text == "Stretch outcome aim")
    header = plan.rows[0]._tr.trPr
    assert header is not None and header.find(qn("w:tblHeader")) is not None  # repeats
    assert word.core_properties.title == "Board pack: Q3 2020"


def test_the_decision_log_and_overdue_follow_ups_come_from_meetings(
    scene: Scene, cast: Cast
) -> None:
    from trellis.meetings.models import Decision, Subject

    board = Group.objects.create(partnership=cast.partnership, name="Chief Officers Group")
    Decision.objects.create(
        partnership=cast.partnership,
        plan=cast.plan,
        group=board,
        decided_on=dt.date(2020, 8, 12),
        subject=Subject.ACTION,
        action=cast.plan.outcomes.all()[0].drivers.all()[0].actions.order_by("position")[0],
        text="Agreed to fund two nurses",
        follow_up="Report back on recruitment",
        follow_up_due=dt.date(2020, 10, 1),
        recorded_by=cast.board,
    )
    document = build(scene)
    log = table_named(document, "Decision log")
    assert [c.text for c in log.rows[0]] == [
        "12 August 2020",
        "Chief Officers Group",
        "Improvement aim: Aim 0",
        "Agreed to fund two nurses",
        "Report back on recruitment, due 1 October 2020",
        "Overdue",
    ]
    needs = _texts(document, "What needs a decision")
    assert "1 follow-up(s) of earlier decisions overdue: see the decision log." in needs
    book = openpyxl.load_workbook(io.BytesIO(render(document, "xlsx")))
    assert book["Decision log"]["D2"].value == "Agreed to fund two nurses"
