"""From a grid and a column mapping to a draft plan.

Rows are read top to bottom. A cell in the outcome, driver or action column starts a new
one, unless it repeats the current one's title (a spreadsheet filled down); an empty one
means "the same as above" (merged cells read as empty after their first row). A row with
all three empty continues the action above it: its measures, leads and updates are added.
Right after a page or table break, a level cell that starts in lower case finishes the
sentence the previous page cut, so it is joined to the title above.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from trellis.transfer import phrases
from trellis.transfer.cells import clean, items_of, leads_of, lines_of, updates_of
from trellis.transfer.draft import (
    ActionDraft,
    DriverDraft,
    Grid,
    GridRow,
    Milestone,
    OutcomeDraft,
    PlanDraft,
    Target,
    Update,
)
from trellis.transfer.headings import (
    ACTION,
    DRIVER,
    DUE,
    LEAD,
    MEASURE,
    OUTCOME,
    RAG,
    UPDATE,
    is_repeated_header,
)

T = TypeVar("T")
TITLE_MAX = 300  # a milestone's title (plans.Milestone.title)
_MARKED = re.compile(r"^\s*(?:[•·▪*–-]|\(?\d{1,2}[.)]|\(?[a-z][.)])\s+")


@dataclass
class _Raw:
    """An action's cells as read, before they are split into items."""

    draft: ActionDraft
    title: list[str] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)
    leads: list[str] = field(default_factory=list)
    due: list[str] = field(default_factory=list)
    rag: list[str] = field(default_factory=list)
    updates: list[tuple[str, int]] = field(default_factory=list)  # text, column


