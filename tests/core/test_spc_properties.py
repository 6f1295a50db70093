"""Properties that hold for every series, checked on generated ones (hypothesis)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from trellis.core.spc import PointResult, SpcRequest, SpcResult, analyse
from trellis.core.spc.request import Chart, Direction, Rules

# Each test's own settings, so the rest of the suite keeps its profile.
spc_settings = settings(deadline=None, max_examples=150)

FLAGS = ("outside_limits", "shift", "trend", "two_of_three", "special_cause")
SWAPPED = {"improvement": "concern", "concern": "improvement"}

measurements = st.integers(min_value=-1000, max_value=1000)
series = st.lists(st.one_of(st.none(), measurements), max_size=40)
rule_sets: st.SearchStrategy[Rules] = st.sampled_from(["anhoej", "mdc"])
charts_for: dict[str, list[Chart]] = {"anhoej": ["run", "i"], "mdc": ["i"]}


@st.composite
def requests(draw: st.DrawFn, *, unique: bool = False, **fixed: Any) -> SpcRequest:
    """Run or I chart requests, without freeze or phases unless given."""
    rules: Rules = fixed.pop("rules", None) or draw(rule_sets)
    chart: Chart = draw(st.sampled_from(charts_for[rules]))
    if unique:
        known = draw(st.lists(measurements, unique=True, max_size=30))
        gaps = draw(st.lists(st.booleans(), min_size=len(known), max_size=len(known)))
        values: list[float | None] = [
            None if gap else v for v, gap in zip(known, gaps, strict=True)
        ]
    else:
        values = list(draw(series))
    direction: Direction = draw(st.sampled_from(["increase", "decrease", "neutral"]))
    return SpcRequest(chart=chart, values=values, rules=rules, direction=direction, **fixed)


@st.composite
def p_requests(draw: st.DrawFn) -> SpcRequest:
    denominators = draw(st.lists(st.integers(min_value=0, max_value=60), max_size=40))
    numerators: list[float | None] = [
        draw(st.one_of(st.none(), st.integers(min_value=0, max_value=d))) for d in denominators
    ]
    return SpcRequest(chart="p", values=numerators, denominators=denominators)


def flag_table(result: SpcResult) -> list[tuple[bool, ...]]:
    return [tuple(getattr(point, name) for name in FLAGS) for point in result.points]


def lines(result: SpcResult) -> list[float]:
    """Every line a point could sit on: the limits and, for mdc, the 2-sigma lines."""
    found = []
    for centre, lower, upper in zip(result.centre, result.lower, result.upper, strict=True):
        for line in (lower, upper):
            if line is not None and centre is not None:
                found += [line, centre + (line - centre) * 2 / 3]
    return found


def clear_of_lines(request: SpcRequest, result: SpcResult, margin: float = 1e-6) -> bool:
    """No value so close to a line that rounding could put it on either side."""
    edges = lines(result)
    return all(
        abs(value - line) > margin * max(1.0, abs(line))
        for value in request.values
        if value is not None
        for line in edges
    )


def mapped(request: SpcRequest, change: Any) -> SpcRequest:
    return replace(request, values=[None if v is None else change(v) for v in request.values])


@spc_settings
@given(st.one_of(requests(), p_requests()))
def test_every_position_has_lines_and_a_verdict(request: SpcRequest) -> None:
    result = analyse(request)
    n = len(request.values)
    assert len(result.centre) == len(result.lower) == len(result.upper) == n
    assert len(result.points) == len(result.plotted) == n
    assert len(result.runs) == (1 if request.rules == "anhoej" else 0)


@spc_settings
@given(st.one_of(requests(), p_requests()))
def test_a_missing_value_has_common_variation_and_no_flags(request: SpcRequest) -> None:
    result = analyse(request)
    for value, point in zip(request.values, result.points, strict=True):
        if value is None:
            assert point == PointResult()


@spc_settings
@given(st.one_of(requests(), p_requests()))
def test_common_variation_is_exactly_the_points_without_special_cause(
    request: SpcRequest,
) -> None:
    for point in analyse(request).points:
        assert point.special_cause == (point.variation != "common")
        assert point.special_cause == any(
            (point.outside_limits, point.shift, point.trend, point.two_of_three)
        )
        if request.direction == "neutral":
            assert point.variation in ("common", "neither")
        else:
            assert point.variation != "neither"


@spc_settings
@given(requests())
def test_reversing_a_series_reverses_every_flag_and_keeps_the_lines(
    request: SpcRequest,
) -> None:
    forward = analyse(request)
    backward = analyse(replace(request, values=list(reversed(request.values))))
    assert flag_table(backward) == list(reversed(flag_table(forward)))
    assert (backward.centre, backward.lower, backward.upper) == (
        forward.centre,
        forward.lower,
        forward.upper,
    )


@spc_settings
@given(requests(rules="anhoej"))
def test_the_runs_analysis_does_not_depend_on_the_direction_of_time(
    request: SpcRequest,
) -> None:
    backward = replace(request, values=list(reversed(request.values)))
    assert analyse(backward).runs == analyse(request).runs


@spc_settings
@given(requests(), st.integers(min_value=-10_000, max_value=10_000))
def test_adding_a_constant_moves_the_lines_and_keeps_the_flags(
    request: SpcRequest, constant: int
) -> None:
    before = analyse(request)
    assume(clear_of_lines(request, before))
    after = analyse(mapped(request, lambda v: v + constant))
    for old, new in [
        (before.centre, after.centre),
        (before.lower, after.lower),
        (before.upper, after.upper),
    ]:
        assert new == [None if v is None else pytest.approx(v + constant, abs=1e-9) for v in old]
    assert flag_table(after) == flag_table(before)
    assert [p.variation for p in after.points] == [p.variation for p in before.points]
    assert after.runs == before.runs


@spc_settings
@given(requests(), st.sampled_from([0.125, 0.5, 2.0, 4.0, 1024.0]))
def test_multiplying_by_a_power_of_two_scales_the_lines_exactly(
    request: SpcRequest, factor: float
) -> None:
    before = analyse(request)
    after = analyse(mapped(request, lambda v: v * factor))
    for old, new in [
        (before.centre, after.centre),
        (before.lower, after.lower),
        (before.upper, after.upper),
    ]:
        assert new == [None if v is None else v * factor for v in old]
    assert after.points == before.points
    assert after.runs == before.runs


@spc_settings
@given(requests(), st.floats(min_value=0.01, max_value=100))
def test_multiplying_by_a_positive_constant_scales_the_lines(
    request: SpcRequest, factor: float
) -> None:
    before = analyse(request)
    assume(clear_of_lines(request, before))
    after = analyse(mapped(request, lambda v: v * factor))
    for old, new in [(before.centre, after.centre), (before.upper, after.upper)]:
        assert new == [None if v is None else pytest.approx(v * factor, rel=1e-9) for v in old]
    assert flag_table(after) == flag_table(before)


@spc_settings
@given(requests(unique=True))
def test_negating_a_series_swaps_improvement_and_concern(request: SpcRequest) -> None:
    # Distinct values, so no tie where two trends meet (which the reference reads as
    # falling whichever way the series runs).
    before = analyse(request)
    after = analyse(mapped(request, lambda v: -v))
    assert after.centre == [None if v is None else -v for v in before.centre]
    assert after.lower == [None if v is None else -v for v in before.upper]
    assert flag_table(after) == flag_table(before)
    assert [p.variation for p in after.points] == [
        SWAPPED.get(p.variation, p.variation) for p in before.points
    ]


@spc_settings
@given(p_requests())
def test_p_chart_limits_are_proportions_around_the_centre(request: SpcRequest) -> None:
    result = analyse(request)
    assert request.denominators is not None
    for centre, lower, upper, proportion, denominator in zip(
        result.centre,
        result.lower,
        result.upper,
        result.plotted,
        request.denominators,
        strict=True,
    ):
        if proportion is None or centre is None:
            assert lower is None and upper is None
            continue
        assert denominator
        assert lower is not None and upper is not None
        assert 0 <= lower <= centre <= upper <= 1


@spc_settings
@given(
    st.lists(
        st.lists(st.one_of(st.none(), measurements), min_size=1, max_size=16),
        min_size=1,
        max_size=4,
    ),
    rule_sets,
    st.one_of(st.none(), st.integers(min_value=12, max_value=14)),
)
def test_each_phase_is_analysed_as_if_it_stood_alone(
    segments: list[list[float | None]], rules: Rules, freeze: int | None
) -> None:
    # Under mdc a freeze applies within each phase; under anhoej phases ignore it.
    starts, position = [], 1
    for segment in segments[:-1]:
        position += len(segment)
        starts.append(position)
    whole = analyse(
        SpcRequest(
            chart="i",
            values=[v for s in segments for v in s],
            phases=starts,
            rules=rules,
            freeze=freeze if rules == "mdc" or starts else None,
        )
    )
    alone_freeze = freeze if rules == "mdc" else None
    alone = [
        analyse(SpcRequest(chart="i", values=s, rules=rules, freeze=alone_freeze)) for s in segments
    ]
    assert whole.centre == [c for a in alone for c in a.centre]
    assert whole.upper == [u for a in alone for u in a.upper]
    assert whole.points == [p for a in alone for p in a.points]
    assert whole.runs == [r for a in alone for r in a.runs]
