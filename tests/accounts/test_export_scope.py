"""Security bar row 14, its second test: every list and export a person can download holds
exactly the objects in that person's scope.

One partnership ("home") has two plans, updates in every state, some restricted to
governance groups, file evidence (some restricted too) and a measure; another partnership
("elsewhere") has its own plan, updates, evidence and measure, every title and narrative of
it carrying the word ELSEWHERE. Each persona (admin, plan owner, lead, deputy, analyst,
board member, inspector, and an outsider who belongs only to the other partnership)
downloads the plan exports (xlsx, csv, docx, json), every API collection (JSON and CSV),
the progress overview CSV, evidence files, issued reports and case-level records, and each
download is compared with what the rules below say it must hold.

The rules are the policy oracle's (`tests/accounts/test_policy_oracle.py`): restricted text
is read only by the groups named, the action's lead and deputies, and plan owners
(`may_read_text`); nothing of a partnership exists for anyone else. Added here: a plan
export carries submitted and accepted updates only; an issued report is read by every
member, so it carries no restricted text at all; case-level records are an analyst's only.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from tests import factories
from tests.accounts.test_policy_oracle import Member, Thing, World, may_read_text
from tests.api.conftest import Api, token_of
from tests.conftest import signed_in
from trellis.accounts.models import Group, Membership, Partnership, Person, Role
from trellis.api.registry import COLLECTIONS
from trellis.casedata.models import Snapshot
from trellis.casedata.services import snapshot_create
from trellis.casedata.tasks import compute_into
from trellis.measures.models import Measure, Observation, Target
from trellis.plans.models import Action, Driver, Finding, Inspection, Milestone, Outcome, Plan
from trellis.progress.evidence import evidence_dir
from trellis.progress.models import Comment, Evidence, ProgressUpdate, ReportingPeriod
from trellis.progress.services import periods_ensure
from trellis.reports.models import IssuedReport
from trellis.reports.services import report_complete, report_issue

PERSONAS = ["admin", "owner", "lead", "deputy", "analyst", "board", "inspector", "outsider"]
PLAN_FORMATS = ["xlsx", "csv", "docx", "json"]
REPORTED = ("submitted", "accepted")  # the states a plan export and a report carry
NARRATIVE = re.compile(r"NARR-[A-Z0-9]+-Q\d")
EVIDENCE = re.compile(r"EVID-[A-Z0-9]+")


# --- The world --------------------------------------------------------------------------


@dataclass
class File:
    """File evidence, and the update it supports; `readers` holds its own groups."""

    evidence: Evidence
    update: Thing
    readers: Thing


@dataclass
class Scope:
    """The two partnerships as built, the personas, and the oracle's facts about them."""

    home: Partnership
    elsewhere: Partnership
    people: dict[str, Person]
    plans: dict[str, Plan]  # "one", "two" (home), "x" (elsewhere)
    actions: dict[str, Thing] = field(default_factory=dict)  # by title
    updates: list[Thing] = field(default_factory=list)
    evidence: dict[str, File] = field(default_factory=dict)  # by title
    world: World = field(default_factory=World)

    def slug_of(self, persona: str) -> str:
        """The partnership the persona works in."""
        return self.elsewhere.slug if persona == "outsider" else self.home.slug

    def reads(self, persona: str, update: Thing) -> bool:
        return may_read_text(self.world, self.people[persona].pk, update.slug, update)

    def reads_file(self, persona: str, file: File) -> bool:
        """A file is sent to those who may read both its update and the file itself."""
        return self.reads(persona, file.update) and self.reads(persona, file.readers)


def _join(scope: Scope, part: Partnership, persona: str, *roles: str) -> Person:
    person = Person.objects.create_user(f"{persona}-{part.slug}@example.org", "x")
    Membership.objects.create(person=person, partnership=part, roles=list(roles))
    scope.world.members[(person.pk, part.slug)] = Member(frozenset(roles), True, None)
    return person


def _group(scope: Scope, part: Partnership, name: str, members: list[Person]) -> Group:
    group = Group.objects.create(partnership=part, name=name)
    group.members.set(members)
    scope.world.groups[group.pk] = (part.slug, frozenset(p.pk for p in members))
    return group


