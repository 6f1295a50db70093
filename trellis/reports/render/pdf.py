"""A `Document` as a tagged PDF: WeasyPrint lays out the print HTML (render/html.py).

`pdf_tags=True` tags headings, lists, tables and figures; each chart is its SVG given as an
image with the chart's text alternative as `alt` (render/html.py: chart_image), so it is
drawn as vectors and tagged as a figure with that alternative. The contents' page numbers
come from `target-counter()` in the print CSS; the footer numbers every page but the cover.
"""

from __future__ import annotations

from weasyprint import HTML

from trellis.reports.document import Document
from trellis.reports.render.html import page


def render_pdf(document: Document) -> bytes:
    html = HTML(string=page(document, for_pdf=True), base_url=None)
    pdf: bytes = html.write_pdf(pdf_tags=True)
    return pdf
