"""Annotations: a vertical rule at each date, labelled in the band above the plot.

Labels are the note's own words when they all fit side by side; otherwise every note gets
a number, and the full texts are in the chart's description and data table."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

from .build import DARK_GREY, GREY, SMALL, WHITE, add, group, label_width, line, text, tooltip
from .frame import Frame
from .model import Annotation, Chart
from .summary import numbered_notes
from .text import format_date

NOTE_LINE = {"stroke": GREY, "stroke-width": 1.2, "stroke-dasharray": "3 3"}
PROCESS_CHANGE_LINE = {"stroke": DARK_GREY, "stroke-width": 1.5}


def draw_notes(parent: ET.Element, chart: Chart, frame: Frame, *, reserved: float) -> None:
    """`reserved`: how far from the left the band is already used (the unit label)."""
    notes = [(number, note) for number, note in numbered_notes(chart) if frame.holds(note.when)]
    if not notes:
        return
    layer = group(parent, "notes")
    spans = _label_spans(notes, frame)
    in_words = _fit_side_by_side(spans, reserved, frame.width)
    for (number, note), (start, _end, anchor) in zip(notes, spans, strict=True):
        mark = add(layer, "g", {"data-part": "note"})
        if note.process_change:
            mark.set("data-process-change", "true")
        tooltip(mark, f"{number}. {format_date(note.when)}: {note.text.strip()}")
        x = frame.x(note.when)
        style = PROCESS_CHANGE_LINE if note.process_change else NOTE_LINE
        line(mark, [(x, frame.top - (16 if in_words else 4)), (x, frame.bottom)], style)
        if in_words:
            label_x = start if anchor == "start" else _end
            text(mark, label_x, frame.top - 8, note.text.strip(), {"text-anchor": anchor})
        else:
            _number_badge(mark, x, frame.top - 13, number)


def _label_spans(
    notes: list[tuple[int, Annotation]], frame: Frame
) -> list[tuple[float, float, str]]:
    """Where each label would sit: right of its rule, or left of it near the plot's end."""
    spans = []
    for _number, note in notes:
        x, width = frame.x(note.when), label_width(note.text.strip())
        if x + 4 + width <= frame.width - 2:
            spans.append((x + 4, x + 4 + width, "start"))
        else:
            spans.append((x - 4 - width, x - 4, "end"))
    return spans


def _fit_side_by_side(spans: list[tuple[float, float, str]], reserved: float, width: int) -> bool:
    edges = sorted((start, end) for start, end, _anchor in spans)
    if edges[0][0] < reserved or edges[-1][1] > width:
        return False
    return all(later[0] - earlier[1] >= 8 for earlier, later in itertools.pairwise(edges))


def _number_badge(parent: ET.Element, x: float, y: float, number: int) -> None:
    add(parent, "circle", {"cx": x, "cy": y, "r": 8, "fill": WHITE, "stroke": DARK_GREY})
    parent[-1].set("stroke-width", "1.5")
    style = {"text-anchor": "middle", "font-size": SMALL - 1, "font-weight": "bold"}
    text(parent, x, y + 4, str(number), style)
