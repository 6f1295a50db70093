"""The key above the plot: one entry for each kind of line or mark present, drawn with the
same style as on the plot, so nothing depends on colour alone."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .build import FONT_SIZE, INK, add, group, label_width, line, text
from .marks import (
    CENTRE_LINE,
    DATA_LINE,
    LIMIT_LINE,
    TRAJECTORY_LINE,
    comparator_line,
    diamond,
    marker,
)
from .model import Chart
from .notes import NOTE_LINE, PROCESS_CHANGE_LINE
from .text import centre_name

SAMPLE = 26  # width of each entry's drawn sample
ROW = 20
GAP = 18  # between entries


@dataclass(frozen=True)
class Key:
    kind: str
    label: str
    index: int = 0  # which comparator


def legend_keys(chart: Chart) -> list[Key]:
    points = [point for point in chart.points if point.value is not None]
    variations = {point.variation for point in points}
    centre = centre_name(chart.chart_kind)
    present = [
        (bool(points), Key("measure", _("Measure"))),
        (any(point.provisional for point in points), Key("provisional", _("Provisional"))),
        (
            any(p.centre is not None for p in chart.points),
            Key("centre", centre),
        ),
        (
            any(p.lower is not None or p.upper is not None for p in chart.points),
            Key("limits", _limits_label(chart)),
        ),
        (bool(chart.targets), Key("trajectory", _("Trajectory and targets"))),
        ("improvement" in variations, Key("improvement", _("Special cause: improvement"))),
        ("concern" in variations, Key("concern", _("Special cause: concern"))),
        ("neither" in variations, Key("neither", _("Special cause: neither"))),
    ]
    keys = [key for shown, key in present if shown]
    keys += [Key("comparator", c.name, index) for index, c in enumerate(chart.comparators)]
    if any(note.process_change for note in chart.annotations):
        keys.append(Key("process", _("Process change")))
    if any(not note.process_change for note in chart.annotations):
        keys.append(Key("note", _("Note")))
    return keys


def _limits_label(chart: Chart) -> str:
    if chart.trial_limits is None:
        return _("Control limits")
    return _("Trial limits (%(count)d points)") % {"count": chart.trial_limits}


def legend_layout(keys: list[Key], width: int, left: float) -> list[tuple[Key, float, int]]:
    """Each key with its x and row, filling rows left to right."""
    placed, x, row = [], left, 0
    for key in keys:
        entry = SAMPLE + 6 + label_width(key.label, {"font-size": FONT_SIZE})
        if x > left and x + entry > width - 4:
            x, row = left, row + 1
        placed.append((key, x, row))
        x += entry + GAP
    return placed


def legend_height(keys: list[Key], width: int, left: float) -> float:
    layout = legend_layout(keys, width, left)
    return (layout[-1][2] + 1) * ROW if layout else 0


def draw_legend(parent: ET.Element, keys: list[Key], width: int, left: float, top: float) -> None:
    layer = group(parent, "legend")
    for key, x, row in legend_layout(keys, width, left):
        entry = add(layer, "g", {"data-key": key.kind})
        middle = top + row * ROW + ROW / 2
        _sample(entry, key, x, middle)
        text(entry, x + SAMPLE + 6, middle + 4.5, key.label, {"font-size": FONT_SIZE, "fill": INK})


def _sample(parent: ET.Element, key: Key, x: float, y: float) -> None:
    across = [(x, y), (x + SAMPLE, y)]
    upright = [(x + SAMPLE / 2, y - 8), (x + SAMPLE / 2, y + 8)]
    middle = x + SAMPLE / 2
    lines = {
        "measure": DATA_LINE,
        "centre": CENTRE_LINE,
        "limits": LIMIT_LINE,
        "trajectory": TRAJECTORY_LINE,
        "comparator": comparator_line(key.index),
    }
    if key.kind in lines:
        line(parent, across, lines[key.kind])
    if key.kind in ("process", "note"):
        line(parent, upright, PROCESS_CHANGE_LINE if key.kind == "process" else NOTE_LINE)
    if key.kind == "measure":
        marker(parent, middle, y, "common", False)
    elif key.kind == "provisional":
        marker(parent, middle, y, "common", True)
    elif key.kind in ("improvement", "concern", "neither"):
        marker(parent, middle, y, key.kind, False)
    elif key.kind == "trajectory":
        diamond(parent, middle, y, 6)
