"""The rules of shared/DATA.md "Validation", each on a small hand-made extract."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import pyarrow as pa
import pytest

from tests.casedata.conftest import EXTRACT_DATE, VALID, Extract, found, row, rules_of
from trellis.casedata.problems import PER_RULE_CAP, Problem
from trellis.casedata.validation import read_extract

EP = "episodes.csv"


def episodes(*changes: dict[str, str]) -> list[dict[str, str]]:
    return [row("episodes", **c) for c in changes]


# Every dataset, valid ----------------------------------------------------------------------


def test_a_valid_extract_of_every_dataset_gives_no_problem_and_a_table_each(extract: Extract):
    for dataset, values in VALID.items():
        extract.csv(dataset, [values])
    result = extract.read()
    assert result.errors == []
    assert result.warnings == []
    assert result.tables is not None
    assert set(result.tables) == set(VALID)
    assert all(table.num_rows == 1 for table in result.tables.values())


def test_tables_are_typed_as_the_contract_says(extract: Extract):
    extract.csv("episodes", episodes({"child_id": "  ab12 ", "sex": " f ", "episode_end": ""}))
    extract.csv("attendance", [row("attendance", possible_sessions="+300")])
    tables = extract.read().tables
    assert tables is not None
    assert tables["episodes"].schema == pa.schema(
        [
            ("child_id", pa.string()),
            ("date_of_birth", pa.date32()),
            ("sex", pa.string()),
            ("episode_start", pa.date32()),
            ("episode_end", pa.date32()),
            ("placement_type", pa.string()),
            ("placement_area", pa.string()),
        ]
    )
    assert tables["episodes"].to_pylist() == [
        {
            "child_id": "AB12",
            "date_of_birth": dt.date(2015, 2, 1),
            "sex": "f",
            "episode_start": dt.date(2020, 1, 1),
            "episode_end": None,
            "placement_type": "foster",
            "placement_area": "in_area",
        }
    ]
    assert tables["attendance"].schema.field("possible_sessions").type == pa.int64()
    assert tables["attendance"].to_pylist()[0]["possible_sessions"] == 300
    assert tables["attendance"].to_pylist()[0]["academic_year"] == "2019/20"


def test_any_error_leaves_no_tables(extract: Extract):
    extract.csv("episodes", episodes({"sex": "X"}))
    extract.csv("attendance", [row("attendance")])
    assert extract.read().tables is None


# Columns ---------------------------------------------------------------------------------------


def test_a_missing_required_column_is_an_error_on_the_header_row(extract: Extract):
    extract.csv("episodes", episodes({}), columns=[c for c in VALID["episodes"] if c != "sex"])
    assert found(extract.read().errors) == {(EP, 1, "sex", "missing-column")}


def test_a_missing_optional_column_is_read_as_empty(extract: Extract):
    extract.csv(
        "episodes", episodes({}), columns=[c for c in VALID["episodes"] if c != "episode_end"]
    )
    result = extract.read()
    assert result.errors == []
    assert result.tables is not None
    assert result.tables["episodes"]["episode_end"].to_pylist() == [None]


def test_column_names_are_matched_whatever_their_case_and_spaces(extract: Extract):
    values = {f" {k.upper()} ": v for k, v in VALID["episodes"].items()}
    extract.csv("episodes", [values])
    assert extract.read().errors == []


def test_an_unknown_column_is_a_warning_and_is_dropped(extract: Extract):
    extract.csv("episodes", episodes({"Notes": "moved twice"}))
    result = extract.read()
    assert found(result.warnings) == {(EP, 1, "Notes", "unknown-column")}
    assert result.tables is not None
    assert "Notes" not in result.tables["episodes"].column_names
    assert "notes" not in result.tables["episodes"].column_names


def test_a_column_named_twice_is_an_error(extract: Extract):
    extract.file(EP, b"child_id,child_id,date_of_birth\nA,A,2015-01-01\n")
    assert (EP, 1, "child_id", "duplicate-column") in found(extract.read().errors)


def test_a_file_without_a_header_row_is_one_error_naming_no_value(extract: Extract):
    extract.file(EP, b"SECRETID123,2015-02-01,M,2020-01-01,,foster,in_area\n")
    result = extract.read()
    assert found(result.errors) == {(EP, 1, None, "no-header")}
    assert result.warnings == []


# Values ----------------------------------------------------------------------------------------


def test_an_empty_required_value_is_an_error(extract: Extract):
    extract.csv("episodes", episodes({}, {"child_id": "C2", "placement_area": "  "}))
    assert found(extract.read().errors) == {(EP, 3, "placement_area", "required")}


def test_an_empty_optional_value_is_allowed(extract: Extract):
    extract.csv("health_assessments", [row("health_assessments", assessment_date="")])
    assert extract.read().errors == []


def test_a_value_outside_its_list_is_an_error(extract: Extract):
    extract.csv("episodes", episodes({"placement_type": "hotel"}, {"child_id": "C2", "sex": "X"}))
    assert found(extract.read().errors) == {
        (EP, 2, "placement_type", "not-in-list"),
        (EP, 3, "sex", "not-in-list"),
    }


def test_codes_are_matched_whatever_their_case_after_trimming(extract: Extract):
    extract.csv("episodes", episodes({"sex": " f ", "placement_type": "FOSTER "}))
    extract.csv("care_leaver_contacts", [row("care_leaver_contacts", eet="y")])
    result = extract.read()
    assert result.errors == []
    assert result.tables is not None
    assert result.tables["episodes"]["placement_type"].to_pylist() == ["foster"]


@pytest.mark.parametrize(
    ("dataset", "column", "value"),
    [
        ("cp_contacts", "contact_type", "email"),
        ("reviews", "review_type", "annual"),
        ("care_leaver_contacts", "eet", "yes"),
        ("episodes", "placement_area", "abroad"),
    ],
)
def test_every_code_column_refuses_values_outside_its_list(
    extract: Extract, dataset: str, column: str, value: str
):
    extract.csv(dataset, [row(dataset, **{column: value})])
    assert found(extract.read().errors) == {(f"{dataset}.csv", 2, column, "not-in-list")}


@pytest.mark.parametrize("written", ["2020-01-05", "05/01/2020", "5/1/2020"])
def test_dates_are_read_in_either_written_form(extract: Extract, written: str):
    extract.csv("episodes", episodes({"episode_start": written}))
    tables = extract.read().tables
    assert tables is not None
    assert tables["episodes"]["episode_start"].to_pylist() == [dt.date(2020, 1, 5)]


@pytest.mark.parametrize("written", ["31/02/2020", "2020/01/05", "5 Jan 2020", "01-05-2020", "x"])
def test_an_unreadable_date_is_an_error(extract: Extract, written: str):
    extract.csv("episodes", episodes({"episode_start": written}))
    assert found(extract.read().errors) == {(EP, 2, "episode_start", "bad-date")}


def test_a_date_on_the_extract_date_is_allowed(extract: Extract):
    extract.csv("episodes", episodes({"episode_start": "2026-03-01", "episode_end": "2026-03-31"}))
    assert extract.read(EXTRACT_DATE).errors == []


def test_a_date_one_day_after_the_extract_date_is_an_error(extract: Extract):
    extract.csv("episodes", episodes({"episode_start": "2026-03-01", "episode_end": "2026-04-01"}))
    assert found(extract.read(EXTRACT_DATE).errors) == {
        (EP, 2, "episode_end", "after-extract-date")
    }


@pytest.mark.parametrize(
    ("dataset", "column"),
    [
        ("health_assessments", "assessment_date"),
        ("cp_contacts", "contact_date"),
        ("reviews", "review_date"),
        ("care_leaver_contacts", "contact_date"),
        ("care_leavers", "date_left_care"),
    ],
)
def test_every_date_column_refuses_dates_after_the_extract_date(
    extract: Extract, dataset: str, column: str
):
    extract.csv(dataset, [row(dataset, **{column: "2026-04-01"})])
    assert (f"{dataset}.csv", 2, column, "after-extract-date") in found(extract.read().errors)


def test_a_number_that_is_not_whole_is_an_error(extract: Extract):
    extract.csv("attendance", [row("attendance", possible_sessions="300.5")])
    assert found(extract.read().errors) == {
        ("attendance.csv", 2, "possible_sessions", "bad-number")
    }


@pytest.mark.parametrize("written", ["2019/21", "2019-20", "19/20", "2019/2020"])
def test_an_academic_year_not_written_yyyy_yy_is_an_error(extract: Extract, written: str):
    extract.csv("attendance", [row("attendance", academic_year=written)])
    assert found(extract.read().errors) == {("attendance.csv", 2, "academic_year", "academic-year")}


def test_an_academic_year_across_a_century_is_accepted(extract: Extract):
    extract.csv("attendance", [row("attendance", academic_year="2099/00")])
    assert extract.read().errors == []


# Duplicates, blank rows, order --------------------------------------------------------------


def test_a_duplicate_row_is_a_warning_and_is_kept_once(extract: Extract):
    extract.csv("episodes", episodes({}, {"child_id": "C2"}, {}))
    result = extract.read()
    assert result.errors == []  # the copy would otherwise overlap its original
    assert found(result.warnings) == {(EP, 4, None, "duplicate-row")}
    assert result.tables is not None
    assert result.tables["episodes"].num_rows == 2


def test_rows_that_differ_only_in_spaces_and_case_of_codes_are_duplicates(extract: Extract):
    extract.csv("episodes", episodes({}, {"child_id": " c1", "sex": "m "}))
    assert found(extract.read().warnings) == {(EP, 3, None, "duplicate-row")}


def test_a_blank_row_is_skipped_but_still_counted(extract: Extract):
    extract.file(
        EP,
        b"child_id,date_of_birth,sex,episode_start,episode_end,placement_type,placement_area\n"
        b",,,,,,\n\nC1,2015-02-01,Q,2020-01-01,,foster,in_area\n",
    )
    assert found(extract.read().errors) == {(EP, 4, "sex", "not-in-list")}


def test_problems_are_sorted_by_file_row_column_and_rule(extract: Extract):
    extract.csv(
        "episodes", episodes({"sex": "X", "placement_area": "x"}, {"child_id": "C2", "sex": ""})
    )
    extract.csv("attendance", [row("attendance", attended_sessions="-4")])
    errors = extract.read().errors
    assert errors == sorted(errors, key=Problem.sort_key)
    assert [(p.file, p.row) for p in errors] == [("attendance.csv", 2), (EP, 2), (EP, 2), (EP, 3)]
    assert [p.column for p in errors[1:3]] == ["placement_area", "sex"]


def test_the_same_rows_in_another_order_give_the_same_tables(extract: Extract, tmp_path: Path):
    rows = episodes(
        {"child_id": "B", "episode_start": "2020-01-01", "episode_end": "2020-02-01"},
        {"child_id": "A", "episode_start": "2020-03-01", "episode_end": ""},
        {"child_id": "B", "episode_start": "2020-02-01", "episode_end": ""},
    )
    extract.csv("episodes", rows)
    other = Extract(tmp_path / "other")
    other.csv("episodes", list(reversed(rows)))
    first, second = extract.read().tables, other.read().tables
    assert first is not None and second is not None
    assert first["episodes"].equals(second["episodes"])


def test_a_rule_broken_on_many_rows_lists_the_first_ones_and_counts_the_rest(extract: Extract):
    count = PER_RULE_CAP + 500
    extract.csv("episodes", [row("episodes", child_id=f"C{i}", sex="X") for i in range(count)])
    errors = extract.read().errors
    assert len(errors) == PER_RULE_CAP + 1
    more = errors[0]
    assert (more.row, more.rule) == (None, "not-in-list")
    assert "500" in more.message
    assert [p.row for p in errors[1:]] == list(range(2, PER_RULE_CAP + 2))


# What problems say -------------------------------------------------------------------------


def test_no_child_identifier_appears_in_any_problem(extract: Extract):
    secret = "SECRETID123"
    extract.csv(
        "episodes",
        episodes(
            {"child_id": secret, "sex": secret, "date_of_birth": secret},
            {"child_id": secret, "episode_start": "2020-01-02", "date_of_birth": "2016-01-01"},
            {"child_id": secret, "episode_start": "2020-01-02", "date_of_birth": "2016-01-01"},
            {"child_id": secret, "placement_type": secret, "episode_end": "2030-01-01"},
            {"child_id": secret, "episode_start": secret},
        ),
    )
    extract.csv("health_assessments", [row("health_assessments", child_id=secret + "X")])
    extract.csv(
        "care_leavers",
        [
            row("care_leavers", child_id=secret),
            row("care_leavers", child_id=secret, date_left_care=secret),
        ],
    )
    extract.csv(
        "attendance",
        [row("attendance", child_id=secret, academic_year=secret, attended_sessions=secret)],
    )
    result = extract.read()
    rules = rules_of(result.errors + result.warnings)
    assert {"bad-date", "not-in-list", "duplicate-row", "no-episode", "bad-number"} <= rules
    assert {"care-leaver-repeated", "academic-year", "inconsistent-child"} <= rules
    dumped = json.dumps([p.to_json() for p in result.errors + result.warnings])
    assert secret not in dumped.upper()


def test_a_problem_turns_into_json_with_its_five_fields():
    problem = Problem("episodes.csv", 4, "sex", "not-in-list", "sex must be one of M, F or U.")
    assert problem.to_json() == {
        "file": "episodes.csv",
        "row": 4,
        "column": "sex",
        "rule": "not-in-list",
        "message": "sex must be one of M, F or U.",
    }


# What is read --------------------------------------------------------------------------------


def test_a_single_dataset_file_can_be_read_on_its_own(extract: Extract):
    path = extract.csv("episodes", episodes({}))
    result = read_extract(path, extract_date=EXTRACT_DATE)
    assert result.errors == []
    assert result.tables is not None
    assert list(result.tables) == ["episodes"]


def test_a_single_file_not_named_after_a_dataset_is_an_error(extract: Extract):
    path = extract.file("children.csv", b"child_id\nA\n")
    result = read_extract(path, extract_date=EXTRACT_DATE)
    assert found(result.errors) == {("children.csv", None, None, "unknown-dataset")}


def test_dataset_file_names_are_matched_whatever_their_case(extract: Extract):
    extract.file("Episodes.CSV", extract.csv("episodes", episodes({})).read_bytes())
    (extract.folder / "episodes.csv").unlink()
    result = extract.read()
    assert result.errors == []
    assert result.tables is not None


def test_an_unknown_file_in_the_folder_is_a_warning(extract: Extract):
    extract.csv("episodes", episodes({}))
    extract.file("readme.txt", b"notes")
    extract.file(".DS_Store", b"\x00\x01")
    result = extract.read()
    assert found(result.warnings) == {("readme.txt", None, None, "unknown-file")}
    assert result.tables is not None


def test_two_files_for_one_dataset_is_an_error(extract: Extract):
    extract.csv("episodes", episodes({}))
    extract.xlsx("episodes", [list(VALID["episodes"]), list(VALID["episodes"].values())])
    assert rules_of(extract.read().errors) == {"duplicate-dataset"}


def test_a_dataset_saved_in_another_format_is_an_error(extract: Extract):
    extract.csv("episodes", episodes({}))
    extract.file("reviews.txt", b"child_id\n")
    assert found(extract.read().errors) == {("reviews.txt", None, None, "file-type")}


def test_a_folder_without_dataset_files_is_an_error(extract: Extract):
    extract.file("notes.txt", b"x")
    assert rules_of(extract.read().errors) == {"no-datasets"}


def test_a_path_that_does_not_exist_is_an_error(tmp_path: Path):
    result = read_extract(tmp_path / "nothing.zip", extract_date=EXTRACT_DATE)
    assert rules_of(result.errors) == {"not-found"}


def test_a_zip_of_datasets_is_read_like_a_folder(tmp_path: Path, extract: Extract):
    episodes_csv = extract.csv("episodes", episodes({}))
    archive = tmp_path / "extract.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("export/", b"")
        z.write(episodes_csv, "export/episodes.csv")
        z.writestr("__MACOSX/export/._episodes.csv", b"\x00\x05\x16\x07")
        z.writestr("export/notes.txt", b"x")
    result = read_extract(archive, extract_date=EXTRACT_DATE)
    assert result.errors == []
    assert found(result.warnings) == {("export/notes.txt", None, None, "unknown-file")}
    assert result.tables is not None
    assert result.tables["episodes"].num_rows == 1
