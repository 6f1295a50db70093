"""Plain text: pasted from a PDF or a document, in one of three shapes.

- Tab-separated: each line a row, cells split at tabs.
- Aligned columns (a PDF's text as laid out): cells split at runs of two or more spaces and
  put in the column whose heading starts nearest to the left of them.
- Outline: labelled lines ("Outcome 1: ...", "Key driver: ...", "Lead: ..."), each label a
  column; a line without a label continues the one above.

Pages are split at form feeds and at "Page 3 of 7" lines, so the builder knows where a
page break may have cut a row.
"""

from __future__ import annotations

import re

from trellis.transfer.headings import HIERARCHY, field_for, find_header
from trellis.transfer.readers import MAX_ROWS, ReadError, Tables

_PAGE_LINE = re.compile(r"^\s*(?:page\s+\d+(?:\s+of\s+\d+)?|-\s*\d+\s*-|\d+\s*/\s*\d+)\s*$", re.I)
_LABEL = re.compile(
    r"^\s*(?:[-•*]\s*)?(?:\d+(?:\.\d+)*[.)]?\s+)?"
    r"(?P<label>[A-Za-z][A-Za-z0-9 ()/&'’,-]{0,60}?)\s*(?:\d+(?:\.\d+)*)?\s*(?::|\s[–—]|\s-)\s*"
    r"(?P<value>.*)$"
)
_GAP = re.compile(r"\S+(?: \S+)*")


def read_text(text: str, *, wrapped: bool = True) -> Tables:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    pages = _pages(text)
    lines = [line for page in pages for line in page]
    if len(lines) > MAX_ROWS:
        raise ReadError("too-many-rows", f"The text has more than {MAX_ROWS:,} lines.")
    if not any(line.strip() for line in lines):
        raise ReadError("empty-file", "There is no text to read.")
    if _is_outline(lines):
        return Tables([_outline(lines)], wrapped=True)
    tabbed = [line for line in lines if line.strip()]
    if sum("\t" in line for line in tabbed) * 2 >= len(tabbed):
        return Tables([[line.split("\t") for line in page] for page in pages], wrapped=wrapped)
    return Tables(_aligned(pages), wrapped=True)


def _pages(text: str) -> list[list[str]]:
    pages: list[list[str]] = [[]]
    for chunk in text.split("\f"):
        if pages[-1]:
            pages.append([])
        for line in chunk.split("\n"):
            if _PAGE_LINE.match(line):
                if pages[-1]:
                    pages.append([])
                continue
            pages[-1].append(line.rstrip())
    return [page for page in pages if any(line.strip() for line in page)]


def _label_field(line: str) -> tuple[str, str, str] | None:
    match = _LABEL.match(line)
    if match is None:
        return None
    label = " ".join(match.group("label").split())
    if len(label.split()) > 6:
        return None
    field = field_for(label)
    return (label, field, match.group("value")) if field else None


def _is_outline(lines: list[str]) -> bool:
    fields = [f[1] for f in map(_label_field, lines) if f is not None]
    return len({f for f in fields if f in HIERARCHY}) >= 2 and len(fields) >= 3


def _outline(lines: list[str]) -> list[list[str]]:
    """Each labelled line a row with its value in its label's column."""
    labels: list[str] = []
    rows: list[tuple[int, list[str]]] = []
    for line in lines:
        if not line.strip():
            continue
        found = _label_field(line)
        if found is None:
            if rows:
                values = rows[-1][1]
                values[0] = f"{values[0]}\n{line.strip()}".strip()
            continue
        label, _, value = found
        key = next((existing for existing in labels if existing.lower() == label.lower()), None)
        if key is None:
            labels.append(label)
            key = label
        rows.append((labels.index(key), [value.strip()]))
    width = len(labels)
    table = [labels]
    for column, values in rows:
        cells = [""] * width
        cells[column] = values[0]
        table.append(cells)
    return table


def _aligned(pages: list[list[str]]) -> list[list[list[str]]]:
    """Columns at the header's positions; each line a row."""
    first = [line for page in pages for line in page]
    chunks = [_chunks(line) for line in first]
    index = find_header([[text for _, text in row] for row in chunks], look=40)
    if index is None:
        raise ReadError("no-header", _NO_HEADER)
    starts = [start for start, _ in chunks[index]]
    tables: list[list[list[str]]] = []
    for page in pages:
        table = []
        for line in page:
            if line.strip():
                table.append(_place(_chunks(line), starts))
        tables.append(table)
    return tables


def _chunks(line: str) -> list[tuple[int, str]]:
    """Runs of text separated by two or more spaces, with where each starts."""
    line = line.replace("\t", "    ")
    return [(m.start(), m.group()) for m in _GAP.finditer(line)]


def _place(chunks: list[tuple[int, str]], starts: list[int]) -> list[str]:
    cells = [""] * len(starts)
    for start, text in chunks:
        column = max((i for i, s in enumerate(starts) if s <= start + 2), default=0)
        cells[column] = f"{cells[column]} {text}".strip()
    return cells


_NO_HEADER = (
    "No row of headings was found in the text. Keep the heading line (for example "
    "'Outcome  Key driver  Action ...') when you copy the plan."
)