def _plan(part: Partnership, title: str) -> tuple[Plan, Driver]:
    inspection = Inspection.objects.create(partnership=part, regulator="CI", title="Inspection")
    area = Finding.objects.create(
        partnership=part, inspection=inspection, kind=Finding.Kind.AREA, text=f"{title} area"
    )
    plan = Plan.objects.create(
        partnership=part,
        inspection=inspection,
        title=title,
        starts=dt.date(2019, 10, 1),
        ends=dt.date(2020, 9, 30),
    )
    outcome = Outcome.objects.create(partnership=part, plan=plan, title=f"{title} outcome")
    driver = Driver.objects.create(partnership=part, outcome=outcome, title=f"{title} driver")
    driver.areas_for_improvement.add(area)
    periods_ensure(plan)
    return plan, driver


def _action(scope: Scope, driver: Driver, title: str, lead: Person, deputies: list[Person]) -> None:
    action = Action.objects.create(
        partnership_id=driver.partnership_id, driver=driver, title=title, lead=lead
    )
    action.deputies.set(deputies)
    slug = driver.partnership.slug
    scope.actions[title] = Thing(
        "action", action.pk, slug, "title", title, lead.pk, frozenset(p.pk for p in deputies)
    )


def _update(scope: Scope, title: str, quarter: int, state: str, groups: list[Group]) -> None:
    """The action's update for its plan's `quarter` (1 to 4), its narrative a token that
    names the action and the quarter (NARR-A1-Q1)."""
    action = scope.actions[title]
    row = Action.objects.select_related("driver__outcome__plan").get(pk=action.pk)
    period = row.driver.outcome.plan.periods.order_by("starts")[quarter - 1]
    update = ProgressUpdate.objects.create(
        partnership_id=row.partnership_id,
        action=row,
        period=period,
        rag="amber",
        narrative=f"NARR-{title.split()[-1].upper()}-Q{quarter}",
        state=state,
        author=scope.people["outsider" if action.slug == scope.elsewhere.slug else "owner"],
    )
    update.restricted_to.set(groups)
    scope.updates.append(
        Thing(
            "update",
            update.pk,
            action.slug,
            "narrative",
            update.narrative,
            action=action,
            period=quarter,
            state=state,
            restricted_to=frozenset(g.pk for g in groups),
        )
    )


def _evidence(scope: Scope, narrative: str, title: str, groups: list[Group]) -> None:
    """A CSV file on the update with that narrative; its bytes hold its title."""
    (update,) = [u for u in scope.updates if u.token == narrative]
    data = f"evidence\n{title}\n".encode()
    name = uuid.uuid4().hex
    evidence_dir().mkdir(parents=True, exist_ok=True)
    (evidence_dir() / name).write_bytes(data)
    row = ProgressUpdate.objects.get(pk=update.pk)
    evidence = Evidence.objects.create(
        partnership_id=row.partnership_id,
        update=row,
        title=title,
        stored_name=name,
        file_name=f"{title}.csv",
        content_type="text/csv",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        added_by=row.author,
    )
    evidence.restricted_to.set(groups)
    # The oracle's rule for restricted text, applied to the file's own groups.
    readers = Thing("update", update.pk, update.slug, "", "", action=update.action)
    readers.restricted_to = frozenset(g.pk for g in groups)
    scope.evidence[title] = File(evidence, update, readers)


def _comment(scope: Scope, title: str, author: Person, body: str) -> None:
    action = Action.objects.get(pk=scope.actions[title].pk)
    Comment.objects.create(
        partnership_id=action.partnership_id, action=action, author=author, body=body
    )


def _measure(part: Partnership, title: str) -> None:
    measure = Measure.objects.create(
        partnership=part,
        code=title.split()[-1].upper(),
        title=title,
        kind="count",
        direction="increase",
        role="outcome",
        source="manual",
    )
    Observation.objects.create(
        partnership=part, measure=measure, period_ends=dt.date(2020, 3, 31), value=7
    )
    Target.objects.create(measure=measure, due=dt.date(2020, 9, 30), value=9)


