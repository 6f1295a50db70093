"""The SSDA903 adapter: on the fake SSDA903 sample (read in place, never copied), and one rule
at a time on small SSDA903 folders written into tmp_path."""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trellis.casedata.schema import DATASETS
from trellis.casedata.ssda903 import ConversionReport, convert_ssda903
from trellis.casedata.ssda903.log import Log
from trellis.casedata.ssda903.source import parse_date
from trellis.casedata.validation import read_extract
from trellis.errors import Invalid

# The shared sample beside the checkout (../shared/data-samples), or TRELLIS_SAMPLES_DIR.
SAMPLES = Path(
    os.environ.get("TRELLIS_SAMPLES_DIR")
    or Path(__file__).resolve().parents[3] / "shared" / "data-samples"
)
SAMPLE = SAMPLES / "ssda903"
needs_sample = pytest.mark.skipif(
    not SAMPLE.is_dir(), reason="the SSDA903 sample is not beside this checkout"
)

HEADER = ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB")
EPISODES = ("CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC")
OC3 = ("CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM")


def lines(report: ConversionReport) -> list[str]:
    return report.notes + report.unmapped


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


class Folder:
    """An SSDA903 folder in tmp_path, one file at a time; `convert()` runs the adapter."""

    def __init__(self, tmp_path: Path) -> None:
        self.source = tmp_path / "ssda903"
        self.out = tmp_path / "out"
        self.source.mkdir()

    def file(self, name: str, columns: Sequence[str], rows: Sequence[dict[str, str]]) -> None:
        with (self.source / name).open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\r\n")
            writer.writerow(columns)
            writer.writerows([[r.get(c, "") for c in columns] for r in rows])

    def header(self, *rows: dict[str, str], name: str = "header.csv") -> None:
        self.file(name, HEADER, [{"SEX": "1", "DOB": "01/02/2010", **r} for r in rows])

    def episodes(
        self, *rows: dict[str, str], name: str = "episodes.csv", extra: Sequence[str] = ()
    ) -> None:
        defaults = {"DECOM": "01/05/2017", "RNE": "S", "PLACE": "U4", "REC": "X1"}
        self.file(name, (*EPISODES, *extra), [{**defaults, **r} for r in rows])

    def oc3(self, *rows: dict[str, str]) -> None:
        self.file("oc3.csv", OC3, [{"IN_TOUCH": "YES", "ACTIV": "F2", **r} for r in rows])

    def child_in_care(self, child: str = "A1", **episode: str) -> None:
        self.header({"CHILD": child})
        self.episodes({"CHILD": child, **episode})

    def convert(self) -> ConversionReport:
        return convert_ssda903(self.source, self.out)

    def written(self, dataset: str) -> list[dict[str, str]]:
        return read_rows(self.out / f"{dataset}.csv")


@pytest.fixture
def folder(tmp_path: Path) -> Folder:
    return Folder(tmp_path)


# The fake sample ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[ConversionReport, Path]:
    if not SAMPLE.is_dir():
        pytest.skip("the SSDA903 sample is not here")
    out = tmp_path_factory.mktemp("sample") / "out"
    return convert_ssda903(SAMPLE, out), out


def sample_children() -> set[str]:
    children: set[str] = set()
    for path in SAMPLE.glob("*.csv"):
        children.update(row["CHILD"].strip() for row in read_rows(path))
    return children


@needs_sample
def test_the_sample_converts_into_four_datasets_with_their_row_counts(sample):
    report, out = sample
    assert report.written == {
        "episodes": 5050,
        "reviews": 12582,
        "care_leavers": 14,
        "care_leaver_contacts": 12,
    }
    assert sorted(p.name for p in out.iterdir()) == [
        "care_leaver_contacts.csv",
        "care_leavers.csv",
        "episodes.csv",
        "reviews.csv",
    ]


@needs_sample
def test_every_file_from_the_sample_has_data_md_columns_and_iso_dates(sample):
    _, out = sample
    for path in out.iterdir():
        dataset = DATASETS[path.stem]
        with path.open(encoding="utf-8", newline="") as f:
            header, *rows = list(csv.reader(f))
        assert tuple(header) == dataset.column_names
        for column in dataset.date_columns:
            index = header.index(column)
            assert all(re.fullmatch(r"(\d{4}-\d{2}-\d{2})?", r[index]) for r in rows), column


@needs_sample
def test_the_sample_report_names_each_placement_code_with_its_count(sample):
    report, _ = sample
    assert "episodes: PLACE P1 183 → placement_type home (183 rows)" in report.notes
    assert "episodes: PLACE U1 176, U2 183, U3 178 → placement_type kinship (537 rows)" in (
        report.notes
    )


