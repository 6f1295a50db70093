"""A report as plain data: what every report builder produces and every renderer reads.

A builder (registered by name in `trellis.reports.registry.REPORTS`) takes a
`registry.ReportRequest` (plan, period, the viewer's disclosure thresholds, the date) and
returns a `Document`. It does all the database work and all the judging: which figures are
shown, which are suppressed, what a chart says in words. The result holds no model instances
and no lazy querysets, only strings, numbers and the frozen dataclasses below, so it can be
rendered to Word, PDF, Excel and HTML in turn and every format shows the same numbers.

A renderer (`trellis.reports.render`) walks `Document.blocks` in order and turns each kind
of block into its format's nearest equivalent: a `Section` into a heading at its level, a
`Table` into a real table with a repeated header row, a `ChartBlock` into an image (Word),
inline SVG (PDF, HTML) or its data (Excel), and so on. Renderers never decide what to show;
a new format is one renderer, a new section is one builder change.

Disclosure control happens in the builder: a figure about children that the reader may not
see becomes `Cell.hidden()`, which keeps no number at all, so no renderer can leak it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from trellis.core.disclosure import SUPPRESSED, Shown


@dataclass(frozen=True)
class Cell:
    """One table cell. `text` is what is shown; `value` is the number behind it (so Excel can
    store a number and tests can compare formats), None for words or a blank. A suppressed
    cell has neither: its text is the GSS mark "[c]". `rag` names a status for styling only
    (the words are always in `text`)."""

    text: str
    value: float | None = None
    suppressed: bool = False
    rag: str = ""

    @classmethod
    def hidden(cls) -> Cell:
        return cls(SUPPRESSED, None, True)

    @classmethod
    def number(cls, value: float | None, text: str) -> Cell:
        return cls(text, value)

    @classmethod
    def shown(cls, shown: Shown, text: str) -> Cell:
        """A figure after disclosure control: the mark when suppressed, else `text`."""
        return cls.hidden() if shown.suppressed else cls(text, shown.value)


def cells(*texts: str) -> tuple[Cell, ...]:
    """A row of plain text cells."""
    return tuple(Cell(text) for text in texts)


@dataclass(frozen=True)
class Paragraph:
    text: str
    style: str = ""  # "" body text, "lead" a larger opening line, "small" a note


@dataclass(frozen=True)
class BulletList:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A table with one or more header rows (the last is the column headings) and body rows.
    `name` is a short title used as an Excel sheet name and a caption; `filterable` asks
    spreadsheet renderers for an autofilter; `widths` are relative column widths (optional,
    one per column)."""

    name: str
    header: tuple[tuple[Cell, ...], ...]
    rows: tuple[tuple[Cell, ...], ...]
    caption: str = ""
    filterable: bool = False
    widths: tuple[float, ...] = ()
    own_sheet: bool = False  # Excel: put this table on its own sheet, named `name`

    @property
    def columns(self) -> int:
        return len(self.header[-1]) if self.header else len(self.rows[0]) if self.rows else 0


@dataclass(frozen=True)
class ChartBlock:
    """A chart: `svg` from `trellis.measures.charts.render_svg` (already disclosure-safe),
    `alt` a short text alternative (the chart's one-line summary), `caption` shown under
    it, `description` the longer text summary, and `data` the figures it is drawn from."""

    title: str
    svg: str
    alt: str
    caption: str
    description: str
    data: Table


@dataclass(frozen=True)
class Summary:
    """Key-value pairs (a definition list in HTML, a two-column table elsewhere)."""

    items: tuple[tuple[str, Cell], ...]


@dataclass(frozen=True)
class PageBreak:
    """Start a new page in paged formats; ignored by Excel and the web page."""


@dataclass(frozen=True)
class Section:
    """A heading at `level` (1 = a chapter, 2 and 3 below it) and what follows it, which may
    include sections one level down. `anchor` is a stable id for links and the contents."""

    heading: str
    level: int
    blocks: tuple[Block, ...]
    anchor: str = ""
    in_contents: bool = True


Block = Paragraph | BulletList | Table | ChartBlock | Summary | PageBreak | Section


@dataclass(frozen=True)
class Document:
    """A whole report. `metadata` carries key facts shown on the cover and stored in the
    file's properties (e.g. "Plan", "Period", "Issued"); `kind` is the registry name."""

    kind: str
    title: str
    subtitle: str
    blocks: tuple[Block, ...]
    metadata: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    protective_marking: str = "OFFICIAL"

    def sections(self) -> Iterator[Section]:
        """Every section, depth first, in reading order (for tables of contents)."""
        yield from _sections(self.blocks)

    def tables(self) -> Iterator[Table]:
        """Every table, including each chart's data table, in reading order."""
        yield from _tables(self.blocks)

    def charts(self) -> Iterator[ChartBlock]:
        yield from (b for b in _walk(self.blocks) if isinstance(b, ChartBlock))


def _walk(blocks: Sequence[Block]) -> Iterator[Block]:
    for block in blocks:
        yield block
        if isinstance(block, Section):
            yield from _walk(block.blocks)


def _sections(blocks: Sequence[Block]) -> Iterator[Section]:
    yield from (b for b in _walk(blocks) if isinstance(b, Section))


def _tables(blocks: Sequence[Block]) -> Iterator[Table]:
    for block in _walk(blocks):
        if isinstance(block, Table):
            yield block
        elif isinstance(block, ChartBlock):
            yield block.data