@pytest.fixture
def scope(db: Any, settings: Any, tmp_path: Path) -> Scope:
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.TRELLIS_API_RATE_LIMIT = 10_000
    home = Partnership.objects.create(name="Home", slug="home-scope", nation="scotland")
    elsewhere = Partnership.objects.create(name="ELSEWHERE", slug="elsewhere", nation="scotland")
    scope = Scope(home, elsewhere, {}, {})
    people = scope.people
    for persona, roles in {
        "admin": [Role.ADMIN],
        "owner": [Role.OWNER],
        "lead": [Role.LEAD],
        "deputy": [Role.LEAD],
        "analyst": [Role.ANALYST],
        "board": [Role.BOARD],
        "inspector": [Role.INSPECTOR],
        "colleague": [Role.LEAD],  # leads A2; no persona asks as them
    }.items():
        people[persona] = _join(scope, home, persona, *roles)
    people["outsider"] = _join(scope, elsewhere, "outsider", Role.OWNER, Role.ANALYST)
    police = _group(scope, home, "Police", [people["board"]])
    health = _group(scope, home, "Health", [people["analyst"]])
    secret = _group(scope, elsewhere, "ELSEWHERE group", [people["outsider"]])

    scope.plans["one"], one = _plan(home, "Plan one")
    scope.plans["two"], two = _plan(home, "Plan two")
    scope.plans["x"], x = _plan(elsewhere, "ELSEWHERE plan")
    _action(scope, one, "Aim A1", people["lead"], [])
    _action(scope, one, "Aim A2", people["colleague"], [people["deputy"]])
    _action(scope, one, "Aim A3", people["colleague"], [])
    _action(scope, two, "Aim B1", people["lead"], [])
    _action(scope, x, "ELSEWHERE aim X1", people["outsider"], [])

    _update(scope, "Aim A1", 1, "accepted", [police])
    _update(scope, "Aim A1", 2, "submitted", [])
    _update(scope, "Aim A2", 1, "accepted", [health])
    _update(scope, "Aim A2", 2, "draft", [police])
    _update(scope, "Aim A3", 1, "accepted", [])
    _update(scope, "Aim A3", 2, "returned", [])
    _update(scope, "Aim B1", 1, "submitted", [police])
    _update(scope, "Aim B1", 2, "accepted", [])
    _update(scope, "ELSEWHERE aim X1", 1, "accepted", [])
    _update(scope, "ELSEWHERE aim X1", 2, "accepted", [secret])

    _evidence(scope, "NARR-A1-Q1", "EVID-E1", [])
    _evidence(scope, "NARR-A1-Q2", "EVID-E2", [health])
    _evidence(scope, "NARR-A3-Q1", "EVID-E3", [])
    _evidence(scope, "NARR-A3-Q1", "EVID-E4", [police])
    _evidence(scope, "NARR-A1-Q1", "EVID-E5", [health])  # both restricted, to two groups
    _evidence(scope, "NARR-X1-Q1", "EVID-ELSEWHERE", [])
    _comment(scope, "Aim A1", people["board"], "Why is this late?")
    _comment(scope, "ELSEWHERE aim X1", people["outsider"], "ELSEWHERE challenge")
    _measure(home, "Measure M1")
    _measure(elsewhere, "ELSEWHERE measure MX")
    return scope


# --- The rules a download is held to ------------------------------------------------------


def home_updates(scope: Scope, plan: str | None = None) -> list[Thing]:
    """The home partnership's updates, of one plan if named."""
    titles = {"one": ("A1", "A2", "A3"), "two": ("B1",), None: ("A1", "A2", "A3", "B1")}
    return [u for u in scope.updates if u.token.split("-")[1] in titles[plan]]


def export_narratives(scope: Scope, persona: str, plan: str) -> set[str]:
    """A plan export: the plan's submitted and accepted updates the person may read."""
    return {
        u.token
        for u in home_updates(scope, plan)
        if u.state in REPORTED and scope.reads(persona, u)
    }


def reported_updates(scope: Scope, plan: str, quarter: int) -> list[Thing]:
    """The plan's updates for the quarter that a report carries: submitted or accepted."""
    return [u for u in home_updates(scope, plan) if u.period == quarter and u.state in REPORTED]


def report_narratives(scope: Scope, plan: str, quarter: int) -> set[str]:
    """An issued report is read by every member: the quarter's reported updates that are
    restricted to no group."""
    return {u.token for u in reported_updates(scope, plan, quarter) if not u.restricted_to}


def assert_nothing_of_elsewhere(text: str) -> None:
    assert "elsewhere" not in text.casefold()


def assert_nothing_of_home(text: str) -> None:
    for mark in ("home-scope", "plan one", "plan two", "aim a", "aim b", "narr-a", "narr-b"):
        assert mark not in text.casefold()


