"""The kinds of report Trellis produces, by the name the CLI and the pages use.

Each entry names its builder by dotted path, imported on first use, so this module imports
no builder (and no builder's models) and adding a report is one line in `REPORTS`. A
builder is `def build(request: ReportRequest) -> Document` (see trellis/reports/document.py
and docs/reports.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING

from trellis.accounts.policy import Perm
from trellis.core.disclosure import Thresholds

if TYPE_CHECKING:
    from trellis.plans.models import Plan
    from trellis.progress.models import ReportingPeriod
    from trellis.reports.document import Document


def _no_progress(done: int, total: int) -> None:
    """The default progress callback: nobody is watching."""


@dataclass(frozen=True)
class ReportRequest:
    """What a builder is asked for. `thresholds` are the reader's disclosure thresholds:
    None only for an analyst's own copy (`viewer_thresholds` in trellis.measures.selectors);
    anything issued to a board or an inspector is built with the partnership's thresholds.
    `progress(done, total)` is called as the builder works (background tasks show it)."""

    plan: Plan
    period: ReportingPeriod
    thresholds: Thresholds | None
    prepared_by: str
    today: dt.date
    progress: Callable[[int, int], None] = _no_progress


Builder = Callable[[ReportRequest], "Document"]


@dataclass(frozen=True)
class ReportKind:
    title: str
    builder: str  # "module.path:function"
    issued_by: Perm = Perm.EDIT_PLAN  # who may issue it (trellis.accounts.policy)

    def build(self, request: ReportRequest) -> Document:
        return _resolve(self.builder)(request)


@cache
def _resolve(dotted: str) -> Builder:
    module, _, name = dotted.partition(":")
    builder: Builder = getattr(import_module(module), name)
    return builder


REPORTS: dict[str, ReportKind] = {
    "board-pack": ReportKind("Quarterly board pack", "trellis.reports.board_pack:build"),
    # The analysts' report to their chief officers (DOMAIN.md: the BIU produces it).
    "data-summary": ReportKind(
        "Data summary", "trellis.reports.data_summary:build", Perm.ISSUE_DATA_SUMMARY
    ),
    "evidence": ReportKind("Inspection evidence pack", "trellis.reports.evidence_pack:build"),
}
