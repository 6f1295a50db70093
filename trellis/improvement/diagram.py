"""The driver diagram drawn as SVG: four columns (aim, primary drivers, secondary drivers,
change ideas) joined by lines, each box as tall as the boxes it leads to.

The drawing is one image with a short text alternative; the page gives the full tree as a
nested list next to it, which is what screen readers and keyboard users read."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from trellis.improvement.models import NodeKind
from trellis.improvement.selectors import TreeNode

COLUMN = {None: 0, NodeKind.PRIMARY: 1, NodeKind.SECONDARY: 2, NodeKind.CHANGE: 3}
BOX_W, GAP_X, ROW_H, PAD = 190, 40, 96, 8
LINE_H, CHARS, MAX_LINES = 15, 26, 5
FILL = {0: "#1d70b8", 1: "#d2e2f1", 2: "#e8f1f8", 3: "#f3f2f1"}
INK = {0: "#ffffff", 1: "#0b0c0c", 2: "#0b0c0c", 3: "#0b0c0c"}


@dataclass
class _Box:
    column: int
    top: float
    height: float
    text: str
    parent: _Box | None
    kind: str = ""


def _leaves(tree: TreeNode) -> int:
    return max(1, sum(_leaves(c) for c in tree.children))


def _layout(aim: str, trees: list[TreeNode]) -> list[_Box]:
    total = max(1, sum(_leaves(t) for t in trees))
    root = _Box(0, 0, total * ROW_H, aim, None)
    boxes = [root]

    def place(nodes: list[TreeNode], top: float, parent: _Box) -> None:
        for tree in nodes:
            rows = _leaves(tree)
            kind = NodeKind(tree.node.kind)
            box = _Box(COLUMN[kind], top, rows * ROW_H, tree.node.text, parent, kind)
            boxes.append(box)
            place(tree.children, top, box)
            top += rows * ROW_H

    place(trees, 0, root)
    return boxes


def _lines(text: str, most: int) -> list[str]:
    lines = textwrap.wrap(text, CHARS) or [""]
    if len(lines) > most:
        lines = lines[:most]
        lines[-1] = lines[-1][: CHARS - 1] + "…"
    return lines


def _box_svg(box: _Box) -> str:
    x = box.column * (BOX_W + GAP_X)
    # A box as tall as several rows (the aim, a driver with many ideas) holds more lines.
    lines = _lines(box.text, max(MAX_LINES, int((box.height - PAD * 4) / LINE_H)))
    h = min(box.height - PAD * 2, max(ROW_H - PAD * 2, len(lines) * LINE_H + PAD * 2))
    y = box.top + (box.height - h) / 2
    parts = [
        f'<rect x="{x}" y="{y:.0f}" width="{BOX_W}" height="{h:.0f}" rx="4" '
        f'fill="{FILL[box.column]}" stroke="#0b0c0c" stroke-width="1"/>'
    ]
    first = y + (h - len(lines) * LINE_H) / 2 + LINE_H - 3
    for i, line in enumerate(lines):
        parts.append(
            f'<text x="{x + PAD}" y="{first + i * LINE_H:.0f}" font-size="13" '
            f'fill="{INK[box.column]}">{escape(line)}</text>'
        )
    return "".join(parts)


def _link_svg(box: _Box, parent: _Box) -> str:
    x1 = parent.column * (BOX_W + GAP_X) + BOX_W
    y1 = parent.top + parent.height / 2
    x2 = box.column * (BOX_W + GAP_X)
    y2 = box.top + box.height / 2
    return (
        f'<path d="M{x1} {y1:.0f} H{(x1 + x2) / 2:.0f} V{y2:.0f} H{x2}" fill="none" '
        f'stroke="#505a5f" stroke-width="1.5"/>'
    )


def driver_diagram_svg(aim: str, trees: list[TreeNode]) -> SafeString:
    boxes = _layout(aim, trees)
    width = 4 * BOX_W + 3 * GAP_X
    height = boxes[0].height
    counts = {kind: sum(1 for b in boxes if b.kind == kind) for kind in NodeKind}
    label = _(
        "Driver diagram: the aim, %(primary)d primary drivers, %(secondary)d secondary "
        "drivers and %(change)d change ideas. The list that follows gives it in full."
    ) % {
        "primary": counts[NodeKind.PRIMARY],
        "secondary": counts[NodeKind.SECONDARY],
        "change": counts[NodeKind.CHANGE],
    }
    headings = [_("Aim"), _("Primary drivers"), _("Secondary drivers"), _("Change ideas")]
    head = "".join(
        f'<text x="{i * (BOX_W + GAP_X)}" y="14" font-size="14" font-weight="bold" '
        f'fill="#0b0c0c">{escape(h)}</text>'
        for i, h in enumerate(headings)
    )
    body = "".join(_link_svg(b, b.parent) for b in boxes if b.parent) + "".join(
        _box_svg(b) for b in boxes
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(label)}" '
        f'viewBox="0 0 {width} {height + 28:.0f}" class="app-driver-diagram" '
        f'font-family="arial, sans-serif">'
        f'{head}<g transform="translate(0 28)">{body}</g></svg>'
    )
    return mark_safe(svg)  # noqa: S308 (every text is escaped above)
