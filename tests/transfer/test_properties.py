"""Property-based: how a plan is spaced, and how often its headings are repeated, never
changes what is read from it."""

from __future__ import annotations

import csv
import io
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trellis.transfer.parse import parse_file, parse_text

HEADER = ["Outcome", "Key driver", "Action", "Success measure", "Lead officer", "Progress update"]
WORDS = st.sampled_from(["safe", "children", "plan", "review", "health", "care", "data", "weekly"])
TITLE = st.lists(WORDS, min_size=1, max_size=5).map(lambda ws: " ".join(ws).capitalize())
MEASURE = st.one_of(
    TITLE,
    TITLE.map(lambda t: f"{t} by 30 November 2019"),
    st.integers(1, 100).map(lambda n: f"{n}% of children seen by 31 March 2021"),
)
LEAD = TITLE.map(lambda t: f"{t} Manager")
UPDATE = st.one_of(
    st.just(""), TITLE.map(lambda t: f"June 2020: {t}"), TITLE.map(lambda t: f"CPC – {t} (Amber)")
)


@st.composite
def plan_rows(draw: Any) -> list[list[str]]:
    rows: list[list[str]] = []
    for _ in range(draw(st.integers(1, 3))):
        outcome = draw(TITLE)
        for d in range(draw(st.integers(1, 2))):
            driver = draw(TITLE)
            for a in range(draw(st.integers(1, 3))):
                first = d == 0 and a == 0
                rows.append(
                    [
                        outcome if first else "",
                        driver if a == 0 else "",
                        draw(TITLE),
                        draw(MEASURE),
                        draw(LEAD),
                        draw(UPDATE),
                    ]
                )
                if draw(st.booleans()):  # a continuation row: another measure and update
                    rows.append(["", "", "", draw(MEASURE), "", draw(UPDATE)])
    return rows


def respaced(draw: Any, text: str) -> str:
    """The same words with runs of spaces between them and around them."""
    if not text:
        return draw(st.sampled_from(["", " ", "  "]))
    gaps = st.sampled_from([" ", "  ", "   "])
    words = text.split(" ")
    out = draw(st.sampled_from(["", " ", "  "])) + words[0]
    for word in words[1:]:
        out += draw(gaps) + word
    return out + draw(st.sampled_from(["", " ", "   "]))


def shuffled(draw: Any, rows: list[list[str]]) -> list[list[str]]:
    """Whitespace reshuffled, the header repeated at random places, blank rows added."""
    out: list[list[str]] = [list(HEADER)]
    for row in rows:
        if draw(st.integers(0, 4)) == 0:
            out.append([respaced(draw, h) for h in HEADER])
        if draw(st.integers(0, 5)) == 0:
            out.append([""] * len(HEADER))
        out.append([respaced(draw, cell) for cell in row])
    return out


def as_csv(rows: list[list[str]]) -> bytes:
    stream = io.StringIO(newline="")
    csv.writer(stream).writerows(rows)
    return stream.getvalue().encode()


def as_tabs(rows: list[list[str]]) -> str:
    return "\n".join("\t".join(row) for row in rows)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=plan_rows(), data=st.data())
def test_csv_spacing_and_repeated_headers_do_not_change_the_plan(rows: Any, data: Any) -> None:
    plain = parse_file(as_csv([HEADER, *rows]), "plan.csv").draft().to_json()
    messy = parse_file(as_csv(shuffled(data.draw, rows)), "plan.csv").draft().to_json()
    assert messy == plain
    assert plain["outcomes"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=plan_rows(), data=st.data())
def test_pasted_text_spacing_and_repeated_headers_do_not_change_the_plan(
    rows: Any, data: Any
) -> None:
    plain = parse_text(as_tabs([HEADER, *rows])).draft().to_json()
    messy = parse_text(as_tabs(shuffled(data.draw, rows))).draft().to_json()
    assert messy == plain


@settings(max_examples=40, deadline=None)
@given(text=st.text(max_size=300))
def test_any_pasted_text_is_read_or_refused_never_crashes(text: str) -> None:
    from trellis.transfer.readers import ReadError

    try:
        parse_text(text).draft()
    except ReadError as error:
        assert error.rule


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=200))
def test_cell_readers_take_any_text(text: str) -> None:
    from trellis.transfer.cells import items_of, leads_of, updates_of
    from trellis.transfer.phrases import find_dates, find_targets

    for found in find_dates(text):
        assert 1990 <= found.date.year <= 2100
    assert all(0 <= t.value <= 100 for t in find_targets(text))
    assert all(item.strip() for item in items_of(text, wrapped=True))
    for lead in leads_of(text):
        assert leads_of(lead) == [lead]
    assert all(u.text or u.rag for u in updates_of(text, wrapped=False))


def as_xlsx(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append([cell or None for cell in row])
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def as_docx(rows: list[list[str]]) -> bytes:
    import docx

    document = docx.Document()
    table = document.add_table(rows=len(rows), cols=len(HEADER))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.rows[r].cells[c].text = text
    stream = io.BytesIO()
    document.save(stream)
    return stream.getvalue()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=plan_rows(), data=st.data())
def test_workbook_and_document_spacing_and_repeated_headers_do_not_change_the_plan(
    rows: Any, data: Any
) -> None:
    plain = parse_file(as_csv([HEADER, *rows]), "plan.csv").draft().to_json()
    messy = shuffled(data.draw, rows)
    assert parse_file(as_xlsx(messy), "plan.xlsx").draft().to_json() == plain
    assert parse_file(as_docx(messy), "plan.docx").draft().to_json() == plain
