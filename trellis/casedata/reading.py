"""Turn an uploaded extract (a folder, a zip, or one dataset file) into columns of text.

Each dataset file becomes a RawTable: the header as written and an Arrow table of string
columns c0, c1, ... with `__row`, the row as the user counts it (header = row 1). Types,
codes and rules are validation's business; this module only reads, safely:

- a zip is checked before anything is unpacked: no member path that climbs out (`../`,
  absolute, symlinks), at most ZIP_MAX_ENTRIES members, declared sizes within ZIP_MAX_TOTAL
  and ZIP_MAX_RATIO, and every member streamed through a byte cap (a lying header is caught).
  Members are read in memory, never unpacked to disk: they hold raw child identifiers.
- directories, `__MACOSX` and hidden files are ignored; a file that is no dataset's is warned.
- a dataset file holds at most TRELLIS_EXTRACT_MAX_ROWS rows after its header (the readers
  stop once past it) and no cell longer than MAX_CELL_CHARS, Excel's own limit.

Anything wrong with a file is a Problem; nothing here raises on hostile input.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, BinaryIO

from django.conf import settings

from trellis.casedata.problems import PER_RULE_CAP, Problems, Severity
from trellis.casedata.schema import DATASETS, Dataset

if TYPE_CHECKING:
    # Arrow is imported where it is used: the plan reader and the web pages need this
    # module's byte-level checks, not Arrow's 50 MB (docs/reliability.md, worker memory).
    import pyarrow as pa

ZIP_MAX_ENTRIES = 1000
ZIP_MAX_TOTAL = 2 * 1024**3  # bytes, all members unpacked
ZIP_MAX_RATIO = 100  # unpacked / packed, for members larger than ZIP_RATIO_FLOOR
ZIP_RATIO_FLOOR = 1024**2
READABLE = ("csv", "xlsx")
MAX_CELL_CHARS = 32_767  # Excel's own limit on a cell
DEFAULT_MAX_ROWS = 2_000_000  # TRELLIS_EXTRACT_MAX_ROWS where Django is not set up
ROW = "__row"


@dataclass(frozen=True)
class RawTable:
    file: str
    dataset: Dataset
    header: list[str]  # as written, trimmed; position i is column f"c{i}"
    table: pa.Table  # string columns c0..cN-1 and int64 __row


@dataclass(frozen=True)
class Source:
    """One file to read: a name to show in problems and a way to open its bytes."""

    name: str
    open: Callable[[], BinaryIO]


class LimitExceeded(Exception):
    """A stream gave more bytes than its cap: the zip declared less than it holds."""


class CappedReader(io.RawIOBase):
    """Pass a zip member's bytes through, refusing to give more than it declared. zipfile
    itself stops at the declared size (then fails the CRC check); this does not rely on it.
    As the declared sizes add up to at most ZIP_MAX_TOTAL, so do the bytes read in one pass."""

    def __init__(self, raw: IO[bytes], cap: int) -> None:
        self._raw = raw
        self._left = cap

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(buffer))
        self._left -= len(data)
        if self._left < 0:
            raise LimitExceeded
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()


def read_sources(path: Path, problems: Problems) -> list[RawTable]:
    """Every dataset file of the extract at `path`, read into text columns."""
    if path.is_dir():
        return _read_all(_folder_sources(path, problems), problems, path.name)
    if not path.is_file():
        problems.error(path.name, None, None, "not-found", "There is no file or folder here.")
        return []
    if path.suffix.lower() == ".zip":
        return _read_zip(path, problems)
    dataset = _dataset_or_problem(path.name, problems, single=True)
    if dataset is None:
        return []
    return _read_all([(dataset, Source(path.name, lambda: path.open("rb")))], problems, "")


def _read_all(
    sources: list[tuple[Dataset, Source]], problems: Problems, where: str
) -> list[RawTable]:
    if not sources and not problems.has_errors:
        problems.error(
            where or "extract",
            None,
            None,
            "no-datasets",
            "No dataset file was found. Name each file after its dataset, "
            "for example episodes.csv or episodes.xlsx.",
        )
    tables = []
    for dataset, source in sources:
        table = read_one(source, dataset, problems)
        if table is not None:
            tables.append(table)
    return tables


def read_one(source: Source, dataset: Dataset, problems: Problems) -> RawTable | None:
    # Imported here: both readers import RawTable and Source from this module.
    from trellis.casedata.reading_csv import read_csv
    from trellis.casedata.reading_xlsx import read_xlsx

    if source.name.lower().endswith(".xlsx"):
        return read_xlsx(source, dataset, problems)
    return read_csv(source, dataset, problems)


def _dataset_or_problem(
    name: str, problems: Problems, *, single: bool, basename: str | None = None
) -> Dataset | None:
    """The dataset a file is named after, or a problem (an error for a dataset's name in a
    format we cannot read; for other names an error when it is the only file, else a warning).
    `name` is shown in problems; `basename` (default: name) is matched."""
    stem, dot, ext = (basename or name).rpartition(".")
    dataset = DATASETS.get(stem.strip().lower()) if dot else None
    readable = ext.lower() in READABLE
    if dataset is not None and readable:
        return dataset
    if dataset is not None:
        problems.error(
            name,
            None,
            None,
            "file-type",
            "This file is named after a dataset but is not a .csv or .xlsx file. "
            "Save it as CSV or as an Excel workbook (.xlsx).",
        )
    elif single:
        problems.error(
            name,
            None,
            None,
            "unknown-dataset",
            "The file name is not a dataset's. Name it after its dataset, for example "
            "episodes.csv, and save it as .csv or .xlsx.",
        )
    else:
        problems.warn(
            name,
            None,
            None,
            "unknown-file",
            "This file is not named after a dataset, so it was ignored.",
        )
    return None


def _first_of_its_dataset(
    seen: dict[str, str], dataset: Dataset, name: str, problems: Problems
) -> bool:
    """True for the first file of a dataset; a second one is an error."""
    if dataset.name in seen:
        problems.error(
            name,
            None,
            None,
            "duplicate-dataset",
            f"The extract already has a file for {dataset.name} ({seen[dataset.name]}); "
            "give each dataset one file.",
        )
        return False
    seen[dataset.name] = name
    return True


def _folder_sources(folder: Path, problems: Problems) -> list[tuple[Dataset, Source]]:
    sources: list[tuple[Dataset, Source]] = []
    seen: dict[str, str] = {}
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if path.name.startswith((".", "~$")) or not path.is_file():
            continue  # hidden files, Excel lock files, subfolders
        dataset = _dataset_or_problem(path.name, problems, single=False)
        if dataset is not None and _first_of_its_dataset(seen, dataset, path.name, problems):
            sources.append((dataset, Source(path.name, _opener(path))))
    return sources


def _opener(path: Path) -> Callable[[], BinaryIO]:
    return lambda: path.open("rb")


def _read_zip(path: Path, problems: Problems) -> list[RawTable]:
    try:
        with zipfile.ZipFile(path) as archive:
            members = safe_members(archive.infolist(), problems, path.name)
            if members is None:
                return []
            sources = _zip_sources(archive, members, problems)
            return _read_all(sources, problems, path.name)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, LimitExceeded):
        problems.error(
            path.name,
            None,
            None,
            "unreadable-zip",
            "The zip file is damaged or uses a kind of compression that cannot be read. "
            "Make it again with your computer's own zip tool.",
        )
        return []


def safe_members(
    infos: list[zipfile.ZipInfo],
    problems: Problems,
    name: str,
    *,
    max_total: int = ZIP_MAX_TOTAL,
) -> list[zipfile.ZipInfo] | None:
    """The members worth reading, or None (with an error) when the zip must be refused whole."""
    if len(infos) > ZIP_MAX_ENTRIES:
        problems.error(name, None, None, "zip-too-many-files", _too_many(len(infos)))
        return None
    if sum(i.file_size for i in infos) > max_total or any(map(_ratio_too_high, infos)):
        problems.error(name, None, None, "zip-bomb", _ZIP_BOMB)
        return None
    if any(map(_climbs_out, infos)):
        problems.error(name, None, None, "zip-unsafe-path", _UNSAFE_PATH)
        return None
    return [i for i in infos if not _ignored(i)]


def _ratio_too_high(info: zipfile.ZipInfo) -> bool:
    if info.file_size <= ZIP_RATIO_FLOOR:
        return False
    return info.file_size > ZIP_MAX_RATIO * max(info.compress_size, 1)


def _climbs_out(info: zipfile.ZipInfo) -> bool:
    name = info.filename.replace("\\", "/")
    parts = PurePosixPath(name).parts
    drive = len(name) > 1 and name[1] == ":"
    symlink = (info.external_attr >> 16) & 0o170000 == 0o120000
    return name.startswith("/") or drive or ".." in parts or symlink


def _ignored(info: zipfile.ZipInfo) -> bool:
    parts = PurePosixPath(info.filename.replace("\\", "/")).parts
    hidden = bool(parts) and parts[-1].startswith((".", "~$"))
    return info.is_dir() or not parts or "__MACOSX" in parts or hidden


def _zip_sources(
    archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], problems: Problems
) -> list[tuple[Dataset, Source]]:
    sources: list[tuple[Dataset, Source]] = []
    seen: dict[str, str] = {}
    for info in sorted(members, key=lambda i: i.filename):
        if info.flag_bits & 0x1:
            problems.error(info.filename, None, None, "zip-encrypted", _ENCRYPTED)
            continue
        basename = PurePosixPath(info.filename.replace("\\", "/")).name
        dataset = _dataset_or_problem(info.filename, problems, single=False, basename=basename)
        if dataset is not None and _first_of_its_dataset(seen, dataset, info.filename, problems):
            sources.append((dataset, Source(info.filename, _member_opener(archive, info))))
    return sources


def _member_opener(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Callable[[], BinaryIO]:
    def open_member() -> BinaryIO:
        capped = CappedReader(archive.open(info), info.file_size)
        return io.BufferedReader(capped, buffer_size=1024**2)

    return open_member


def read_capped(source: Source, cap: int) -> bytes | None:
    """All of a source's bytes, or None when it holds more than `cap`."""
    with source.open() as stream:
        data = stream.read(cap + 1)
    return None if len(data) > cap else data