@needs_sample
def test_the_sample_report_lists_unused_files_and_the_care_leavers_dropped_with_counts(sample):
    report, _ = sample
    unmapped = "\n".join(report.unmapped)
    for name in ("uasc.csv", "ad1.csv", "missing.csv", "previous_permanence.csv"):
        assert f"{name} not used" in unmapped
    assert "placed_for_adoption.csv not used" in unmapped
    assert "oc3.csv: 16 rows gave no care_leavers row" in unmapped
    assert "still looked after (latest episode open)" in unmapped
    assert "oc2.csv HEALTH_ASSESSMENT not used (0 1,311, 1 1,364)" in unmapped
    assert "health_assessments.csv not written" in unmapped


@needs_sample
def test_no_child_identifier_of_the_sample_appears_in_the_report(sample):
    report, _ = sample
    text = "\n".join(lines(report))
    # Counts are written with thousands separators, so a run of 5 or more digits is never a
    # count; shorter identifiers (32, 982, ...) could not be told from counts and row numbers.
    long_ids = {child for child in sample_children() if len(child) >= 5}
    assert len(long_ids) > 2000
    assert [child for child in long_ids if child in text] == []


@needs_sample
def test_rows_from_the_sample_keep_the_ssda903_order(sample):
    report, _ = sample
    for dataset, count in report.written.items():
        sources = [report.row_map[(dataset, n)][1] for n in range(2, count + 2)]
        assert sources == sorted(sources)
    assert report.row_map[("episodes", 2)] == ("episodes.csv", 2)
    assert report.row_map[("episodes", 5051)] == ("episodes.csv", 5051)


@needs_sample
def test_validation_problems_of_the_converted_sample_lead_back_to_ssda903_rows(sample):
    report, out = sample
    result = read_extract(out, extract_date=dt.date(2020, 3, 31))
    overlaps = [p for p in result.errors if p.rule == "episodes-overlap"]
    assert overlaps  # the sample was made to break rules
    for problem in (p for p in result.errors if p.row is not None):  # not "…and N more"
        file, row = report.row_map[(problem.file.removesuffix(".csv"), problem.row)]
        assert file.removesuffix(".csv") in {"episodes", "reviews", "oc3"}
        assert row >= 2


# Episodes, one rule at a time --------------------------------------------------------------


@pytest.mark.parametrize(
    ("place", "placement_type"),
    [
        ("P1", "home"),
        ("U1", "kinship"),
        ("U3", "kinship"),
        ("Q1", "kinship"),
        ("U4", "foster"),
        ("U6", "foster"),
        ("R1", "residential"),
        ("K2", "residential"),
        ("S1", "residential"),
        ("H5", "community_other"),
        ("A5", "community_other"),
        ("T2", "community_other"),
        ("Z1", "community_other"),
    ],
)
def test_each_place_code_becomes_its_placement_type(folder, place, placement_type):
    folder.child_in_care(PLACE=place)
    report = folder.convert()
    assert folder.written("episodes")[0]["placement_type"] == placement_type
    assert f"episodes: PLACE {place} 1 → placement_type {placement_type} (1 row)" in report.notes


def test_place_codes_are_matched_whatever_their_case_and_spaces(folder):
    folder.child_in_care(PLACE=" p1 ")
    folder.convert()
    assert folder.written("episodes")[0]["placement_type"] == "home"


def test_an_unknown_place_code_is_reported_with_its_count_and_passed_on_for_validation(folder):
    folder.header({"CHILD": "A1"})
    folder.episodes({"CHILD": "A1", "PLACE": "XX"}, {"CHILD": "A1", "PLACE": "XX"})
    report = folder.convert()
    assert [r["placement_type"] for r in folder.written("episodes")] == ["XX", "XX"]
    assert any("PLACE codes with no placement_type: XX 2 (2 rows)" in u for u in report.unmapped)


def test_sex_1_becomes_m_and_2_becomes_f(folder):
    folder.header({"CHILD": "A1", "SEX": "1"}, {"CHILD": "B2", "SEX": "2"})
    folder.episodes({"CHILD": "A1"}, {"CHILD": "B2"})
    report = folder.convert()
    assert [r["sex"] for r in folder.written("episodes")] == ["M", "F"]
    assert "episodes: SEX 1 → sex M (1 child)" in report.notes
    assert "episodes: SEX 2 → sex F (1 child)" in report.notes


