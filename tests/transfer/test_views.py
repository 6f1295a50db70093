"""The import pages and the export page, for each kind of person and input."""

from __future__ import annotations

import datetime as dt
import io
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.conftest import Cast, signed_in
from tests.transfer import councils
from trellis.accounts.models import Role
from trellis.audit.models import AuditEntry
from trellis.plans.models import Action, Plan
from trellis.progress.models import ProgressUpdate
from trellis.transfer.models import PendingImport

ODD_HEADINGS = (
    "Outcome,Workstream,Action,Lead officer,Narrative\n"
    "Children are safe,Front door,One referral form,Duty Manager,June 2020: form live\n"
    ",,Same-day triage,Duty Manager,September 2020: triage in place (Green)\n"
)


def start_url(cast: Cast) -> str:
    return reverse("transfer:import", args=[cast.partnership.slug])


def review_url(cast: Cast, pending: PendingImport) -> str:
    return reverse("transfer:review", args=[cast.partnership.slug, pending.pk])


def upload(client: object, cast: Cast, data: bytes, name: str) -> object:
    return client.post(start_url(cast), {"file": SimpleUploadedFile(name, data)})  # type: ignore[attr-defined]


def review_post(
    pending: PendingImport, mapping: list[str], do: str, **extra: str
) -> dict[str, str]:
    data = {
        "title": "Imported plan",
        "starts": "2020-04-01",
        "ends": "2021-03-31",
        "version": str(pending.version),
        "do": do,
        **{f"col_{i}": field or "" for i, field in enumerate(mapping)},
    }
    data.update(extra)
    return data


def test_an_owner_imports_a_plan_after_fixing_two_headings(cast: Cast) -> None:
    client = signed_in(cast.owner)
    response = upload(client, cast, ODD_HEADINGS.encode(), "plan.csv")
    pending = PendingImport.objects.get()
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert pending.mapping == ["outcome", None, "action", "lead", None]
    page = client.get(review_url(cast, pending))
    assert page.status_code == 200 and b"Workstream" in page.content
    fixed = ["outcome", "driver", "action", "lead", "update"]
    response = client.post(review_url(cast, pending), review_post(pending, fixed, "preview"))
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.mapping == fixed and not Plan.objects.filter(title="Imported plan").exists()
    response = client.post(review_url(cast, pending), review_post(pending, fixed, "import"))
    plan = Plan.objects.get(title="Imported plan")
    assert response.status_code == 302 and response["Location"].endswith(f"/plans/{plan.pk}/")
    driver = plan.outcomes.get().drivers.get()
    assert driver.title == "Front door"
    assert [a.title for a in driver.actions.all()] == ["One referral form", "Same-day triage"]
    updates = ProgressUpdate.objects.filter(action__driver=driver).order_by("period__starts")
    assert [(u.period.starts, u.rag) for u in updates] == [
        (dt.date(2020, 4, 1), "not-started"),
        (dt.date(2020, 7, 1), "green"),
    ]
    assert not PendingImport.objects.exists()
    verbs = set(AuditEntry.objects.values_list("verb", flat=True))
    assert {"import.read", "import.map", "plan.import", "import.done"} <= verbs


def test_every_problem_is_listed_and_nothing_is_saved(cast: Cast) -> None:
    client = signed_in(cast.owner)
    upload(client, cast, councils.riverside_docx(), "riverside.docx")
    pending = PendingImport.objects.get()
    plans = Plan.objects.count()
    data = review_post(pending, pending.mapping, "import", starts="2020-10-01", ends="2020-12-31")
    response = client.post(review_url(cast, pending), data)
    assert response.status_code == 400
    problems = response.context["problems"]
    assert len(problems) == 3 and all("outside the plan's dates" in p for p in problems)
    assert (
        Plan.objects.count() == plans
        and Action.objects.filter(title__startswith="By 30").count() == 0
    )
    assert PendingImport.objects.filter(pk=pending.pk).exists()


