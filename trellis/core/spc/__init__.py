"""Statistical process control for run charts, I charts and p charts.

Two rule sets, each agreeing with the reference analysts already trust:

- `anhoej`: run charts with the Anhøj runs rules and Shewhart 3-sigma limits, as the R
  package qicharts2 0.8.1 computes them (moving-range screening on);
- `mdc`: NHS England "Making Data Count" XmR rules, as the R package NHSRplotthedots 0.2.2
  computes them (I charts only).

Pure computation: standard library only, no Django. `docs/spc.md` explains the statistics,
what each reference does and how the app should present short series.
"""

from trellis.core.spc.analysis import analyse
from trellis.core.spc.anhoej import crossings_min, longest_run_max
from trellis.core.spc.request import SpcError, SpcRequest
from trellis.core.spc.result import (
    MIN_BASELINE_FOR_LIMITS,
    MIN_USEFUL_FOR_RUNS,
    PhaseSummary,
    PointResult,
    RunsResult,
    SpcResult,
)

__all__ = [
    "MIN_BASELINE_FOR_LIMITS",
    "MIN_USEFUL_FOR_RUNS",
    "PhaseSummary",
    "PointResult",
    "RunsResult",
    "SpcError",
    "SpcRequest",
    "SpcResult",
    "analyse",
    "crossings_min",
    "longest_run_max",
]