def test_a_sex_other_than_1_or_2_becomes_u_and_is_reported(folder):
    folder.header({"CHILD": "A1", "SEX": "9"})
    folder.episodes({"CHILD": "A1"})
    report = folder.convert()
    assert folder.written("episodes")[0]["sex"] == "U"
    assert "header.csv SEX other than 1 or 2 → sex U (children by value: 9 1)" in report.unmapped


def test_date_of_birth_comes_from_the_header_row(folder):
    folder.header({"CHILD": "A1", "DOB": "27/03/2008"})
    folder.episodes({"CHILD": "A1"})
    folder.convert()
    assert folder.written("episodes")[0]["date_of_birth"] == "2008-03-27"


def test_uk_dates_become_iso_dates(folder):
    folder.child_in_care(DECOM="15/02/2016", DEC="4/8/2017", REC="E4A")
    folder.convert()
    episode = folder.written("episodes")[0]
    assert (episode["episode_start"], episode["episode_end"]) == ("2016-02-15", "2017-08-04")


def test_an_empty_dec_leaves_the_episode_open(folder):
    folder.child_in_care(DEC="")
    report = folder.convert()
    assert folder.written("episodes")[0]["episode_end"] == ""
    assert any("1 open with episode_end empty" in n for n in report.notes)


def test_a_value_that_is_no_date_is_passed_on_as_written_and_reported_with_its_row(folder):
    folder.header({"CHILD": "A1"})
    folder.episodes({"CHILD": "A1"}, {"CHILD": "A1", "DECOM": "31/02/2017"})
    report = folder.convert()
    assert folder.written("episodes")[1]["episode_start"] == "31/02/2017"
    assert any(
        u.startswith("episodes.csv DECOM: 1 value not a date (row 3)") for u in (report.unmapped)
    )


def test_an_episode_of_a_child_without_a_header_row_is_dropped_and_counted(folder):
    folder.header({"CHILD": "A1"})
    folder.episodes({"CHILD": "A1"}, {"CHILD": "NOHDR1"}, {"CHILD": "NOHDR1"})
    report = folder.convert()
    assert [r["child_id"] for r in folder.written("episodes")] == ["A1"]
    assert (
        "episodes.csv: 2 rows dropped (rows 3 and 4): the child has no row in header.csv, "
        "so no date of birth or sex"
    ) in report.unmapped


def test_row_map_points_each_episode_to_its_ssda903_row_past_dropped_rows(folder):
    folder.header({"CHILD": "A1"})
    folder.episodes(
        {"CHILD": "A1", "DECOM": "01/01/2016", "DEC": "01/01/2017"},
        {"CHILD": "NOHDR1"},
        {"CHILD": "A1", "DECOM": "01/01/2017"},
        name="Episodes.CSV",
    )
    report = folder.convert()
    assert report.row_map[("episodes", 2)] == ("Episodes.CSV", 2)
    assert report.row_map[("episodes", 3)] == ("Episodes.CSV", 4)
    assert ("episodes", 4) not in report.row_map


def test_file_names_are_matched_whatever_their_case(folder):
    folder.header({"CHILD": "A1"}, name="HEADER.csv")
    folder.episodes({"CHILD": "A1"}, name="Episodes.Csv")
    report = folder.convert()
    assert report.written == {"episodes": 1}


def test_placement_area_is_unknown_when_the_return_has_no_location_column(folder):
    folder.child_in_care()
    report = folder.convert()
    assert folder.written("episodes")[0]["placement_area"] == "unknown"
    assert any(n.startswith("episodes: placement_area unknown (1 row)") for n in report.notes)


def test_pl_location_in_and_out_give_in_area_and_out_of_area(folder):
    folder.header({"CHILD": "A1"})
    folder.episodes(
        {"CHILD": "A1", "DECOM": "01/01/2016", "DEC": "01/01/2017", "PL_LOCATION": "IN"},
        {"CHILD": "A1", "DECOM": "01/01/2017", "PL_LOCATION": "OUT"},
        extra=("PL_LOCATION",),
    )
    folder.convert()
    assert [r["placement_area"] for r in folder.written("episodes")] == ["in_area", "out_of_area"]


def test_a_file_missing_a_column_it_needs_is_not_used_and_reported(folder):
    folder.header({"CHILD": "A1"})
    folder.file("episodes.csv", ("CHILD", "DECOM", "DEC"), [{"CHILD": "A1", "DECOM": "01/05/2017"}])
    report = folder.convert()
    assert report.written == {}
    assert "episodes.csv not used: it has no column PLACE" in report.unmapped


