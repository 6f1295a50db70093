"""The data summary: every measure over the span, breakdowns by group, the gap between
children looked after at home and elsewhere, provenance; figures about children protected
in every format; the same cost whatever the number of measures."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pdfplumber
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from docx import Document as read_docx

from tests.conftest import Cast
from tests.measures.factories import measure as make_measure
from trellis.casedata.models import ComputedFigure, Snapshot
from trellis.core.disclosure import SUPPRESSED, Thresholds
from trellis.measures.models import Measure, Observation
from trellis.progress.models import ReportingPeriod
from trellis.reports.data_summary import build_for_span
from trellis.reports.document import Document, Table
from trellis.reports.registry import REPORTS, ReportRequest
from trellis.reports.render import render

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = D(2020, 10, 23)
BOARD = Thresholds(min_count=5, min_denominator=10)
Q3_2020 = D(2020, 9, 30)
# Looked after at each quarter's end, Q1 2019 to Q4 2020 (Q4 2020 is after the span).
LOOKED_AFTER = [101, 104, 108, 111, 115, 117, 120, 999]
QUARTER_ENDS = [D(y, m, 30 if m in (6, 9) else 31) for y in (2019, 2020) for m in (3, 6, 9, 12)]


def _computed(cast: Cast, snapshot: Snapshot, code: str, definition: str, **fields: Any) -> Measure:
    return Measure.objects.create(
        partnership=cast.partnership,
        code=code,
        title=fields.pop("title", code),
        kind=fields.pop("kind", "count"),
        direction=fields.pop("direction", "neutral"),
        role="outcome",
        source="computed",
        counts_children=True,
        definition=definition,
        **fields,
    )


def _figure(m: Measure, snapshot: Snapshot, ends: D, **values: Any) -> Observation:
    return Observation.objects.create(
        partnership=m.partnership,
        measure=m,
        period_ends=ends,
        snapshot=snapshot,
        definition=f"{m.definition}@1",
        **values,
    )


@pytest.fixture
def snapshot(cast: Cast) -> Snapshot:
    return Snapshot.objects.create(
        partnership=cast.partnership,
        uploaded_by=cast.analyst,
        extract_date=D(2020, 10, 5),
        covers_from=D(2019, 1, 1),
        source_name="riverside-2020-10.zip",
        status=Snapshot.Status.COMPUTED,
        manifest={"definitions": "2"},
    )


@pytest.fixture
def looked_after(cast: Cast, snapshot: Snapshot) -> Measure:
    """LAC with its Q3 2020 figure broken down by sex: 3 of unknown sex (withheld)."""
    m = _computed(cast, snapshot, "LAC", "looked_after", title="Children looked after")
    for ends, n in zip([D(2018, 12, 31), *QUARTER_ENDS], [99, *LOOKED_AFTER], strict=True):
        _figure(m, snapshot, ends, numerator=n, value=n)
    start = D(2020, 7, 1)
    for group, n in (("", 120), ("sex=f", 57), ("sex=m", 60), ("sex=u", 3)):
        ComputedFigure.objects.create(
            snapshot=snapshot,
            measure="looked_after",
            period_start=start,
            period_end=Q3_2020,
            group=group,
            numerator=n,
            value=n,
            definition="looked_after@1",
        )
    return m


def attendance(cast: Cast, snapshot: Snapshot, home: tuple[int, int]) -> None:
    """ATT-HOME, ATT-AWAY and ATT-GAP for the school years 2018/19 and 2019/20."""
    rate = {"kind": "percentage", "direction": "increase", "unit": "%", "chart": "p"}
    yearly = {"frequency": "academic", "decimals": 1}
    h = _computed(
        cast,
        snapshot,
        "ATT-HOME",
        "attendance_gap",
        definition_group="placement_group=home",
        **rate,
        **yearly,
    )
    a = _computed(
        cast,
        snapshot,
        "ATT-AWAY",
        "attendance_gap",
        definition_group="placement_group=other",
        **rate,
        **yearly,
    )
    g = _computed(
        cast,
        snapshot,
        "ATT-GAP",
        "attendance_gap",
        kind="mean",
        direction="increase",
        unit="percentage points",
        chart="i",
        **yearly,
    )
    for ends, (hn, hd), (an, ad) in (
        (D(2019, 7, 31), (7000, 10000), (9000, 10000)),
        (D(2020, 7, 31), home, (9000, 10000)),
    ):
        _figure(h, snapshot, ends, numerator=hn, denominator=hd, value=100 * hn / hd)
        _figure(a, snapshot, ends, numerator=an, denominator=ad, value=100 * an / ad)
        _figure(g, snapshot, ends, value=round(100 * (hn / hd - an / ad), 1))


def request(cast: Cast, thresholds: Thresholds | None) -> ReportRequest:
    period = ReportingPeriod.objects.get(plan=cast.plan, starts=D(2020, 7, 1))
    return ReportRequest(cast.plan, period, thresholds, "Mei Chen", TODAY)


def build(cast: Cast, thresholds: Thresholds | None = BOARD) -> Document:
    return REPORTS["data-summary"].build(request(cast, thresholds))


def table(document: Document, name: str) -> Table:
    return next(t for t in document.tables() if t.name == name)


def texts(t: Table) -> list[list[str]]:
    return [[c.text for c in row] for row in t.rows]


def test_the_report_has_its_chapters_in_order(cast: Cast, looked_after: Measure) -> None:
    document = build(cast)
    chapters = [s.heading for s in document.sections() if s.level == 1]
    assert chapters == [
        "Summary",
        "Children looked after at home and in other settings",
        "Built-in measures",
        "Measures entered by hand",
        "Appendix: provenance",
    ]
    assert document.title == "Data summary: 1 October 2019 to 30 September 2020"


def test_every_measure_is_summarised_over_the_span_only(cast: Cast, looked_after: Measure) -> None:
    make_measure(cast, code="CL1", title="Care leavers in touch", values=[40, 42, 45])
    rows = texts(table(build(cast), "Measures at a glance"))
    assert [r[0] for r in rows] == ["LAC", "CL1"]  # computed first
    lac = rows[0]
    assert (lac[2], lac[3], lac[4]) == ("111", "120", "+9")  # Q4 2019 to Q3 2020
    assert "999" not in str(build(cast))  # Q4 2020 is after the span


def test_a_breakdown_withholds_small_groups_and_one_more_for_the_board(
    cast: Cast, looked_after: Measure
) -> None:
    by_sex = table(build(cast), "LAC By sex")
    shown = {r[0]: r[1] for r in texts(by_sex)}
    assert shown["u"] == SUPPRESSED
    assert list(shown.values()).count(SUPPRESSED) == 2  # 3 could be worked out from 120
    analyst = {r[0]: r[1] for r in texts(table(build(cast, None), "LAC By sex"))}
    assert analyst == {"f": "57", "m": "60", "u": "3"}


def test_the_gap_between_home_and_elsewhere_by_school_year(cast: Cast, snapshot: Snapshot) -> None:
    attendance(cast, snapshot, home=(8000, 10000))
    rows = texts(table(build(cast), "Attendance gap"))
    minus = "−" if "−" in rows[0][3] else "-"
    assert rows == [
        ["2018/19", "70.0%", "90.0%", f"{minus}20.0 percentage points"],
        ["2019/20 (in the span)", "80.0%", "90.0%", f"{minus}10.0 percentage points"],
    ]


def test_the_gap_is_withheld_when_a_groups_rate_is_withheld(cast: Cast, snapshot: Snapshot) -> None:
    attendance(cast, snapshot, home=(3, 8))  # 3 of 8 sessions: withheld for the board
    document = build(cast)
    assert texts(table(document, "Attendance gap"))[1] == [
        "2019/20 (in the span)",
        SUPPRESSED,
        "90.0%",
        SUPPRESSED,
    ]
    gap_chart = next(c for c in document.charts() if c.title == "ATT-GAP")
    assert "−52.5" not in gap_chart.svg + gap_chart.description
    assert SUPPRESSED in [r[1].text for r in gap_chart.data.rows]
    analyst = texts(table(build(cast, None), "Attendance gap"))
    assert analyst[1][1] == "37.5%"


def test_provenance_names_the_snapshot_and_the_definition_version(
    cast: Cast, looked_after: Measure
) -> None:
    document = build(cast)
    snapshots = texts(table(document, "Snapshots"))
    assert snapshots[0][1:4] == ["riverside-2020-10.zip", "5 October 2020", "1 January 2019"]
    assert snapshots[0][5] == "2"
    definitions = texts(table(document, "Definitions"))
    assert definitions == [
        ["LAC", "looked_after@1", str(looked_after.observations.first().snapshot_id),  # type: ignore[union-attr]
         "31 December 2019 to 30 September 2020", "4"],
    ]  # fmt: skip


def test_any_span_can_be_asked_for(cast: Cast, looked_after: Measure) -> None:
    document = build_for_span(request(cast, BOARD), D(2019, 1, 1))
    lac = texts(table(document, "Measures at a glance"))[0]
    assert (lac[2], lac[3]) == ("101", "120")


def _words_of(document: Document) -> dict[str, str]:
    docx = read_docx(io.BytesIO(render(document, "docx")))
    docx_text = " ".join(c.text for t in docx.tables for row in t.rows for c in row.cells)
    book = openpyxl.load_workbook(io.BytesIO(render(document, "xlsx")), read_only=True)
    xlsx_text = " ".join(
        str(v)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for v in row
        if v is not None
    )
    with pdfplumber.open(io.BytesIO(render(document, "pdf"))) as pdf:
        pdf_text = " ".join(page.extract_text() or "" for page in pdf.pages)
    return {
        "docx": docx_text,
        "xlsx": xlsx_text,
        "pdf": pdf_text,
        "html": render(document, "html").decode(),
    }


def test_withheld_figures_are_withheld_in_every_format(
    cast: Cast, snapshot: Snapshot, looked_after: Measure
) -> None:
    attendance(cast, snapshot, home=(3, 8))
    for name, text in _words_of(build(cast)).items():
        assert "37.5%" not in text, name  # home's 3 of 8 (SVG coordinates hold "37.5")
        assert "52.5 percentage" not in text and "−52.5" not in text, name
        assert SUPPRESSED in text, name
        assert "120" in text, name  # the total is shown


def test_the_queries_do_not_grow_with_the_measures(cast: Cast, snapshot: Snapshot) -> None:
    counts = []
    for n in (3, 30):
        for i in range(n):
            m = _computed(cast, snapshot, f"C{n}-{i}", f"def{n}{i}")
            _figure(m, snapshot, Q3_2020, numerator=20, value=20)
            make_measure(cast, code=f"M{n}-{i}", values=[1, 2, 3])
        with CaptureQueriesContext(connection) as queries:
            build(cast)
        counts.append(len(queries))
    assert counts[0] == counts[1]