# --- Reading downloads ------------------------------------------------------------------


def text_of(response: Any, fmt: str) -> str:
    """A download's words, whatever its format."""
    body = response.content
    if fmt == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(body))
        cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
        return "\n".join(str(c.value) for c in cells if c.value is not None)
    if fmt == "docx":
        import docx

        document = docx.Document(io.BytesIO(body))
        words = [p.text for p in document.paragraphs]
        words += [c.text for t in document.tables for row in t.rows for c in row.cells]
        return "\n".join(words)
    return str(body.decode("utf-8-sig"))


def client_of(scope: Scope, persona: str) -> Client:
    return signed_in(scope.people[persona])


def plan_download(scope: Scope, client: Client, slug: str, plan: str, fmt: str) -> Any:
    return client.get(reverse("transfer:download", args=[slug, scope.plans[plan].pk, fmt]))


# --- Plan exports -----------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_plan_export_holds_its_own_plan_and_only_the_updates_the_person_may_read(
    scope: Scope, persona: str
) -> None:
    client = client_of(scope, persona)
    for plan, own_aims, other_aims in [("one", "A1 A2 A3", "B1"), ("two", "B1", "A1 A2 A3")]:
        for fmt in PLAN_FORMATS:
            response = plan_download(scope, client, scope.home.slug, plan, fmt)
            if persona == "outsider":
                assert response.status_code == 404
                continue
            assert response.status_code == 200
            text = text_of(response, fmt)
            assert set(NARRATIVE.findall(text)) == export_narratives(scope, persona, plan)
            assert all(f"Aim {a}" in text for a in own_aims.split())
            assert not any(f"Aim {a}" in text for a in other_aims.split())
            assert_nothing_of_elsewhere(text)


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_plan_export_of_another_partnership_is_found(scope: Scope, persona: str) -> None:
    client = client_of(scope, persona)
    theirs = "one" if persona == "outsider" else "x"
    for fmt in PLAN_FORMATS:
        for slug in (scope.home.slug, scope.elsewhere.slug):  # by either address
            assert plan_download(scope, client, slug, theirs, fmt).status_code == 404


def test_the_outsiders_export_of_its_own_plan_holds_nothing_of_the_other_partnership(
    scope: Scope,
) -> None:
    client = client_of(scope, "outsider")
    for fmt in PLAN_FORMATS:
        response = plan_download(scope, client, scope.elsewhere.slug, "x", fmt)
        text = text_of(response, fmt)
        assert set(NARRATIVE.findall(text)) == {"NARR-X1-Q1", "NARR-X1-Q2"}  # an owner's
        assert_nothing_of_home(text)


# --- The API's collections --------------------------------------------------------------


def api_of(scope: Scope, persona: str) -> Api:
    return Api(token_of(scope.people[persona], "read"))


def collection(api: Api, slug: str, name: str) -> tuple[list[dict[str, Any]], str]:
    """A collection's rows as JSON (one page of up to 200) and its CSV download's text."""
    page = api.get(f"/api/v1/p/{slug}/{name}", {"page_size": "200"})
    download = api.get(f"/api/v1/p/{slug}/{name}.csv")
    assert page.status_code == download.status_code == 200
    assert page.json()["meta"]["pages"] == 1
    return page.json()["data"], text_of(download, "csv")


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_api_collection_holds_only_the_persons_partnership(
    scope: Scope, persona: str
) -> None:
    api = api_of(scope, persona)
    for name in COLLECTIONS:
        rows, text = collection(api, scope.slug_of(persona), name)
        for words in (json.dumps(rows), text):
            if persona == "outsider":
                assert_nothing_of_home(words)
            else:
                assert_nothing_of_elsewhere(words)


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_api_collection_of_another_partnership_is_found(scope: Scope, persona: str) -> None:
    api = api_of(scope, persona)
    other = scope.home.slug if persona == "outsider" else scope.elsewhere.slug
    for name in COLLECTIONS:
        assert api.get(f"/api/v1/p/{other}/{name}").status_code == 404
        assert api.get(f"/api/v1/p/{other}/{name}.csv").status_code == 404


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "outsider"])
def test_the_api_lists_every_update_with_text_only_where_the_person_may_read_it(
    scope: Scope, persona: str
) -> None:
    rows, text = collection(api_of(scope, persona), scope.home.slug, "updates")
    everything = home_updates(scope)
    readable = {u.token for u in everything if scope.reads(persona, u)}

    assert {r["id"] for r in rows} == {u.pk for u in everything}
    assert {r["narrative"] for r in rows} - {None} == readable
    assert set(NARRATIVE.findall(text)) == readable


