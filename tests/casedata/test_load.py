"""Loading an extract: validated, pseudonymised, kept as an immutable snapshot, its measures
computed and brought into the partnership's computed measures; by the service, the pages
and `trellis data load`."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from tests import factories
from tests.conftest import Cast, signed_in
from trellis.accounts.models import Membership
from trellis.audit.models import AuditEntry
from trellis.casedata.models import ComputedFigure, Snapshot
from trellis.casedata.services import (
    ExtractInvalid,
    read_snapshot,
    snapshot_create,
    snapshot_folder,
)
from trellis.casedata.tasks import compute_into
from trellis.errors import Forbidden
from trellis.measures.models import Measure, Observation

EXTRACT_DATE = dt.date(2020, 12, 31)
RAW_IDS = ("SECRETID001", "SECRETID002", "SECRETID003")
EPISODES = (
    "child_id,date_of_birth,sex,episode_start,episode_end,placement_type,placement_area\n"
    "SECRETID001,2010-05-01,F,2019-01-10,,foster,in_area\n"
    "secretid002 ,2012-07-14,M,2019-06-01,2020-08-01,home,in_area\n"
    "SECRETID003,2006-02-20,M,2020-02-03,,residential,out_of_area\n"
)
BROKEN = EPISODES + "SECRETID001,2010-05-01,F,2020-03-01,2020-02-01,foster,in_area\n"


def write(folder: Path, text: str = EPISODES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "episodes.csv").write_text(text, encoding="utf-8")
    return folder


def member(cast: Cast, role: str) -> Membership:
    person = getattr(cast, role)
    return Membership.objects.get(person=person, partnership=cast.partnership)


def load(cast: Cast, folder: Path) -> Snapshot:
    return snapshot_create(
        membership=member(cast, "analyst"),
        source=folder,
        source_name="extract",
        extract_date=EXTRACT_DATE,
    )


def load_on_the_command_line(
    cast: Cast,
    folder: Path,
    *,
    stdout: io.StringIO | None = None,
    stderr: io.StringIO | None = None,
) -> None:
    """`trellis data load FOLDER` as the cast's analyst."""
    call_command(
        "data",
        "load",
        str(folder),
        "--as",
        cast.analyst.email,
        "--partnership",
        cast.partnership.slug,
        "--extract-date",
        str(EXTRACT_DATE),
        stdout=stdout or io.StringIO(),
        stderr=stderr or io.StringIO(),
    )


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings.DATA_DIR = tmp_path / "data"


# The service


def test_an_analyst_loads_an_extract_kept_as_pseudonymised_parquet(
    cast: Cast, tmp_path: Path
) -> None:
    snapshot = load(cast, write(tmp_path / "in"))

    assert snapshot.manifest["datasets"]["episodes"]["rows"] == 3
    tables = read_snapshot(snapshot)
    ids = tables["episodes"].column("child_id").to_pylist()
    assert len(set(ids)) == 3 and not set(ids) & set(RAW_IDS)
    assert AuditEntry.objects.filter(verb="casedata.load", object_id=str(snapshot.pk)).exists()


def test_no_raw_identifier_is_in_any_stored_byte(cast: Cast, tmp_path: Path) -> None:
    snapshot = load(cast, write(tmp_path / "in"))
    compute_into(snapshot)

    stored = b"".join(p.read_bytes() for p in snapshot_folder(snapshot).rglob("*"))
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    for raw in RAW_IDS:
        assert raw.encode() not in stored.upper()
        assert raw not in dump.getvalue().upper()


def test_the_same_child_gets_the_same_pseudonym_in_a_second_upload(
    cast: Cast, tmp_path: Path
) -> None:
    first = read_snapshot(load(cast, write(tmp_path / "a")))["episodes"]
    second = read_snapshot(load(cast, write(tmp_path / "b")))["episodes"]
    assert first.column("child_id").to_pylist() == second.column("child_id").to_pylist()


