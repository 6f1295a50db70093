"""Loading is all or nothing and idempotent (SECURITY-BAR row 22): one invalid row anywhere
in an otherwise valid extract stores nothing, and the error names that row as the user counts
it (header = row 1) and never the child on it; the same file uploaded twice is one snapshot."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.casedata.test_load import load, upload
from tests.conftest import Cast, signed_in
from trellis.casedata.models import Snapshot
from trellis.casedata.services import ExtractInvalid

HEADER = "child_id,date_of_birth,sex,episode_start,episode_end,placement_type,placement_area\n"
GOOD = "HYPOID{:05d},2010-05-01,F,2019-01-10,2019-06-01,foster,in_area\n"
# One broken row of each kind, and the column its error names.
BROKEN = {
    "sex": "HYPOID{:05d},2010-05-01,Q,2019-01-10,2019-06-01,foster,in_area\n",
    "episode_end": "HYPOID{:05d},2010-05-01,F,2019-01-10,2019-01-01,foster,in_area\n",
    "episode_start": "HYPOID{:05d},2010-05-01,F,2019-13-45,2019-06-01,foster,in_area\n",
    "placement_type": "HYPOID{:05d},2010-05-01,F,2019-01-10,2019-06-01,,in_area\n",
    "date_of_birth": "HYPOID{:05d},2019-05-01,F,2019-01-10,2019-06-01,foster,in_area\n",
}
FEW = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(autouse=True)
def _data_dir(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path / "data"


@st.composite
def extracts_with_one_bad_row(draw: st.DrawFn) -> tuple[str, int, str]:
    """(the CSV text, the 0-based position N of the broken row among the rows, its column)."""
    size = draw(st.integers(min_value=1, max_value=60))
    position = draw(st.integers(min_value=0, max_value=size - 1))
    column = draw(st.sampled_from(sorted(BROKEN)))
    rows = [GOOD.format(n) for n in range(size)]
    rows[position] = BROKEN[column].format(position)
    return HEADER + "".join(rows), position, column


@FEW
@given(case=extracts_with_one_bad_row())
def test_one_invalid_row_anywhere_stores_nothing_and_is_named_by_its_row(
    cast: Cast, tmp_path: Path, case: tuple[str, int, str]
) -> None:
    text, position, column = case
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "episodes.csv").write_text(text, encoding="utf-8")
        with pytest.raises(ExtractInvalid) as refused:
            load(cast, Path(folder))

    problems = refused.value.problems
    assert [(p.file, p.row, p.column) for p in problems] == [
        ("episodes.csv", position + 2, column)  # the header is row 1
    ]
    assert not any("HYPOID" in f"{p.message} {p.column}".upper() for p in problems)
    assert not Snapshot.objects.exists()
    assert not list((tmp_path / "data").rglob("*.parquet"))


def test_uploading_the_same_file_twice_keeps_one_snapshot(cast: Cast, tmp_path: Path) -> None:
    client = signed_in(cast.analyst)
    first, second = upload(client), upload(client)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    snapshot = Snapshot.objects.get()
    stored = tmp_path / "data" / "snapshots" / str(cast.partnership.pk)
    assert [p.name for p in stored.iterdir()] == [snapshot.key]
