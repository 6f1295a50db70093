"""L3: upload throughput and memory of the real loading path, `trellis data load`.

    .venv/bin/python benchmarks/reliability/l3_upload.py [--rows 10000 100000]

Generates a synthetic extract (`trellis data generate`, the DATA.md format), takes its
largest dataset (child protection contacts) cut to exactly N rows, writes it as CSV and as
xlsx, and loads each into a private PostgreSQL cluster with `trellis data load` as a
subprocess: read, validate, pseudonymise, store the snapshot and compute its measures.
The xlsx file holds the next N rows, not the CSV's (a repeated extract is not stored again).
Reports the wall time, rows per second and the command's peak resident set (ru_maxrss of
the child, from wait4). Each load has a time limit (--limit, default 300 s) and is killed
past it, so the script always stops.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import stack
from openpyxl import Workbook

DATASET = "cp_contacts"
EXTRACT_DATE = "2020-12-31"  # the generator's default span ends here


def cut(source: Path, rows: int, folder: Path, skip: int = 0) -> Path:
    """Rows skip .. skip + rows - 1 of the dataset, with its header."""
    folder.mkdir(parents=True)
    out = folder / f"{DATASET}.csv"
    with source.open(newline="") as src, out.open("w", newline="") as dst:
        reader, writer = csv.reader(src), csv.writer(dst)
        writer.writerow(next(reader))
        for i, row in enumerate(reader):
            if i < skip:
                continue
            if i == skip + rows:
                break
            writer.writerow(row)
        else:
            raise SystemExit(f"The generated {DATASET} has fewer than {rows} rows.")
    return out


def as_xlsx(csv_path: Path) -> Path:
    out = csv_path.with_suffix(".xlsx")
    book = Workbook(write_only=True)
    sheet = book.create_sheet(DATASET)
    with csv_path.open(newline="") as src:
        for row in csv.reader(src):
            sheet.append(row)
    book.save(out)
    return out


def load(env: dict[str, str], path: Path, analyst: str, slug: str, limit: float) -> dict[str, Any]:
    started = time.monotonic()
    process = subprocess.Popen(  # noqa: S603
        [
            str(stack.BIN / "trellis"),
            "data",
            "load",
            str(path),
            "--as",
            analyst,
            "--partnership",
            slug,
            "--extract-date",
            EXTRACT_DATE,
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = started + limit
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            process.kill()
            pid, status, usage = os.wait4(process.pid, 0)
            break
        time.sleep(0.05)
    wall = time.monotonic() - started
    output = process.stdout.read().decode(errors="replace") if process.stdout else ""
    return {
        "exit": os.waitstatus_to_exitcode(status),
        "seconds": round(wall, 1),
        "peak RSS MB": round(usage.ru_maxrss / 1024, 1),
        "output": output.strip().splitlines()[-1:] if output else [],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--limit", type=float, default=300)
    args = parser.parse_args()
    report: dict[str, Any] = {"machine": stack.machine(), "dataset": DATASET, "loads": []}
    with stack.private_postgres() as pg:
        data = Path(tempfile.mkdtemp(prefix="trellis-l3-"))
        (data / "upload-tmp").mkdir()
        env = stack.app_env(pg.url(), data)
        stack.trellis(env, "migrate", "-v0")
        users = stack.seed(env, data / "users.json", small=True)
        analyst, slug = users["analysts"][0]["email"], users["analysts"][0]["slug"]
        # About 82 contacts a child: enough children for the largest cut twice over (the
        # xlsx file holds other rows than the CSV, or it would be refused as a repeat).
        children = 2 * max(args.rows) // 75 + 50
        source = data / "extract"
        stack.trellis(env, "data", "generate", str(source), "--children", str(children))
        for rows in args.rows:
            csv_path = cut(source / f"{DATASET}.csv", rows, data / f"cut-{rows}")
            xlsx_rows = cut(source / f"{DATASET}.csv", rows, data / f"cut-{rows}-x", skip=rows)
            for path in (csv_path, as_xlsx(xlsx_rows)):
                result = load(env, path, analyst, slug, args.limit)
                stored = any("Stored snapshot" in line for line in result["output"])
                result["rows per s"] = round(rows / result["seconds"]) if stored else 0
                report["loads"].append(
                    {
                        "rows": rows,
                        "format": path.suffix[1:],
                        "MB": round(path.stat().st_size / 1e6, 1),
                        **result,
                    }
                )
                print(json.dumps(report["loads"][-1]), flush=True)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
