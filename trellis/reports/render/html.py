"""A `Document` as one self-contained, print-styled HTML page (its CSS inline, its charts
inline SVG), used as the web page and as WeasyPrint's input for the PDF.

The page is a plain document: a `<main>` with the cover, a table of contents linking to
every level-1 and level-2 heading, then the blocks in order. In print (and so in the PDF)
the contents show page numbers with `target-counter`, each page is numbered in its footer,
and tables repeat their header row on every page.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

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
from trellis.reports.render.style import PRINT_CSS
from trellis.safehtml import joined

WIDE = 5  # a table of more columns is printed on landscape pages


def render_html(document: Document) -> bytes:
    return page(document).encode("utf-8")


def page(document: Document, *, for_pdf: bool = False) -> str:
    head = format_html(
        '<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>{} – {}</title>{}<style>{}</style></head>",
        document.title,
        document.subtitle,
        _meta(document),
        mark_safe(PRINT_CSS),  # noqa: S308 - our own constant
    )
    marking = format_html('<p class="marking">{}</p>', document.protective_marking)
    body = format_html(
        '<body{}>{}<main id="content">{}{}{}</main>{}</body></html>',
        mark_safe(' class="pdf"') if for_pdf else "",
        marking,
        cover(document),
        contents(document),
        blocks(document.blocks, for_pdf=for_pdf),
        marking,
    )
    return head + body


def _meta(document: Document) -> SafeString:
    return format_html_join(
        "",
        '<meta name="{}" content="{}">',
        (
            ("author", dict(document.metadata).get(_("Prepared by"), "")),
            ("description", document.subtitle),
        ),
    )


def cover(document: Document) -> SafeString:
    facts = format_html_join("", "<div><dt>{}</dt><dd>{}</dd></div>", document.metadata)
    return format_html(
        '<header class="cover"><p class="kicker">{}</p><h1>{}</h1>'
        '<p class="subtitle">{}</p><dl class="facts">{}</dl></header>',
        _("Report"),
        document.title,
        document.subtitle,
        facts,
    )


def contents(document: Document) -> SafeString:
    items = format_html_join(
        "",
        '<li class="toc-{}"><a href="#{}">{}</a></li>',
        (
            (s.level, s.anchor, s.heading)
            for s in document.sections()
            if s.anchor and s.in_contents and s.level <= 2
        ),
    )
    return format_html(
        '<nav class="toc" aria-labelledby="toc-heading"><h2 id="toc-heading">{}</h2>'
        "<ol>{}</ol></nav>",
        _("Contents"),
        items,
    )


def blocks(items: Iterable[Block], *, for_pdf: bool = False) -> SafeString:
    return joined(block(b, for_pdf=for_pdf) for b in items)


def block(item: Block, *, for_pdf: bool = False) -> str:
    if isinstance(item, Section):
        level = min(item.level + 1, 6)  # the document title is the h1
        anchor = format_html(' id="{}"', item.anchor) if item.anchor else ""
        return format_html(
            '<section class="level-{}{}"><h{}{}>{}</h{}>{}</section>',
            item.level,
            " landscape" if has_wide_table(item) else "",
            level,
            anchor,
            item.heading,
            level,
            blocks(item.blocks, for_pdf=for_pdf),
        )
    if isinstance(item, Paragraph):
        return format_html('<p class="{}">{}</p>', item.style or "body", item.text)
    if isinstance(item, BulletList):
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((i,) for i in item.items))
        )
    if isinstance(item, Table):
        return table(item)
    if isinstance(item, ChartBlock):
        return chart(item, for_pdf=for_pdf)
    if isinstance(item, Summary):
        return format_html(
            '<dl class="summary">{}</dl>',
            joined(
                format_html("<div><dt>{}</dt><dd>{}</dd></div>", label, cell_content(value))
                for label, value in item.items
            ),
        )
    if isinstance(item, PageBreak):
        return '<div class="page-break"></div>'
    raise TypeError(f"no HTML for {type(item).__name__}")


def has_wide_table(section: Section) -> bool:
    """Whether the section holds a table too wide for a portrait page (printed landscape)."""
    return any(isinstance(b, Table) and b.columns > WIDE for b in section.blocks)


def cell_content(cell: Cell) -> SafeString:
    if cell.suppressed:
        return format_html(
            '<span class="suppressed" title="{}">{}</span>',
            _("Withheld to protect children's privacy"),
            cell.text,
        )
    if cell.rag:
        return format_html('<span class="rag rag-{}">{}</span>', cell.rag, cell.text)
    return escape(cell.text)


def table(item: Table) -> str:
    head = joined(
        format_html(
            "<tr>{}</tr>",
            format_html_join("", '<th scope="col">{}</th>', ((c.text,) for c in row)),
        )
        for row in item.header
    )
    body = joined(
        format_html(
            "<tr>{}</tr>",
            joined(
                format_html('<td class="{}">{}</td>', _cell_class(c), cell_content(c)) for c in row
            ),
        )
        for row in item.rows
    )
    caption = item.caption or item.name
    return format_html(
        '<table class="{}"><caption>{}</caption>{}<thead>{}</thead><tbody>{}</tbody></table>',
        "wide" if item.columns > WIDE else "narrow",
        caption,
        _columns(item),
        head,
        body,
    )


def _columns(item: Table) -> SafeString:
    """Column widths as shares of the table, so the layout is fixed (and fast in print)."""
    widths = item.widths or tuple(1.0 for _ in range(item.columns))
    if len(widths) != item.columns or not widths:
        return SafeString("")
    total = sum(widths)
    shares = (max(1, min(100, round(100 * w / total))) for w in widths)
    return format_html(
        "<colgroup>{}</colgroup>", format_html_join("", '<col class="w{}">', ((n,) for n in shares))
    )


def _cell_class(cell: Cell) -> str:
    return "num" if cell.value is not None or cell.suppressed else "text"


def chart(item: ChartBlock, *, for_pdf: bool = False) -> str:
    return format_html(
        '<figure class="chart">{}<figcaption>{}</figcaption></figure>'
        '<div class="chart-data">{}</div>',
        chart_image(item) if for_pdf else mark_safe(item.svg),  # noqa: S308 - built by charts
        item.caption,
        mark_safe(table(item.data)),  # noqa: S308 - escaped in table()
    )


def chart_image(item: ChartBlock) -> SafeString:
    """The chart for WeasyPrint: the same SVG as an image with the text alternative as its
    `alt`. Inline, each of the chart's elements would also be parsed and styled as part of
    the page before WeasyPrint draws it as SVG; as an image it is read once, by WeasyPrint's
    SVG reader, and still drawn as vectors with real text and tagged as a figure."""
    data = base64.b64encode(item.svg.encode("utf-8")).decode("ascii")
    return format_html(
        '<img class="chart" src="data:image/svg+xml;base64,{}" alt="{}">', data, item.alt
    )
