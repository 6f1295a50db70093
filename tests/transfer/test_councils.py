"""Each council's plan, in its own layout, reads as the structure its author meant."""

from __future__ import annotations

from typing import Any

import pytest

from tests.transfer import councils
from trellis.transfer.parse import parse_file, parse_text


def structure(parsed: Any) -> dict[str, Any]:
    found = parsed.draft().to_json()
    found.pop("warnings")
    return found


def test_a_word_table_with_merged_cells_and_a_repeated_header_reads_as_written() -> None:
    parsed = parse_file(councils.riverside_docx(), "riverside.docx")
    assert structure(parsed) == councils.RIVERSIDE


def test_several_outcomes_in_one_cell_are_flagged_for_review() -> None:
    draft = parse_file(councils.riverside_docx(), "riverside.docx").draft()
    assert any("2 outcomes in one cell" in w for w in draft.warnings)


def test_a_spreadsheet_with_quarterly_update_columns_reads_as_written() -> None:
    parsed = parse_file(councils.northshire_xlsx(), "northshire.xlsx")
    assert parsed.mapping == [
        "outcome",
        "action",
        "measure",
        "lead",
        "due",
        "rag",
        "update",
        "update",
    ]
    assert structure(parsed) == councils.NORTHSHIRE


def test_a_pdf_table_cut_by_a_page_break_is_joined_up() -> None:
    draft = parse_file(councils.eastvale_pdf(), "eastvale.pdf").draft()
    outcome = draft.to_json()["outcomes"][0]
    assert [d["title"] for d in outcome["drivers"]] == [
        "Children on the register are seen every week",
        "Leaders challenge variance",
    ]
    first, second = outcome["drivers"]
    assert len(first["actions"]) == 9  # the repeated header row is not an action
    assert first["actions"][0]["updates"] == [
        {"date": "2020-06-30", "text": "95% seen during lockdown", "rag": "green"}
    ]
    assert first["actions"][0]["leads"] == ["Service Manager (Child Protection)"]
    assert first["actions"][8]["updates"][0]["text"] == "Audit 8 planned"
    cut = second["actions"][0]
    assert cut["title"] == "Chief officers review the data summary each quarter"
    assert cut["updates"] == [{"date": None, "text": councils.LONG_UPDATE, "rag": None}]


def test_an_outline_pasted_as_text_reads_as_written() -> None:
    assert structure(parse_text(councils.WESTMOOR_TEXT)) == councils.WESTMOOR


def test_an_outline_saved_as_a_text_file_reads_the_same_as_pasted() -> None:
    data = councils.WESTMOOR_TEXT.encode("utf-16")
    assert structure(parse_file(data, "westmoor.txt")) == councils.WESTMOOR


def test_a_windows_csv_without_an_outcome_column_gets_a_named_placeholder() -> None:
    parsed = parse_file(councils.southdale_csv(), "southdale.csv")
    assert parsed.mapping == [None, "driver", "action", "measure", "lead", "due"]
    draft = parsed.draft()
    assert draft.outcomes[0].title == "Outcome to be named"
    driver = draft.outcomes[0].drivers[0]
    assert driver.title == "Children’s voices are heard"
    assert [a.title for a in driver.actions] == [
        "Advocacy offered to every child",
        "Feedback réviewed £0 cost",
    ]
    assert driver.actions[0].milestones[0].due.isoformat() == "2021-03-31"
    assert any("no outcome above this row" in w for w in draft.warnings)


def aligned(rows: list[list[str]], widths: list[int]) -> str:
    return "\n".join("".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)


ALIGNED_HEADER = ["Outcome", "Key driver", "Action", "Lead", "Progress update"]
WIDTHS = [30, 30, 44, 22, 40]


def aligned_text() -> str:
    """Text copied from a PDF: columns lined up with spaces, a page footer, the headings
    again on the next page, and an action's words carried over the break."""
    page_one = aligned(
        [
            ALIGNED_HEADER,
            ["Children are safe", "Register visits", "Visit every child weekly", "CP Lead", ""],
            ["", "", "Publish a communication", "Comms Manager", "Oct 2020: drafted"],
        ],
        WIDTHS,
    )
    page_two = aligned(
        [
            ALIGNED_HEADER,
            ["", "", "strategy by 31 October 2019", "", ""],
            ["", "Timely health checks", "Health assessments in 4 weeks", "Health Lead", "Green"],
        ],
        WIDTHS,
    )
    return f"Eastvale plan\n{page_one}\n\n   Page 1 of 2\n{page_two}\n"