def test_an_extract_with_an_error_stores_nothing(cast: Cast, tmp_path: Path) -> None:
    with pytest.raises(ExtractInvalid) as refused:
        load(cast, write(tmp_path / "in", BROKEN))

    assert refused.value.problems
    assert not Snapshot.objects.exists()
    assert not (tmp_path / "data" / "snapshots").exists() or not any(
        (tmp_path / "data" / "snapshots").rglob("*.parquet")
    )


@pytest.mark.parametrize("role", ["owner", "lead", "board", "inspector", "admin"])
def test_only_analysts_load_extracts(cast: Cast, tmp_path: Path, role: str) -> None:
    with pytest.raises(Forbidden):
        snapshot_create(
            membership=member(cast, role),
            source=write(tmp_path / "in"),
            source_name="x",
            extract_date=EXTRACT_DATE,
        )
    assert not Snapshot.objects.exists()


def test_a_changed_snapshot_file_is_detected(cast: Cast, tmp_path: Path) -> None:
    snapshot = load(cast, write(tmp_path / "in"))
    parquet = snapshot_folder(snapshot) / "episodes.parquet"
    parquet.write_bytes(parquet.read_bytes() + b"x")

    with pytest.raises(Exception, match="changed"):
        read_snapshot(snapshot)


# Computing


def test_computing_keeps_every_figure_and_fills_the_computed_measures(
    cast: Cast, tmp_path: Path
) -> None:
    measure = factories.looked_after_measure(cast.partnership)
    snapshot = load(cast, write(tmp_path / "in"))

    compute_into(snapshot)

    snapshot.refresh_from_db()
    assert (snapshot.status, snapshot.progress) == ("computed", 100)
    q3 = Observation.objects.get(measure=measure, period_ends=dt.date(2020, 9, 30))
    # On 30 September 2020: SECRETID001 (foster) and SECRETID003 (residential); 002 left.
    assert (q3.value, q3.snapshot_id, q3.definition) == (2, snapshot.pk, "looked_after@1")
    assert ComputedFigure.objects.filter(
        snapshot=snapshot, measure="looked_after", group="placement_type=residential"
    ).exists()


def test_a_second_computation_changes_nothing_already_right(cast: Cast, tmp_path: Path) -> None:
    factories.looked_after_measure(cast.partnership)
    compute_into(load(cast, write(tmp_path / "a")))
    versions = list(Observation.objects.values_list("version", flat=True))

    compute_into(load(cast, write(tmp_path / "b")))

    assert list(Observation.objects.values_list("version", flat=True)) == versions


# The pages


def upload(client, text: str = EPISODES, name: str = "episodes.csv", date: str = "2020-12-31"):  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("casedata:data-home", args=["riverside-test"]),
        {
            "extract_date": date,
            "layout": "trellis",
            "file": SimpleUploadedFile(name, text.encode()),
        },
    )


def test_an_analyst_uploads_an_extract_and_follows_it(cast: Cast) -> None:
    client = signed_in(cast.analyst)
    response = upload(client)

    snapshot = Snapshot.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"/data/snapshots/{snapshot.pk}/")
    page = client.get(response["Location"]).content.decode()
    assert "episodes" in page and snapshot.manifest["datasets"]["episodes"]["sha256"] in page


def test_an_upload_with_errors_lists_them_stores_nothing_and_offers_a_csv(cast: Cast) -> None:
    client = signed_in(cast.analyst)
    response = upload(client, BROKEN)

    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="problem-table"' in page
    assert not Snapshot.objects.exists()
    for raw in RAW_IDS:
        assert raw not in page.upper()
    csv_text = client.get(reverse("casedata:report-csv", args=["riverside-test"])).content
    assert b"file,row,column,rule,message" in csv_text
    assert b"episodes" in csv_text


