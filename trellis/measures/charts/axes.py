"""Gridlines, the value axis and the period axis."""

from __future__ import annotations

import itertools
import math
import xml.etree.ElementTree as ET

from .build import DARK_GREY, FONT_SIZE, GRID, INK, group, label_width, line, text
from .frame import TICK_GAP, Frame, tick_label
from .model import Chart
from .text import PERCENT


def draw_grid(parent: ET.Element, chart: Chart, frame: Frame) -> None:
    """Faint gridlines at each tick, a darker line at zero when the range crosses it."""
    layer = group(parent, "grid")
    for tick in frame.ticks:
        y = frame.y(tick)
        colour = DARK_GREY if tick == 0 and tick != frame.ticks[0] else GRID
        line(layer, [(frame.left, y), (frame.right, y)], {"stroke": colour, "stroke-width": 1})


def draw_y_axis(parent: ET.Element, chart: Chart, frame: Frame) -> None:
    layer = group(parent, "y-axis")
    for tick in frame.ticks:
        label = tick_label(tick, frame.ticks, chart.unit)
        style = {"text-anchor": "end", "font-size": FONT_SIZE, "fill": DARK_GREY}
        text(layer, frame.left - TICK_GAP, frame.y(tick) + 4.5, label, style)
    if unit_label(chart):
        text(layer, 8, frame.top - 14, unit_label(chart), {"fill": DARK_GREY})


def unit_label(chart: Chart) -> str:
    """Units other than percentages are named once above the axis, not on every tick."""
    return chart.unit if chart.unit not in ("", PERCENT) else ""


def unit_label_width(chart: Chart) -> float:
    return 8 + label_width(unit_label(chart)) if unit_label(chart) else 0.0


def draw_x_axis(parent: ET.Element, chart: Chart, frame: Frame) -> None:
    """The axis line and period labels, thinned so they never overlap; the latest period is
    always labelled. "Q1 2020" is drawn as "Q1" over "2020", the year only where it changes."""
    layer = group(parent, "x-axis")
    line(layer, [(frame.left, frame.bottom), (frame.right, frame.bottom)], {"stroke": INK})
    shown_second = None
    for index in labelled_indexes(chart, frame):
        point = chart.points[index]
        x = frame.x(point.when)
        line(layer, [(x, frame.bottom), (x, frame.bottom + 5)], {"stroke": INK})
        first, second = split_label(point.label)
        style = {"text-anchor": "middle", "font-size": FONT_SIZE, "fill": DARK_GREY}
        text(layer, x, frame.bottom + 19, first, style)
        if second and second != shown_second:
            text(layer, x, frame.bottom + 35, second, style)
            shown_second = second


def labelled_indexes(chart: Chart, frame: Frame) -> list[int]:
    count = len(chart.points)
    if count == 0:
        return []
    xs = [frame.x(point.when) for point in chart.points]
    spacing = min((b - a for a, b in itertools.pairwise(xs) if b > a), default=frame.right)
    widest = max(_widest_line(point.label) for point in chart.points) + 10
    every = max(math.ceil(widest / spacing), 1)
    return [index for index in range(count) if (count - 1 - index) % every == 0]


def split_label(label: str) -> tuple[str, str]:
    """ "Q1 2020" → ("Q1", "2020"); labels without a space stay on one line."""
    first, _space, second = label.rpartition(" ")
    return (first, second) if first else (label, "")


def _widest_line(label: str) -> float:
    first, second = split_label(label)
    return max(label_width(part, {"font-size": FONT_SIZE}) for part in (first, second or first))
