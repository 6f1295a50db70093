"""Split a series into phases, analyse each under its rule set, and put the answers back
together position by position."""

from __future__ import annotations

from collections.abc import Sequence

from trellis.core.spc import anhoej, mdc
from trellis.core.spc.phase import PhaseOutcome
from trellis.core.spc.request import SpcRequest, validate_request
from trellis.core.spc.result import PhaseSummary, RunsResult, SpcResult
from trellis.core.spc.summaries import present


def analyse(request: SpcRequest) -> SpcResult:
    """Centre line, limits, runs analysis and a verdict for every point; raises SpcError
    for a request that cannot be analysed."""
    validate_request(request)
    bounds = phase_bounds(request)
    outcomes = [analyse_phase(request, start, stop) for start, stop in bounds]
    runs: list[RunsResult] = [o.runs for o in outcomes if o.runs is not None]
    return SpcResult(
        centre=[o.centre for o in outcomes for _ in o.points],
        lower=[line for o in outcomes for line in o.lower],
        upper=[line for o in outcomes for line in o.upper],
        runs=runs,
        points=[point for o in outcomes for point in o.points],
        plotted=[value for o in outcomes for value in o.plotted],
        phases=[
            summarise_phase(request, start, stop, outcome)
            for (start, stop), outcome in zip(bounds, outcomes, strict=True)
        ],
    )


def phase_bounds(request: SpcRequest) -> list[tuple[int, int]]:
    """(start, stop) slices of each phase; a series with no phases is one phase, even an
    empty one, so `anhoej` always reports one runs analysis per phase."""
    starts = [0, *(position - 1 for position in request.phases)]
    stops = [*starts[1:], len(request.values)]
    return list(zip(starts, stops, strict=True))


def analyse_phase(request: SpcRequest, start: int, stop: int) -> PhaseOutcome:
    values = request.values[start:stop]
    baseline = baseline_length(request, stop - start)
    if request.rules == "mdc":
        return mdc.analyse_phase(values, baseline, request.direction)
    denominators: Sequence[float | None] | None = (
        None if request.denominators is None else request.denominators[start:stop]
    )
    return anhoej.analyse_phase(request.chart, values, denominators, baseline, request.direction)


def summarise_phase(
    request: SpcRequest, start: int, stop: int, outcome: PhaseOutcome
) -> PhaseSummary:
    baseline = outcome.plotted[: baseline_length(request, stop - start)]
    return PhaseSummary(
        start=start + 1, length=stop - start, baseline_points=len(present(baseline))
    )


def baseline_length(request: SpcRequest, phase_length: int) -> int:
    """How many leading points of a phase its centre and limits come from.

    qicharts2 ignores `freeze` once the chart has parts, so under `anhoej` phases always
    use all their points. NHSRplotthedots fixes its limits after the first n points of
    every rebase group, so under `mdc` the freeze applies within each phase."""
    if request.freeze is None or (request.rules == "anhoej" and request.phases):
        return phase_length
    return min(request.freeze, phase_length)
