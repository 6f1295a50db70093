"""The plan page's six-column table, written here rather than in a template.

The table has a row per action, and a partnership's plan can have hundreds: at 400 actions
Django's template engine spent about 1.5 ms a row on it (each row translating the same
words again, two includes and an inclusion tag, a URL reversal per link, a date filter per
milestone), three quarters of the plan page's time and the heaviest page of the load test
(docs/reliability.md, L1). Here each word is translated once a page, links are built from
one reversal each, and every piece of text still passes `format_html`'s escaping.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.template.defaultfilters import linebreaksbr, truncatewords
from django.urls import reverse
from django.utils.dates import MONTHS
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from trellis.accounts.models import Membership
from trellis.plans.models import Action, Milestone
from trellis.plans.selectors import PlanRow
from trellis.progress.models import ProgressUpdate, Rag
from trellis.progress.selectors import may_see_content
from trellis.progress.templatetags.progress_updates import (
    action_status_tag_class,
    rag_tag_class,
)
from trellis.safehtml import joined

_NARRATIVE_WORDS = 60


@dataclass(frozen=True)
class _Page:
    """What every row needs, worked out once: the viewer, link makers and the words."""

    membership: Membership | None
    outcome_url: Callable[[int], str]
    action_url: Callable[[int], str]
    update_url: Callable[[int], str]
    months: list[str]
    words: dict[str, str]
    statuses: dict[str, str]  # each action status in words
    rags: dict[str, str]  # each RAG rating in words


def plan_table_body(
    groups: Iterable[list[PlanRow]], *, slug: str, membership: Membership | None
) -> SafeString:
    """A `<tbody>` per stretch outcome, as `selectors.plan_rows` groups them."""
    page = _Page(
        membership=membership,
        outcome_url=_url_maker("plans:outcome-detail", slug),
        action_url=_url_maker("plans:action-detail", slug),
        update_url=_url_maker("progress:update-detail", slug),
        months=[""] + [str(MONTHS[m]) for m in range(1, 13)],
        words={
            "na": _("N/A"),
            "see": _("See"),
            "by": _("by"),
            "revised to": _("revised to"),
            "done": _("done"),
            "lead": _("Lead:"),
            "deputies": _("Deputies:"),
            "restricted": _("a restricted update"),
        },
        # get_FOO_display() translates afresh each call: a measurable cost 800 times a page
        statuses={value: str(label) for value, label in Action.Status.choices},
        rags={value: str(label) for value, label in Rag.choices},
    )
    return joined(
        format_html(
            '<tbody class="govuk-table__body">{}</tbody>', joined(_row(row, page) for row in rows)
        )
        for rows in groups
    )


def _url_maker(name: str, slug: str) -> Callable[[int], str]:
    """The link to an object of the partnership by its id, reversed once (reversing is a
    measurable cost when a page has hundreds of links)."""
    prefix, suffix = reverse(name, args=[slug, 0]).rsplit("/0/", 1)
    return lambda pk: f"{prefix}/{pk}/{suffix}"


def _row(row: PlanRow, page: _Page) -> SafeString:
    outcome = row.outcome
    words = page.words
    not_applicable = outcome.not_applicable
    empty = words["na"] if not_applicable else "–"  # a cell the outcome leaves empty
    cells = []
    if row.outcome_span:
        cells.append(
            format_html(
                '<th scope="rowgroup" rowspan="{}" class="govuk-table__header">'
                '<a class="govuk-link" href="{}">{}</a>{}</th>',
                row.outcome_span,
                page.outcome_url(outcome.pk),
                outcome.title,
                _tag("govuk-tag--grey", words["na"], before=" ") if not_applicable else "",
            )
        )
    if row.driver_span and row.driver is not None:
        cells.append(
            format_html(
                '<td class="govuk-table__cell" rowspan="{}">{}</td>',
                row.driver_span,
                row.driver.title,
            )
        )
    elif row.driver is None:
        cells.append(_cell(empty))
    if row.action is not None:
        cells.extend(_action_cells(row.action, page))
    else:
        reason = outcome.not_applicable_reason if not_applicable else "–"
        cells.extend((_cell(empty), _cell("–"), _cell("–")))
        cells.append(_cell(reason))
    return format_html('<tr class="govuk-table__row">{}</tr>', joined(cells))


def _action_cells(action: Action, page: _Page) -> list[SafeString]:
    words = page.words
    linked = ""
    if action.linked_plan:
        version = f" ({action.linked_plan_version})" if action.linked_plan_version else ""
        linked = format_html(
            '<br><span class="govuk-body-s">{} {}{}</span>',
            words["see"],
            action.linked_plan,
            version,
        )
    title = format_html(
        '<a class="govuk-link" href="{}">{}</a>{}', page.action_url(action.pk), action.title, linked
    )
    milestones = _milestones(action.milestones.all(), page)
    status = _tag(action_status_tag_class(action.status), page.statuses[action.status])
    return [
        _cell(title),
        _cell(format_html("{}{}", _lines(action.key_measure), milestones)),
        _cell(_leads(action, page)),
        _cell(format_html("{}{}", status, _latest_progress(action, page))),
    ]


def _milestones(milestones: Iterable[Milestone], page: _Page) -> str:
    words = page.words
    items = []
    for m in milestones:
        revised = f" ({words['revised to']} {_day(m.revised_due, page)})" if m.revised_due else ""
        done = f" – {words['done']} {_day(m.done, page)}" if m.done else ""
        items.append(
            format_html(
                "<li>{}, {} {}{}{}</li>", m.title, words["by"], _day(m.due, page), revised, done
            )
        )
    return (
        format_html('<ul class="govuk-list govuk-body-s">{}</ul>', joined(items)) if items else ""
    )


def _leads(action: Action, page: _Page) -> SafeString:
    parts = []
    if action.lead_responsibility:
        parts.append(
            format_html('<p class="govuk-body-s">{}</p>', _lines(action.lead_responsibility))
        )
    if action.lead:
        deputies = [str(d) for d in action.deputies.all()]
        named = (
            format_html("<br><strong>{}</strong> {}", page.words["deputies"], ", ".join(deputies))
            if deputies
            else ""
        )
        parts.append(
            format_html(
                '<p class="govuk-body-s"><strong>{}</strong> {}{}</p>',
                page.words["lead"],
                str(action.lead),
                named,
            )
        )
    return joined(parts)


def _latest_progress(action: Action, page: _Page) -> str:
    """The latest submitted or accepted update (prefetched by `plan_tree`) as the viewer may
    see it, else the action's own latest progress text."""
    reported: list[ProgressUpdate] = getattr(action, "reported_updates", None) or []
    if not reported:
        if action.latest_progress:
            return format_html('<p class="govuk-body-s">{}</p>', _lines(action.latest_progress))
        return ""
    update = reported[0]
    membership = page.membership
    if membership is None or not may_see_content(membership, update.restricted_to.all(), action):
        return format_html(
            '<p class="govuk-body-s app-latest-update">{}: {}</p>',
            update.period.label,
            page.words["restricted"],
        )
    return format_html(
        '<p class="govuk-body-s app-latest-update">{} <a class="govuk-link" href="{}">{}</a></p>'
        '<p class="govuk-body-s">{}</p>',
        _tag(rag_tag_class(update.rag), page.rags[update.rag]),
        page.update_url(update.pk),
        update.period.label,
        _lines(truncatewords(update.narrative, _NARRATIVE_WORDS)),
    )


def _cell(content: str) -> SafeString:
    return format_html('<td class="govuk-table__cell">{}</td>', content)


def _tag(css_class: str, text: str, *, before: str = "") -> SafeString:
    return format_html('{}<strong class="govuk-tag {}">{}</strong>', before, css_class, text)


def _lines(text: str) -> SafeString:
    """Escaped text with its line breaks kept."""
    return linebreaksbr(text, autoescape=True)


def _day(day: dt.date, page: _Page) -> str:
    """ "30 September 2020", as the templates' `date:"j F Y"`."""
    return f"{day.day} {page.months[day.month]} {day.year}"