def test_an_empty_file_is_refused_by_the_form(cast: Cast) -> None:
    response = upload(signed_in(cast.analyst), "")
    assert response.status_code == 400
    assert not Snapshot.objects.exists()


def test_a_future_extract_date_is_refused(cast: Cast) -> None:
    response = upload(signed_in(cast.analyst), date="2999-01-01")
    assert response.status_code == 400
    assert not Snapshot.objects.exists()


@pytest.mark.parametrize("role", ["owner", "lead", "board", "inspector", "admin"])
def test_the_data_pages_are_for_analysts_only(cast: Cast, role: str) -> None:
    response = signed_in(getattr(cast, role)).get(
        reverse("casedata:data-home", args=["riverside-test"])
    )
    assert response.status_code == 403


# The command


def test_the_command_loads_and_computes(cast: Cast, tmp_path: Path) -> None:
    out = io.StringIO()
    load_on_the_command_line(cast, write(tmp_path / "in"), stdout=out)
    snapshot = Snapshot.objects.get()
    assert snapshot.status == "computed"
    assert f"Stored snapshot {snapshot.pk}: 3 rows" in out.getvalue()


def test_the_command_refuses_a_broken_extract_naming_rows_not_children(
    cast: Cast, tmp_path: Path
) -> None:
    err = io.StringIO()
    with pytest.raises(CommandError):
        load_on_the_command_line(cast, write(tmp_path / "in", BROKEN), stderr=err)
    assert "row 5" in err.getvalue()
    assert "SECRETID" not in err.getvalue().upper()
    assert not Snapshot.objects.exists()


def test_validate_prints_the_report_as_json(tmp_path: Path) -> None:
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "data",
            "validate",
            str(write(tmp_path / "in", BROKEN)),
            "--extract-date",
            "2020-12-31",
            "--json",
            stdout=out,
        )
    report = json.loads(out.getvalue())
    assert set(report) == {"errors", "warnings"}
    assert {"file", "row", "column", "rule", "message"} == set(report["errors"][0])


def test_compute_prints_the_measure_rows_as_json(tmp_path: Path) -> None:
    out = io.StringIO()
    call_command(
        "data",
        "compute",
        str(write(tmp_path / "in")),
        "--from",
        "2020-01-01",
        "--to",
        "2020-12-31",
        "--extract-date",
        "2020-12-31",
        "--json",
        stdout=out,
    )
    rows = json.loads(out.getvalue())
    q3 = [
        r
        for r in rows
        if r["measure"] == "looked_after" and r["period_end"] == "2020-09-30" and not r["breakdown"]
    ]
    assert q3 == [
        {
            "measure": "looked_after",
            "period_start": "2020-07-01",
            "period_end": "2020-09-30",
            "breakdown": None,
            "numerator": 2,
            "denominator": None,
            "value": 2,
            "provisional": False,
        }
    ]


def test_pseudonymise_gives_the_key_holder_the_same_pseudonyms_as_the_snapshot(
    cast: Cast, tmp_path: Path
) -> None:
    snapshot = load(cast, write(tmp_path / "in"))
    ids = tmp_path / "ids.txt"
    ids.write_text("child_id\nSECRETID003\n", encoding="utf-8")
    out = io.StringIO()

    call_command(
        "data", "pseudonymise", str(ids), "--partnership", cast.partnership.slug, stdout=out
    )

    [_header, line] = out.getvalue().splitlines()
    identifier, pseudonym = line.split(",")
    stored = read_snapshot(snapshot)["episodes"].column("child_id").to_pylist()
    assert identifier == "SECRETID003" and pseudonym == stored[2]


def test_a_file_over_the_browser_limit_is_refused_as_too_large(cast: Cast, settings) -> None:  # type: ignore[no-untyped-def]
    settings.TRELLIS_EXTRACT_MAX_BYTES = 1000
    response = upload(signed_in(cast.analyst), EPISODES * 20)

    assert response.status_code == 400
    assert "The file is over 0 MB: load it with trellis data load." in response.content.decode()
    assert not Snapshot.objects.exists()


