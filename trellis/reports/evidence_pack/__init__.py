"""The inspection evidence pack, as a `Document` (docs/reports.md, "The inspection evidence
pack"): for each quality indicator and each area for improvement of the plan's inspection,
the improvement aims that answer it, their progress over time, the measures that show the
effect, and the evidence filed with the updates; an indicator or area with no aim or no
measure is flagged.

**What answers what.** An area for improvement is answered by the aims under the key
drivers that name it (`Driver.areas_for_improvement`). A quality indicator has no such
link in the plan; it is answered by the aims that quality assurance linked to it (an audit
finding or learning point naming the indicator and the aim it led to) and by the aims its
audit results measure evidences (an audit programme charts one measure per indicator), and
it is shown by those results as well as by the measures of its aims.

**Up to the period.** Updates, evidence and figures are read up to the end of the period
asked for, so a pack for a past quarter shows what stood then. Only updates submitted or
accepted are reported; one restricted to named groups shows its status only, and its
evidence only as "restricted" (the pack is read beyond those groups, as the board pack).

**Charts once.** Each measure's chart appears once, in the closing chapter "Measures";
the sections list their measures with the latest figure and status and name the chart.

**Disclosure.** Figures about children pass `request.thresholds` through `assess`.

**Cost.** A fixed number of queries whatever the size of the plan.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from trellis.measures.charts import format_date
from trellis.measures.selectors import Assessment
from trellis.plans.models import Action, Finding, QualityIndicator
from trellis.reports.board_pack import measure_block, rag_label
from trellis.reports.document import (
    Block,
    BulletList,
    Cell,
    Document,
    PageBreak,
    Paragraph,
    Section,
    Summary,
    Table,
    cells,
)
from trellis.reports.evidence_pack.reading import Answer, Facts, read
from trellis.reports.registry import ReportRequest

__all__ = ["build"]


def build(request: ReportRequest) -> Document:
    request.progress(1, 3)
    facts = read(request)
    request.progress(2, 3)
    plan, period = request.plan, request.period
    blocks: list[Block] = [
        summary_section(facts),
        PageBreak(),
        Section(
            _("Quality indicators"),
            1,
            tuple(indicator_section(facts, q) for q in facts.indicators)
            or (Paragraph(_("The inspection graded no quality indicator.")),),
            "indicators",
        ),
        PageBreak(),
        Section(
            _("Areas for improvement"),
            1,
            tuple(area_section(facts, area, n) for n, area in enumerate(facts.areas, start=1))
            or (Paragraph(_("The inspection named no area for improvement.")),),
            "areas",
        ),
        PageBreak(),
        Section(
            _("Measures"),
            1,
            tuple(measure_block(a) for a in facts.assessments)
            or (Paragraph(_("No measure evidences this plan.")),),
            "measures",
        ),
    ]
    request.progress(3, 3)
    inspection = plan.inspection
    return Document(
        kind="evidence",
        title=_("Inspection evidence: %(period)s") % {"period": period.label},
        subtitle=inspection.title if inspection else plan.title,
        blocks=tuple(blocks),
        metadata=(
            (_("Plan"), plan.title),
            (_("Inspection"), inspection.title if inspection else _("None recorded")),
            (_("Up to"), format_date(period.ends)),
            (_("Prepared by"), request.prepared_by),
            (_("Date"), format_date(request.today)),
        ),
    )


def summary_section(facts: Facts) -> Section:
    gaps = [
        (f"{q.reference} {q.title}", gap)
        for q in facts.indicators
        for gap in facts.by_indicator[q.pk].gaps
    ]
    gaps += [
        (_("Area %(n)d: %(text)s") % {"n": n, "text": _short(area.text)}, gap)
        for n, area in enumerate(facts.areas, start=1)
        for gap in facts.by_area[area.pk].gaps
    ]
    counts = Summary(
        (
            (_("Quality indicators"), _count(len(facts.indicators))),
            (_("Areas for improvement"), _count(len(facts.areas))),
            (_("Improvement aims"), _count(len(facts.actions))),
            (_("Measures"), _count(len(facts.assessments))),
            (_("Gaps flagged"), _count(len(gaps))),
        )
    )
    body: Block = Paragraph(_("Every indicator and area has an aim and a measure."))
    if gaps:
        body = Table(
            _("Gaps"),
            (cells(_("Indicator or area"), _("Gap")),),
            tuple((Cell(what), Cell(gap, rag="red")) for what, gap in gaps),
            caption=_("Indicators and areas with no improvement aim or no measure."),
            widths=(3, 2),
        )
    return Section(_("Summary"), 1, (counts, Section(_("Gaps"), 2, (body,), "gaps")), "summary")


def indicator_section(facts: Facts, q: QualityIndicator) -> Section:
    answer = facts.by_indicator[q.pk]
    intro = Paragraph(
        _("Graded %(grade)s at inspection.") % {"grade": q.get_grade_display()}, "lead"
    )
    return Section(
        f"{q.reference} {q.title}",
        2,
        (intro, *_answer_blocks(facts, answer, f"indicator-{q.pk}")),
        f"indicator-{q.pk}",
    )


def area_section(facts: Facts, area: Finding, n: int) -> Section:
    answer = facts.by_area[area.pk]
    return Section(
        _("Area %(n)d: %(text)s") % {"n": n, "text": _short(area.text)},
        2,
        (Paragraph(area.text, "lead"), *_answer_blocks(facts, answer, f"area-{area.pk}")),
        f"area-{area.pk}",
    )


def _answer_blocks(facts: Facts, answer: Answer, anchor: str) -> list[Block]:
    blocks: list[Block] = []
    if answer.gaps:
        blocks.append(BulletList(tuple(_("Gap: %(gap)s") % {"gap": g} for g in answer.gaps)))
    if answer.aims:
        blocks.append(_aims_table(facts, answer.aims))
        blocks.append(
            Section(
                _("Progress over time"),
                3,
                (_progress_table(facts, answer.aims),),
                f"{anchor}-progress",
                in_contents=False,
            )
        )
    if answer.measures:
        blocks.append(_measures_table(answer.measures))
    if answer.aims:
        blocks.append(
            Section(
                _("Evidence"),
                3,
                (_evidence_table(facts, answer.aims),),
                f"{anchor}-evidence",
                in_contents=False,
            )
        )
    return blocks


def _aims_table(facts: Facts, aims: list[Action]) -> Table:
    rows = []
    for a in aims:
        latest = facts.progress.get(a.pk, [])
        status = rag_label(latest[-1].rag) if latest else _("No update")
        rows.append(
            (Cell(a.title), Cell(_lead(a)), Cell(status, rag=latest[-1].rag if latest else ""))
        )
    return Table(
        _("Improvement aims"),
        (cells(_("Improvement project aim"), _("Lead"), _("Latest status")),),
        tuple(rows),
        widths=(4, 2, 1),
    )


def _progress_table(facts: Facts, aims: list[Action]) -> Block:
    rows = [
        (
            Cell(_short(a.title)),
            Cell(p.period),
            Cell(rag_label(p.rag), rag=p.rag),
            Cell(p.narrative),
        )
        for a in aims
        for p in facts.progress.get(a.pk, [])
    ]
    if not rows:
        return Paragraph(_("No update has been reported yet."))
    return Table(
        _("Updates by period"),
        (cells(_("Improvement project aim"), _("Period"), _("Status"), _("Update")),),
        tuple(rows),
        widths=(2, 1, 1, 5),
    )


def _measures_table(measures: list[Assessment]) -> Table:
    rows = []
    for a in measures:
        block = measure_block(a)
        latest = block.blocks[0]
        shown = latest.items[0][1] if isinstance(latest, Summary) else Cell("–")
        rows.append(
            (
                Cell(f"{a.measure.code} {a.measure.title}"),
                shown,
                Cell(a.status_label),
                Cell(a.verdict_label),
            )
        )
    return Table(
        _("Measures that show the effect"),
        (
            cells(
                _("Measure (chart under Measures)"),
                _("Latest"),
                _("Against trajectory"),
                _("What the data says"),
            ),
        ),
        tuple(rows),
        widths=(3, 1, 1.5, 2),
    )


def _evidence_table(facts: Facts, aims: list[Action]) -> Block:
    rows = [
        (Cell(_short(a.title)), Cell(f.period), Cell(f.title), Cell(f.kind or "–"), Cell(f.added))
        for a in aims
        for f in facts.evidence.get(a.pk, [])
    ]
    if not rows:
        return Paragraph(_("No evidence has been filed with the updates yet."))
    return Table(
        _("Evidence filed"),
        (
            cells(
                _("Improvement project aim"),
                _("Period"),
                _("Evidence"),
                _("File or link"),
                _("Added"),
            ),
        ),
        tuple(rows),
        widths=(2, 1, 3, 1, 1),
    )


def _count(n: int) -> Cell:
    return Cell.number(n, str(n))


def _lead(action: Action) -> str:
    return action.lead.full_name if action.lead else (action.lead_responsibility or "–")


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