API_MODELS: dict[str, type[Any]] = {
    "plans": Plan,
    "outcomes": Outcome,
    "drivers": Driver,
    "actions": Action,
    "milestones": Milestone,
    "periods": ReportingPeriod,
    "updates": ProgressUpdate,
    "comments": Comment,
    "measures": Measure,
    "observations": Observation,
    "findings": Finding,
}


def ids_in(part: Partnership, name: str) -> set[int]:
    """The ids a collection must list: every row of the partnership (the leads: every
    person who leads or deputises on one of its actions)."""
    if name == "leads":
        actions = Action.objects.filter(partnership=part)
        leads = set(actions.values_list("lead", flat=True))
        return leads | set(actions.values_list("deputies", flat=True)) - {None}
    if name == "targets":
        return set(Target.objects.filter(measure__partnership=part).values_list("pk", flat=True))
    return set(API_MODELS[name].objects.filter(partnership=part).values_list("pk", flat=True))


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_api_collection_lists_exactly_the_rows_of_the_persons_partnership(
    scope: Scope, persona: str
) -> None:
    api = api_of(scope, persona)
    part = scope.elsewhere if persona == "outsider" else scope.home
    assert set(COLLECTIONS) == {*API_MODELS, "leads", "targets"}
    for name in COLLECTIONS:
        rows, text = collection(api, part.slug, name)
        key = "person" if name == "leads" else "id"
        ids = ids_in(part, name)
        assert {r[key] for r in rows} == ids, name
        listed = {int(row[key]) for row in csv.DictReader(io.StringIO(text))}
        assert listed == ids, name


# --- The progress overview's CSV ----------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_overview_csv_lists_the_plans_actions_and_no_update_text(
    scope: Scope, persona: str
) -> None:
    client = client_of(scope, persona)
    for plan, aims in [("one", {"Aim A1", "Aim A2", "Aim A3"}), ("two", {"Aim B1"})]:
        url = reverse("progress:overview-csv", args=[scope.home.slug, scope.plans[plan].pk])
        response = client.get(url)
        if persona == "outsider":
            assert response.status_code == 404
            continue
        text = text_of(response, "csv")
        header, *rows = list(csv.reader(io.StringIO(text)))
        aim = header.index("Improvement project aim")
        assert {row[aim] for row in rows} == aims
        assert NARRATIVE.findall(text) == []
        assert_nothing_of_elsewhere(text)


# --- Evidence files ---------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_an_evidence_file_is_sent_only_to_those_who_may_read_it(scope: Scope, persona: str) -> None:
    client = client_of(scope, persona)
    own = scope.slug_of(persona)
    for title, file in scope.evidence.items():
        response = client.get(reverse("progress:evidence-download", args=[own, file.evidence.pk]))
        if file.update.slug != own:
            assert response.status_code == 404, title
        elif scope.reads_file(persona, file):
            assert response.status_code == 200, title
            assert EVIDENCE.findall(response.content.decode()) == [title]
        else:
            assert response.status_code == 403, title
            assert title.encode() not in response.content


# --- Issued reports -----------------------------------------------------------------------

ISSUED = [  # (kind, plan, quarter, who issues it)
    ("board-pack", "one", 1, "owner"),
    ("board-pack", "one", 2, "owner"),
    ("board-pack", "two", 1, "owner"),
    ("evidence", "one", 2, "owner"),
    ("data-summary", "one", 2, "analyst"),
]


def report_evidence(scope: Scope, plan: str, quarter: int) -> set[str]:
    """The evidence pack's files: those of its reported updates up to the quarter, where
    neither the update nor the file is restricted."""
    reported = {u.pk for q in range(1, quarter + 1) for u in reported_updates(scope, plan, q)}
    return {
        title
        for title, file in scope.evidence.items()
        if file.update.pk in reported and not file.update.restricted_to | file.readers.restricted_to
    }


@dataclass
class Issued:
    report: IssuedReport
    narratives: set[str]
    evidence: set[str]