class _Builder:
    def __init__(self, grid: Grid, mapping: Sequence[str | None]) -> None:
        self.grid = grid
        self.mapping = list(mapping) + [None] * (len(grid.header) - len(mapping))
        self.plan = PlanDraft(warnings=list(grid.warnings))
        self.outcome: OutcomeDraft | None = None
        self.driver: DriverDraft | None = None
        self.action: _Raw | None = None
        self.raws: list[_Raw] = []

    def columns(self, name: str) -> list[int]:
        return [i for i, f in enumerate(self.mapping) if f == name]

    def cell(self, row: GridRow, name: str) -> str:
        texts = [row.cells[i] for i in self.columns(name) if i < len(row.cells)]
        return "\n".join(t for t in texts if t.strip())

    def warn(self, row: GridRow, message: str) -> None:
        self.plan.warnings.append(f"Row {row.number}: {message}")

    def run(self) -> PlanDraft:
        if not any(f in (OUTCOME, DRIVER, ACTION) for f in self.mapping):
            self.plan.warnings.append(
                "No column is mapped to an outcome, driver or action, so nothing can be built."
            )
            return self.plan
        for row in self.grid.rows:
            if any(c.strip() for c in row.cells) and not is_repeated_header(
                row.cells, self.grid.header
            ):
                self.read_row(row)
        for raw in self.raws:
            _finish(raw, self.grid, self)
        return self.plan

    def read_row(self, row: GridRow) -> None:
        outcome, driver, action = (self.cell(row, f) for f in (OUTCOME, DRIVER, ACTION))
        if row.boundary or self.grid.wrapped:
            outcome, driver, action = self.join_cut(outcome, driver, action)
        if outcome:
            self.start_outcomes(row, outcome)
        if driver:
            self.start_driver(row, driver)
        if action:
            self.start_action(row, action)
        self.add_details(row)

    def join_cut(self, outcome: str, driver: str, action: str) -> tuple[str, str, str]:
        """Text cut by a page break (or, in wrapped text, by the end of a line) goes back
        to the title it finishes: it starts in lower case."""
        if outcome and self.outcome and _continues(outcome):
            self.outcome.title = clean(f"{self.outcome.title} {outcome}")
            outcome = ""
        if driver and not outcome and self.driver and _continues(driver):
            self.driver.title = clean(f"{self.driver.title} {driver}")
            driver = ""
        if action and not outcome and not driver and self.action and _continues(action):
            self.action.title.append(action)
            action = ""
        return outcome, driver, action

    def start_outcomes(self, row: GridRow, text: str) -> None:
        titles = _several(text, wrapped=self.grid.wrapped)
        if len(titles) == 1 and self.outcome and clean(text) == self.outcome.title:
            return
        if len(titles) > 1:
            self.warn(row, f"{len(titles)} outcomes in one cell; its drivers go under the first.")
        new = [OutcomeDraft(title=t, row=row.number) for t in titles]
        self.plan.outcomes.extend(new)
        self.outcome, self.driver, self.action = new[0], None, None

    def start_driver(self, row: GridRow, text: str) -> None:
        title = clean(text)
        if self.driver and title == self.driver.title:
            return
        outcome = self.outcome or self.placeholder_outcome(row)
        self.driver = DriverDraft(title=title, row=row.number)
        outcome.drivers.append(self.driver)
        self.action = None

    def start_action(self, row: GridRow, text: str) -> None:
        if self.action and clean(text) == clean(" ".join(self.action.title)):
            return
        driver = self.driver or self.placeholder_driver(row)
        self.action = _Raw(ActionDraft(title="", row=row.number), title=[text])
        driver.actions.append(self.action.draft)
        self.raws.append(self.action)

    def placeholder_outcome(self, row: GridRow) -> OutcomeDraft:
        self.warn(row, "no outcome above this row, so one was added; give it a title.")
        self.outcome = OutcomeDraft(title="Outcome to be named", row=row.number)
        self.plan.outcomes.append(self.outcome)
        return self.outcome

    def placeholder_driver(self, row: GridRow) -> DriverDraft:
        outcome = self.outcome or self.placeholder_outcome(row)
        if not any(f == DRIVER for f in self.mapping):
            title = outcome.title  # a layout without drivers: one driver per outcome
        else:
            self.warn(row, "no key driver above this action, so one was added.")
            title = "Key driver to be named"
        self.driver = DriverDraft(title=title, row=row.number)
        outcome.drivers.append(self.driver)
        return self.driver

    def add_details(self, row: GridRow) -> None:
        details = {f: self.cell(row, f) for f in (MEASURE, LEAD, DUE, RAG)}
        updates = [(row.cells[i], i) for i in self.columns(UPDATE) if i < len(row.cells)]
        updates = [(text, i) for text, i in updates if text.strip()]
        if not any(details.values()) and not updates:
            return
        if self.action is None:
            if self.driver is None and self.outcome is None:
                self.warn(row, "text before the first outcome was left out.")
                return
            self.warn(row, "measures or updates with no action; an action was added for them.")
            self.start_action(row, self.driver.title if self.driver else "Action to be named")
        raw = self.action
        if raw is None:
            return
        cut = self.grid.wrapped
        for name, target in ((MEASURE, raw.measures), (LEAD, raw.leads), (DUE, raw.due)):
            if details[name]:
                _append(target, details[name], cut=cut)
        if details[RAG]:
            raw.rag.append(details[RAG])
        for text, column in updates:
            if cut and raw.updates and _continues(text):
                last, last_column = raw.updates[-1]
                raw.updates[-1] = (f"{last} {text}", last_column)
            else:
                raw.updates.append((text, column))


def _continues(text: str) -> bool:
    return text.lstrip()[:1].islower()


def _append(texts: list[str], text: str, *, cut: bool) -> None:
    if cut and texts and _continues(text):
        texts[-1] = f"{texts[-1]} {text}"
    else:
        texts.append(text)


def _several(text: str, *, wrapped: bool) -> list[str]:
    """Several outcomes in one cell only when at least two lines are bulleted or numbered."""
    marked = [line for line in lines_of(text) if _MARKED.match(line)]
    if len(marked) >= 2:
        return items_of(text, wrapped=True)
    return [clean(text)]