def test_the_upload_page_states_the_configured_limit(cast: Cast, settings) -> None:  # type: ignore[no-untyped-def]
    settings.TRELLIS_EXTRACT_MAX_BYTES = 50 * 1024 * 1024
    page = signed_in(cast.analyst).get(reverse("casedata:data-home", args=[cast.partnership.slug]))

    assert "a zip of several, up to 50 MB." in page.content.decode()


def test_an_ssda903_return_is_validated_and_problems_name_its_own_rows(tmp_path: Path) -> None:
    source = tmp_path / "ssda903"
    source.mkdir()
    (source / "header.csv").write_text(
        "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
        "900001,1,01/05/2010,WBRI,,,\n"
        "900002,2,14/07/2012,WBRI,,,\n",
        encoding="utf-8",
    )
    (source / "episodes.csv").write_text(
        "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC\n"
        "900001,10/01/2019,S,C2,N1,U4,PR1,,\n"
        "900002,01/06/2019,S,C2,N1,P1,PR1,01/05/2019,E11\n",
        encoding="utf-8",
    )
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError):
        call_command(
            "data",
            "validate",
            str(source),
            "--format",
            "ssda903",
            "--extract-date",
            "2020-12-31",
            "--json",
            stdout=out,
            stderr=err,
        )

    [problem] = json.loads(out.getvalue())["errors"]
    assert (problem["file"], problem["row"], problem["column"]) == (
        "episodes.csv",
        3,
        "episode_end",
    )
    assert "900002" not in out.getvalue() + err.getvalue()


# A computed measure's page: where its figures come from, broken down by group


def looked_after_page(cast: Cast, tmp_path: Path, role: str) -> str:
    """The page of a count of children looked after; the partnership hides counts of 1 only,
    so the total of 2 shows and each child's group is withheld."""
    type(cast.partnership).objects.filter(pk=cast.partnership.pk).update(disclosure_min_count=2)
    measure = factories.looked_after_measure(cast.partnership, counts_children=True)
    compute_into(load(cast, write(tmp_path / "in")))
    url = reverse("measures:measure-detail", args=[cast.partnership.slug, measure.pk])
    return signed_in(getattr(cast, role)).get(url).content.decode()


def breakdown(page: str, field: str) -> str:
    import re

    found = re.search(rf'id="breakdown-{field}">.*?</table>', page, re.S)
    assert found is not None, f"no breakdown by {field}"
    return found.group(0)


def test_a_computed_measure_says_which_extract_and_definition_made_it(
    cast: Cast, tmp_path: Path
) -> None:
    page = looked_after_page(cast, tmp_path, "board")

    assert 'id="provenance"' in page
    assert "looked_after@1" in page and "31 December 2020" in page


def test_the_analyst_sees_the_latest_figure_by_sex_in_full(cast: Cast, tmp_path: Path) -> None:
    table = breakdown(looked_after_page(cast, tmp_path, "analyst"), "sex")

    # Q4 2020: SECRETID001 (F) and SECRETID003 (M) are looked after.
    assert ">f<" in table and ">m<" in table
    assert "[c]" not in table


def test_a_board_member_sees_groups_of_one_child_withheld(cast: Cast, tmp_path: Path) -> None:
    table = breakdown(looked_after_page(cast, tmp_path, "board"), "sex")

    assert table.count("[c]") == 2


def test_a_snapshot_describes_itself_beside_its_files(cast: Cast, tmp_path: Path) -> None:
    snapshot = load(cast, write(tmp_path / "in"))

    manifest = json.loads((snapshot_folder(snapshot) / "manifest.json").read_text())

    assert manifest["uploaded_by"] == cast.analyst.email
    assert manifest["extract_date"] == "2020-12-31"
    assert manifest["datasets"]["episodes"]["rows"] == 3


