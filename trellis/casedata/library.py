"""The built-in measures as the partnership's measures: once an extract is computed, every
built-in definition has a computed measure, so the analyst sees them all charted without
defining them one by one. A plan owner then links them to aims and sets their targets."""

from __future__ import annotations

from typing import Any

from trellis.accounts.models import Partnership
from trellis.measures.models import Measure

# definition -> (code, title, kind, which way is better, role)
LIBRARY: dict[str, tuple[str, str, str, str, str]] = {
    "looked_after": ("LAC", "Children looked after", "count", "neutral", "outcome"),
    "out_of_area": ("LAC-OOA", "Placed out of area", "percentage", "decrease", "outcome"),
    "placement_moves": (
        "LAC-MOVES",
        "Three or more placements in the last year",
        "percentage",
        "decrease",
        "outcome",
    ),
    "iha_within_4_weeks": (
        "LAC-IHA-4W",
        "Initial health assessments within 4 weeks",
        "percentage",
        "increase",
        "outcome",
    ),
    "on_cp_register": (
        "CP-REG",
        "Children on the child protection register",
        "count",
        "neutral",
        "process",
    ),
    "cp_reregistered_12m": (
        "CP-REREG",
        "Child protection re-registrations within 12 months",
        "percentage",
        "decrease",
        "outcome",
    ),
    "cp_weekly_face_to_face": (
        "CP-F2F",
        "Child protection: weeks with a face-to-face visit",
        "percentage",
        "increase",
        "process",
    ),
    "short_breaks_reviewed": (
        "SB-REVIEWED",
        "Short-break plans reviewed in the last year",
        "percentage",
        "increase",
        "process",
    ),
    "care_leavers_in_touch": (
        "CL-TOUCH-Q",
        "Care leavers in touch in the quarter",
        "percentage",
        "increase",
        "outcome",
    ),
    "care_leavers_eet": (
        "CL-EET",
        "Care leavers in education, employment or training",
        "percentage",
        "increase",
        "outcome",
    ),
}
# balance_of_care has one row per placement type, so one measure each.
PLACEMENTS = {
    "home": ("BOC-HOME", "Looked after at home with parents"),
    "kinship": ("BOC-KIN", "Looked after with kinship carers"),
    "foster": ("BOC-FOSTER", "Looked after in foster care"),
    "residential": ("BOC-RESI", "Looked after in residential care"),
    "community_other": ("BOC-OTHER", "Looked after in other community settings"),
}
# attendance_gap is yearly, per academic year (1 August to 31 July): the gap itself, a
# difference of two shares shown in percentage points (home minus elsewhere, so usually
# below zero: higher is better), and each group's attendance.
PERCENTAGE_POINTS = "percentage points"
ATTENDANCE = {
    "": (
        "ATT-GAP",
        "School attendance gap: looked after at home against elsewhere",
        "mean",
        "increase",
        "outcome",
    ),
    "placement_group=home": (
        "ATT-HOME",
        "School attendance of children looked after at home",
        "percentage",
        "increase",
        "outcome",
    ),
    "placement_group=other": (
        "ATT-AWAY",
        "School attendance of children looked after away from home",
        "percentage",
        "increase",
        "outcome",
    ),
}


def library_ensure(partnership: Partnership) -> int:
    """Create the computed measures the partnership lacks; returns how many were made."""
    wanted = [
        (definition, "", code, title, kind, direction, role)
        for definition, (code, title, kind, direction, role) in LIBRARY.items()
    ]
    wanted += [
        (
            "balance_of_care",
            f"placement_type={group}",
            code,
            title,
            "percentage",
            "neutral",
            "process",
        )
        for group, (code, title) in PLACEMENTS.items()
    ]
    wanted += [("attendance_gap", group, *entry) for group, entry in ATTENDANCE.items()]
    have = set(
        Measure.objects.filter(partnership=partnership, source="computed").values_list(
            "definition", "definition_group"
        )
    )
    codes = set(Measure.objects.filter(partnership=partnership).values_list("code", flat=True))
    made = [
        Measure(
            partnership=partnership,
            code=code,
            title=title,
            description=f"Computed from case-level data: the built-in definition {definition}.",
            kind=kind,
            direction=direction,
            role=role,
            source="computed",
            counts_children=True,
            definition=definition,
            definition_group=group,
            **_presentation(definition, kind),
        )
        for definition, group, code, title, kind, direction, role in wanted
        if (definition, group) not in have and code not in codes
    ]
    Measure.objects.bulk_create(made)
    return len(made)


def _presentation(definition: str, kind: str) -> dict[str, Any]:
    """Unit, chart and frequency: shares on P charts; the attendance gap, one figure a year
    with no counts behind it, on an I chart in percentage points."""
    if definition != "attendance_gap":
        return {"unit": "%", "chart": "p"} if kind == "percentage" else {"unit": "", "chart": "run"}
    yearly = {"frequency": "academic", "decimals": 1}
    if kind == "percentage":
        return {"unit": "%", "chart": "p", **yearly}
    return {"unit": PERCENTAGE_POINTS, "chart": "i", **yearly}
