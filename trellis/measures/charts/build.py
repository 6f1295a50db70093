"""Tiny helpers to build SVG with ElementTree, which escapes every text and attribute."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping

from .text import clean_text, text_width

# Colours: each graphical object has at least 3:1 contrast against white (WCAG 1.4.11).
INK = "#0b0c0c"  # data line and text, 19:1
DARK_GREY = "#505a5f"  # centre line, limits, process changes, 7.1:1
GREY = "#6f777b"  # comparators and notes, 4.6:1
GRID = "#dcdedf"  # gridlines: decoration only, so deliberately faint
BLUE = "#1d70b8"  # special cause – improvement, 5.2:1
ORANGE = "#d05a00"  # special cause – concern, 4.1:1 (GOV.UK's #f47738 is only 2.8:1)
PURPLE = "#4c2c92"  # special cause – neither, 10:1
GREEN = "#00703c"  # trajectory and targets, 6.2:1
WHITE = "#ffffff"

FONT_SIZE = 13
SMALL = 12

Attrs = Mapping[str, object]


def number(value: float) -> str:
    """Coordinates to one decimal place, without a trailing ".0", so output is compact and
    identical on every run."""
    text = f"{value:.1f}"
    text = text[:-2] if text.endswith(".0") else text
    return "0" if text == "-0" else text


def _attr(value: object) -> str:
    if isinstance(value, float | int) and not isinstance(value, bool):
        return number(float(value))
    return clean_text(str(value))


def add(parent: ET.Element, tag: str, attrs: Attrs | None = None) -> ET.Element:
    """A child element; numeric attributes are formatted with number()."""
    element = ET.SubElement(parent, tag)
    for name, value in (attrs or {}).items():
        element.set(name, _attr(value))
    return element


def group(parent: ET.Element, part: str, attrs: Attrs | None = None) -> ET.Element:
    """A <g> named by data-part, so tests and stylesheets-free readers can find each layer."""
    return add(parent, "g", {"data-part": part, **(attrs or {})})


def path_data(points: Iterable[tuple[float, float]]) -> str:
    """ "M x y L x y …" through the points."""
    steps = [f"{number(x)} {number(y)}" for x, y in points]
    return "M" + " L".join(steps)


def line(parent: ET.Element, points: list[tuple[float, float]], attrs: Attrs) -> ET.Element:
    return add(parent, "path", {"d": path_data(points), "fill": "none", **attrs})


def text(
    parent: ET.Element,
    x: float,
    y: float,
    content: str,
    attrs: Attrs | None = None,
    *,
    halo: bool = False,
) -> ET.Element:
    """A text label; with `halo` a white outline is drawn first so it stays legible over lines
    (two elements rather than paint-order, which not every SVG renderer supports)."""
    content = clean_text(content)
    base = {"x": x, "y": y, "font-size": SMALL, "fill": INK, **(attrs or {})}
    if halo:
        outline = add(parent, "text", {**base, "stroke": WHITE, "stroke-width": 3})
        outline.set("stroke-linejoin", "round")
        outline.set("aria-hidden", "true")
        outline.text = content
    element = add(parent, "text", base)
    element.text = content
    return element


def tooltip(parent: ET.Element, content: str) -> None:
    """A <title> child: shown on hover in browsers, ignored by document renderers."""
    add(parent, "title").text = clean_text(content)


def label_width(content: str, attrs: Attrs | None = None) -> float:
    size = float(str((attrs or {}).get("font-size", SMALL)))
    bold = (attrs or {}).get("font-weight") == "bold"
    return text_width(content, size, bold=bold)
