"""The board pack's decision log, read from trellis.meetings (`decision_log`): the plan's
decisions taken in the period and earlier ones whose follow-up was still open when it
began, as one table. This is the only place the pack touches the meetings app."""

from __future__ import annotations

from django.utils.translation import gettext as _

from trellis.measures.charts import format_date
from trellis.meetings.selectors import DONE, OPEN, OVERDUE, DecisionEntry, decision_log
from trellis.reports.document import Block, Cell, Paragraph, Section, Table, cells
from trellis.reports.registry import ReportRequest

STATUS_WORDS = {DONE: "Done", OVERDUE: "Overdue", OPEN: "Open", "": "Nothing follows"}
STATUS_RAG = {DONE: "complete", OVERDUE: "red", OPEN: "amber", "": ""}


def decision_entries(request: ReportRequest) -> list[DecisionEntry]:
    """The plan's decision log for the period, follow-ups judged on the pack's date."""
    return decision_log(request.plan, request.period, as_of=request.today)


def overdue_follow_ups(entries: list[DecisionEntry]) -> int:
    return sum(1 for e in entries if e.status == OVERDUE)


def decision_log_section(entries: list[DecisionEntry]) -> Section:
    body: Block
    if not entries:
        body = Paragraph(_("No decision was recorded or carried forward for this period."))
    else:
        body = Table(
            _("Decision log"),
            (
                cells(
                    _("Decided"),
                    _("Group"),
                    _("About"),
                    _("Decision"),
                    _("What follows"),
                    _("Follow-up"),
                ),
            ),
            tuple(_row(e) for e in entries),
            caption=_(
                "Decisions taken this period, and earlier decisions whose follow-up was "
                "still open when it began (marked carried forward)."
            ),
            widths=(1.2, 1.5, 2, 3, 3, 1.3),
            own_sheet=True,
        )
    return Section(_("Decision log"), 1, (body,), "decisions-log")


def _row(e: DecisionEntry) -> tuple[Cell, ...]:
    when = format_date(e.decided_on)
    if e.carried_forward:
        when = _("%(date)s (carried forward)") % {"date": when}
    follows = e.follow_up
    if e.follow_up_owner:
        follows += f" ({e.follow_up_owner})"
    if e.follow_up_due is not None:
        follows += _(", due %(date)s") % {"date": format_date(e.follow_up_due)}
    if e.created_action_title:
        follows += _(" New aim: %(title)s.") % {"title": e.created_action_title}
    return (
        Cell(when),
        Cell(e.group),
        Cell(f"{e.subject_label}: {e.about}" if e.about else e.subject_label),
        Cell(e.text),
        Cell(follows.strip() or "–"),
        Cell(_(STATUS_WORDS[e.status]), rag=STATUS_RAG[e.status]),
    )
