"""The quarterly board pack for a plan and a period, as a `Document` (docs/reports.md).

In order: a one-page summary (what changed since the previous period, what is off track,
what needs a decision), the action plan in its six familiar columns with this period's
update and status, each measure with its chart, text summary and status, the challenge
log, and the decision log (read from trellis.meetings, trellis/reports/decisions.py).

**Frozen.** Everything is read as it stands when the pack is built, and measures only up to
the end of the period reported, so a later quarter's figures never leak into this one's
pack. An issued pack is stored as bytes (trellis.reports.models.IssuedReport), so later edits
never change it.

**What the board may read** is decided as the data is read (trellis/reports/board_pack_data.py:
submitted and accepted updates only, restricted ones by status word only). Measure figures
about children pass disclosure control with `request.thresholds`.

**Cost.** A fixed number of queries whatever the size of the plan: the actions and their
deputies, each of the two periods' updates, the measures with their prefetched rows, the
comments and the decision log.
"""

from __future__ import annotations

from collections import Counter

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trellis.measures.charts import ChartPoint, format_date, format_value, render_svg, summarise
from trellis.measures.charts.table import data_table, data_table_headings
from trellis.measures.selectors import Assessment, assess
from trellis.plans.models import Action
from trellis.progress.models import Comment, Rag, ReportingPeriod
from trellis.reports.board_pack_data import (
    NO_UPDATE,
    RAG_ORDER,
    RESTRICTED,
    Reported,
    challenge_log,
    plan_actions,
    plan_measures,
    previous_period,
    rag_label,
    reported,
)
from trellis.reports.decisions import (
    decision_entries,
    decision_log_section,
    overdue_follow_ups,
)
from trellis.reports.document import (
    Block,
    BulletList,
    Cell,
    ChartBlock,
    Document,
    PageBreak,
    Paragraph,
    Section,
    Summary,
    Table,
    cells,
)
from trellis.reports.registry import ReportRequest

PLAN_HEADINGS = (
    gettext_lazy("Stretch outcome aim"),
    gettext_lazy("Key driver"),
    gettext_lazy("Improvement project aim"),
    gettext_lazy("Key improvement measure"),
    gettext_lazy("Lead responsibility"),
    gettext_lazy("Progress update"),
    gettext_lazy("Status"),
)


# Building


def build(request: ReportRequest) -> Document:
    period = request.period
    actions = plan_actions(request)
    request.progress(1, 5)
    now = reported(period)
    before_period = previous_period(period)
    before = reported(before_period)
    request.progress(2, 5)
    assessments = [assess(m, request.thresholds) for m in plan_measures(request)]
    request.progress(3, 5)
    comments = challenge_log(request)
    logged = decision_entries(request)
    overdue = overdue_follow_ups(logged)
    request.progress(4, 5)
    blocks: list[Block] = [
        summary_section(actions, now, before, before_period, assessments, comments, overdue),
        PageBreak(),
        plan_section(actions, now),
        PageBreak(),
        measures_section(assessments),
        PageBreak(),
        challenge_section(comments),
        decision_log_section(logged),
    ]
    request.progress(5, 5)
    plan = request.plan
    return Document(
        kind="board-pack",
        title=_("Board pack: %(period)s") % {"period": period.label},
        subtitle=plan.title,
        blocks=tuple(blocks),
        metadata=(
            (_("Plan"), plan.title),
            (
                _("Period"),
                f"{period.label} ({format_date(period.starts)} to {format_date(period.ends)})",
            ),
            (_("Prepared by"), request.prepared_by),
            (_("Date"), format_date(request.today)),
        ),
    )