def head_of(source: Source, size: int = 65536) -> bytes:
    with source.open() as stream:
        return stream.read(size)


def max_rows() -> int:
    """The most rows a dataset file may hold after its header: TRELLIS_EXTRACT_MAX_ROWS, or
    its default where Django is not set up (the benchmarks call the readers directly)."""
    return int(settings.TRELLIS_EXTRACT_MAX_ROWS) if settings.configured else DEFAULT_MAX_ROWS


def too_many_rows(cap: int) -> str:
    return (
        f"The file has more than {cap:,} rows after the header row, the most accepted, so it "
        "was not read. Load fewer years, or ask your Trellis admin about the limit "
        "(TRELLIS_EXTRACT_MAX_ROWS)."
    )


def report_long_cells(raw: RawTable, problems: Problems) -> None:
    """Each cell longer than MAX_CELL_CHARS is an error naming its row and column, never its
    value (which may be a child's identifier)."""
    import pyarrow.compute as pc

    for i, name in enumerate(raw.header):
        column = name.strip()[:60] or None  # as unknown columns are shown
        if len(name) > MAX_CELL_CHARS:
            problems.error(raw.file, 1, column, "cell-too-long", _CELL_TOO_LONG)
        too_long = pc.greater(pc.utf8_length(raw.table[f"c{i}"]), MAX_CELL_CHARS)
        rows = raw.table[ROW].filter(too_long)
        if len(rows):
            problems.add_rows(
                Severity.ERROR,
                file=raw.file,
                rows=rows.slice(0, PER_RULE_CAP).to_pylist(),
                total=len(rows),
                column=column,
                rule="cell-too-long",
                message=_CELL_TOO_LONG,
            )


def _too_many(count: int) -> str:
    return (
        f"The zip holds {count:,} entries; at most {ZIP_MAX_ENTRIES:,} are accepted. "
        "Put only the dataset files in it."
    )


_ZIP_BOMB = (
    "The zip unpacks to far more than it holds (more than 2 GB in all, or a file more than "
    "100 times its packed size), so it was refused unread."
)
_UNSAFE_PATH = (
    "The zip holds a file whose path leads outside the zip (an absolute path, '..' or a "
    "link), so the zip was refused. Zip the dataset files again from their folder."
)
_ENCRYPTED = "This file in the zip is password-protected; zip it again without a password."
_CELL_TOO_LONG = (
    f"This cell holds more than {MAX_CELL_CHARS:,} characters, the most a spreadsheet cell can "
    "hold. Check the column's values are in the right place."
)
