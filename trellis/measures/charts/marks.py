"""The marks on the plot: the data line and its points, centre line and limits, trajectory
and targets, comparators, and the labels at the ends of lines."""

from __future__ import annotations

import datetime
import itertools
import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .build import (
    BLUE,
    DARK_GREY,
    GREEN,
    GREY,
    INK,
    ORANGE,
    PURPLE,
    SMALL,
    WHITE,
    add,
    group,
    label_width,
    line,
    text,
    tooltip,
)
from .frame import Frame
from .model import Chart, ChartPoint
from .text import format_month, value_formatter, variation_words

DATA_LINE = {"stroke": INK, "stroke-width": 2.5, "stroke-linejoin": "round"}
CENTRE_LINE = {"stroke": DARK_GREY, "stroke-width": 1.5, "stroke-dasharray": "7 4"}
LIMIT_LINE = {
    "stroke": DARK_GREY,
    "stroke-width": 2,
    "stroke-dasharray": "0.1 4",  # round dots
    "stroke-linecap": "round",
}
TRAJECTORY_LINE = {"stroke": GREEN, "stroke-width": 2, "stroke-dasharray": "12 5"}
# One pattern per comparator, none like the centre, limit or trajectory patterns.
COMPARATOR_DASHES = ("", "9 3 2 3", "3 3", "12 3 2 3 2 3")


def comparator_line(index: int) -> dict[str, object]:
    style: dict[str, object] = {"stroke": GREY, "stroke-width": 1.5}
    dash = COMPARATOR_DASHES[index % len(COMPARATOR_DASHES)]
    return {**style, "stroke-dasharray": dash} if dash else style


def draw_data_line(parent: ET.Element, chart: Chart, frame: Frame) -> None:
    """One path per unbroken run of values: a missing value leaves a gap."""
    layer = group(parent, "data-line")
    for segment in data_segments(chart.points):
        if len(segment) > 1:
            line(layer, [(frame.x(p.when), frame.y(p.value or 0.0)) for p in segment], DATA_LINE)


def data_segments(points: tuple[ChartPoint, ...]) -> list[list[ChartPoint]]:
    segments: list[list[ChartPoint]] = [[]]
    for point in points:
        if point.value is None:
            segments.append([])
        else:
            segments[-1].append(point)
    return [segment for segment in segments if segment]


def draw_markers(parent: ET.Element, chart: Chart, frame: Frame) -> None:
    layer = group(parent, "markers")
    show = value_formatter(chart.unit, chart.decimals)
    for point in chart.points:
        if point.value is None:
            continue
        mark = add(layer, "g", {"data-variation": point.variation})
        if point.provisional:
            mark.set("data-provisional", "true")
        shown = show(point.value) + (_(" (provisional)") if point.provisional else "")
        tooltip(mark, f"{point.label}: {shown}. {variation_words(point.variation)}")
        marker(mark, frame.x(point.when), frame.y(point.value), point.variation, point.provisional)


def marker(parent: ET.Element, x: float, y: float, variation: str, provisional: bool) -> None:
    """Special causes differ by shape as well as colour, so they read in black and white:
    improvement a large circle, concern a square, neither a ringed point; provisional hollow."""
    colour = {"improvement": BLUE, "concern": ORANGE, "neither": PURPLE}.get(variation, INK)
    fill = {"fill": WHITE, "stroke": colour, "stroke-width": 2} if provisional else {"fill": colour}
    if variation == "improvement":
        add(parent, "circle", {"cx": x, "cy": y, "r": 6, "stroke": WHITE, **fill})
    elif variation == "concern":
        square = {"x": x - 5.5, "y": y - 5.5, "width": 11, "height": 11}
        add(parent, "rect", {**square, "stroke": WHITE, **fill})
    elif variation == "neither":
        ring = {"fill": "none", "stroke": PURPLE, "stroke-width": 2}
        add(parent, "circle", {"cx": x, "cy": y, "r": 7.5, **ring})
        add(parent, "circle", {"cx": x, "cy": y, "r": 3.5, **fill})
    else:
        add(parent, "circle", {"cx": x, "cy": y, "r": 3.5 if not provisional else 3.2, **fill})


def draw_steps(parent: ET.Element, chart: Chart, frame: Frame) -> None:
    """Centre line and limits: level across each point's period, broken at a missing value and
    at a change in the process; limits that vary by point (p charts) step between levels."""
    centre = group(parent, "centre-line")
    for path in step_paths(chart, frame, "centre", joined=False):
        line(centre, path, CENTRE_LINE)
    if any(p.lower is not None or p.upper is not None for p in chart.points):
        limits = group(parent, "limits")
        for field in ("upper", "lower"):
            for path in step_paths(chart, frame, field, joined=True):
                line(limits, path, LIMIT_LINE)


def step_paths(
    chart: Chart, frame: Frame, field: str, *, joined: bool
) -> list[list[tuple[float, float]]]:
    breaks = phase_starts(chart)
    spans = point_spans(chart, frame, breaks)
    paths: list[list[tuple[float, float]]] = []
    previous: float | None = None
    for index, point in enumerate(chart.points):
        value = getattr(point, field)
        (start, end), continues = spans[index], previous is not None and index not in breaks
        if value is None:
            previous = None
            continue
        y = frame.y(value)
        if continues and value == previous:
            paths[-1][-1] = (end, y)
        elif continues and joined:
            paths[-1] += [(start, y), (end, y)]
        else:
            paths.append([(start, y), (end, y)])
        previous = value
    return paths


