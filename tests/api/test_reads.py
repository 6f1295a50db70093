"""Reading through the API: every collection scoped to the caller's partnership, paged and
filtered, with ETags, the same visibility rules as the pages (restricted updates,
disclosure control), and formula-safe CSV."""

from __future__ import annotations

import csv
import io

from django.test import Client

from tests import factories
from tests.api.conftest import Api, token_of, url
from tests.conftest import Cast
from tests.measures.factories import measure
from trellis.accounts.models import Group
from trellis.api.registry import COLLECTIONS
from trellis.measures.models import Measure
from trellis.plans.models import Action, Plan


def csv_rows(response: object) -> list[dict[str, str]]:
    text = response.content.decode("utf-8-sig")  # type: ignore[attr-defined]
    return list(csv.DictReader(io.StringIO(text)))


def test_every_collection_lists_only_the_partnerships_records(cast: Cast) -> None:
    factories.plan_tree(cast.other, actions=3)  # the outsider's, never listed here
    api = Api(token_of(cast.inspector, "read"))

    actions = api.get(url(cast, "actions")).json()

    assert {a["id"] for a in actions["data"]} == set(
        Action.objects.filter(partnership=cast.partnership).values_list("pk", flat=True)
    )
    for name in COLLECTIONS:
        assert api.get(url(cast, name)).status_code == 200, name
        assert api.get(url(cast, name + ".csv")).status_code == 200, name


def test_another_partnership_and_its_records_do_not_exist_for_the_caller(cast: Cast) -> None:
    theirs = factories.plan_tree(cast.other, actions=3)
    api = Api(token_of(cast.owner, "write"))
    outsider = Api(token_of(cast.outsider, "write"))

    assert api.get(f"/api/v1/p/{cast.other.slug}/plans").status_code == 404
    assert api.get(url(cast, "actions"), {"plan": theirs.pk}).status_code == 404
    assert outsider.get(url(cast, "plans")).json()["error"]["code"] == "not_found"
    assert outsider.get(url(cast, "plans.csv")).status_code == 404


def test_the_partnerships_endpoint_lists_the_callers_own_with_their_roles(cast: Cast) -> None:
    listed = Api(token_of(cast.board, "read")).get("/api/v1/partnerships").json()["data"]

    assert listed == [
        {
            "slug": cast.partnership.slug,
            "name": cast.partnership.name,
            "nation": "scotland",
            "roles": ["board"],
        }
    ]


def test_a_collection_comes_in_pages_with_links(cast: Cast) -> None:
    api = Api(token_of(cast.board, "read"))

    first = api.get(url(cast, "milestones"), {"page_size": 4}).json()
    second = api.get(url(cast, "milestones"), {"page_size": 4, "page": 2}).json()

    assert first["meta"] == {"page": 1, "page_size": 4, "total": 6, "pages": 2}
    assert first["links"]["prev"] is None and "page=2" in first["links"]["next"]
    assert len(second["data"]) == 2 and second["links"]["next"] is None
    ids = [m["id"] for m in first["data"] + second["data"]]
    assert len(set(ids)) == 6


def test_filters_by_plan_and_period(cast: Cast) -> None:
    other_plan = factories.plan_tree(cast.partnership, actions=3)
    action = Action.objects.filter(driver__outcome__plan=cast.plan).first()
    first = factories.update(action, period_index=0)
    factories.update(action, period_index=1)
    api = Api(token_of(cast.board, "read"))

    by_plan = api.get(url(cast, "actions"), {"plan": other_plan.pk}).json()["data"]
    by_period = api.get(url(cast, "updates"), {"period": first.period_id}).json()["data"]
    wrong = api.get(url(cast, "updates"), {"plan": other_plan.pk, "period": first.period_id})

    assert {a["plan"] for a in by_plan} == {other_plan.pk} and len(by_plan) == 3
    assert [u["id"] for u in by_period] == [first.pk]
    assert wrong.status_code == 400


def test_bad_parameters_are_400_with_the_error_body(cast: Cast) -> None:
    api = Api(token_of(cast.board, "read"))

    too_far = {"page": str(10**9 + 1)}  # the document's maximum is 10**9
    for params in ({"plan": "x"}, {"page": "0"}, too_far, {"page_size": "201"}, {"colour": "red"}):
        refused = api.get(url(cast, "actions"), params)
        assert refused.status_code == 400, params
        error = refused.json()["error"]
        assert error["code"] == "invalid" and error["details"]["fields"], params


def test_a_read_carries_an_etag_and_answers_304_when_nothing_changed(cast: Cast) -> None:
    api = Api(token_of(cast.board, "read"))
    first = api.get(url(cast, "plans"))

    unchanged = api.get(url(cast, "plans"), **{"If-None-Match": first["ETag"]})
    Plan.objects.filter(pk=cast.plan.pk).update(title="Renamed")
    changed = api.get(url(cast, "plans"), **{"If-None-Match": first["ETag"]})

    assert unchanged.status_code == 304 and unchanged.content == b""
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]