def test_aligned_text_with_page_breaks_reads_as_written() -> None:
    draft = parse_text(aligned_text()).draft()
    assert draft.to_json() == {
        "outcomes": [
            {
                "title": "Children are safe",
                "drivers": [
                    {
                        "title": "Register visits",
                        "actions": [
                            councils._action("Visit every child weekly", leads=["CP Lead"]),
                            councils._action(
                                "Publish a communication strategy by 31 October 2019",
                                milestones=[
                                    {
                                        "title": "Publish a communication strategy",
                                        "due": "2019-10-31",
                                    }
                                ],
                                leads=["Comms Manager"],
                                updates=[{"date": "2020-10-31", "text": "drafted", "rag": None}],
                            ),
                        ],
                    },
                    {
                        "title": "Timely health checks",
                        "actions": [
                            councils._action(
                                "Health assessments in 4 weeks",
                                leads=["Health Lead"],
                                updates=[{"date": None, "text": "", "rag": "green"}],
                            )
                        ],
                    },
                ],
            }
        ],
        "warnings": [],
    }


def test_tab_separated_text_reads_the_same_as_the_spreadsheet_it_came_from() -> None:
    rows = councils.northshire_rows()
    text = "\n".join(
        "\t".join(
            "" if v is None else v.strftime("%d/%m/%Y") if hasattr(v, "strftime") else str(v)
            for v in row
        )
        for row in rows
    ).replace("=SUM(1,2)", "")
    parsed = parse_text(text)
    parsed.grid.wrapped = False  # tab-separated cells hold no wrapped lines
    assert structure(parsed) == councils.NORTHSHIRE


@pytest.mark.parametrize("heading", ["Status", "RAG rating", "RAG"])
def test_a_rag_column_colours_the_latest_update(heading: str) -> None:
    text = f"Outcome\tAction\tProgress update\t{heading}\nSafe\tVisit\tJune 2020: done\tR\n"
    update = parse_text(text).draft().actions()[0].updates[0]
    assert (update.rag, update.text) == ("red", "done")


def test_merged_spreadsheet_cells_read_as_the_same_outcome_and_driver() -> None:
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Outcome", "Key driver", "Action", "Lead"])
    sheet.append(["Children are safe", "Seen weekly", "Visit every week", "CP Lead"])
    sheet.append([None, None, "Record every visit", "Data Manager"])
    sheet.append(["Families helped early", "One front door", "One form", "Duty Manager"])
    sheet.merge_cells("A2:A3")
    sheet.merge_cells("B2:B3")
    stream = io.BytesIO()
    book.save(stream)
    draft = parse_file(stream.getvalue(), "merged.xlsx").draft()
    assert [(o.title, [len(d.actions) for d in o.drivers]) for o in draft.outcomes] == [
        ("Children are safe", [2]),
        ("Families helped early", [1]),
    ]


def test_a_version_table_before_and_a_glossary_after_the_plan_are_passed_over() -> None:
    import io

    import docx

    document = docx.Document()
    tables = [
        [["Version", "Date", "Action", "Status"], ["0.3", "1 May 2020", "Draft", "Agreed"]],
        [
            ["Stretch outcome aim", "Key driver", "Improvement aim", "Lead", "Progress update"],
            ["Children are safe", "Seen weekly", "Visit every week", "CP Lead", "June 2020: on"],
        ],
        [["LAC", "Looked after children"], ["COG", "Chief officer group"]],
    ]
    for rows in tables:
        table = document.add_table(rows=len(rows), cols=len(rows[0]))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                table.rows[r].cells[c].text = text
    stream = io.BytesIO()
    document.save(stream)
    parsed = parse_file(stream.getvalue(), "plan.docx")
    draft = parsed.draft()
    assert parsed.grid.header[0] == "Stretch outcome aim"
    assert [o.title for o in draft.outcomes] == ["Children are safe"]
    assert draft.warnings == ["Table 3 has a different layout, so it was not read."]


def test_a_percentage_cell_reads_as_the_percentage_shown() -> None:
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Outcome", "Action", "Target", "Target date"])
    sheet.append(["Safe", "Health checks in 4 weeks", 0.75, "Sep 2021"])
    sheet["C2"].number_format = "0%"
    stream = io.BytesIO()
    book.save(stream)
    parsed = parse_file(stream.getvalue(), "plan.xlsx")
    assert parsed.grid.rows[0].cells[2] == "75%"


def test_a_target_column_and_a_target_date_column_make_a_trajectory_point() -> None:
    text = "Outcome\tAction\tTarget\tTarget date\nSafe\tHealth checks\t75%\tSep 2021\n"
    action = parse_text(text).draft().actions()[0]
    assert [(t.value, t.unit, t.date.isoformat()) for t in action.targets] == [
        (75, "%", "2021-09-30")
    ]
