"""Properties of compute_measures over generated valid extracts (hypothesis): the order of
rows does not matter, breakdowns add up to the unbroken row, and every figure agrees with a
slow, literal reading of DATA.md's definitions (test_compute_oracle.py)."""

from __future__ import annotations

import random
import tempfile
from collections import defaultdict
from pathlib import Path

import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.casedata.compute_helpers import (
    PROPERTY_EXTRACT,
    PROPERTY_START,
    compute_property_extract,
    extracts,
    table,
)
from trellis.casedata.compute import MeasureRow, compute_measures

# Breakdown fields whose groups cover everyone in the measure's denominator.
EXHAUSTIVE = {
    "looked_after": ("sex", "age_band", "placement_type", "placement_area"),
    "out_of_area": ("sex", "age_band", "placement_type"),
    "placement_moves": ("sex", "age_band", "placement_type", "placement_area"),
    "care_leavers_in_touch": ("age_band",),
    "care_leavers_eet": ("age_band",),
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(extract=extracts(), seed=st.randoms(use_true_random=False))
def test_shuffling_the_rows_of_every_table_gives_identical_results(extract, seed) -> None:
    shuffled = {name: seed.sample(rows, len(rows)) for name, rows in extract.items()}
    before = [r.to_json() for r in compute_property_extract(extract)]
    assert [r.to_json() for r in compute_property_extract(shuffled)] == before


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(extract=extracts())
def test_parquet_files_give_the_same_results_as_tables_in_memory(extract) -> None:
    """A snapshot's measures are computed over its Parquet files in place."""
    with tempfile.TemporaryDirectory() as folder:
        files = {}
        for name, rows in extract.items():
            files[name] = Path(folder) / f"{name}.parquet"
            pq.write_table(table(name, rows), files[name])
        from_files = compute_measures(
            files, extract_date=PROPERTY_EXTRACT, start=PROPERTY_START, end=PROPERTY_EXTRACT
        )
        assert [r.to_json() for r in from_files] == [
            r.to_json() for r in compute_property_extract(extract)
        ]


def totals(rows: list[MeasureRow]) -> dict:
    """(measure, period, field) -> summed (numerator, denominator) of its breakdown rows;
    field None holds the unbroken row's."""
    found: dict = defaultdict(lambda: [0, 0])
    for r in rows:
        fields: list[str | None] = [None] if r.breakdown is None else list(r.breakdown)
        for field in fields:
            total = found[r.measure, r.period_end, field]
            total[0] += r.numerator or 0
            total[1] += r.denominator or 0
    return found


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(extract=extracts())
def test_the_breakdown_rows_of_each_field_add_up_to_the_unbroken_row(extract) -> None:
    rows = compute_property_extract(extract)
    found = totals(rows)
    checked = 0
    for (measure, period_end, field), unbroken in list(found.items()):
        if field is not None or measure not in EXHAUSTIVE:
            continue
        for breakdown in EXHAUSTIVE[measure]:
            assert found.get((measure, period_end, breakdown), [0, 0]) == unbroken
            checked += 1
    assert checked  # every quarter has unbroken rows, even with nobody in them


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(extract=extracts())
def test_balance_of_care_shares_add_up_to_everyone_looked_after(extract) -> None:
    rows = compute_property_extract(extract)
    by_period = defaultdict(list)
    for r in rows:
        if r.measure == "balance_of_care":
            by_period[r.period_end].append(r)
    looked_after = {
        r.period_end: r.value for r in rows if r.measure == "looked_after" and not r.breakdown
    }
    for period_end, types in by_period.items():
        assert len(types) == 5
        assert {r.denominator for r in types} == {looked_after[period_end]}
        assert sum(r.numerator or 0 for r in types) == looked_after[period_end]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(extract=extracts())
def test_every_share_is_its_numerator_over_its_denominator(extract) -> None:
    for r in compute_property_extract(extract):
        if r.denominator is not None:
            assert r.numerator is not None and 0 <= r.numerator <= r.denominator
            assert r.value == (r.numerator / r.denominator if r.denominator else None)


def test_shuffling_really_reorders_rows() -> None:
    # Guard for the first property: sampling a list's full length permutes it.
    rows = list(range(20))
    assert random.Random(1).sample(rows, len(rows)) != rows
