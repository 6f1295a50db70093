"""Writing through the API goes through the web's own services: the same permission
checks, validation, audit and conflict detection (a stale version is 409)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests import factories
from tests.api.conftest import Api, token_of, url
from tests.conftest import Cast
from tests.measures.factories import measure
from trellis.audit.models import AuditEntry
from trellis.measures.models import Measure, Observation
from trellis.measures.selectors import assess, measures_of_partnership
from trellis.plans.models import Action, Milestone
from trellis.progress.models import ProgressUpdate, UpdateRevision


def leads_action(cast: Cast) -> Action:
    return Action.objects.filter(partnership=cast.partnership, lead=cast.lead).order_by("pk")[0]


def draft(cast: Cast, **fields: Any) -> dict[str, Any]:
    action = leads_action(cast)
    return {
        "action": action.pk,
        "period": cast.plan.periods.order_by("starts")[0].pk,
        "rag": "amber",
        "narrative": "Training delivered to two of three teams.",
        **fields,
    }


def test_a_lead_saves_a_draft_and_submits_it_as_on_the_page(cast: Cast) -> None:
    api = Api(token_of(cast.lead))

    saved = api.post(url(cast, "updates"), draft(cast))
    update = ProgressUpdate.objects.get()
    submitted = api.post(url(cast, f"updates/{update.pk}/submit"), {"version": 1})

    assert saved.status_code == 201 and saved.json()["state"] == "draft"
    assert submitted.status_code == 200 and submitted.json()["state"] == "submitted"
    update.refresh_from_db()
    assert (update.state, update.rag, update.author_id) == ("submitted", "amber", cast.lead.pk)
    assert UpdateRevision.objects.filter(update=update).count() == 2
    verbs = list(
        AuditEntry.objects.filter(actor_id=cast.lead.pk, verb__startswith="update.")
        .order_by("pk")
        .values_list("verb", flat=True)
    )
    assert verbs == ["update.save", "update.submit"]


def test_changing_an_update_needs_the_version_read_and_a_stale_one_is_409(cast: Cast) -> None:
    api = Api(token_of(cast.lead))
    api.post(url(cast, "updates"), draft(cast))

    unversioned = api.post(url(cast, "updates"), draft(cast, rag="red"))
    changed = api.post(url(cast, "updates"), draft(cast, rag="red", version=1))
    stale = api.post(url(cast, "updates"), draft(cast, rag="green", version=1))

    assert unversioned.status_code == 409
    assert changed.status_code == 200 and changed.json()["version"] == 2
    assert stale.status_code == 409
    error = stale.json()["error"]
    assert error["code"] == "conflict" and error["details"]["current_version"] == 2
    assert ProgressUpdate.objects.get().rag == "red"


def test_a_stale_submit_is_409_and_leaves_the_draft(cast: Cast) -> None:
    api = Api(token_of(cast.lead))
    api.post(url(cast, "updates"), draft(cast))
    api.post(url(cast, "updates"), draft(cast, version=1))
    update = ProgressUpdate.objects.get()

    stale = api.post(url(cast, f"updates/{update.pk}/submit"), {"version": 1})

    assert stale.status_code == 409
    update.refresh_from_db()
    assert update.state == "draft"


def test_a_token_never_writes_what_its_owner_may_not(cast: Cast) -> None:
    for role in ("board", "inspector", "analyst", "admin"):
        refused = Api(token_of(getattr(cast, role))).post(url(cast, "updates"), draft(cast))
        assert refused.status_code == 403, role
        assert refused.json()["error"]["code"] == "forbidden"
    assert not ProgressUpdate.objects.exists()


def test_an_invalid_update_is_400_naming_the_field_and_nothing_is_written(cast: Cast) -> None:
    api = Api(token_of(cast.lead))

    blank = api.post(url(cast, "updates"), draft(cast, narrative="   "))
    wrong_type = api.post(url(cast, "updates"), draft(cast, action="one"))
    not_json = api.client.post(
        url(cast, "updates"), "rag=red", content_type="application/json", headers=api.headers
    )

    assert blank.status_code == 400 and "narrative" in blank.json()["error"]["details"]["fields"]
    assert wrong_type.status_code == 400
    assert not_json.status_code == 400 and not_json.json()["error"]["code"] == "invalid"
    assert not ProgressUpdate.objects.exists()


def test_records_of_another_partnership_are_not_found(cast: Cast) -> None:
    theirs = factories.plan_tree(cast.other, actions=3)
    their_action = Action.objects.filter(driver__outcome__plan=theirs)[0]
    owner = Api(token_of(cast.owner))
    outsider = Api(token_of(cast.outsider))

    assert owner.post(url(cast, "updates"), draft(cast, action=their_action.pk)).status_code == 404
    assert outsider.post(url(cast, "updates"), draft(cast)).status_code == 404
    milestone = Milestone.objects.filter(action=their_action)[0]
    done = {"done": "2020-01-01", "version": 1}
    assert owner.post(url(cast, f"milestones/{milestone.pk}/complete"), done).status_code == 404
    assert not ProgressUpdate.objects.exists()


def test_an_analyst_pushes_a_figure_that_appears_on_the_chart(cast: Cast) -> None:
    made = measure(cast, kind="percentage", values=[10, 12], denominators=[40, 40])
    api = Api(token_of(cast.analyst))

    pushed = api.post(
        url(cast, f"measures/{made.pk}/observations"),
        {"period_ends": "2018-09-30", "numerator": 20, "denominator": 40, "note": "From BI"},
    )

    assert pushed.status_code == 201
    assert pushed.json()["value"] == 50.0 and pushed.json()["source"] == "api"
    chart = assess(measures_of_partnership(cast.partnership).get(pk=made.pk)).chart
    assert [p.value for p in chart.points] == [25.0, 30.0, 50.0]
    assert AuditEntry.objects.filter(verb="observation.create", actor_id=cast.analyst.pk).exists()


def test_replacing_a_figure_needs_its_version_and_a_stale_one_is_409(cast: Cast) -> None:
    made = measure(cast, kind="count", values=[7])
    observation = Observation.objects.get(measure=made)
    api = Api(token_of(cast.owner))
    path = url(cast, f"measures/{made.pk}/observations")

    unversioned = api.post(path, {"period_ends": "2018-03-31", "value": 8})
    replaced = api.post(path, {"period_ends": "2018-03-31", "value": 8, "version": 1})
    stale = api.post(path, {"period_ends": "2018-03-31", "value": 9, "version": 1})

    assert unversioned.status_code == 400
    assert replaced.status_code == 200 and replaced.json()["value"] == 8
    assert stale.status_code == 409
    observation.refresh_from_db()
    assert observation.value == 8


def test_figures_of_computed_measures_and_of_others_aims_are_refused(cast: Cast) -> None:
    computed = measure(cast, kind="count", values=[7], source="computed")
    manual = measure(cast, kind="count", values=[7])
    body = {"period_ends": "2018-06-30", "value": 8}

    by_analyst = Api(token_of(cast.analyst)).post(
        url(cast, f"measures/{computed.pk}/observations"), body
    )
    by_board = Api(token_of(cast.board)).post(url(cast, f"measures/{manual.pk}/observations"), body)

    assert by_analyst.status_code == 403 and by_board.status_code == 403
    assert Observation.objects.count() == 2


def test_the_lead_records_a_milestone_as_done(cast: Cast) -> None:
    milestone = Milestone.objects.filter(action=leads_action(cast)).order_by("pk")[0]
    path = url(cast, f"milestones/{milestone.pk}/complete")

    done = Api(token_of(cast.lead)).post(path, {"done": "2020-01-02", "version": 1})
    by_inspector = Api(token_of(cast.inspector)).post(path, {"done": None, "version": 2})
    stale = Api(token_of(cast.owner)).post(path, {"done": None, "version": 1})
    future = Api(token_of(cast.owner, name="o2")).post(
        path, {"done": (dt.date.today() + dt.timedelta(days=9)).isoformat(), "version": 2}
    )

    assert done.status_code == 200 and done.json()["done"] == "2020-01-02"
    assert by_inspector.status_code == 403
    assert stale.status_code == 409
    assert future.status_code == 400 and "done" in future.json()["error"]["details"]["fields"]
    milestone.refresh_from_db()
    assert milestone.done == dt.date(2020, 1, 2) and milestone.due == dt.date(2020, 1, 1)
    assert AuditEntry.objects.filter(verb="milestone.update", actor_id=cast.lead.pk).exists()


def test_no_measure_of_another_partnership_takes_a_figure(cast: Cast) -> None:
    theirs = measure(cast.other, kind="count", values=[1])
    refused = Api(token_of(cast.analyst)).post(
        url(cast, f"measures/{theirs.pk}/observations"), {"period_ends": "2018-06-30", "value": 1}
    )
    assert refused.status_code == 404
    assert Measure.objects.get(pk=theirs.pk).observations.count() == 1


def test_input_the_database_could_not_take_is_refused_before_it(cast: Cast) -> None:
    made = measure(cast, kind="count", values=[7])
    api = Api(token_of(cast.analyst))
    path = url(cast, f"measures/{made.pk}/observations")

    for body in (
        '{"period_ends": "2018-06-30", "value": NaN}',
        '{"period_ends": "2018-06-30", "value": 1, "note": "a\\u0000b"}',
        '{"period_ends": "2018-06-30", "value": 1e300}',
        '{"period_ends": "0001-03-31", "value": 1}',
        '{"period_ends": "2018-06-31", "value": 1}',
        "[1, 2]",
    ):
        refused = api.client.post(path, body, content_type="application/json", headers=api.headers)
        assert refused.status_code == 400, body
    huge = api.post(url(cast, f"measures/{2**60}/observations"), {"period_ends": "2018-06-30"})
    assert huge.status_code == 404
    assert Observation.objects.count() == 1
