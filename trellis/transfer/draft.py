"""What an import proposes, before anything is saved: a plain tree of dataclasses, and the
stable JSON that `trellis plan import --dry-run --json` prints (docs/import-export.md).

The grid (the rows read from a file, with the header) is stored with a pending import, so
the review page can map the columns again and rebuild the draft without the file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass
class GridRow:
    cells: list[str]
    number: int  # the row (or line) as the person counts it in the source
    boundary: bool = False  # the first row after a page or table break


@dataclass
class Grid:
    """A table read from a file: its header and rows, all as text."""

    header: list[str]
    rows: list[GridRow]
    wrapped: bool  # line breaks inside cells are only where text wrapped (PDF, aligned text)
    warnings: list[str] = field(default_factory=list)
    # From a Trellis JSON export: titles are taken as they are, with no targets or
    # milestones read from them (the export lists those on their own lines).
    exported: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "header": self.header,
            "rows": [[r.number, int(r.boundary), r.cells] for r in self.rows],
            "wrapped": self.wrapped,
            "warnings": self.warnings,
            "exported": self.exported,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Grid:
        rows = [GridRow(list(cells), int(n), bool(b)) for n, b, cells in data["rows"]]
        grid = cls(list(data["header"]), rows, bool(data["wrapped"]), list(data["warnings"]))
        grid.exported = bool(data.get("exported"))
        return grid


@dataclass
class Target:
    value: float
    unit: str
    date: dt.date


@dataclass
class Milestone:
    title: str
    due: dt.date


@dataclass
class Update:
    date: dt.date | None
    text: str
    rag: str | None


@dataclass
class ActionDraft:
    title: str
    measures: list[str] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)
    leads: list[str] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    row: int = 0


@dataclass
class DriverDraft:
    title: str
    actions: list[ActionDraft] = field(default_factory=list)
    row: int = 0


@dataclass
class OutcomeDraft:
    title: str
    drivers: list[DriverDraft] = field(default_factory=list)
    row: int = 0


@dataclass
class PlanDraft:
    outcomes: list[OutcomeDraft] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def actions(self) -> list[ActionDraft]:
        return [a for o in self.outcomes for d in o.drivers for a in d.actions]

    def dates(self) -> list[dt.date]:
        """Every date the draft holds: the plan's default span covers them."""
        found: list[dt.date] = []
        for action in self.actions():
            found += [t.date for t in action.targets] + [m.due for m in action.milestones]
            found += [u.date for u in action.updates if u.date is not None]
        return found

    def to_json(self) -> dict[str, Any]:
        return {
            "outcomes": [
                {"title": o.title, "drivers": [_driver_json(d) for d in o.drivers]}
                for o in self.outcomes
            ],
            "warnings": list(self.warnings),
        }


def number(value: float) -> int | float:
    """50.0 is written 50: targets read as they were written."""
    return int(value) if float(value).is_integer() else value


def _driver_json(driver: DriverDraft) -> dict[str, Any]:
    return {"title": driver.title, "actions": [_action_json(a) for a in driver.actions]}


def _action_json(action: ActionDraft) -> dict[str, Any]:
    return {
        "title": action.title,
        "measures": list(action.measures),
        "targets": [
            {"value": number(t.value), "unit": t.unit, "date": t.date.isoformat()}
            for t in action.targets
        ],
        "milestones": [{"title": m.title, "due": m.due.isoformat()} for m in action.milestones],
        "leads": list(action.leads),
        "updates": [
            {"date": u.date.isoformat() if u.date else None, "text": u.text, "rag": u.rag}
            for u in action.updates
        ],
    }
