"""Read one CSV dataset file into text columns with pyarrow.csv, never into Python rows.

Decoding is decided once, in this order: a UTF-16 byte-order mark means UTF-16; otherwise
UTF-8 (a UTF-8 byte-order mark is dropped), and only if that fails cp1252, as Excel's
"CSV (Comma delimited)" writes it on UK Windows. NUL bytes mean the file is not text. The
delimiter is `,`, `;` or a tab, whichever the header line holds most of outside quotes.
Rows are parsed a block at a time, and parsing stops once past the row cap.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Callable
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from trellis.casedata.problems import PER_RULE_CAP, Problems, Severity
from trellis.casedata.reading import (
    ROW,
    LimitExceeded,
    RawTable,
    Source,
    head_of,
    max_rows,
    report_long_cells,
    too_many_rows,
)
from trellis.casedata.schema import Dataset

MAX_COLUMNS = 200
BLOCK_SIZE = 1 << 20  # bytes parsed at a time; pyarrow reads about 32 blocks ahead
DELIMITERS = (",", ";", "\t")
# Magic numbers of files that are often saved or renamed as .csv by mistake.
NOT_CSV = {
    b"PK\x03\x04": "This is a zip or Excel (.xlsx) file, not a CSV file.",
    b"\xd0\xcf\x11\xe0": "This is an old Excel (.xls) file, not a CSV file.",
    b"%PDF": "This is a PDF file, not a CSV file.",
}


class _BadEncoding(Exception):
    pass


class _TooManyRows(Exception):
    pass


def read_csv(source: Source, dataset: Dataset, problems: Problems) -> RawTable | None:
    cap = max_rows()
    try:
        return _read(source, dataset, problems, cap)
    except _TooManyRows:
        problems.error(source.name, None, None, "too-many-rows", too_many_rows(cap))
    except LimitExceeded:
        problems.error(source.name, None, None, "zip-bomb", _TOO_BIG)
    except (zipfile.BadZipFile, EOFError):
        problems.error(source.name, None, None, "unreadable-zip", _DAMAGED)
    except OSError:
        problems.error(source.name, None, None, "unreadable-file", _UNOPENABLE)
    except (_BadEncoding, UnicodeError):
        problems.error(source.name, None, None, "encoding", _ENCODING)
    except (pa.ArrowException, ValueError, csv.Error):
        problems.error(source.name, None, None, "unreadable-csv", _UNREADABLE)
    return None


def _read(source: Source, dataset: Dataset, problems: Problems, cap: int) -> RawTable | None:
    head = head_of(source)
    refusal = _refusal(head)
    if refusal is not None:
        problems.error(source.name, None, None, *refusal)
        return None
    encoding = _encoding(source, head)
    width, delimiter = _header_shape(head, encoding)
    if width > MAX_COLUMNS:
        problems.error(source.name, 1, None, "too-many-columns", _too_many_columns(width))
        return None
    table, skipped = _parse(source, encoding, delimiter, width, cap)
    raw = _raw_table(source, dataset, table, skipped, problems)
    if raw is not None:
        report_long_cells(raw, problems)
    return raw


def _refusal(head: bytes) -> tuple[str, str] | None:
    if not head.strip(b" \t\r\n\xef\xbb\xbf\xff\xfe\x00"):
        return ("empty-file", "The file is empty: it has no header row.")
    for magic, message in NOT_CSV.items():
        if head.startswith(magic):
            return ("not-text", message + " " + _SAVE_AS)
    if b"\x00" in head and not _is_utf16(head):
        return ("not-text", "This file is not text. " + _SAVE_AS)
    return None


def _is_utf16(head: bytes) -> bool:
    return head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))


def _encoding(source: Source, head: bytes) -> str:
    """UTF-16 by its byte-order mark; else UTF-8 if every byte decodes so; else cp1252 if every
    byte decodes so. Decided over the whole file, once, before parsing."""
    if _is_utf16(head):
        return "utf-16"
    for encoding in ("utf8", "cp1252"):
        if _decodes_as(source, encoding):
            return encoding
    raise _BadEncoding


def _decodes_as(source: Source, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with source.open() as stream:
            while chunk := stream.read(1 << 22):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _header_shape(head: bytes, encoding: str) -> tuple[int, str]:
    """How many fields the header has, and the delimiter it uses."""
    text = head.decode("utf-16" if encoding == "utf-16" else encoding, errors="replace")
    text = text.lstrip("\ufeff")
    first_line = text.split("\n", 1)[0]
    delimiter = max(DELIMITERS, key=lambda d: (_count_outside_quotes(first_line, d), d == ","))
    header = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
    return max(len(header), 1), delimiter


def _count_outside_quotes(line: str, char: str) -> int:
    return sum(part.count(char) for part in line.split('"')[::2])


def _parse(
    source: Source, encoding: str, delimiter: str, width: int, cap: int
) -> tuple[pa.Table, list[int]]:
    """All rows as strings (the header is the first), and the rows skipped for a wrong number
    of fields, numbered as the user counts them (pyarrow numbers them when single-threaded).
    Raises _TooManyRows as soon as a block takes the rows past the header beyond `cap`."""
    names = [f"c{i}" for i in range(width)]
    skipped: list[int] = []

    def skip_invalid(row: pacsv.InvalidRow) -> str:
        skipped.append(row.number)
        return "skip"

    batches, count = [], 0
    with source.open() as stream, _reader(stream, encoding, delimiter, names, skip_invalid) as rows:
        for batch in rows:
            batches.append(batch)
            count += batch.num_rows
            if count > cap + 1:  # the header is a row here
                raise _TooManyRows
        return pa.Table.from_batches(batches, schema=rows.schema), skipped


def _reader(
    stream: BinaryIO,
    encoding: str,
    delimiter: str,
    names: list[str],
    skip_invalid: Callable[[pacsv.InvalidRow], str],
) -> pacsv.CSVStreamingReader:
    return pacsv.open_csv(
        stream,
        read_options=pacsv.ReadOptions(
            column_names=names, encoding=encoding, use_threads=False, block_size=BLOCK_SIZE
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter,
            newlines_in_values=True,
            ignore_empty_lines=False,
            invalid_row_handler=skip_invalid,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


def _raw_table(
    source: Source, dataset: Dataset, table: pa.Table, skipped: list[int], problems: Problems
) -> RawTable | None:
    problems.add_rows(
        Severity.ERROR,
        file=source.name,
        rows=skipped[:PER_RULE_CAP],
        total=len(skipped),
        column=None,
        rule="field-count",
        message=_FIELD_COUNT,
    )
    if table.num_rows == 0:
        problems.error(source.name, None, None, "empty-file", "The file has no header row.")
        return None
    if _holds_nul(table):
        problems.error(source.name, None, None, "not-text", "This file is not text. " + _SAVE_AS)
        return None
    header = [str(v).strip() for v in table.slice(0, 1).to_pylist()[0].values()]
    rows = table.slice(1)
    numbers = _row_numbers(rows.num_rows, skipped)
    return RawTable(source.name, dataset, header, rows.append_column(ROW, numbers))


def _holds_nul(table: pa.Table) -> bool:
    return any(pc.any(pc.match_substring(col, "\x00")).as_py() for col in table.columns)


def _row_numbers(count: int, skipped: list[int]) -> pa.Array:
    """The user's row number of each row kept: header is row 1, skipped rows leave gaps."""
    if not skipped:
        return pa.array(range(2, count + 2), type=pa.int64())
    gone = set(skipped)
    numbers: list[int] = []
    row = 1
    while len(numbers) < count:
        row += 1
        if row not in gone:
            numbers.append(row)
    return pa.array(numbers, type=pa.int64())


def _too_many_columns(width: int) -> str:
    return f"The header has {width:,} columns; at most {MAX_COLUMNS} are accepted."


_SAVE_AS = "Save the data from Excel as 'CSV UTF-8 (Comma delimited)' or as a workbook (.xlsx)."
_ENCODING = (
    "The file's characters could not be read as UTF-8, Windows (cp1252) or UTF-16 text. " + _SAVE_AS
)
_UNREADABLE = "The file could not be read as CSV. " + _SAVE_AS
_FIELD_COUNT = (
    "This row has a different number of values from the header row, so it was not read. "
    "Check for a missing or extra delimiter or an unclosed quote."
)
_TOO_BIG = "This file unpacks to more than the zip declared or than the limit, so it was refused."
_UNOPENABLE = "The file could not be opened; check it is not open in another program."
_DAMAGED = "This file in the zip is damaged and could not be read. Make the zip again."
