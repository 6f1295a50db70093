"""How fast are the built-in measures on a national-scale extract?

Generates a synthetic extract with DuckDB alone (no numpy): children numbered 0..N-1, every
"random" value a hash of the child's number and a salt, so a run is reproducible. Each child
has 1 to 10 consecutive episodes (about 5 on average, some with gaps) from 2014 on; one in
five children has child-protection registrations with contacts about every fortnight; one in
twenty a short-break service; some are care leavers with quarterly contacts; looked-after
children have attendance records. Identifiers are 32 hex characters, like real pseudonyms.
Generation is not timed; compute_measures is, for the 40 quarters of 2015 to 2024 and the
academic years ending in them, with every breakdown.

Usage: .venv/bin/python benchmarks/measures_engine.py [--children 100000]
The goal is under 60 s and under 4 GB at --children 1000000. The last line is the summary:
engine S s for C children, E episodes, R rows
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import resource
import sys
import time
from pathlib import Path

import duckdb
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from trellis.casedata.compute import compute_measures

EXTRACT_DATE = dt.date(2024, 12, 31)
START, END = dt.date(2015, 1, 1), dt.date(2024, 12, 31)

# `rnd(i, salt, n)`: a pseudo-random whole number 0..n-1 fixed by the row number and salt.
MACROS = """
CREATE MACRO rnd(i, salt, n) AS (hash(i, salt) % n)::BIGINT;
CREATE MACRO upto_extract(d) AS CASE WHEN d > DATE '2024-12-31' THEN NULL ELSE d END;
"""

CHILDREN = """
CREATE TABLE children AS
SELECT i,
       md5(i::VARCHAR) AS child_id,
       CASE WHEN rnd(i, 'sex', 100) < 49 THEN 'm' WHEN rnd(i, 'sex', 100) < 98 THEN 'f'
            ELSE 'u' END AS sex,
       DATE '2014-01-01' + rnd(i, 'start', 3650)::INTEGER AS first_start,
       1 + rnd(i, 'episodes', 10) AS episode_count
FROM range($children) AS t(i)
"""

# Consecutive episodes: each starts where the last ended, after a gap one time in four.
EPISODES = """
CREATE TABLE episode_steps AS
WITH steps AS (
    SELECT c.i, c.child_id, c.sex, c.first_start, j,
           1 + rnd(c.i * 16 + j, 'length', 300) AS length,
           CASE WHEN j > 0 AND rnd(c.i * 16 + j, 'gap?', 4) = 0
                THEN rnd(c.i * 16 + j, 'gap', 200) ELSE 0 END AS gap
    FROM children c, unnest(range(c.episode_count)) AS u(j)
)
SELECT *, first_start + (sum(gap + length) OVER (PARTITION BY i ORDER BY j) - length)::INTEGER
          AS episode_start
FROM steps;

CREATE TABLE episodes AS
SELECT child_id,
       first_start - (365 + rnd(i, 'age', 17 * 365))::INTEGER AS date_of_birth,
       sex,
       episode_start,
       upto_extract(episode_start + length::INTEGER) AS episode_end,
       ['home', 'kinship', 'foster', 'foster', 'foster', 'residential', 'community_other']
           [1 + rnd(i * 16 + j, 'type', 7)] AS placement_type,
       ['in_area', 'in_area', 'out_of_area', 'in_area', 'unknown']
           [1 + rnd(i * 16 + j, 'area', 5)] AS placement_area,
       gap > 0 OR j = 0 AS accommodated, i, j
FROM episode_steps
WHERE episode_start <= DATE '2024-12-31'
"""

HEALTH = """
CREATE TABLE health_assessments AS
SELECT child_id, episode_start AS accommodated_date,
       CASE WHEN rnd(i * 16 + j, 'iha?', 12) > 0
            THEN upto_extract(episode_start + rnd(i * 16 + j, 'iha', 45)::INTEGER) END
           AS assessment_date
FROM episodes WHERE accommodated
"""

CP = """
CREATE TABLE registrations AS
WITH spells AS (
    SELECT c.i, c.child_id, k,
           30 + rnd(c.i * 4 + k, 'cp length', 700) AS length,
           rnd(c.i * 4 + k, 'cp gap', 500) AS gap
    FROM children c, unnest(range(1 + rnd(c.i, 'cp count', 2))) AS u(k)
    WHERE rnd(c.i, 'cp?', 5) = 0
)
SELECT *, DATE '2014-06-01' + (rnd(i, 'cp start', 3650)
          + sum(gap + length) OVER (PARTITION BY i ORDER BY k) - length)::INTEGER
          AS registration_date
FROM spells;

CREATE TABLE cp_registrations AS
SELECT child_id, registration_date,
       upto_extract(registration_date + length::INTEGER) AS deregistration_date
FROM registrations WHERE registration_date <= DATE '2024-12-31';

