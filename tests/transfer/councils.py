"""Import fixtures in several councils' styles, written here (nothing copied from real
plans): each builds its file's bytes and says the structure the importer must find.

- Riverside: a Word table, outcome cells merged down, the header row repeated, several
  outcomes in one cell, updates prefixed by agency.
- Northshire: a spreadsheet with a title row, quarterly update columns, a RAG column, real
  date cells in 'Timescale' and filled-down areas for improvement.
- Eastvale: a PDF whose table breaks across pages: headings repeated, a row cut in two.
- Westmoor: an outline (labelled lines) pasted as text.
- Southdale: CSV with Windows (cp1252) characters.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

LONG_UPDATE = (
    "Quality Assurance Framework implemented and audits for 2020 identified; the first "
    "multi-agency audit is under way with partners from health, education and the police, "
    "and findings will be graded against the quality indicators before the end of the year"
)


def riverside_docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("Riverside Partnership: action plan 2019 to 2020", level=1)
    header = [
        "Stretch outcome aim",
        "Key driver",
        "Improvement project aim",
        "Key improvement measures",
        "Lead responsibility",
        "Progress update",
    ]
    rows = [
        [
            "Children stay safe, healthy and recover from abuse and neglect",
            "Health needs of looked after children are assessed in good time",
            "By 30 September 2020 50% of looked after children have an initial health "
            "assessment within 4 weeks; 75% by 30 Sep 2021",
            "• Multi-agency workshop by 30 Nov 2019\n• Improvement charter to the Corporate "
            "Parenting Improvement Group in Dec 2019",
            "ICS Board Chair & Corporate Parenting Improvement Group Chair",
            "Sept 2020: CPC – audit programme agreed (Amber)\nCSW – health team recruited",
        ],
        [
            "",
            "",
            "Quality Assurance Framework implemented by 31-10-19",
            "Percentage of audits graded good or better",
            "CPC Chair; IJB Chief Officer and Chief Social Work Officer",
            "RAG: Green",
        ],
        header,  # the header printed again where Word broke the table
        [
            "1. Care leavers keep in touch\n2. Disabled young people move well into adult services",
            "Contact is kept after young people leave care",
            "Keep contact with care leavers and show it in engagement data",
            "Number of care leavers in touch",
            "Chief Officer – Business Intelligence Unit",
            "31/03/2020 – Police Scotland: data sharing agreed",
        ],
    ]
    table = document.add_table(rows=1 + len(rows), cols=6)
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for r, row in enumerate(rows, start=1):
        for c, text in enumerate(row):
            cell = table.rows[r].cells[c]
            paragraphs = text.split("\n")
            cell.text = paragraphs[0]
            for extra in paragraphs[1:]:
                cell.add_paragraph(extra)
    # The first outcome and its driver span two rows, as merged cells.
    table.cell(1, 0).merge(table.cell(2, 0))
    table.cell(1, 1).merge(table.cell(2, 1))
    for col in (0, 1):  # merging joins the texts; the real document had only the first
        cell = table.cell(1, col)
        for paragraph in cell.paragraphs[1:]:
            paragraph._element.getparent().remove(paragraph._element)
    stream = io.BytesIO()
    document.save(stream)
    return stream.getvalue()


RIVERSIDE: dict[str, Any] = {
    "outcomes": [
        {
            "title": "Children stay safe, healthy and recover from abuse and neglect",
            "drivers": [
                {
                    "title": "Health needs of looked after children are assessed in good time",
                    "actions": [
                        {
                            "title": "By 30 September 2020 50% of looked after children have an "
                            "initial health assessment within 4 weeks; 75% by 30 Sep 2021",
                            "measures": [],
                            "targets": [
                                {"value": 50, "unit": "%", "date": "2020-09-30"},
                                {"value": 75, "unit": "%", "date": "2021-09-30"},
                            ],
                            "milestones": [
                                {"title": "Multi-agency workshop", "due": "2019-11-30"},
                                {
                                    "title": "Improvement charter to the Corporate Parenting "
                                    "Improvement Group",
                                    "due": "2019-12-31",
                                },
                            ],
                            "leads": [
                                "ICS Board Chair",
                                "Corporate Parenting Improvement Group Chair",
                            ],
                            "updates": [
                                {
                                    "date": "2020-09-30",
                                    "text": "CPC – audit programme agreed",
                                    "rag": "amber",
                                },
                                {
                                    "date": "2020-09-30",
                                    "text": "CSW – health team recruited",
                                    "rag": None,
                                },
                            ],
                        },
                        {
                            "title": "Quality Assurance Framework implemented by 31-10-19",
                            "measures": ["Percentage of audits graded good or better"],
                            "targets": [],
                            "milestones": [
                                {
                                    "title": "Quality Assurance Framework implemented",
                                    "due": "2019-10-31",
                                }
                            ],
                            "leads": [
                                "CPC Chair",
                                "IJB Chief Officer",
                                "Chief Social Work Officer",
                            ],
                            "updates": [{"date": None, "text": "", "rag": "green"}],
                        },
                    ],
                }
            ],
        },
        {
            "title": "Care leavers keep in touch",
            "drivers": [
                {
                    "title": "Contact is kept after young people leave care",
                    "actions": [
                        {
                            "title": "Keep contact with care leavers and show it in "
                            "engagement data",
                            "measures": ["Number of care leavers in touch"],
                            "targets": [],
                            "milestones": [],
                            "leads": ["Chief Officer – Business Intelligence Unit"],
                            "updates": [
                                {
                                    "date": "2020-03-31",
                                    "text": "Police Scotland: data sharing agreed",
                                    "rag": None,
                                }
                            ],
                        }
                    ],
                }
            ],
        },
        {"title": "Disabled young people move well into adult services", "drivers": []},
    ],
}


def northshire_rows() -> list[list[Any]]:
    return [
        ["Northshire Children's Services Partnership – improvement plan", None, None],
        [],
        [
            "Area for improvement",
            "Action",
            "Success measure",
            "Lead officer",
            "Timescale",
            "RAG",
            "Update Q1 2020/21",
            "Update Q2 2020/21",
        ],
        [
            "Corporate parenting oversight",
            "Corporate parenting board meets quarterly",
            "Board minutes show challenge",
            "Head of Children's Services",
            dt.datetime(2020, 12, 31),
            "A",
            "Board terms of reference agreed",
            "Two meetings held",
        ],
        [
            "Corporate parenting oversight",
            "Short breaks plans reviewed: 100% by 30 September 2020",
            None,
            "Service Manager, Disability",
            None,
            "Green",
            None,
            "All plans reviewed on time",
        ],
        [None, None, "Reviews recorded in the case system", None, None, None, None, None],
        [
            "Outcomes data for looked after children",
            "Data Summary report produced quarterly",
            "=SUM(1,2)",
            "BIU Manager",
            "Oct 2020",
            "Red",
            None,
            None,
        ],
    ]


def northshire_xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in northshire_rows():
        sheet.append(row)
    sheet["C7"].value = "=SUM(1,2)"  # a formula: never evaluated; no cached value, so empty
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def _action(title: str, **parts: Any) -> dict[str, Any]:
    return {
        "title": title,
        "measures": parts.get("measures", []),
        "targets": parts.get("targets", []),
        "milestones": parts.get("milestones", []),
        "leads": parts.get("leads", []),
        "updates": parts.get("updates", []),
    }


NORTHSHIRE: dict[str, Any] = {
    "outcomes": [
        {
            "title": "Corporate parenting oversight",
            "drivers": [
                {
                    "title": "Corporate parenting oversight",
                    "actions": [
                        _action(
                            "Corporate parenting board meets quarterly",
                            measures=["Board minutes show challenge"],
                            milestones=[
                                {
                                    "title": "Corporate parenting board meets quarterly",
                                    "due": "2020-12-31",
                                }
                            ],
                            leads=["Head of Children's Services"],
                            updates=[
                                {
                                    "date": "2020-06-30",
                                    "text": "Board terms of reference agreed",
                                    "rag": None,
                                },
                                {"date": "2020-09-30", "text": "Two meetings held", "rag": "amber"},
                            ],
                        ),
                        _action(
                            "Short breaks plans reviewed: 100% by 30 September 2020",
                            measures=["Reviews recorded in the case system"],
                            targets=[{"value": 100, "unit": "%", "date": "2020-09-30"}],
                            leads=["Service Manager, Disability"],
                            updates=[
                                {
                                    "date": "2020-09-30",
                                    "text": "All plans reviewed on time",
                                    "rag": "green",
                                }
                            ],
                        ),
                    ],
                }
            ],
        },
        {
            "title": "Outcomes data for looked after children",
            "drivers": [
                {
                    "title": "Outcomes data for looked after children",
                    "actions": [
                        _action(
                            "Data Summary report produced quarterly",
                            milestones=[
                                {
                                    "title": "Data Summary report produced quarterly",
                                    "due": "2020-10-31",
                                }
                            ],
                            leads=["BIU Manager"],
                            updates=[{"date": None, "text": "", "rag": "red"}],
                        )
                    ],
                }
            ],
        },
    ],
}


EASTVALE_ROWS = [
    (
        "Children are safe",
        "Children on the register are seen every week",
        "95% of children on the register seen face to face each week by 31 March 2021",
        "Weekly visits recorded",
        "Service Manager (Child Protection)",
        "June 2020: 95% seen during lockdown. Green",
    ),
    *[
        (
            "",
            "",
            f"Audit programme part {n} completed by 30 June 2021",
            f"Audit {n} report to the CPC",
            "CPC Chair",
            f"Audit {n} planned",
        )
        for n in range(1, 9)
    ],
    (
        "",
        "Leaders challenge variance",
        "Chief officers review the data summary each quarter",
        "Minutes of the chief officer group",
        "COG Chair",
        LONG_UPDATE,
    ),
]


def eastvale_html() -> str:
    head = "".join(
        f"<th>{h}</th>"
        for h in (
            "Outcome",
            "Key driver",
            "Improvement aim",
            "Measure",
            "Lead",
            "Progress",
        )
    )
    body = "".join(
        "<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in EASTVALE_ROWS
    )
    style = (
        "@page{size:A4 landscape;margin:1cm}body{font:10pt sans-serif}"
        "table{border-collapse:collapse;width:100%}td,th{border:1px solid #000;padding:3px;"
        "vertical-align:top}tr{break-inside:auto}"
        # A very tall last row, so it is cut by the page break.
        "tr:last-child td:last-child{font-size:10pt;line-height:90pt}"
    )
    return (
        f"<html><head><style>{style}</style></head><body><h1>Eastvale improvement plan</h1>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></body></html>"
    )


def eastvale_pdf() -> bytes:
    from weasyprint import HTML

    return bytes(HTML(string=eastvale_html()).write_pdf())


WESTMOOR_TEXT = """Westmoor Improvement Plan – outline

