"""The inspection evidence pack: what answers each quality indicator and area for
improvement, progress over time, measures and evidence up to the period; gaps flagged;
restricted content and children's figures withheld in every format; a fixed cost."""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pdfplumber
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from docx import Document as read_docx

from tests import factories
from tests.conftest import Cast
from tests.measures.factories import measure as make_measure
from trellis.accounts.models import Group
from trellis.core.disclosure import SUPPRESSED, Thresholds
from trellis.improvement.models import (
    Audit,
    AuditProgramme,
    AuditTemplate,
    LearningPoint,
    ResultMeasure,
    TemplateVersion,
)
from trellis.measures.models import Measure
from trellis.plans.models import Action, Finding, Grade, Plan, QualityIndicator
from trellis.progress.models import Evidence, ReportingPeriod
from trellis.reports.document import Document, Section, Table
from trellis.reports.registry import REPORTS, ReportRequest
from trellis.reports.render import render

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = D(2020, 5, 1)
BOARD = Thresholds(min_count=5, min_denominator=10)
Q4_2019, Q1_2020, Q2_2020 = 0, 1, 2  # the factory plan's periods
# Quarterly from Q1 2018 to Q1 2020: the last is 1 of 3, withheld from all but analysts.
SEEN = [30, 28, 31, 33, 29, 32, 34, 33, 1]
ON_REGISTER = [40, 40, 41, 42, 40, 41, 42, 40, 3]


def aims(plan: Plan) -> list[Action]:
    return list(Action.objects.filter(driver__outcome__plan=plan).order_by("pk"))


def learned(cast: Cast, indicator: QualityIndicator, action: Action) -> ResultMeasure:
    """A case-file audit whose learning led to `action`, and its results measure."""
    inspection = cast.plan.inspection
    template = AuditTemplate.objects.create(
        partnership=cast.partnership, title="CP case files", inspection=inspection
    )
    version = TemplateVersion.objects.create(template=template, number=1, created_by=cast.owner)
    programme = AuditProgramme.objects.create(
        partnership=cast.partnership, title="CP audit", code="CP-CFA", scope="cp", template=template
    )
    audit = Audit.objects.create(
        partnership=cast.partnership,
        programme=programme,
        round=1,
        template_version=version,
        starts=D(2019, 11, 1),
        due=D(2019, 12, 1),
        scope_from=D(2019, 1, 1),
        scope_to=D(2019, 10, 31),
        sample_size=20,
        moderator=cast.owner,
    )
    LearningPoint.objects.create(
        partnership=cast.partnership,
        audit=audit,
        kind="finding",
        indicator=indicator,
        text="Chronologies missing",
        action=action,
    )
    results = make_measure(cast, code="CP-CFA-21", title="Audit grade 2.1", values=[60, 65, 70])
    return ResultMeasure.objects.create(programme=programme, indicator=indicator, measure=results)


@pytest.fixture
def scene(cast: Cast) -> Cast:
    a = aims(cast.plan)
    inspection = cast.plan.inspection
    Finding.objects.create(
        partnership=cast.partnership,
        inspection=inspection,
        kind=Finding.Kind.AREA,
        text="Oversight of corporate parenting",
        position=2,
    )
    qi = QualityIndicator.objects.create(
        partnership=cast.partnership,
        inspection=inspection,
        reference="2.1",
        title="Impact on children",
        grade=Grade.GOOD,
    )
    QualityIndicator.objects.create(
        partnership=cast.partnership,
        inspection=inspection,
        reference="9.1",
        title="Leadership",
        grade=Grade.GOOD,
    )
    learned(cast, qi, a[0])
    first = factories.update(a[0], state="accepted", rag="amber", period_index=Q4_2019)
    factories.update(a[0], state="accepted", rag="green", period_index=Q1_2020)
    later = factories.update(a[0], state="accepted", rag="red", period_index=Q2_2020)
    later.narrative = "A LATER QUARTER"
    later.save()
    hidden = factories.update(a[1], state="accepted", rag="red", period_index=Q1_2020)
    hidden.narrative = "Operation Kestrel detail"
    hidden.save()
    hidden.restricted_to.add(Group.objects.create(partnership=cast.partnership, name="CPC"))
    for update, title in ((first, "Workshop notes"), (hidden, "Police briefing")):
        Evidence.objects.create(
            partnership=cast.partnership,
            update=update,
            title=title,
            url="https://example.org/x",
            added_by=cast.lead,
        )
    seen = make_measure(
        cast, code="CP2", title="Seen weekly", values=SEEN, denominators=ON_REGISTER, actions=[a[0]]
    )
    Measure.objects.filter(pk=seen.pk).update(counts_children=True)
    return cast


def build(cast: Cast, thresholds: Thresholds | None = BOARD) -> Document:
    period = ReportingPeriod.objects.filter(plan=cast.plan).order_by("starts")[Q1_2020]
    request = ReportRequest(cast.plan, period, thresholds, "Fiona Strachan", TODAY)
    return REPORTS["evidence"].build(request)


def section(document: Document, heading: str) -> Section:
    return next(s for s in document.sections() if s.heading.startswith(heading))


def texts(block: Section | Document) -> list[str]:
    tables = (
        block.tables() if isinstance(block, Document) else Document("", "", "", (block,)).tables()
    )
    return [c.text for t in tables for row in (*t.header, *t.rows) for c in row]