CREATE TABLE cp_contacts AS
SELECT r.child_id,
       r.registration_date + (14 * w + rnd(r.i * 64 + w, 'visit', 14))::INTEGER AS contact_date,
       ['face_to_face', 'face_to_face', 'face_to_face', 'virtual', 'phone']
           [1 + rnd(r.i * 64 + w, 'how', 5)] AS contact_type
FROM registrations r, unnest(range(r.length // 14)) AS u(w)
WHERE r.registration_date + (14 * w + 13)::INTEGER <= DATE '2024-12-31'
"""

SHORT_BREAKS = """
CREATE TABLE services AS
SELECT i, child_id, DATE '2014-01-01' + rnd(i, 'sb start', 3650)::INTEGER AS service_start,
       100 + rnd(i, 'sb length', 900) AS length
FROM children WHERE rnd(i, 'sb?', 20) = 0;

CREATE TABLE short_breaks AS
SELECT child_id, service_start, upto_extract(service_start + length::INTEGER) AS service_end
FROM services;

CREATE TABLE reviews AS
SELECT child_id, service_start + (300 * k + rnd(i * 8 + k, 'review', 120))::INTEGER
           AS review_date, 'short_break' AS review_type
FROM services, unnest(range(1 + length // 300)) AS u(k)
WHERE service_start + (300 * k + 120)::INTEGER <= DATE '2024-12-31'
UNION ALL
SELECT child_id, episode_start + 20 AS review_date, 'looked_after'
FROM episodes WHERE j = 0 AND episode_start + 20 <= DATE '2024-12-31'
"""

CARE_LEAVERS = """
CREATE TABLE leavers AS
SELECT child_id, i, date_of_birth, (date_of_birth + INTERVAL 18 YEAR)::DATE AS left_at
FROM episodes WHERE j = 0 AND rnd(i, 'leaver?', 4) = 0;

CREATE TABLE care_leavers AS
SELECT child_id, date_of_birth, left_at AS date_left_care
FROM leavers WHERE left_at <= DATE '2024-12-31';

CREATE TABLE care_leaver_contacts AS
SELECT l.child_id, l.left_at + (90 * k + rnd(l.i * 64 + k, 'touch', 60))::INTEGER
           AS contact_date,
       ['y', 'y', 'n', 'u'][1 + rnd(l.i * 64 + k, 'eet', 4)] AS eet
FROM leavers l, unnest(range(40)) AS u(k)
WHERE l.left_at + (90 * k + 60)::INTEGER <= DATE '2024-12-31'
  AND rnd(l.i * 64 + k, 'missed', 5) > 0
"""

# Attendance for the academic years a child's episodes touch, as a school would return it.
ATTENDANCE = """
CREATE TABLE attendance AS
SELECT DISTINCT child_id,
       (y - 1)::VARCHAR || '/' || lpad((y % 100)::VARCHAR, 2, '0') AS academic_year,
       300 + rnd(i, 'possible', 80) AS possible_sessions,
       300 - rnd(i * 16 + j, 'absent', 60) AS attended_sessions
FROM episodes, unnest(range(year(episode_start) + 1, year(episode_start) + 3)) AS u(y)
WHERE j % 2 = 0 AND y <= 2024
"""

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
EPISODE_COLUMNS = (
    "child_id, date_of_birth, sex, episode_start, episode_end, placement_type, placement_area"
)


def generate(children: int) -> dict[str, pa.Table]:
    con = duckdb.connect()
    try:
        for script in (MACROS, CHILDREN, EPISODES, HEALTH, CP, SHORT_BREAKS, CARE_LEAVERS):
            for statement in filter(str.strip, script.split(";")):
                con.execute(statement, {"children": children} if "$children" in statement else None)
        con.execute(ATTENDANCE)
        tables = {}
        for name in DATASETS:
            columns = EPISODE_COLUMNS if name == "episodes" else "*"
            tables[name] = con.sql(f"SELECT {columns} FROM {name}").to_arrow_table()  # noqa: S608
        return tables
    finally:
        con.close()


def reset_peak_memory() -> None:
    """Start the peak-memory count afresh (Linux), so generation's peak is not reported."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def peak_memory_gb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=100_000)
    args = parser.parse_args()

    began = time.perf_counter()
    tables = generate(args.children)
    generated = time.perf_counter() - began
    sizes = ", ".join(f"{name} {table.num_rows:,}" for name, table in tables.items())
    input_gb = sum(table.nbytes for table in tables.values()) / 1024**3
    print(f"generated in {generated:.1f} s: {sizes} ({input_gb:.2f} GB of Arrow)")

    reset_peak_memory()
    began, cpu_began = time.perf_counter(), time.process_time()
    rows = compute_measures(tables, extract_date=EXTRACT_DATE, start=START, end=END, warn=print)
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu_began
    # CPU time (all threads) is the steadier figure on a shared machine.
    print(f"peak memory {peak_memory_gb():.2f} GB (input tables included); CPU {cpu:.1f} s")
    children, episodes = args.children, tables["episodes"].num_rows
    print(f"engine {seconds:.1f} s for {children} children, {episodes} episodes, {len(rows)} rows")


if __name__ == "__main__":
    main()
