"""The importer's front door: a file's bytes (or pasted text) to a grid, a guessed mapping
and the draft plan they make. Pure apart from reading the bytes; nothing is saved here."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from trellis.transfer.build import build
from trellis.transfer.draft import Grid, PlanDraft
from trellis.transfer.headings import FIELDS, guess_mapping
from trellis.transfer.readers import ReadError, format_of, grid_of, read_tables
from trellis.transfer.readers_text import read_text


@dataclass
class Parsed:
    grid: Grid
    mapping: list[str | None]
    source_format: str

    def draft(self) -> PlanDraft:
        return build(self.grid, self.mapping)


def parse_file(data: bytes, name: str) -> Parsed:
    """Read a plan file of any supported format. ReadError when it cannot be read."""
    fmt = format_of(name, data)
    if fmt == "json":
        from trellis.transfer.exporting import grid_from_export

        try:
            document = json.loads(data.decode("utf-8-sig"))
        # RecursionError: arrays nested deeper than the parser's stack (a hostile file).
        except (UnicodeError, ValueError, RecursionError) as error:
            raise ReadError("unreadable-json", _BAD_JSON) from error
        grid = grid_from_export(document)
    else:
        grid = grid_of(read_tables(data, name, fmt))
    return Parsed(grid, guess_mapping(grid.header), fmt)


def parse_text(text: str) -> Parsed:
    """Text pasted into the import page: tab-separated, aligned columns or an outline."""
    grid = grid_of(read_text(text))
    return Parsed(grid, guess_mapping(grid.header), "text")


def checked_mapping(mapping: Sequence[str | None], width: int) -> list[str | None]:
    """A mapping from a form or the command line: known fields only, one per column."""
    cleaned = [m if m in FIELDS else None for m in mapping][:width]
    return cleaned + [None] * (width - len(cleaned))


_BAD_JSON = "The file is not a Trellis plan export in JSON. Export the plan from Trellis again."