def test_computing_creates_a_measure_for_every_built_in_definition_once(
    cast: Cast, tmp_path: Path
) -> None:
    compute_into(load(cast, write(tmp_path / "a")))
    made = set(Measure.objects.filter(source="computed").values_list("definition", flat=True))
    count = Measure.objects.count()

    compute_into(load(cast, write(tmp_path / "b")))

    assert {"looked_after", "balance_of_care", "iha_within_4_weeks"} <= made
    assert Measure.objects.count() == count


def test_the_attendance_gap_is_charted_per_academic_year_in_percentage_points(
    cast: Cast, tmp_path: Path
) -> None:
    # On 31 July 2020 SECRETID002 is at home, the other two in foster and residential care.
    folder = write(tmp_path / "in")
    (folder / "attendance.csv").write_text(
        "child_id,academic_year,possible_sessions,attended_sessions\n"
        "SECRETID001,2019/20,200,190\n"
        "SECRETID002,2019/20,200,150\n"
        "SECRETID003,2019/20,200,170\n",
        encoding="utf-8",
    )
    compute_into(load(cast, folder))

    figures = {
        m.code: (
            m.frequency,
            m.unit,
            m.chart,
            [(o.period_ends, o.value) for o in m.observations.all()],
        )
        for m in Measure.objects.filter(definition="attendance_gap")
    }

    july = dt.date(2020, 7, 31)
    assert figures["ATT-HOME"] == ("academic", "%", "p", [(july, pytest.approx(75.0))])
    assert figures["ATT-AWAY"] == ("academic", "%", "p", [(july, pytest.approx(90.0))])
    # 2018/19 ended inside the extract with no attendance rows: a gap of nothing.
    assert figures["ATT-GAP"] == (
        "academic",
        "percentage points",
        "i",
        [(dt.date(2019, 7, 31), None), (july, pytest.approx(-15.0))],
    )


# The records behind a figure


def computed_looked_after(cast: Cast, tmp_path: Path) -> Observation:
    measure = factories.looked_after_measure(cast.partnership)
    compute_into(load(cast, write(tmp_path / "in")))
    return Observation.objects.get(measure=measure, period_ends=dt.date(2020, 9, 30))


def test_the_analyst_downloads_the_pseudonymised_records_behind_a_figure(
    cast: Cast, tmp_path: Path
) -> None:
    figure = computed_looked_after(cast, tmp_path)
    url = reverse("casedata:figure-records", args=[cast.partnership.slug, figure.pk])

    response = signed_in(cast.analyst).get(url)

    body = response.content.decode("utf-8-sig")
    lines = body.strip().splitlines()
    assert response["Content-Disposition"].startswith("attachment")
    assert "child_id" in lines[0]
    assert len(lines) - 1 == figure.value == 2
    assert not any(raw in body.upper() for raw in RAW_IDS)
    assert AuditEntry.objects.filter(verb="casedata.records").count() == 1


@pytest.mark.parametrize("role", ["owner", "board", "lead"])
def test_no_one_but_an_analyst_gets_the_records(cast: Cast, tmp_path: Path, role: str) -> None:
    figure = computed_looked_after(cast, tmp_path)
    url = reverse("casedata:figure-records", args=[cast.partnership.slug, figure.pk])

    assert signed_in(getattr(cast, role)).get(url).status_code == 403
    assert not AuditEntry.objects.filter(verb="casedata.records").exists()


def test_the_measure_page_links_each_computed_figure_to_its_records_for_analysts_only(
    cast: Cast, tmp_path: Path
) -> None:
    figure = computed_looked_after(cast, tmp_path)
    link = reverse("casedata:figure-records", args=[cast.partnership.slug, figure.pk])
    page = reverse("measures:measure-detail", args=[cast.partnership.slug, figure.measure_id])

    assert link in signed_in(cast.analyst).get(page).content.decode()
    assert link not in signed_in(cast.owner).get(page).content.decode()
