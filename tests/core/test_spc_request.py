"""Requests: defaults, and every reason one is refused, through the Python API."""

from __future__ import annotations

from typing import Any

import pytest

from trellis.core.spc import SpcError, SpcRequest, analyse


def parse(**data: Any) -> SpcRequest:
    return SpcRequest.from_json(data)


def test_a_request_takes_the_documented_defaults() -> None:
    request = parse(chart="i", values=[1, 2, None])
    assert request == SpcRequest(
        chart="i",
        values=(1.0, 2.0, None),
        denominators=None,
        freeze=None,
        phases=(),
        rules="anhoej",
        direction="neutral",
    )


def test_explicit_nulls_for_optional_keys_mean_their_defaults() -> None:
    request = parse(chart="run", values=[1], freeze=None, phases=None, rules=None)
    assert (request.freeze, request.phases, request.rules) == (None, (), "anhoej")


def test_a_request_holds_tuples_so_it_cannot_change_under_an_analysis() -> None:
    values = [1.0, 2.0]
    request = SpcRequest(chart="i", values=values, phases=[2])
    values.append(3.0)
    assert request.values == (1.0, 2.0)
    assert request.phases == (2,)


REFUSALS = [
    ({"values": [1]}, "needs chart"),
    ({"chart": "i"}, "needs values"),
    ({"chart": "i", "values": [1], "colour": "red"}, "unknown key colour"),
    ({"chart": "xbar", "values": [1]}, "chart must be one of"),
    ({"chart": "i", "values": [1], "rules": "western-electric"}, "rules must be one of"),
    ({"chart": "i", "values": [1], "direction": "up"}, "direction must be one of"),
    ({"chart": "i", "values": "1 2 3"}, "values must be a list"),
    ({"chart": "i", "values": [1, "2"]}, "position 2"),
    ({"chart": "i", "values": [1, True]}, "position 2"),
    ({"chart": "i", "values": [float("nan")]}, "finite numbers"),
    ({"chart": "i", "values": [10**400]}, "finite numbers"),
    ({"chart": "i", "values": [1], "denominators": [2]}, "only for p charts"),
    ({"chart": "run", "values": [1], "denominators": None}, None),
    ({"chart": "p", "values": [1]}, "needs denominators"),
    ({"chart": "p", "values": [1, 2], "denominators": [3]}, "as many as values"),
    ({"chart": "p", "values": [4, 5], "denominators": [4, 4]}, "numerator above its denominator"),
    ({"chart": "p", "values": [-1], "denominators": [4]}, "numerator cannot be negative"),
    ({"chart": "p", "values": [0], "denominators": [-4]}, "denominator cannot be negative"),
    ({"chart": "i", "values": [1], "freeze": 1.5}, "freeze must be a whole number"),
    ({"chart": "i", "values": [1], "freeze": True}, "freeze must be a whole number"),
    ({"chart": "i", "values": [1], "freeze": 0}, "freeze must be a positive"),
    ({"chart": "i", "values": [1, 2, 3], "phases": 2}, "phases must be a list"),
    ({"chart": "i", "values": [1, 2, 3], "phases": [2.0]}, "phases must be a list"),
    ({"chart": "i", "values": [1, 2, 3, 4], "phases": [3, 2]}, "increasing order"),
    ({"chart": "i", "values": [1, 2, 3, 4], "phases": [2, 2]}, "must not repeat"),
    ({"chart": "i", "values": [1, 2, 3, 4], "phases": [1]}, "from 2 to 4"),
    ({"chart": "i", "values": [1, 2, 3, 4], "phases": [5]}, "from 2 to 4"),
    ({"chart": "i", "values": [], "phases": [2]}, "from 2 to 0"),
    ({"chart": "run", "values": [1], "rules": "mdc"}, "I charts only"),
    ({"chart": "p", "values": [1], "denominators": [2], "rules": "mdc"}, "I charts only"),
    ({"chart": "i", "values": [1] * 20, "rules": "mdc", "freeze": 11}, "at least 12"),
]


@pytest.mark.parametrize(("data", "reason"), REFUSALS)
def test_a_malformed_request_is_refused_with_a_one_line_reason(
    data: dict[str, Any], reason: str | None
) -> None:
    if reason is None:  # the control case: accepted
        SpcRequest.from_json(data)
        return
    with pytest.raises(SpcError, match=reason) as refused:
        SpcRequest.from_json(data)
    assert "\n" not in str(refused.value)


def test_analyse_refuses_what_from_json_refuses() -> None:
    bad = [
        SpcRequest(chart="run", values=[1], rules="mdc"),
        SpcRequest(chart="i", values=[1] * 20, rules="mdc", freeze=11),
        SpcRequest(chart="i", values=[1, 2], phases=[2, 2]),
        SpcRequest(chart="p", values=[3], denominators=[2]),
        SpcRequest(chart="i", values=[1], denominators=[2]),
        SpcRequest(chart="i", values=[float("inf")]),
        SpcRequest(chart="q", values=[1]),  # type: ignore[arg-type]
    ]
    for request in bad:
        with pytest.raises(SpcError):
            analyse(request)


def test_an_mdc_freeze_of_exactly_12_is_accepted() -> None:
    result = analyse(SpcRequest(chart="i", values=list(range(20)), rules="mdc", freeze=12))
    assert len(result.points) == 20


def test_an_mdc_freeze_under_12_is_refused_even_with_phases() -> None:
    with pytest.raises(SpcError, match="at least 12"):
        analyse(SpcRequest(chart="i", values=list(range(30)), rules="mdc", freeze=5, phases=[15]))


def test_a_freeze_beyond_the_series_uses_every_point() -> None:
    short = analyse(SpcRequest(chart="i", values=[1, 3, 5], freeze=10))
    assert short.centre == [3.0, 3.0, 3.0]


def test_a_zero_numerator_of_a_zero_denominator_is_accepted() -> None:
    result = analyse(SpcRequest(chart="p", values=[0, 1], denominators=[0, 2]))
    assert result.centre == [0.5, 0.5]


def test_a_request_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(SpcError, match="must be a JSON object"):
        SpcRequest.from_json([1, 2, 3])  # type: ignore[arg-type]