def issue_reports(scope: Scope) -> list[Issued]:
    """The reports above, as web pages, each with what it must hold."""
    issued = []
    for kind, plan, quarter, who in ISSUED:
        membership = Membership.objects.get(person=scope.people[who], partnership=scope.home)
        period = scope.plans[plan].periods.order_by("starts")[quarter - 1]
        report = report_issue(
            membership=membership, plan=scope.plans[plan], period=period, kind=kind, fmt="html"
        )
        done = report_complete(report.pk)
        if kind == "board-pack":
            issued.append(Issued(done, report_narratives(scope, plan, quarter), set()))
        elif kind == "evidence":  # progress over time: every quarter up to this one
            narratives = set().union(*(report_narratives(scope, plan, q) for q in (1, 2)))
            issued.append(Issued(done, narratives, report_evidence(scope, plan, quarter)))
        else:  # the data summary: figures, no updates
            issued.append(Issued(done, set(), set()))
    return issued


@pytest.mark.parametrize("persona", PERSONAS)
def test_an_issued_report_holds_no_restricted_text_and_nothing_of_another_partnership(
    scope: Scope, persona: str
) -> None:
    client = client_of(scope, persona)
    for issued in issue_reports(scope):
        report = issued.report
        assert report.status == IssuedReport.Status.ISSUED
        for view in ("reports:issued-download", "reports:issued-view"):
            response = client.get(reverse(view, args=[scope.slug_of(persona), report.pk]))
            if persona == "outsider":
                assert response.status_code == 404
                continue
            assert response.status_code == 200
            text = text_of(response, "html")
            assert set(NARRATIVE.findall(text)) == issued.narratives, report.kind
            assert set(EVIDENCE.findall(text)) == issued.evidence, report.kind
            assert_nothing_of_elsewhere(text)


# --- Case-level records -------------------------------------------------------------------

EPISODES = (
    "child_id,date_of_birth,sex,episode_start,episode_end,placement_type,placement_area\n"
    "{p}0001,2010-05-01,F,2019-01-10,,foster,in_area\n"
    "{p}0002,2012-07-14,M,2019-06-01,2020-08-01,home,in_area\n"
    "{p}0003,2006-02-20,M,2020-02-03,,residential,out_of_area\n"
)


def computed_figure(part: Partnership, analyst: Person, folder: Path, prefix: str) -> int:
    """An extract loaded by the partnership's analyst and computed: one figure's pk."""
    measure = factories.looked_after_measure(part)
    folder.mkdir(parents=True)
    (folder / "episodes.csv").write_text(EPISODES.format(p=prefix), encoding="utf-8")
    membership = Membership.objects.get(person=analyst, partnership=part)
    snapshot: Snapshot = snapshot_create(
        membership=membership,
        source=folder,
        source_name="extract",
        extract_date=dt.date(2020, 12, 31),
    )
    compute_into(snapshot)
    figure = Observation.objects.get(measure=measure, period_ends=dt.date(2020, 9, 30))
    return figure.pk


def child_ids(response: Any) -> set[str]:
    rows = list(csv.DictReader(io.StringIO(text_of(response, "csv"))))
    return {row["child_id"] for row in rows}


@pytest.mark.parametrize("persona", PERSONAS)
def test_case_level_records_reach_only_an_analyst_of_the_same_partnership(
    scope: Scope, persona: str, settings: Any, tmp_path: Path
) -> None:
    settings.DATA_DIR = tmp_path / "data"
    figures = {
        scope.home.slug: computed_figure(
            scope.home, scope.people["analyst"], tmp_path / "h", "HOME"
        ),
        scope.elsewhere.slug: computed_figure(
            scope.elsewhere, scope.people["outsider"], tmp_path / "e", "AWAY"
        ),
    }
    client = client_of(scope, persona)
    own = scope.slug_of(persona)
    member = scope.world.membership(scope.people[persona].pk, own)
    assert member is not None
    analyst = "analyst" in member.roles
    for slug, figure in figures.items():
        response = client.get(reverse("casedata:figure-records", args=[own, figure]))
        if slug != own:
            assert response.status_code == (404 if analyst else 403)
        elif analyst:
            assert response.status_code == 200 and len(child_ids(response)) == 2
        else:
            assert response.status_code == 403
    problems = client.get(reverse("casedata:report-csv", args=[own]))
    assert problems.status_code == (200 if analyst else 403)
