"""How long does validating a million-row episodes file take, against just reading it?

Writes a valid episodes.csv of 1,000,000 rows (about 60 MB; about 333,000 children of three
back-to-back episodes each) in a temporary folder (not timed), then times read_extract on it
and, in the same run so the ratio holds on a noisy machine, pyarrow.csv.read_csv of the same
file (the baseline: reading with nothing checked). The goal is under 30 s on 2 cores.

Usage: .venv/bin/python benchmarks/validation.py [--rows 1000000]
The last line is the summary:
validation N rows S s; baseline (pyarrow read only) S s; ratio R x
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.csv as pacsv

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from trellis.casedata.validation import read_extract

HEADER = "child_id,date_of_birth,sex,episode_start,episode_end,placement_type,placement_area\n"
TYPES = ("home", "kinship", "foster", "residential", "community_other")
AREAS = ("in_area", "out_of_area", "unknown")
EXTRACT_DATE = dt.date(2026, 3, 31)


def write_episodes(path: Path, rows: int) -> None:
    """Three back-to-back episodes per child, the last of every third child still open."""
    base = dt.date(2005, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER)
        for child in range((rows + 2) // 3):
            born = base + dt.timedelta(days=child % 5000)
            start = born + dt.timedelta(days=30 + child % 900)
            sex = "MF"[child % 2]
            for n in range(3):
                if child * 3 + n >= rows:
                    break
                end = start + dt.timedelta(days=40 + (child + n) % 300)
                open_ended = n == 2 and child % 3 == 0
                out.write(
                    f"LA{child:08d},{born:%d/%m/%Y},{sex},{start.isoformat()},"
                    f"{'' if open_ended else end.isoformat()},"
                    f"{TYPES[(child + n) % 5]},{AREAS[(child + n) % 3]}\n"
                )
                start = end


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "episodes.csv"
        write_episodes(path, args.rows)
        size_mb = path.stat().st_size / 1024**2
        started = time.perf_counter()
        result = read_extract(path, extract_date=EXTRACT_DATE)
        validation = time.perf_counter() - started
        started = time.perf_counter()
        baseline_rows = pacsv.read_csv(path).num_rows
        baseline = time.perf_counter() - started
    if result.errors or result.tables is None:
        sys.exit(f"the generated file should be valid; first error: {result.errors[:1]}")
    kept = result.tables["episodes"].num_rows
    print(f"file {size_mb:.0f} MB; rows kept {kept:,}; baseline rows {baseline_rows:,}")
    print(
        f"validation {args.rows} rows {validation:.2f} s; "
        f"baseline (pyarrow read only) {baseline:.2f} s; ratio {validation / baseline:.1f} x"
    )


if __name__ == "__main__":
    main()