def test_a_stale_review_is_refused(cast: Cast) -> None:
    client = signed_in(cast.owner)
    upload(client, cast, ODD_HEADINGS.encode(), "plan.csv")
    pending = PendingImport.objects.get()
    stale = review_post(pending, pending.mapping, "preview")
    client.post(review_url(cast, pending), review_post(pending, pending.mapping, "preview"))
    response = client.post(review_url(cast, pending), stale)
    assert response.status_code == 400
    assert "another window" in response.content.decode()


def test_an_unreadable_file_is_explained_and_nothing_is_kept(cast: Cast) -> None:
    response = upload(signed_in(cast.owner), cast, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "plan.xlsx")
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "old Word or Excel file" in response.content.decode()  # type: ignore[attr-defined]
    assert not PendingImport.objects.exists()


def test_a_file_and_text_together_are_refused(cast: Cast) -> None:
    client = signed_in(cast.owner)
    response = client.post(
        start_url(cast),
        {"file": SimpleUploadedFile("p.csv", b"Outcome,Action\nA,B\n"), "text": "Outcome\tAction"},
    )
    assert response.status_code == 400 and "text" in response.context["form"].errors
    assert client.post(start_url(cast), {}).status_code == 400


def test_pasted_text_is_read_like_a_file(cast: Cast) -> None:
    client = signed_in(cast.owner)
    response = client.post(start_url(cast), {"text": councils.WESTMOOR_TEXT})
    assert response.status_code == 302
    assert PendingImport.objects.get().source_format == "text"


def test_a_lead_cannot_import(cast: Cast) -> None:
    response = upload(signed_in(cast.lead), cast, ODD_HEADINGS.encode(), "plan.csv")
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert not PendingImport.objects.exists()


def test_another_owner_cannot_see_or_discard_my_import(cast: Cast) -> None:
    upload(signed_in(cast.owner), cast, ODD_HEADINGS.encode(), "plan.csv")
    pending = PendingImport.objects.get()
    other = signed_in(factories.person(cast.partnership, Role.OWNER, email="o2@example.org"))
    assert other.get(review_url(cast, pending)).status_code == 404
    discard = reverse("transfer:discard", args=[cast.partnership.slug, pending.pk])
    assert other.post(discard).status_code == 404
    assert PendingImport.objects.filter(pk=pending.pk).exists()


def test_an_expired_import_is_gone(cast: Cast) -> None:
    client = signed_in(cast.owner)
    upload(client, cast, ODD_HEADINGS.encode(), "plan.csv")
    pending = PendingImport.objects.get()
    PendingImport.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert client.get(review_url(cast, pending)).status_code == 404
    upload(client, cast, ODD_HEADINGS.encode(), "plan.csv")  # the next upload clears it away
    assert list(PendingImport.objects.values_list("pk", flat=True)) != [pending.pk]
    assert PendingImport.objects.count() == 1


def test_discarding_deletes_the_import_and_says_so_in_the_log(cast: Cast) -> None:
    client = signed_in(cast.owner)
    upload(client, cast, ODD_HEADINGS.encode(), "plan.csv")
    pending = PendingImport.objects.get()
    response = client.post(reverse("transfer:discard", args=[cast.partnership.slug, pending.pk]))
    assert response.status_code == 302 and not PendingImport.objects.exists()
    assert AuditEntry.objects.filter(verb="import.discard").exists()


def csv_plan(actions: int) -> bytes:
    rows = ["Outcome,Key driver,Action,Measure,Lead,Progress update"]
    rows += [
        f"Safe,Seen,Action {n},50% by 31 March 2021,CPC Chair,June 2020: done"
        for n in range(actions)
    ]
    return "\n".join(rows).encode()


