"""Words and numbers shared by the picture, the summary and the data table."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

from django.utils import dateformat
from django.utils.translation import gettext as _

PERCENT = "%"
MISSING = "–"

# XML 1.0 forbids most control characters; user text containing them would make the SVG
# malformed, so they are dropped before drawing.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_QUARTER = re.compile(r"^Q[1-4]\b")
_MONTH = re.compile(
    r"^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{2,4}", re.IGNORECASE
)

# Arial advance widths (thousandths of an em) for printable ASCII, space to tilde; other
# characters count as a digit. Used to lay out labels without a font engine.
_ARIAL = (
    "278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 556 556 556 556 556 556 "
    "556 556 556 556 278 278 584 584 584 556 1015 667 667 722 722 667 611 778 722 278 500 667 "
    "556 833 722 778 667 778 722 667 611 722 667 944 667 667 611 278 278 278 469 556 333 556 "
    "556 500 556 556 278 556 556 222 222 500 222 833 556 556 556 556 333 500 278 556 500 722 "
    "500 500 500 334 260 334 584"
)
_WIDTHS = {chr(32 + index): int(width) for index, width in enumerate(_ARIAL.split())}


def clean_text(text: str) -> str:
    """User text made safe to place in XML (escaping itself is left to the serialiser)."""
    return _NOT_XML.sub("", text)


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """An estimate of the drawn width of `text` in Arial at `size`."""
    thousandths = sum(_WIDTHS.get(char, 556) for char in text)
    return thousandths * size / 1000 * (1.07 if bold else 1.0)


def format_number(value: float, decimals: int) -> str:
    """1234.5 → "1,234.5"; never "-0"."""
    # Half up, as people round by hand (58.5% → 59%), from the shortest repr of the float
    # (so 12.25 is 12.25, not 12.2499…).
    places = max(decimals, 0)
    rounded = Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # never "-0"
    return f"{rounded:,.{places}f}"


def format_value(value: float | None, unit: str, decimals: int) -> str:
    """A value with its unit: "58%", "1,234", "12.5 days"; "–" when missing."""
    if value is None:
        return MISSING
    number = format_number(value, decimals)
    if unit == PERCENT:
        return f"{number}%"
    return f"{number} {unit}" if unit else number


def value_formatter(unit: str, decimals: int) -> Callable[[float | None], str]:
    """format_value with the chart's unit and decimals fixed."""
    return partial(format_value, unit=unit, decimals=decimals)


def format_date(day: datetime.date) -> str:
    """30 September 2021 (month names follow the active language)."""
    return dateformat.format(day, "j F Y")


def format_month(day: datetime.date) -> str:
    """Sep 2021, for labels where space is short."""
    return dateformat.format(day, "M Y")


def period_kind(labels: list[str]) -> str:
    """ "quarter", "month" or "period", from what the period labels look like."""
    if labels and all(_QUARTER.match(label) for label in labels):
        return "quarter"
    if labels and all(_MONTH.match(label) for label in labels):
        return "month"
    return "period"


def variation_words(variation: str) -> str:
    """How a point's variation reads in the data table and in tooltips."""
    words = {
        "improvement": _("Special cause – improvement"),
        "concern": _("Special cause – concern"),
        "neither": _("Special cause – neither improvement nor concern"),
    }
    return words.get(variation, _("Common cause"))


def centre_name(chart_kind: str) -> str:
    """What the centre line is: the median on a run chart, the mean on control charts."""
    return _("Median") if chart_kind == "run" else _("Mean")
