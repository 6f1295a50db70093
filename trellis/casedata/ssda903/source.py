"""Finding and reading the SSDA903 CSV files of a folder, and reading their dates.

Files are read with Trellis's own CSV reader (trellis.casedata.reading_csv), so an SSDA903
file is decoded like any upload: UTF-8 with or without BOM, cp1252 or UTF-16, with `,`, `;` or
tab. Column names are matched after trimming and upper-casing. Values stay text; identifiers
are only ever compared, never shown.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from trellis.casedata.problems import Problems
from trellis.casedata.reading import ROW, Source
from trellis.casedata.reading_csv import read_csv
from trellis.casedata.schema import Dataset
from trellis.casedata.ssda903.codes import FILE_KINDS

# Day and month may lack a leading zero once Excel has saved the file; a midnight time, as
# some exports add, is allowed and dropped.
_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?: 00:00(?::00)?)?")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?")


@dataclass(frozen=True)
class Row:
    number: int  # as the user counts it: header = 1
    values: dict[str, str]  # by upper-cased column name, trimmed

    def get(self, column: str) -> str:
        return self.values.get(column, "")

    def code(self, column: str) -> str:
        return self.get(column).upper()

    def child(self) -> str:
        """The key a child is matched on across files (as Trellis pseudonymises it)."""
        return self.get("CHILD").upper()


@dataclass(frozen=True)
class Table:
    file: str  # the file's name as the user gave it
    kind: str  # header, episodes, ...
    columns: tuple[str, ...]  # upper-cased, in the file's order
    rows: list[Row]

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)


@dataclass(frozen=True)
class Found:
    files: dict[str, Path]  # kind -> file
    unknown: list[str]  # names of files that are no SSDA903 file's
    repeated: list[str]  # names of second files of a kind already found


def find_files(folder: Path) -> Found:
    files: dict[str, Path] = {}
    unknown: list[str] = []
    repeated: list[str] = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if path.name.startswith((".", "~$")) or not path.is_file():
            continue  # hidden files, Excel lock files, subfolders
        stem, dot, ext = path.name.rpartition(".")
        kind = FILE_KINDS.get(stem.strip().lower()) if dot and ext.lower() == "csv" else None
        if kind is None:
            unknown.append(path.name)
        elif kind in files:
            repeated.append(path.name)
        else:
            files[kind] = path
    return Found(files, unknown, repeated)


def read_table(path: Path, kind: str, problems: Problems) -> Table | None:
    """The file's rows, or None when it cannot be read at all (the reason is in problems)."""
    source = Source(path.name, lambda: path.open("rb"))
    raw = read_csv(source, Dataset(f"ssda903-{kind}", ()), problems)
    if raw is None:
        return None
    columns = [name.strip().upper() for name in raw.header]
    first = {name: f"c{i}" for i, name in reversed(list(enumerate(columns)))}
    rows = [
        Row(record[ROW], {name: (record[c] or "").strip() for name, c in first.items()})
        for record in raw.table.to_pylist()
    ]
    return Table(path.name, kind, tuple(dict.fromkeys(columns)), rows)


def parse_date(text: str) -> dt.date | None:
    """A DD/MM/YYYY (SSDA903) or YYYY-MM-DD date, or None when it is neither or no real day."""
    text = text.strip()
    if match := _UK_DATE.fullmatch(text):
        day, month, year = (int(part) for part in match.groups())
    elif match := _ISO_DATE.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    else:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def birthday(born: dt.date, year: int) -> dt.date:
    """The birthday in `year`; DATA.md: someone born on 29 February has it on 1 March."""
    if (born.month, born.day) == (2, 29):
        try:
            return dt.date(year, 2, 29)
        except ValueError:
            return dt.date(year, 3, 1)
    return born.replace(year=year)