def phase_starts(chart: Chart) -> dict[int, datetime.date]:
    """Index of each point that starts a new phase, with the process change's date."""
    starts: dict[int, datetime.date] = {}
    for note in chart.annotations:
        if not note.process_change:
            continue
        for index in range(1, len(chart.points)):
            if chart.points[index - 1].when < note.when <= chart.points[index].when:
                starts.setdefault(index, note.when)
    return starts


def point_spans(
    chart: Chart, frame: Frame, breaks: dict[int, datetime.date]
) -> list[tuple[float, float]]:
    """Where each point's level starts and ends: halfway to its neighbours, or at a process
    change between them."""
    xs = [frame.x(point.when) for point in chart.points]
    edges = [
        frame.x(breaks[index]) if index in breaks else (xs[index - 1] + xs[index]) / 2
        for index in range(1, len(xs))
    ]
    if not edges:
        return [(xs[0] - 12, xs[0] + 12)] if xs else []
    first = max(xs[0] - (edges[0] - xs[0]), frame.left)
    last = min(xs[-1] + (xs[-1] - edges[-1]), frame.right)
    bounds = [first, *edges, last]
    return list(itertools.pairwise(bounds))


def draw_trajectory(parent: ET.Element, chart: Chart, frame: Frame) -> None:
    corners = chart.trajectory()
    if not corners:
        return
    layer = group(parent, "trajectory")
    if len(corners) > 1:
        line(layer, [(frame.x(day), frame.y(value)) for day, value in corners], TRAJECTORY_LINE)
    show = value_formatter(chart.unit, chart.decimals)
    for target in sorted(chart.targets, key=lambda target: target.when):
        mark = add(layer, "g", {"data-part": "target"})
        x, y = frame.x(target.when), frame.y(target.value)
        words = _("Target %(value)s") % {"value": show(target.value)}
        tooltip(mark, f"{words}, {format_month(target.when)}")
        diamond(mark, x, y)
        _target_label(mark, frame, x, y, (words, format_month(target.when)))


def diamond(parent: ET.Element, x: float, y: float, size: float = 7) -> None:
    corners = [(x, y - size), (x + size, y), (x, y + size), (x - size, y)]
    points = " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in corners)
    add(parent, "polygon", {"points": points, "fill": GREEN, "stroke": WHITE})


def _target_label(
    parent: ET.Element, frame: Frame, x: float, y: float, lines: tuple[str, str]
) -> None:
    """Two lines above the target (below it when it is near the top), kept inside the picture."""
    half = max(label_width(line_text, {"font-weight": "bold"}) for line_text in lines) / 2 + 2
    x = min(max(x, frame.left + half), frame.width - half)
    above = y - 2 * SMALL - 14 > frame.top
    first_y = y - 12 - SMALL if above else y + 12 + SMALL
    style = {"text-anchor": "middle", "fill": GREEN, "font-weight": "bold"}
    text(parent, x, first_y, lines[0], style, halo=True)
    text(parent, x, first_y + SMALL + 2, lines[1], {**style, "font-weight": "normal"}, halo=True)


def draw_comparators(parent: ET.Element, chart: Chart, frame: Frame) -> None:
    for index, comparator in enumerate(chart.comparators):
        values = comparator_values(chart, frame, index)
        layer = group(parent, "comparator", {"data-name": comparator.name})
        coordinates = [(frame.x(day), frame.y(value)) for day, value in values]
        if len(coordinates) > 1:
            line(layer, coordinates, comparator_line(index))
        elif coordinates:
            add(layer, "circle", {"cx": coordinates[0][0], "cy": coordinates[0][1], "r": 3})
            layer[-1].set("fill", GREY)


def comparator_values(chart: Chart, frame: Frame, index: int) -> list[tuple[datetime.date, float]]:
    values = chart.comparators[index].values
    return sorted((day, v) for day, v in values if frame.holds(day) and math.isfinite(v))


@dataclass
class EndLabel:
    x: float
    y: float
    content: str
    bold: bool


def end_labels(chart: Chart, frame: Frame) -> list[EndLabel]:
    """The latest value, and each comparator's name, beside the end of its line, nudged apart
    so that none overlaps another."""
    labels: list[EndLabel] = []
    valued = chart.valued_points()
    if valued:
        latest, show = valued[-1], value_formatter(chart.unit, chart.decimals)
        y = frame.y(latest.value or 0.0)
        labels.append(EndLabel(frame.x(latest.when) + 10, y, show(latest.value), True))
    for index, comparator in enumerate(chart.comparators):
        values = comparator_values(chart, frame, index)
        if values:
            day, value = values[-1]
            labels.append(EndLabel(frame.x(day) + 6, frame.y(value), comparator.name, False))
    return _nudged_apart(labels)


def _nudged_apart(labels: list[EndLabel], gap: float = SMALL + 2) -> list[EndLabel]:
    placed: list[EndLabel] = []
    for label in sorted(labels, key=lambda label: (label.y, label.x)):
        for other in placed:
            overlaps = abs(other.x - label.x) < label_width(other.content) + 4
            if overlaps and label.y - other.y < gap:
                label.y = other.y + gap
        placed.append(label)
    return placed


def label_right_edge(label: EndLabel) -> float:
    return label.x + label_width(label.content, {"font-weight": "bold"} if label.bold else {})


def draw_end_labels(parent: ET.Element, labels: list[EndLabel]) -> None:
    layer = group(parent, "end-labels")
    for label in labels:
        style = {"font-weight": "bold", "fill": INK} if label.bold else {"fill": DARK_GREY}
        text(layer, label.x, label.y + 4, label.content, style, halo=True)
