"""render_svg: one self-contained SVG per chart, for web pages and for documents alike.

Self-contained means presentation attributes only (no classes, no style attributes, which
the content security policy would block anyway), no scripts and no external fonts."""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET

from django.utils.translation import gettext as _

from .axes import draw_grid, draw_x_axis, draw_y_axis, unit_label_width
from .build import DARK_GREY, FONT_SIZE, GRID, INK, WHITE, add, line, text
from .frame import TOP_BAND, Frame, make_frame
from .legend import draw_legend, legend_height, legend_keys
from .marks import (
    draw_comparators,
    draw_data_line,
    draw_end_labels,
    draw_markers,
    draw_steps,
    draw_trajectory,
    end_labels,
    label_right_edge,
)
from .model import Chart, without_non_finite
from .notes import draw_notes
from .summary import describe
from .text import clean_text

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
LEGEND_LEFT = 8
MIN_RIGHT = 16


def render_svg(
    chart: Chart, *, width: int = 720, height: int = 320, id_prefix: str | None = None
) -> str:
    """The chart as an <svg> element (no XML declaration), sized by its viewBox so that it
    fills the width it is given."""
    prefix = _safe_id(id_prefix) if id_prefix else chart_id(chart, width, height)
    chart = without_non_finite(chart)
    root = _document(chart, width, height, prefix)
    keys = legend_keys(chart)
    legend = legend_height(keys, width, LEGEND_LEFT)
    frame = _fitted_frame(chart, width, height, top=legend + (10 if legend else 0) + TOP_BAND + 8)
    if frame is None:
        _draw_empty(root, width, height)
    else:
        draw_legend(root, keys, width, LEGEND_LEFT, 4)
        _draw_plot(root, chart, frame)
    return ET.tostring(root, encoding="unicode")


def chart_id(chart: Chart, width: int, height: int) -> str:
    """Ids from a hash of everything drawn: the same chart always gets the same ids, two
    different charts on one page never share them."""
    digest = hashlib.sha256(repr((chart, width, height)).encode()).hexdigest()
    return f"chart-{digest[:12]}"


def _safe_id(prefix: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "-", prefix)
    return cleaned if cleaned[:1].isalpha() else f"chart-{cleaned}"


def _document(chart: Chart, width: int, height: int, prefix: str) -> ET.Element:
    title = clean_text(chart.title.strip()) or _("Chart")
    description = clean_text(describe(chart))
    root = ET.Element("svg")
    root.set("xmlns", SVG_NAMESPACE)
    attrs = {
        "viewBox": f"0 0 {width} {height}",
        "role": "img",
        "aria-labelledby": f"{prefix}-title {prefix}-desc",
        # Document renderers (WeasyPrint) read aria-label as the figure's alternative text.
        "aria-label": f"{title}. {description}",
        "font-family": "Arial, sans-serif",
        "data-chart-kind": chart.chart_kind,
    }
    for name, value in attrs.items():
        root.set(name, value)
    add(root, "title", {"id": f"{prefix}-title"}).text = title
    add(root, "desc", {"id": f"{prefix}-desc"}).text = description
    add(root, "rect", {"width": width, "height": height, "fill": WHITE})
    return root


def _fitted_frame(chart: Chart, width: int, height: int, *, top: float) -> Frame | None:
    """Lay out once, then widen the right margin if the end labels would run off the edge."""
    frame = make_frame(chart, width, height, top=top, right_margin=MIN_RIGHT)
    if frame is None:
        return None
    labels = end_labels(chart, frame)
    overflow = max((label_right_edge(label) for label in labels), default=0) - (width - 4)
    if overflow <= 0:
        return frame
    return make_frame(chart, width, height, top=top, right_margin=MIN_RIGHT + overflow)


def _draw_plot(root: ET.Element, chart: Chart, frame: Frame) -> None:
    draw_grid(root, chart, frame)
    draw_notes(root, chart, frame, reserved=unit_label_width(chart))
    draw_steps(root, chart, frame)
    draw_comparators(root, chart, frame)
    draw_trajectory(root, chart, frame)
    draw_data_line(root, chart, frame)
    draw_markers(root, chart, frame)
    draw_end_labels(root, end_labels(chart, frame))
    draw_y_axis(root, chart, frame)
    draw_x_axis(root, chart, frame)


def _draw_empty(root: ET.Element, width: int, height: int) -> None:
    """An empty frame saying so, the same size as a drawn chart so the page does not jump."""
    layer = add(root, "g", {"data-part": "empty"})
    line(layer, [(40, 24), (width - 16, 24)], {"stroke": GRID})
    line(layer, [(40, height - 42), (width - 16, height - 42)], {"stroke": INK})
    style = {"text-anchor": "middle", "font-size": FONT_SIZE + 2, "fill": DARK_GREY}
    text(layer, width / 2, (height - 18) / 2, _("No data yet"), style)
