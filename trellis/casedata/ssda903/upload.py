"""An SSDA903 return as it arrives, from the browser or the command line: a folder of its CSV
files, a zip of them, or a single CSV, converted into Trellis's datasets in a temporary
folder that is removed afterwards, since the converted files still hold raw identifiers.

    with converted(path) as (datasets, report):
        snapshot_create(source=datasets, ...)  # problems: report.map_back(...)
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from trellis.casedata.problems import Problem, Problems
from trellis.casedata.reading import CappedReader, LimitExceeded, safe_members
from trellis.casedata.ssda903 import ConversionReport, convert_ssda903
from trellis.errors import Invalid


@contextmanager
def converted(source: Path) -> Iterator[tuple[Path, ConversionReport]]:
    """The return at `source` as a folder of Trellis datasets, and what the conversion did.
    Raises Invalid when the source cannot be an SSDA903 return (the message says why)."""
    with tempfile.TemporaryDirectory(prefix="trellis-ssda903-") as scratch:
        folder = _as_folder(source, Path(scratch) / "return")
        out = Path(scratch) / "datasets"
        yield out, convert_ssda903(folder, out)


def map_back(problems: Sequence[Problem], report: ConversionReport) -> list[Problem]:
    """Problems named by the SSDA903 file and row the person gave, not the dataset's."""
    mapped = []
    for problem in problems:
        origin = report.row_map.get((Path(problem.file).stem, problem.row or 0))
        if origin is not None:
            problem = dataclasses.replace(problem, file=origin[0], row=origin[1])
        mapped.append(problem)
    return mapped


def _as_folder(source: Path, folder: Path) -> Path:
    if source.is_dir():
        return source
    folder.mkdir()
    if zipfile.is_zipfile(source):
        _unpack(source, folder)
    elif source.suffix.lower() == ".csv":
        shutil.copyfile(source, folder / source.name)
    else:
        raise Invalid("An SSDA903 return is a zip of its CSV files, or one of those files.")
    return folder


def _unpack(source: Path, folder: Path) -> None:
    """The zip's CSV files, by their own names, into `folder`; a zip that could hurt (a bomb,
    paths that climb out, too many files) is refused whole, as for any extract."""
    problems = Problems()
    try:
        with zipfile.ZipFile(source) as archive:
            members = safe_members(archive.infolist(), problems, source.name)
            if members is None:
                raise Invalid(problems.errors()[0].message)
            for info in members:
                name = PurePosixPath(info.filename.replace("\\", "/")).name
                if name.lower().endswith(".csv") and not (folder / name).exists():
                    member = CappedReader(archive.open(info), info.file_size)
                    with member, (folder / name).open("wb") as out:
                        shutil.copyfileobj(member, out)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, LimitExceeded) as exc:
        raise Invalid(
            "The zip file is damaged or uses a kind of compression that cannot be read."
        ) from exc