def test_the_review_page_costs_the_same_for_3_and_30_actions(cast: Cast) -> None:
    client = signed_in(cast.owner)
    counts = []
    for size in (3, 30):
        upload(client, cast, csv_plan(size), f"plan{size}.csv")
        pending = PendingImport.objects.latest("pk")
        client.get(review_url(cast, pending))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(review_url(cast, pending)).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_export_costs_the_same_for_3_and_30_actions(cast: Cast) -> None:
    client = signed_in(cast.owner)
    counts = []
    for size in (3, 30):
        upload(client, cast, csv_plan(size), f"plan{size}.csv")
        pending = PendingImport.objects.latest("pk")
        client.post(review_url(cast, pending), review_post(pending, pending.mapping, "import"))
        plan = Plan.objects.latest("pk")
        for name, args in (("transfer:export", []), ("transfer:download", ["json"])):
            url = reverse(name, args=[cast.partnership.slug, plan.pk, *args])
            client.get(url)
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            counts.append((size, name, len(captured)))
    assert [c[2] for c in counts[:2]] == [c[2] for c in counts[2:]]


def test_a_board_member_downloads_every_format(cast: Cast) -> None:
    client = signed_in(cast.board)
    for fmt in ("xlsx", "docx", "csv", "json"):
        url = reverse("transfer:download", args=[cast.partnership.slug, cast.plan.pk, fmt])
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Disposition"].startswith(
            "attachment"
        )
    url = reverse("transfer:download", args=[cast.partnership.slug, cast.plan.pk, "exe"])
    assert client.get(url).status_code == 404


def test_restricted_updates_are_left_out_of_an_export_for_those_outside_the_group(
    cast: Cast,
) -> None:
    from trellis.accounts.models import Group

    action = Action.objects.filter(driver__outcome__plan=cast.plan)[0]
    update = factories.update(action)
    ProgressUpdate.objects.filter(pk=update.pk).update(state="accepted", narrative="Police detail")
    update.restricted_to.set([Group.objects.create(partnership=cast.partnership, name="Police")])
    url = reverse("transfer:download", args=[cast.partnership.slug, cast.plan.pk, "json"])
    board = json.loads(signed_in(cast.board).get(url).content)
    owner = json.loads(signed_in(cast.owner).get(url).content)
    assert "Police detail" not in json.dumps(board) and "Police detail" in json.dumps(owner)


def test_the_xlsx_export_is_a_workbook_with_the_six_columns(cast: Cast) -> None:
    from openpyxl import load_workbook

    url = reverse("transfer:download", args=[cast.partnership.slug, cast.plan.pk, "xlsx"])
    book = load_workbook(io.BytesIO(signed_in(cast.board).get(url).content))
    first = [c.value for c in book.active[1]]
    assert first[0] == "Stretch outcome aim" and first[5] == "Progress update"


def test_a_file_over_the_limit_is_stopped_on_its_way_in(cast: Cast, settings: object) -> None:
    settings.TRELLIS_UPLOAD_MAX_BYTES = 1000  # type: ignore[attr-defined]
    response = upload(signed_in(cast.owner), cast, b"Outcome,Action\n" + b"x" * 5000, "big.csv")
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "file" in response.context["form"].errors  # type: ignore[attr-defined]
    assert not PendingImport.objects.exists()


def test_the_import_page_lists_my_unfinished_imports_only(cast: Cast) -> None:
    upload(signed_in(cast.owner), cast, ODD_HEADINGS.encode(), "mine.csv")
    other = factories.person(cast.partnership, Role.OWNER, email="o3@example.org")
    upload(signed_in(other), cast, ODD_HEADINGS.encode(), "theirs.csv")
    page = signed_in(cast.owner).get(start_url(cast)).content.decode()
    assert "mine.csv" in page and "theirs.csv" not in page


def test_a_plan_of_another_partnership_cannot_be_exported(cast: Cast) -> None:
    other_plan = factories.plan_tree(cast.other, actions=1)
    for name, args in (("transfer:export", []), ("transfer:download", ["json"])):
        url = reverse(name, args=[cast.partnership.slug, other_plan.pk, *args])
        assert signed_in(cast.owner).get(url).status_code == 404