def table(block: Section, name: str) -> Table:
    return next(t for t in Document("", "", "", (block,)).tables() if t.name == name)


def test_chapters_in_order(scene: Cast) -> None:
    chapters = [s.heading for s in build(scene).sections() if s.level == 1]
    assert chapters == ["Summary", "Quality indicators", "Areas for improvement", "Measures"]


def test_gaps_are_flagged_for_indicators_and_areas_with_no_aim_or_measure(scene: Cast) -> None:
    gaps = [[c.text for c in row] for row in table(section(build(scene), "Summary"), "Gaps").rows]
    assert gaps == [
        ["9.1 Leadership", "No improvement aim answers it."],
        ["9.1 Leadership", "No measure shows the effect."],
        ["Area 2: Oversight of corporate parenting", "No improvement aim answers it."],
        ["Area 2: Oversight of corporate parenting", "No measure shows the effect."],
    ]


def test_an_indicator_is_answered_by_the_aims_quality_assurance_linked_to_it(
    scene: Cast,
) -> None:
    qi = section(build(scene), "2.1 Impact on children")
    assert [r[0].text for r in table(qi, "Improvement aims").rows] == ["Aim 0"]
    measures = [r[0].text for r in table(qi, "Measures that show the effect").rows]
    assert measures == ["CP-CFA-21 Audit grade 2.1", "CP2 Seen weekly"]


def test_an_indicator_is_also_answered_by_the_aims_its_audit_results_evidence(
    scene: Cast,
) -> None:
    results = Measure.objects.get(code="CP-CFA-21")
    results.actions.add(aims(scene.plan)[2])
    qi = section(build(scene), "2.1 Impact on children")
    assert [r[0].text for r in table(qi, "Improvement aims").rows] == ["Aim 0", "Aim 2"]


def test_progress_over_time_stops_at_the_period_and_keeps_restricted_text_out(
    scene: Cast,
) -> None:
    area = section(build(scene), "Area 1: Health needs")
    rows = [[c.text for c in r] for r in table(area, "Updates by period").rows]
    assert [r[:3] for r in rows] == [
        ["Aim 0", "Q4 2019", "Amber"],
        ["Aim 0", "Q1 2020", "Green"],
        ["Aim 1", "Q1 2020", "Restricted"],
    ]
    everything = " ".join(texts(build(scene)))
    assert "A LATER QUARTER" not in everything
    assert "Operation Kestrel" not in everything


def test_evidence_is_listed_and_restricted_evidence_is_not_named(scene: Cast) -> None:
    area = section(build(scene), "Area 1: Health needs")
    rows = [[c.text for c in r] for r in table(area, "Evidence filed").rows]
    assert [r[1:4] for r in rows] == [
        ["Q4 2019", "Workshop notes", "https://example.org/x"],
        ["Q1 2020", "Restricted to named groups", "–"],
    ]


def _formats(document: Document) -> dict[str, str]:
    docx = read_docx(io.BytesIO(render(document, "docx")))
    book = openpyxl.load_workbook(io.BytesIO(render(document, "xlsx")), read_only=True)
    with pdfplumber.open(io.BytesIO(render(document, "pdf"))) as pdf:
        pdf_text = " ".join(page.extract_text() or "" for page in pdf.pages)
    return {
        "docx": " ".join(c.text for t in docx.tables for r in t.rows for c in r.cells),
        "xlsx": " ".join(
            str(v) for ws in book.worksheets for r in ws.iter_rows(values_only=True) for v in r
        ),
        "pdf": pdf_text,
        "html": re.sub(r"<style.*?</style>", "", render(document, "html").decode(), flags=re.S),
    }


def test_withheld_figures_and_restricted_text_stay_out_of_every_format(scene: Cast) -> None:
    for name, text in _formats(build(scene)).items():
        assert not re.search(r"(?<!\d)33%", text), name  # 1 of 3 seen
        assert SUPPRESSED in text, name
        assert "Police briefing" not in text and "Kestrel" not in text, name
        assert "Workshop notes" in text, name


def test_an_analysts_own_copy_shows_the_figure(scene: Cast) -> None:
    assert "33%" in texts(build(scene, None))


def test_a_plan_with_no_inspection_still_builds(scene: Cast) -> None:
    Plan.objects.filter(pk=scene.plan.pk).update(inspection=None)
    scene.plan.refresh_from_db()
    document = build(scene)
    assert section(document, "Quality indicators").blocks[0].text == (  # type: ignore[union-attr]
        "The inspection graded no quality indicator."
    )


def test_the_queries_do_not_grow_with_the_plan(cast: Cast) -> None:
    counts = []
    for size in (3, 30):
        plan = factories.plan_tree(cast.partnership, actions=size, lead=cast.lead)
        cast.plan = plan
        for aim in aims(plan):
            update = factories.update(aim, state="accepted", rag="green")
            Evidence.objects.create(
                partnership=cast.partnership, update=update, title="x", added_by=cast.lead
            )
            make_measure(cast, values=[1, 2, 3], actions=[aim])
        with CaptureQueriesContext(connection) as queries:
            build(cast)
        counts.append(len(queries))
    assert counts[0] == counts[1]