Outcome 1: Young people leaving care get the support they need
  Key driver 1.1: Aftercare is planned early
    Action 1.1.1: Pathway plans in place for every young person at 15
      Success measure: 90% of pathway plans in place by 31 March 2021
      Success measure: Pathway plan template agreed by 31-12-20
      Lead: Throughcare Team Manager and Aftercare Lead
      Progress update (September 2020): Template drafted with young people;
      consultation with the champions board under way.
      Status: Amber
    Action 1.1.2: Young people's views shape the service
      Lead: Participation Officer
Outcome 2: Families get help early
  Key driver 2.1: One front door for referrals
    Action 2.1.1: Single referral form used by all agencies by Oct 2020
"""

WESTMOOR: dict[str, Any] = {
    "outcomes": [
        {
            "title": "Young people leaving care get the support they need",
            "drivers": [
                {
                    "title": "Aftercare is planned early",
                    "actions": [
                        _action(
                            "Pathway plans in place for every young person at 15",
                            measures=["90% of pathway plans in place by 31 March 2021"],
                            targets=[{"value": 90, "unit": "%", "date": "2021-03-31"}],
                            milestones=[
                                {"title": "Pathway plan template agreed", "due": "2020-12-31"}
                            ],
                            leads=["Throughcare Team Manager", "Aftercare Lead"],
                            updates=[
                                {
                                    "date": "2020-09-30",
                                    "text": "Template drafted with young people; consultation "
                                    "with the champions board under way.",
                                    "rag": "amber",
                                }
                            ],
                        ),
                        _action(
                            "Young people's views shape the service",
                            leads=["Participation Officer"],
                        ),
                    ],
                }
            ],
        },
        {
            "title": "Families get help early",
            "drivers": [
                {
                    "title": "One front door for referrals",
                    "actions": [
                        _action(
                            "Single referral form used by all agencies by Oct 2020",
                            milestones=[
                                {
                                    "title": "Single referral form used by all agencies",
                                    "due": "2020-10-31",
                                }
                            ],
                        )
                    ],
                }
            ],
        },
    ],
}


def southdale_csv() -> bytes:
    stream = io.StringIO(newline="")
    writer = csv.writer(stream)
    writer.writerow(
        ["Ref", "Key driver", "Action", "Key improvement measure", "Lead", "Target date"]
    )
    writer.writerow(
        [
            "1",
            "Children’s voices are heard",
            "Advocacy offered to every child",
            "",
            "Children’s Rights Officer",
            "31.03.21",
        ]
    )
    writer.writerow(
        ["2", "", "Feedback réviewed £0 cost", "Number of children using advocacy", "", "31.03.21"]
    )
    return stream.getvalue().encode("cp1252")
