"""The board pack's decision log, read from trellis.meetings when that app provides one.

The meetings work (issue 6, "Meetings and decisions") owns decisions. This module is the
single place the board pack asks for them, so joining the two is one function here.
Until `trellis.meetings.selectors.decision_log` exists the pack has no decision log
section (docs/reports.md says so).
"""

from __future__ import annotations

from importlib import import_module

from trellis.reports.document import Section
from trellis.reports.registry import ReportRequest


def decision_log(request: ReportRequest) -> Section | None:
    """The decision log section for the pack, or None when meetings keeps no log yet."""
    try:
        selectors = import_module("trellis.meetings.selectors")
    except ImportError:
        return None
    if not hasattr(selectors, "decision_log"):
        return None
    return None  # the meetings selectors' shape is joined here once it is settled