def test_a_file_with_a_byte_order_mark_and_semicolons_is_read(folder):
    folder.header({"CHILD": "A1"})
    text = "\ufeffCHILD;DECOM;RNE;PLACE;DEC;REC\r\nA1;01/05/2017;S;P1;;X1\r\n"
    (folder.source / "episodes.csv").write_text(text, encoding="utf-8")
    folder.convert()
    assert folder.written("episodes")[0]["placement_type"] == "home"


def test_a_row_with_a_wrong_number_of_values_is_not_read_and_reported_with_its_row(folder):
    folder.header({"CHILD": "A1"})
    text = "CHILD,DECOM,PLACE,DEC\r\nA1,01/05/2017,P1,\r\nA1,01/06/2017,P1,,extra\r\n"
    (folder.source / "episodes.csv").write_text(text, encoding="utf-8")
    report = folder.convert()
    assert report.written == {"episodes": 1}
    assert any(u.startswith("episodes.csv (row 3): This row has") for u in report.unmapped)


# Reviews and health assessments ------------------------------------------------------------


def test_reviews_become_looked_after_reviews_in_the_ssda903_order(folder):
    reviews = [{"CHILD": "A1", "REVIEW": "30/08/2017"}, {"CHILD": "B2", "REVIEW": "01/06/2017"}]
    folder.file("reviews.csv", ("CHILD", "DOB", "REVIEW", "REVIEW_CODE"), reviews)
    report = folder.convert()
    assert folder.written("reviews") == [
        {"child_id": "A1", "review_date": "2017-08-30", "review_type": "looked_after"},
        {"child_id": "B2", "review_date": "2017-06-01", "review_type": "looked_after"},
    ]
    assert report.row_map[("reviews", 3)] == ("reviews.csv", 3)


def test_no_health_assessments_file_is_written_and_the_report_says_why(folder):
    folder.child_in_care(RNE="S")
    folder.file(
        "oc2.csv", ("CHILD", "HEALTH_ASSESSMENT"), [{"CHILD": "A1", "HEALTH_ASSESSMENT": "1"}]
    )
    report = folder.convert()
    assert not (folder.out / "health_assessments.csv").exists()
    assert any(u.startswith("health_assessments.csv not written") for u in report.unmapped)
    assert any("1 period of care" in u for u in report.unmapped)
    assert any(u.startswith("oc2.csv HEALTH_ASSESSMENT not used (1 1)") for u in report.unmapped)


# Care leavers and their contacts -----------------------------------------------------------


def leaver(folder: Folder, *, dec: str, rec: str = "E5", **oc3: str) -> ConversionReport:
    """A young person born 10/01/2001 whose last episode ends `dec`, in the 2017-18 return."""
    folder.header({"CHILD": "L1", "DOB": "10/01/2001"})
    folder.episodes(
        {"CHILD": "L1", "DECOM": "01/01/2016", "DEC": "01/06/2016", "REC": "X1"},
        {"CHILD": "L1", "DECOM": "01/06/2016", "DEC": dec, "REC": rec},
        {"CHILD": "OTHER9", "DECOM": "31/03/2018"},  # latest DECOM: the year is 2017-18
    )
    folder.oc3({"CHILD": "L1", "DOB": "10/01/2001", **oc3})
    return folder.convert()


def test_date_left_care_is_the_dec_of_the_last_episode_when_it_ends_care(folder):
    leaver(folder, dec="15/05/2017", rec="E5")
    assert folder.written("care_leavers") == [
        {"child_id": "L1", "date_of_birth": "2001-01-10", "date_left_care": "2017-05-15"}
    ]


def test_a_young_person_still_looked_after_gives_no_care_leaver_row_and_is_counted(folder):
    report = leaver(folder, dec="", rec="")
    assert not (folder.out / "care_leavers.csv").exists()
    assert any(
        u.startswith("oc3.csv: 1 row gave no care_leavers row (row 2): still looked after")
        for u in report.unmapped
    )


def test_leaving_care_before_the_16th_birthday_gives_no_care_leaver_row(folder):
    report = leaver(folder, dec="09/01/2017")
    assert not (folder.out / "care_leavers.csv").exists()
    assert any(u.endswith("left care before their 16th birthday") for u in report.unmapped)


def test_a_last_episode_ending_in_x1_gives_no_date_left_care(folder):
    report = leaver(folder, dec="15/05/2017", rec="X1")
    assert not (folder.out / "care_leavers.csv").exists()
    assert any("does not end care" in u for u in report.unmapped)


