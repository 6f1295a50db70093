"""The measures engine against a vectorised pandas baseline, on a national-scale extract.

Generates a synthetic extract with benchmarks/measures_engine.py's generator (1,000,000
children by default: about 5.1 million episodes from 2014 to 2024, and all nine datasets, so
every measure has rows) and writes it as Parquet files to a temporary folder; generation is
not timed. Then two child processes, one after the other, each read those files and compute
every measure for the 40 quarters of 2015 to 2024 (and, for attendance_gap, the 10 academic
years ending in them) with all breakdowns: one with the product's engine
(trellis.casedata.compute.compute_measures), one with the separately written pandas
implementation of benchmarks/measures_pandas.py. Each child times, by the wall clock,
reading the Parquet files plus computing (not writing its rows out, nor starting Python and
importing libraries), and reports its peak resident memory (the whole process: interpreter,
libraries, input and working memory; VmHWM on Linux, see peak_mb). Generation runs in a
process of its own too, so no process measured inherits its memory. The two sets of rows
must be identical: the same rows (keyed by measure, period and breakdown), equal numerators,
denominators and provisional flags, and values within 1e-12.

Usage: .venv/bin/python benchmarks/measures.py [--children 1000000] [--extract DIR]
(--extract keeps the generated Parquet files in DIR, or reuses the ones already there.)
The last line is the summary; the exit status is 1 when the results are not identical:
engine S s, pandas S s, ratio R x, engine peak M MB, pandas peak M MB, episodes E, identical yes|no
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(1, str(HERE))

# The span and extract date of benchmarks/measures_engine.py: 40 quarters, 10 academic years.
EXTRACT_DATE = dt.date(2024, 12, 31)
START, END = dt.date(2015, 1, 1), dt.date(2024, 12, 31)
DATASETS = (
    "episodes",
    "health_assessments",
    "cp_registrations",
    "cp_contacts",
    "short_breaks",
    "reviews",
    "care_leavers",
    "care_leaver_contacts",
    "attendance",
)
TOLERANCE = 1e-12
SHOWN_DIFFERENCES = 10


# ---------------------------------------------------------------------------------------------
# The parent: generate, run both children, compare


def write_extract(children: int, folder: Path) -> None:
    """The synthetic extract as one Parquet file per dataset."""
    import pyarrow.parquet as pq
    from measures_engine import generate

    tables = generate(children)
    for name in DATASETS:
        pq.write_table(tables[name], folder / f"{name}.parquet")
    sizes = ", ".join(f"{name} {table.num_rows:,}" for name, table in tables.items())
    print(f"generated {children:,} children: {sizes}", flush=True)


def episode_count(folder: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(folder / "episodes.parquet").metadata.num_rows


def run_child(kind: str, extract: Path, results: Path) -> dict[str, Any]:
    """Run one implementation in a fresh Python process; its rows and figures come back in
    files of the results folder."""
    command = [sys.executable, str(Path(__file__).resolve()), "--run", kind]
    command += [str(extract), str(results)]
    finished = subprocess.run(command, check=False)  # noqa: S603 - our own script
    if finished.returncode != 0:
        sys.exit(f"the {kind} process failed with exit status {finished.returncode}")
    stats = json.loads((results / f"{kind}.json").read_text())
    print(
        f"{kind}: read {stats['read_seconds']:.1f} s + compute {stats['compute_seconds']:.1f} s"
        f" = {stats['seconds']:.1f} s, CPU {stats['cpu_seconds']:.1f} s,"
        f" peak {stats['peak_mb']:.1f} MB, {stats['rows']} rows",
        flush=True,
    )
    return stats


def read_rows(path: Path) -> list[dict[str, Any]]:
    with path.open() as lines:
        return [json.loads(line) for line in lines]


def row_key(row: dict[str, Any]) -> tuple[str, str, str, str]:
    breakdown = json.dumps(row["breakdown"], sort_keys=True)
    return (row["measure"], row["period_start"], row["period_end"], breakdown)


def same_value(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=0, abs_tol=TOLERANCE)


def differences(engine: list[dict[str, Any]], pandas: list[dict[str, Any]]) -> list[str]:
    """Every way the two sets of rows differ, one line each."""
    found: list[str] = []
    keyed: list[dict[tuple[str, str, str, str], dict[str, Any]]] = []
    for name, rows in (("engine", engine), ("pandas", pandas)):
        by_key: dict[tuple[str, str, str, str], dict[str, Any]] = {}
        for row in rows:
            key = row_key(row)
            if key in by_key:
                found.append(f"{name} gives {describe(key)} twice")
            by_key[key] = row
        keyed.append(by_key)
    by_engine, by_pandas = keyed
    for key in sorted(by_engine.keys() - by_pandas.keys()):
        found.append(f"only the engine gives {describe(key)}: {figures(by_engine[key])}")
    for key in sorted(by_pandas.keys() - by_engine.keys()):
        found.append(f"only pandas gives {describe(key)}: {figures(by_pandas[key])}")
    for key in sorted(by_engine.keys() & by_pandas.keys()):
        e, p = by_engine[key], by_pandas[key]
        if (
            e["numerator"] != p["numerator"]
            or e["denominator"] != p["denominator"]
            or e["provisional"] != p["provisional"]
            or not same_value(e["value"], p["value"])
        ):
            found.append(f"{describe(key)}: engine {figures(e)}, pandas {figures(p)}")
    return found


def describe(key: tuple[str, str, str, str]) -> str:
    measure, first, last, breakdown = key
    return f"{measure} {first}..{last} breakdown {breakdown}"


def figures(row: dict[str, Any]) -> str:
    flag = " provisional" if row["provisional"] else ""
    return f"{row['numerator']} / {row['denominator']} = {row['value']!r}{flag}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=1_000_000)
    parser.add_argument("--extract", type=Path, help="keep (or reuse) the extract in this folder")
    parser.add_argument("--run", nargs=3, help=argparse.SUPPRESS)  # KIND EXTRACT RESULTS
    args = parser.parse_args()
    if args.run:
        kind, extract, results = args.run
        if kind == "generate":
            write_extract(args.children, Path(extract))
        else:
            child_main(kind, Path(extract), Path(results))
        return

    with tempfile.TemporaryDirectory(prefix="trellis-measures-bench-") as scratch:
        results = Path(scratch)
        extract = args.extract or results
        extract.mkdir(parents=True, exist_ok=True)
        if (extract / "attendance.parquet").exists():
            episodes = episode_count(extract)
            print(f"reusing the extract in {extract}: {episodes:,} episodes", flush=True)
        else:
            # In a process of its own, so that the memory generation took is not the parent's
            # when it starts the two measured processes.
            command = [sys.executable, str(Path(__file__).resolve()), "--run", "generate"]
            command += [str(extract), str(results), "--children", str(args.children)]
            if subprocess.run(command, check=False).returncode != 0:  # noqa: S603 - our own script
                sys.exit("generating the extract failed")
            episodes = episode_count(extract)
        engine = run_child("engine", extract, results)
        pandas = run_child("pandas", extract, results)
        found = differences(
            read_rows(results / "engine.jsonl"), read_rows(results / "pandas.jsonl")
        )
    for line in found[:SHOWN_DIFFERENCES]:
        print(line)
    if len(found) > SHOWN_DIFFERENCES:
        print(f"... and {len(found) - SHOWN_DIFFERENCES} more differences")
    ratio = pandas["seconds"] / engine["seconds"]
    print(
        f"engine {engine['seconds']:.1f} s, pandas {pandas['seconds']:.1f} s,"
        f" ratio {ratio:.1f} x, engine peak {engine['peak_mb']:.1f} MB,"
        f" pandas peak {pandas['peak_mb']:.1f} MB, episodes {episodes},"
        f" identical {'no' if found else 'yes'}"
    )
    if found:
        sys.exit(1)


# ---------------------------------------------------------------------------------------------
# A child: read, compute, write the rows and the figures


def engine_run(folder: Path) -> tuple[Callable[[], Any], Callable[[Any], list[dict[str, Any]]]]:
    """The product's engine over the Parquet files, as it reads a snapshot: DuckDB scans
    them itself, so its reading is counted in its compute time."""
    from trellis.casedata.compute import compute_measures

    def read() -> Any:
        return {name: folder / f"{name}.parquet" for name in DATASETS}

    def compute(tables: Any) -> list[dict[str, Any]]:
        rows = compute_measures(
            tables, extract_date=EXTRACT_DATE, start=START, end=END, warn=print_warning
        )
        return [row.to_json() for row in rows]

    return read, compute


def pandas_run(folder: Path) -> tuple[Callable[[], Any], Callable[[Any], list[dict[str, Any]]]]:
    """Reading the Parquet files into pandas frames, and the pandas baseline."""
    import measures_pandas

    def read() -> Any:
        return measures_pandas.read(folder)

    def compute(frames: Any) -> list[dict[str, Any]]:
        return measures_pandas.compute_frames(
            frames, extract_date=EXTRACT_DATE, start=START, end=END
        )

    return read, compute


def child_main(kind: str, folder: Path, results: Path) -> None:
    runs = {"engine": engine_run, "pandas": pandas_run}
    if kind not in runs:
        sys.exit(f"unknown implementation {kind!r}")
    read, compute = runs[kind](folder)
    import pyarrow.dataset  # noqa: F401 - the first Parquet read would import it, untimed here

    began, cpu_began = time.perf_counter(), time.process_time()
    data = read()
    read_at = time.perf_counter()
    rows = compute(data)
    finished, cpu = time.perf_counter(), time.process_time() - cpu_began
    peak = peak_mb()
    write_rows(results / f"{kind}.jsonl", rows)
    stats = {
        "read_seconds": read_at - began,
        "compute_seconds": finished - read_at,
        "seconds": finished - began,
        "cpu_seconds": cpu,
        "peak_mb": peak,
        "rows": len(rows),
    }
    (results / f"{kind}.json").write_text(json.dumps(stats))


def peak_mb() -> float:
    """The process's peak resident memory. On Linux, VmHWM: the high-water mark of this
    process's own memory since it started this program. ru_maxrss (the fallback elsewhere)
    keeps, across exec, the parent's resident size at the fork when that was larger."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def write_rows(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    with path.open("w") as out:
        for row in rows:
            out.write(json.dumps(row) + "\n")


def print_warning(message: str) -> None:
    print(message, file=sys.stderr)


if __name__ == "__main__":
    main()