def summary_section(
    actions: list[Action],
    now: dict[int, Reported],
    before: dict[int, Reported],
    before_period: ReportingPeriod | None,
    assessments: list[Assessment],
    comments: list[Comment],
    overdue: int,
) -> Section:
    counts = Counter(now.get(a.pk, Reported(NO_UPDATE, "")).rag for a in actions)
    order = (Rag.RED, Rag.AMBER, Rag.GREEN, Rag.COMPLETE, Rag.NOT_STARTED, NO_UPDATE, RESTRICTED)
    off = [a for a in assessments if a.status == "off-track"]
    items: list[tuple[str, Cell]] = [(_("Actions"), Cell.number(len(actions), str(len(actions))))]
    items += [
        (rag_label(rag), Cell(str(counts[rag]), counts[rag], rag=rag))
        for rag in order
        if counts[rag] or rag not in (RESTRICTED,)
    ]
    items.append((_("Measures off track"), Cell(str(len(off)), len(off))))
    return Section(
        _("Summary"),
        1,
        (
            Summary(tuple(items)),
            Section(
                _("What changed"),
                2,
                (_changed(actions, now, before, before_period, assessments),),
                "changed",
            ),
            Section(_("What is off track"), 2, (_off_track(actions, now, off),), "off-track"),
            Section(
                _("What needs a decision"),
                2,
                (_decisions(actions, now, comments, overdue),),
                "decisions",
            ),
        ),
        "summary",
    )


def _bullets(items: list[str], empty: str) -> BulletList | Paragraph:
    return BulletList(tuple(items)) if items else Paragraph(empty)


def _changed(
    actions: list[Action],
    now: dict[int, Reported],
    before: dict[int, Reported],
    before_period: ReportingPeriod | None,
    assessments: list[Assessment],
) -> BulletList | Paragraph:
    if before_period is None:
        return Paragraph(_("This is the plan's first period: there is nothing to compare."))
    items = []
    for action in actions:
        was, is_ = before.get(action.pk), now.get(action.pk)
        if was is None or is_ is None or was.rag == is_.rag:
            continue
        if was.rag in RAG_ORDER and is_.rag in RAG_ORDER:
            items.append(
                _("%(aim)s: %(was)s to %(now)s since %(period)s.")
                % {
                    "aim": _short(action.title),
                    "was": rag_label(was.rag),
                    "now": rag_label(is_.rag),
                    "period": before_period.label,
                }
            )
    for a in assessments:
        if a.verdict in ("improving", "deteriorating", "changing"):
            items.append(f"{a.measure.title}: {a.verdict_label.lower()}.")
    return _bullets(items, _("No status changed and no measure shows a signal."))


def _off_track(
    actions: list[Action], now: dict[int, Reported], off: list[Assessment]
) -> BulletList | Paragraph:
    items = [
        _("%(aim)s (red): %(lead)s.") % {"aim": _short(a.title), "lead": _lead(a)}
        for a in actions
        if now.get(a.pk, Reported(NO_UPDATE, "")).rag == Rag.RED
    ]
    items += [f"{a.measure.title}: {summarise(a.chart)}" for a in off]
    return _bullets(items, _("No action is red and no measure is off track."))


def _decisions(
    actions: list[Action], now: dict[int, Reported], comments: list[Comment], overdue: int
) -> BulletList | Paragraph:
    """Red actions need the board's help by definition (Rag.RED's meaning); missing
    updates need chasing; a challenge whose latest word is not from the aim's lead or a
    deputy awaits an answer (as the dashboard counts it); an overdue follow-up of a
    decision needs the group's attention."""
    red = sum(1 for a in actions if now.get(a.pk, Reported(NO_UPDATE, "")).rag == Rag.RED)
    missing = sum(1 for a in actions if a.pk not in now)
    items = []
    if red:
        items.append(_("%(n)d red action(s): agree help or a revised aim.") % {"n": red})
    if missing:
        items.append(_("%(n)d action(s) without an update this period.") % {"n": missing})
    last: dict[int, Comment] = {}
    for comment in comments:
        last[comment.action_id] = comment
    answerers = {a.pk: {a.lead_id, *(d.pk for d in a.deputies.all())} - {None} for a in actions}
    waiting = [c for c in last.values() if c.author_id not in answerers.get(c.action_id, ())]
    if waiting:
        items.append(_("%(n)d challenge(s) awaiting the lead's reply.") % {"n": len(waiting)})
    if overdue:
        items.append(
            _("%(n)d follow-up(s) of earlier decisions overdue: see the decision log.")
            % {"n": overdue}
        )
    return _bullets(items, _("Nothing needs a decision this period."))


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _lead(action: Action) -> str:
    names = [action.lead_responsibility.strip(), action.lead.full_name if action.lead else ""]
    return "; ".join(n for n in names if n) or _("No lead named")


