"""Measure charts drawn on the server as self-contained SVG, with their text summary and data
table. The caller passes plain dataclasses (model.py); nothing here touches the database."""

from .model import Annotation, Chart, ChartPoint, Comparator, Target, expected_at
from .summary import describe, summarise
from .svg import render_svg
from .table import TableRow, data_table, data_table_headings
from .text import format_date, format_value

__all__ = [
    "Annotation",
    "Chart",
    "ChartPoint",
    "Comparator",
    "TableRow",
    "Target",
    "data_table",
    "data_table_headings",
    "describe",
    "expected_at",
    "format_date",
    "format_value",
    "render_svg",
    "summarise",
]
