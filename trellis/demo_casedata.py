"""The demo's case-level data: a synthetic extract (no real child) loaded as the analyst
would load one, and measures computed from it, so a newcomer sees computed figures with
their provenance beside the figures leads enter by hand."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from trellis.accounts.models import Membership
from trellis.casedata.models import Snapshot
from trellis.casedata.services import snapshot_create, snapshot_folder
from trellis.casedata.synthetic import extract_date_for, generate_extract
from trellis.casedata.tasks import compute_into
from trellis.demo_updates import find_action
from trellis.measures.models import Measure, Target
from trellis.plans.models import Action

START, YEARS = 2017, 4

# Computed measures: a built-in definition (and group), the aim it evidences, targets.
COMPUTED: tuple[dict[str, Any], ...] = (
    {
        "code": "BIU-LAC",
        "title": "Children looked after (case-level data)",
        "definition": "looked_after",
        "kind": "count",
        "direction": "neutral",
        "role": "balancing",
        "chart": "run",
        "aim": "balance of care",
    },
    {
        "code": "BIU-HOME",
        "title": "Looked after at home with parents (case-level data)",
        "definition": "balance_of_care",
        "group": "placement_type=home",
        "kind": "percentage",
        "direction": "neutral",
        "role": "process",
        "chart": "p",
        "aim": "balance of care",
    },
    {
        "code": "BIU-CP-F2F",
        "title": "Child protection: weeks with a face-to-face visit (case-level data)",
        "definition": "cp_weekly_face_to_face",
        "kind": "percentage",
        "direction": "increase",
        "role": "process",
        "chart": "p",
        "aim": "seen face to face",
        "targets": (("2020-12-31", 95.0),),
    },
    {
        "code": "BIU-SB-REV",
        "title": "Short-break plans reviewed in the last year (case-level data)",
        "definition": "short_breaks_reviewed",
        "kind": "percentage",
        "direction": "increase",
        "role": "outcome",
        "chart": "p",
        "aim": "short breaks",
        "baseline": ("2019-09-30", 80.0),
        "targets": (("2020-09-30", 100.0),),
    },
)


def build_casedata(analyst: Membership, actions: list[Action]) -> dict[str, int]:
    """Generate the extract, load it as `analyst`, and compute the measures above."""
    measures = [_measure(analyst, spec, actions) for spec in COMPUTED]
    with tempfile.TemporaryDirectory(prefix="trellis-demo-extract-") as folder:
        generate_extract(Path(folder), start=START, years=YEARS, seed=1)
        snapshot = snapshot_create(
            membership=analyst,
            source=Path(folder),
            source_name="Riverside BIU extract (synthetic)",
            extract_date=extract_date_for(START, YEARS),
            covers_from=dt.date(START, 1, 1),
        )
    figures = compute_into(snapshot)
    return {"computed_measures": len(measures), "computed_figures": figures}


def _measure(analyst: Membership, spec: dict[str, Any], actions: list[Action]) -> Measure:
    baseline = spec.get("baseline")
    measure = Measure.objects.create(
        partnership=analyst.partnership,
        code=spec["code"],
        title=spec["title"],
        description="Computed by Trellis from the BIU's case-level extract.",
        kind=spec["kind"],
        unit="%" if spec["kind"] == "percentage" else "",
        direction=spec["direction"],
        role=spec["role"],
        source="computed",
        counts_children=True,
        chart=spec["chart"],
        definition=spec["definition"],
        definition_group=spec.get("group", ""),
        baseline_value=baseline[1] if baseline else None,
        baseline_date=dt.date.fromisoformat(baseline[0]) if baseline else None,
    )
    measure.actions.set([find_action(actions, spec["aim"])])
    for due, value in spec.get("targets", ()):
        Target.objects.create(measure=measure, due=dt.date.fromisoformat(due), value=value)
    return measure


def demo_snapshot_folders(partnership_id: int) -> list[Path]:
    """Where the demo's extracts are kept, to remove them with the demo."""
    return [snapshot_folder(s) for s in Snapshot.objects.filter(partnership_id=partnership_id)]