def plan_section(actions: list[Action], now: dict[int, Reported]) -> Section:
    rows = []
    for action in actions:
        update = now.get(action.pk, Reported(NO_UPDATE, ""))
        narrative = update.narrative or (
            _("Restricted to named groups.")
            if update.rag == RESTRICTED
            else _("No update received.")
        )
        driver = action.driver
        rows.append(
            (
                Cell(driver.outcome.title),
                Cell(driver.title),
                Cell(action.title),
                Cell(action.key_measure or action.linked_plan),
                Cell(_lead(action)),
                Cell(narrative),
                Cell(rag_label(update.rag), rag=update.rag),
            )
        )
    table = Table(
        _("Action plan"),
        (cells(*map(str, PLAN_HEADINGS)),),
        tuple(rows),
        caption=_("Every improvement aim with this period's update and status."),
        filterable=True,
        widths=(2, 2, 3, 2, 2, 4.5, 1.3),
        own_sheet=True,
    )
    return Section(_("The action plan"), 1, (table,), "plan")


def measures_section(assessments: list[Assessment]) -> Section:
    if not assessments:
        return Section(
            _("Measures"), 1, (Paragraph(_("No measure evidences this plan.")),), "measures"
        )
    return Section(_("Measures"), 1, tuple(measure_block(a) for a in assessments), "measures")


def measure_block(a: Assessment) -> Section:
    chart = a.chart
    latest = next((p for p in reversed(chart.points) if p.value is not None or p.suppressed), None)
    if latest is None:
        shown = Cell(_("No data yet"))
    elif latest.suppressed:
        shown = Cell.hidden()
    else:
        shown = Cell(format_value(latest.value, chart.unit, chart.decimals), latest.value)
    summary = Summary(
        (
            (_("Latest"), shown),
            (_("Period"), Cell(latest.label if latest else "–")),
            (_("Status"), Cell(a.status_label)),
            (_("Variation"), Cell(a.verdict_label)),
        )
    )
    text = summarise(chart)
    figures = Table(
        chart.title or a.measure.title,
        (cells(*data_table_headings(chart)),),
        tuple(_data_row(chart.points[i], row.cells) for i, row in enumerate(data_table(chart))),
        caption=_("The figures behind the chart."),
    )
    block = ChartBlock(
        title=a.measure.title,
        svg=render_svg(chart, width=720, height=320, id_prefix=f"m{a.measure.pk}"),
        alt=f"{a.measure.title}: {text}",
        caption=text,
        description=text,
        data=figures,
    )
    return Section(a.measure.title, 2, (summary, block), f"measure-{a.measure.pk}")


def _data_row(point: ChartPoint, texts: tuple[str, ...]) -> tuple[Cell, ...]:
    value = Cell.hidden() if point.suppressed else Cell(texts[1], point.value)
    return (Cell(texts[0]), value, *(Cell(t) for t in texts[2:]))


def challenge_section(comments: list[Comment]) -> Section:
    if not comments:
        body: Block = Paragraph(_("No challenge has been raised since the period began."))
    else:
        body = Table(
            _("Challenge log"),
            (cells(_("Date"), _("Improvement project aim"), _("By"), _("Comment")),),
            tuple(
                (
                    Cell(format_date(timezone.localdate(c.created_at))),
                    Cell(_short(c.action.title)),
                    Cell(c.author.full_name),
                    Cell(c.body),
                )
                for c in comments
            ),
            caption=_("Comments on the plan's aims since the period began."),
            widths=(1.6, 3, 1.8, 5),
            own_sheet=True,
        )
    return Section(_("Challenge log"), 1, (body,), "challenge")
