"""An adapter from England's SSDA903 children-looked-after return (the CSV layout of the DfE
validator and liiatools) to Trellis's case-level datasets (shared/DATA.md).

    report = convert_ssda903(source_folder, out_folder)

writes episodes.csv, reviews.csv, care_leavers.csv and care_leaver_contacts.csv (those it can
make) into `out`, in DATA.md's columns and codes with dates as YYYY-MM-DD and rows in the
SSDA903 files' order, and returns what it mapped, what it could not, and where each written
row came from. docs/ssda903.md sets out every rule and code table.

The written files hold raw child identifiers, like the SSDA903 files they come from: `out`
should be a temporary folder that is removed once the extract is loaded.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from trellis.casedata.problems import Problems
from trellis.casedata.ssda903.codes import NOT_USED_FILES, OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from trellis.casedata.ssda903.leavers import collection_year, convert_leavers
from trellis.casedata.ssda903.log import Log, plural, rows_listed
from trellis.casedata.ssda903.looked_after import (
    convert_episodes,
    convert_reviews,
    explain_health,
    header_repeats,
)
from trellis.casedata.ssda903.output import Dates, Output
from trellis.casedata.ssda903.source import Found, Table, find_files, read_table
from trellis.errors import Invalid

__all__ = ["ConversionReport", "convert_ssda903"]

_COLUMN_NAME = re.compile(r"[A-Z][A-Z0-9_ ]{0,39}")
_FILE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_ .-]{0,79}")


@dataclass
class ConversionReport:
    notes: list[str] = field(default_factory=list)  # each mapping rule used, with counts
    unmapped: list[str] = field(default_factory=list)  # what was not mapped, and why
    # (Trellis dataset, row, header = 1) -> (SSDA903 file name, row, header = 1)
    row_map: dict[tuple[str, int], tuple[str, int]] = field(default_factory=dict)
    written: dict[str, int] = field(default_factory=dict)  # dataset -> rows written

    def summary(self) -> dict[str, object]:
        """What the snapshot keeps of the conversion (no identifiers: see the tests)."""
        return {"layout": "SSDA903", "notes": self.notes, "unmapped": self.unmapped}


def convert_ssda903(source: Path, out: Path) -> ConversionReport:
    """Convert the SSDA903 CSV files in the folder `source` into Trellis dataset files in the
    empty (or not yet existing) folder `out`. Raises Invalid when either folder is unusable
    or `source` holds no SSDA903 file; anything wrong inside the files goes in the report."""
    _check_folders(source, out)
    found = find_files(source)
    used = [kind for kind in REQUIRED_COLUMNS if kind in found.files]
    if not used:
        raise Invalid(
            "The folder holds no SSDA903 file Trellis can use: name them header.csv, "
            "episodes.csv, reviews.csv, oc2.csv and oc3.csv."
        )
    out.mkdir(parents=True, exist_ok=True)
    problems = Problems()
    read = [read_table(found.files[kind], kind, problems) for kind in used]
    tables = {table.kind: table for table in read if table is not None}
    log = Log(frozenset(row.child() for table in tables.values() for row in table))
    _report_files(found, tables, problems, log)
    outputs = _convert(_usable(tables, log), log)
    return _write(outputs, out, log)


def _check_folders(source: Path, out: Path) -> None:
    if not source.is_dir():
        raise Invalid("The SSDA903 source must be a folder of CSV files.")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise Invalid("The output folder must be empty.")


def _convert(tables: dict[str, Table], log: Log) -> list[Output]:
    dates = Dates()
    header, episodes = tables.get("header"), tables.get("episodes")
    outputs: list[Output] = []
    if header is not None:
        header_repeats(header, log)
    if episodes is not None:
        outputs.append(convert_episodes(episodes, header, dates, log))
    explain_health(episodes, tables.get("oc2"), log)
    if "reviews" in tables:
        outputs.append(convert_reviews(tables["reviews"], dates, log))
    if "oc3" in tables:
        year = collection_year(episodes, log)
        outputs.extend(convert_leavers(tables["oc3"], episodes, year, dates, log))
    dates.report(log)
    return outputs


def _write(outputs: list[Output], out: Path, log: Log) -> ConversionReport:
    report = ConversionReport()
    for output in outputs:
        if not output.rows:
            log.unmap(f"{output.dataset}.csv not written: no row could be made")
            continue
        report.row_map.update(output.write(out))
        report.written[output.dataset] = len(output.rows)
    report.notes, report.unmapped = log.notes, log.unmapped
    return report


def _report_files(found: Found, tables: dict[str, Table], problems: Problems, log: Log) -> None:
    for kind, table in tables.items():
        log.note(f"read {table.file} as SSDA903 {kind} ({plural(len(table.rows), 'row')})")
    for kind, what in NOT_USED_FILES.items():
        if kind in found.files:
            log.unmap(f"{found.files[kind].name} not used: Trellis has no dataset for {what}")
    for name in found.unknown:
        log.unmap(f"{_file_name(name, log)} ignored: not an SSDA903 CSV file name")
    for name in found.repeated:
        log.unmap(f"{_file_name(name, log)} ignored: a file of the same kind was read already")
    unread: dict[tuple[str, str], list[int]] = defaultdict(list)
    for problem in problems.errors():  # their messages never hold a cell's value
        unread[(problem.file, problem.message)].extend([problem.row] if problem.row else [])
    for (file, message), rows in unread.items():
        where = f" ({rows_listed(rows)})" if rows else ""
        log.unmap(f"{_file_name(file, log)}{where}: {message}")


def _usable(tables: dict[str, Table], log: Log) -> dict[str, Table]:
    """The tables that have the columns they need; the columns not used are listed."""
    usable: dict[str, Table] = {}
    for kind, table in tables.items():
        missing = [c for c in REQUIRED_COLUMNS[kind] if c not in table.columns]
        if missing:
            log.unmap(f"{table.file} not used: it has no column {', '.join(missing)}")
            continue
        usable[kind] = table
        known = REQUIRED_COLUMNS[kind] + OPTIONAL_COLUMNS.get(kind, ())
        unused = [_column_name(c, log) for c in table.columns if c not in known]
        if unused:
            log.unmap(f"{table.file} columns not used: {', '.join(unused)}")
    return usable


def _column_name(name: str, log: Log) -> str:
    """A header cell as the report may show it: a file without a header row has data there."""
    if _COLUMN_NAME.fullmatch(name) and name not in log.identifiers:
        return name
    return "(a column not shown)"


def _file_name(name: str, log: Log) -> str:
    stem = name.rpartition(".")[0] or name
    if _FILE_NAME.fullmatch(name) and stem.strip().upper() not in log.identifiers:
        return name
    return "(a file whose name is not shown)"