def _finish(raw: _Raw, grid: Grid, builder: _Builder) -> None:
    """Split the action's cells into measures, targets, milestones, leads and updates."""
    draft = raw.draft
    draft.title = clean(" ".join(raw.title))
    targets = [] if grid.exported else _targets(draft.title)
    title_date = None if grid.exported else phrases.parse_date(draft.title)
    if title_date is not None and not targets and phrases.without_date(draft.title):
        # "Quality Assurance Framework implemented by 31 October 2019": a dated deliverable
        draft.milestones.append(Milestone(_short(phrases.without_date(draft.title)), title_date))
    due = [found.date for text in raw.due for found in phrases.find_dates(text)]
    for text in raw.measures:
        for item in items_of(text, wrapped=grid.wrapped):
            _measure_item(draft, targets, item, builder)
            _undated_target(targets, item, due)
    for text in raw.due:
        _due(draft, text, builder)
    draft.targets = _unique(targets)
    draft.milestones = _unique(draft.milestones)
    draft.measures = _unique(draft.measures)
    lead_texts = [item for text in raw.leads for item in items_of(text, wrapped=grid.wrapped)]
    draft.leads = _unique([lead for text in lead_texts for lead in leads_of(text)])
    for text, column in raw.updates:
        when = phrases.heading_date(grid.header[column]) if column < len(grid.header) else None
        for u in updates_of(text, wrapped=grid.wrapped, date=when):
            draft.updates.append(Update(u.date, u.text, u.rag))
    _apply_rag(draft, raw.rag, builder)


def _targets(text: str) -> list[Target]:
    return [Target(p.value, p.unit, p.date) for p in phrases.find_targets(text)]


def _measure_item(draft: ActionDraft, targets: list[Target], item: str, builder: _Builder) -> None:
    label, _, rest = item.partition(":")
    kind = label.strip().lower()
    if kind == "measure" and rest.strip():  # Trellis's export: a measure, whatever it says
        draft.measures.append(rest.strip())
        return
    if kind in ("target", "targets") and rest:
        point = phrases.explicit_target(rest.strip())
        if point is not None:
            targets.append(Target(point.value, point.unit, point.date))
            return
    if kind in ("milestone", "milestones") and rest:
        item = rest.strip()
    found = phrases.find_targets(item)
    if found:
        targets.extend(Target(p.value, p.unit, p.date) for p in found)
        draft.measures.append(item)
        return
    day = phrases.parse_date(item)
    if day is not None and phrases.without_date(item):
        draft.milestones.append(Milestone(_short(phrases.without_date(item)), day))
        return
    draft.measures.append(item)


def _undated_target(targets: list[Target], item: str, due: list[dt.date]) -> None:
    """'75%' in a target column with one date in the row's target date column."""
    match = re.fullmatch(r"\s*(\d{1,3}(?:\.\d+)?)\s*%\s*", item)
    if match and len(due) == 1 and float(match.group(1)) <= 100:
        targets.append(Target(float(match.group(1)), "%", due[0]))


def _due(draft: ActionDraft, text: str, builder: _Builder) -> None:
    dates = phrases.find_dates(text)
    if not dates:
        builder.plan.warnings.append(
            f"Row {draft.row}: the target date '{clean(text)[:60]}' is not a date; it was left out."
        )
        return
    for found in dates:
        draft.milestones.append(Milestone(_short(draft.title), found.date))


def _apply_rag(draft: ActionDraft, rags: list[str], builder: _Builder) -> None:
    for text in rags:
        word = phrases.rag_word(text)
        if word is None:
            builder.plan.warnings.append(
                f"Row {draft.row}: '{clean(text)[:40]}' is not a RAG status; it was left out."
            )
        elif draft.updates:
            last = draft.updates[-1]
            if last.rag is None:
                draft.updates[-1] = Update(last.date, last.text, word)
        else:
            draft.updates.append(Update(None, "", word))


def _short(title: str) -> str:
    return title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1].rstrip() + "…"


def _unique(items: list[T]) -> list[T]:
    kept: list[T] = []
    for item in items:
        if item not in kept:
            kept.append(item)
    return kept


def build(grid: Grid, mapping: Sequence[str | None]) -> PlanDraft:
    return _Builder(grid, mapping).run()
