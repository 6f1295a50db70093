"""What an analysis is asked to do, and every reason a request is refused.

The same checks serve the Python API and `trellis spc`, so a request refused by one is
refused by the other with the same one-line reason.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

Chart = Literal["run", "i", "p"]
Rules = Literal["anhoej", "mdc"]
Direction = Literal["increase", "decrease", "neutral"]

CHARTS: tuple[Chart, ...] = ("run", "i", "p")
RULES: tuple[Rules, ...] = ("anhoej", "mdc")
DIRECTIONS: tuple[Direction, ...] = ("increase", "decrease", "neutral")

# NHSRplotthedots refuses `fix_after_n_points` below 12 (ptd_spc_options).
MDC_MIN_BASELINE = 12

KEYS = ("chart", "values", "denominators", "freeze", "phases", "rules", "direction")
REQUIRED_KEYS = ("chart", "values")


class SpcError(ValueError):
    """A request that cannot be analysed; the message is one line for a person to read."""


@dataclass(frozen=True)
class SpcRequest:
    """One series to analyse.

    `values` are the measurements (numerators for a p chart), None where missing.
    `freeze` is the last baseline position (1-based); `phases` are the 1-based positions
    where a new phase starts.
    """

    chart: Chart
    values: Sequence[float | None]
    denominators: Sequence[float | None] | None = None
    freeze: int | None = None
    phases: Sequence[int] = ()
    rules: Rules = "anhoej"
    direction: Direction = "neutral"

    def __post_init__(self) -> None:
        # Tuples, so a request cannot change under an analysis that holds it; numbers as
        # floats, so results are floats whatever the caller passed. Anything else is left
        # as it is for validation to refuse.
        object.__setattr__(self, "values", _as_floats(self.values))
        if self.denominators is not None:
            object.__setattr__(self, "denominators", _as_floats(self.denominators))
        object.__setattr__(self, "phases", tuple(self.phases))

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SpcRequest:
        """A request from a decoded JSON object; raises SpcError for anything malformed."""
        return request_from_json(data)


def request_from_json(data: Mapping[str, Any]) -> SpcRequest:
    if not isinstance(data, Mapping):
        raise SpcError("the request must be a JSON object")
    unknown = sorted(str(key) for key in data if key not in KEYS)
    if unknown:
        raise SpcError(f"unknown key {', '.join(unknown)} (known: {', '.join(KEYS)})")
    missing = [key for key in REQUIRED_KEYS if key not in data]
    if missing:
        raise SpcError(f"the request needs {' and '.join(missing)}")
    request = SpcRequest(
        chart=cast(Chart, _choice(data, "chart", CHARTS, None)),
        values=_number_list(data["values"], "values"),
        denominators=_optional_number_list(data.get("denominators"), "denominators"),
        freeze=_optional_int(data.get("freeze"), "freeze"),
        phases=_int_list(data.get("phases"), "phases"),
        rules=cast(Rules, _choice(data, "rules", RULES, "anhoej")),
        direction=cast(Direction, _choice(data, "direction", DIRECTIONS, "neutral")),
    )
    validate_request(request)
    return request


def validate_request(request: SpcRequest) -> None:
    """Raise SpcError with the first reason the request cannot be analysed."""
    _check_choice(request.chart, "chart", CHARTS)
    _check_choice(request.rules, "rules", RULES)
    _check_choice(request.direction, "direction", DIRECTIONS)
    _check_numbers(request.values, "values")
    _check_denominators(request)
    _check_freeze(request.freeze)
    _check_phases(request.phases, len(request.values))
    _check_mdc(request)


def is_number(value: object) -> bool:
    """A finite int or float; JSON true/false decode to bool, which is not a number here."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


def _as_floats(values: Sequence[float | None]) -> tuple[float | None, ...]:
    return tuple(
        value if value is None or not is_number(value) else float(value) for value in values
    )


def is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _choice(data: Mapping[str, Any], key: str, allowed: Sequence[str], default: str | None) -> str:
    value = data.get(key)
    if value is None and default is not None:
        return default
    _check_choice(value, key, allowed)
    return cast(str, value)


def _check_choice(value: object, key: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise SpcError(f"{key} must be one of {', '.join(allowed)} (got {_show(value)})")


def _number_list(value: object, key: str) -> list[float | None]:
    if not isinstance(value, list):
        raise SpcError(f"{key} must be a list of numbers and nulls")
    _check_numbers(value, key)
    return [None if item is None else float(item) for item in value]


def _optional_number_list(value: object, key: str) -> list[float | None] | None:
    return None if value is None else _number_list(value, key)


def _optional_int(value: object, key: str) -> int | None:
    if value is not None and not is_whole(value):
        raise SpcError(f"{key} must be a whole number or null (got {_show(value)})")
    return cast(int | None, value)


def _int_list(value: object, key: str) -> list[int]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(is_whole(item) for item in value):
        raise SpcError(f"{key} must be a list of whole numbers")
    return list(value)


def _check_numbers(values: Sequence[object], key: str) -> None:
    for position, value in enumerate(values, start=1):
        if value is not None and not is_number(value):
            raise SpcError(
                f"{key} must hold only finite numbers and nulls "
                f"(position {position} is {_show(value)})"
            )


def _check_denominators(request: SpcRequest) -> None:
    if request.chart != "p":
        if request.denominators is not None:
            raise SpcError(f"denominators are only for p charts, not a {request.chart} chart")
        return
    if request.denominators is None:
        raise SpcError("a p chart needs denominators")
    if len(request.denominators) != len(request.values):
        raise SpcError(
            f"denominators must be as many as values "
            f"({len(request.denominators)} against {len(request.values)})"
        )
    _check_numbers(request.denominators, "denominators")
    for position, (numerator, denominator) in enumerate(
        zip(request.values, request.denominators, strict=True), start=1
    ):
        _check_pair(position, numerator, denominator)


def _check_pair(position: int, numerator: float | None, denominator: float | None) -> None:
    if numerator is not None and numerator < 0:
        raise SpcError(f"a numerator cannot be negative (position {position} is {numerator:g})")
    if denominator is not None and denominator < 0:
        raise SpcError(f"a denominator cannot be negative (position {position} is {denominator:g})")
    if numerator is not None and denominator is not None and numerator > denominator:
        raise SpcError(
            f"numerator above its denominator at position {position} "
            f"({numerator:g} > {denominator:g})"
        )


def _check_freeze(freeze: object) -> None:
    if freeze is None:
        return
    if not is_whole(freeze) or cast(int, freeze) < 1:
        raise SpcError(f"freeze must be a positive whole number or null (got {_show(freeze)})")


def _check_phases(phases: Sequence[object], n: int) -> None:
    previous = 1
    for start in phases:
        if not is_whole(start):
            raise SpcError(f"phases must be whole numbers (got {_show(start)})")
        position = cast(int, start)
        if not 2 <= position <= n:
            raise SpcError(f"a phase must start at a position from 2 to {n} (got {position})")
        if position == previous:
            raise SpcError(f"phases must not repeat a position (got {position} twice)")
        if position < previous:
            raise SpcError(f"phases must be in increasing order ({position} after {previous})")
        previous = position


def _check_mdc(request: SpcRequest) -> None:
    if request.rules != "mdc":
        return
    if request.chart != "i":
        raise SpcError(f"rules mdc apply to I charts only, not a {request.chart} chart")
    if request.freeze is not None and request.freeze < MDC_MIN_BASELINE:
        raise SpcError(
            f"rules mdc need a baseline (freeze) of at least {MDC_MIN_BASELINE} points "
            f"(got {request.freeze})"
        )


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
