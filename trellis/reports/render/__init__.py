"""Renderers: a `Document` to the bytes of one format. Each reads the document only; none
queries the database or decides what to show (docs/reports.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from trellis.reports.document import Document


@dataclass(frozen=True)
class Format:
    name: str
    label: str
    extension: str
    content_type: str
    render: Callable[[Document], bytes]


def _formats() -> dict[str, Format]:
    from trellis.reports.render.docx import render_docx
    from trellis.reports.render.html import render_html
    from trellis.reports.render.pdf import render_pdf
    from trellis.reports.render.xlsx import render_xlsx

    return {
        f.name: f
        for f in (
            Format(
                "docx",
                "Word",
                "docx",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                render_docx,
            ),
            Format("pdf", "PDF", "pdf", "application/pdf", render_pdf),
            Format(
                "xlsx",
                "Excel",
                "xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                render_xlsx,
            ),
            Format("html", "Web page", "html", "text/html; charset=utf-8", render_html),
        )
    }


FORMAT_NAMES = ("docx", "pdf", "xlsx", "html")


def get_format(name: str) -> Format:
    """The format by name; KeyError for an unknown one."""
    return _formats()[name]


def render(document: Document, name: str) -> bytes:
    return get_format(name).render(document)