def test_a_young_person_who_died_is_not_written_as_a_care_leaver(folder):
    report = leaver(folder, dec="15/05/2017", IN_TOUCH="DIED")
    assert not (folder.out / "care_leavers.csv").exists()
    assert any(
        u.endswith("IN_TOUCH DIED (left out so that they never count as out of touch)")
        for u in report.unmapped
    )


def test_in_touch_yes_gives_a_contact_on_the_birthday_in_the_collection_year(folder):
    report = leaver(folder, dec="15/05/2017", IN_TOUCH="YES", ACTIV="F1")
    assert folder.written("care_leaver_contacts") == [
        {"child_id": "L1", "contact_date": "2018-01-10", "eet": "Y"}
    ]
    assert report.row_map[("care_leaver_contacts", 2)] == ("oc3.csv", 2)
    assert any(n.startswith("collection year 2017-18") for n in report.notes)


@pytest.mark.parametrize(("activ", "eet"), [("F1", "Y"), ("P3", "Y"), ("G5", "N"), ("0", "U")])
def test_activ_gives_eet(folder, activ, eet):
    leaver(folder, dec="15/05/2017", ACTIV=activ)
    assert folder.written("care_leaver_contacts")[0]["eet"] == eet


@pytest.mark.parametrize("code", ["NO", "REFU", "NREQ", "RHOM"])
def test_not_in_touch_gives_a_care_leaver_but_no_contact(folder, code):
    report = leaver(folder, dec="15/05/2017", IN_TOUCH=code)
    assert len(folder.written("care_leavers")) == 1
    assert not (folder.out / "care_leaver_contacts.csv").exists()
    assert f"care_leaver_contacts: IN_TOUCH {code} 1 → no contact" in report.notes


def test_a_young_person_born_on_29_february_has_their_contact_on_1_march(folder):
    leaver(folder, dec="15/05/2017", DOB="29/02/2000")
    assert folder.written("care_leaver_contacts")[0]["contact_date"] == "2018-03-01"


def test_a_birthday_outside_the_17th_to_21st_gives_no_contact(folder):
    report = leaver(folder, dec="15/05/2017", DOB="10/01/1995")
    assert not (folder.out / "care_leaver_contacts.csv").exists()
    assert any(u.endswith("no 17th to 21st birthday in 2017-18") for u in report.unmapped)


# Identifiers stay out of the report --------------------------------------------------------


def test_a_code_value_that_is_a_child_identifier_is_never_shown(folder):
    folder.header({"CHILD": "ZK41"})
    folder.episodes({"CHILD": "ZK41", "PLACE": "ZK41"})
    report = folder.convert()
    assert "ZK41" not in "\n".join(lines(report))
    assert any("(a value not shown" in u for u in report.unmapped)


def test_a_column_name_that_is_a_child_identifier_or_a_date_is_never_shown(folder):
    columns = ("CHILD", "REVIEW", "QX77R", "30/08/2017")  # as when a header row is lost
    folder.file("reviews.csv", columns, [{"CHILD": "QX77R", "REVIEW": "30/08/2017"}])
    report = folder.convert()
    text = "\n".join(lines(report))
    assert "QX77R" not in text
    assert "30/08/2017" not in text
    assert "reviews.csv columns not used: (a column not shown), (a column not shown)" in text


@given(st.text(max_size=20))
def test_a_shown_value_is_never_a_known_identifier(value):
    log = Log(frozenset({value.upper(), "ABC123"}))
    assert log.shown(value) != value or value == ""


# Folders -----------------------------------------------------------------------------------


def test_a_converted_consistent_return_validates_without_problems(folder):
    leaver(folder, dec="15/05/2017")
    result = read_extract(folder.out, extract_date=dt.date(2018, 6, 30))
    assert result.errors == []
    assert result.warnings == []


def test_the_output_folder_must_be_empty(folder):
    folder.child_in_care()
    folder.out.mkdir()
    (folder.out / "episodes.csv").write_text("old")
    with pytest.raises(Invalid):
        folder.convert()


def test_a_folder_without_ssda903_files_is_refused(folder):
    (folder.source / "notes.txt").write_text("nothing here")
    with pytest.raises(Invalid):
        folder.convert()


# Dates -------------------------------------------------------------------------------------


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_a_date_written_dd_mm_yyyy_or_iso_reads_back_as_itself(day):
    assert parse_date(day.strftime("%d/%m/%Y")) == day
    assert parse_date(day.isoformat()) == day


@given(st.text(max_size=30))
def test_reading_any_text_as_a_date_never_raises(text):
    parsed = parse_date(text)
    assert parsed is None or isinstance(parsed, dt.date)