def test_a_restricted_updates_content_is_hidden_from_those_the_pages_hide_it_from(
    cast: Cast,
) -> None:
    action = Action.objects.filter(driver__outcome__plan=cast.plan).first()
    update = factories.update(action, rag="red")
    police = Group.objects.create(partnership=cast.partnership, name="Police operations")
    update.restricted_to.add(police)

    board = Api(token_of(cast.board, "read")).get(url(cast, "updates")).json()["data"][0]
    owner = Api(token_of(cast.owner, "read")).get(url(cast, "updates")).json()["data"][0]
    police.members.add(cast.board)
    member = Api(token_of(cast.board, "read", name="again")).get(url(cast, "updates"))

    assert board["restricted"] is True and board["rag"] is None and board["narrative"] is None
    assert owner["rag"] == "red" and owner["narrative"]
    assert member.json()["data"][0]["rag"] == "red"


def test_a_small_count_of_children_is_withheld_from_all_but_analysts(cast: Cast) -> None:
    made = measure(cast, kind="count", values=[12, 3, 14])
    Measure.objects.filter(pk=made.pk).update(counts_children=True)

    def values(role: str, suffix: str = "") -> list[object]:
        api = Api(token_of(getattr(cast, role), "read", name=role + suffix))
        response = api.get(url(cast, "observations" + suffix), {"measure": made.pk})
        if suffix:
            return [r["value"] for r in csv_rows(response)]
        return [(o["value"], o["suppressed"]) for o in response.json()["data"]]

    assert values("board") == [(12, False), (None, True), (14, False)]
    assert values("inspector", ".csv") == ["12.0", "", "14.0"]
    assert values("analyst") == [(12, False), (3, False), (14, False)]


def test_observations_carry_each_points_spc_reading_and_the_verdict_and_status(
    cast: Cast,
) -> None:
    values = [10, 11, 10, 12, 11, 10, 11, 12, 10, 11, 30]  # the last far above the rest
    made = measure(cast, kind="count", chart="i", values=values, direction="decrease")

    rows = (
        Api(token_of(cast.board, "read"))
        .get(url(cast, "observations"), {"measure": made.pk})
        .json()["data"]
    )

    assert len(rows) == 11
    assert rows[-1]["variation"] == "concern" and rows[0]["variation"] == "common"
    assert rows[-1]["upper"] is not None and rows[-1]["centre"] is not None
    assert {r["verdict"] for r in rows} == {"deteriorating"}
    assert {r["status"] for r in rows} == {"not-enough-data"}


def test_the_csv_download_is_safe_to_open_in_a_spreadsheet(cast: Cast) -> None:
    Action.objects.filter(partnership=cast.partnership).update(title='=HYPERLINK("x")')
    response = Api(token_of(cast.board, "read")).get(
        url(cast, "actions.csv"), {"plan": cast.plan.pk}
    )

    rows = csv_rows(response)

    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment")
    assert {r["title"] for r in rows} == {'\'=HYPERLINK("x")'}
    assert rows[0]["position"] == "0" and rows[0]["deputies"].isdigit()
    assert list(rows[0]) == [f.name for f in COLLECTIONS["actions"].fields]


def test_a_signed_in_browser_downloads_the_csv_without_a_token(cast: Cast) -> None:
    from tests.conftest import signed_in

    response = signed_in(cast.inspector).get(url(cast, "measures.csv"))

    assert response.status_code == 200
    assert Client().get(url(cast, "measures.csv")).status_code == 401


def test_the_reference_offers_a_signed_in_person_their_csv_downloads(cast: Cast) -> None:
    from tests.conftest import signed_in

    page = signed_in(cast.board).get("/api/v1/reference/").content.decode()
    anonymous = Client().get("/api/v1/reference/").content.decode()

    assert f'href="{url(cast, "observations.csv")}"' in page
    assert url(cast, "observations.csv") not in anonymous and "/api/v1/openapi.json" in anonymous


def test_an_unexpected_failure_answers_json_500_with_the_request_id_only(
    cast: Cast, monkeypatch: object, caplog: object
) -> None:
    import dataclasses

    def broken(q: object) -> None:
        raise RuntimeError("secret detail")

    failing = dataclasses.replace(COLLECTIONS["plans"], records=broken)
    monkeypatch.setitem(COLLECTIONS, "plans", failing)  # type: ignore[attr-defined]
    failed = Api(token_of(cast.board, "read")).get(url(cast, "plans"))

    assert failed.status_code == 500
    error = failed.json()["error"]
    assert error["code"] == "server_error" and error["details"]["request_id"]
    assert b"secret detail" not in failed.content and b"Traceback" not in failed.content
    assert error["details"]["request_id"] in caplog.text  # type: ignore[attr-defined]


def test_an_api_address_that_matches_no_route_answers_json_404(cast: Cast) -> None:
    api = Api(token_of(cast.board, "read"))

    for path in ("/api/v1/p/not a slug!/actions", f"{url(cast, 'no-such-collection')}"):
        missing = api.get(path)
        assert missing.status_code == 404, path
        assert missing.json()["error"]["code"] == "not_found", path


def test_an_anonymous_write_without_a_token_is_401_json_not_a_csrf_page(cast: Cast) -> None:
    anonymous = Client(enforce_csrf_checks=True)

    refused = anonymous.post(url(cast, "updates"), "{}", content_type="application/json")

    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthenticated"
    assert refused["WWW-Authenticate"].startswith("Bearer")
