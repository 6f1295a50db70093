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

# What the partnership did with the built-in measures once computed: which aim each
# evidences, and the trajectory it set (by the measure's code in trellis.casedata.library).
LINKS: dict[str, dict[str, Any]] = {
    "BOC-HOME": {"aim": "balance of care"},
    "LAC-OOA": {"aim": "balance of care"},
    "CP-F2F": {"aim": "seen face to face", "targets": (("2020-12-31", 95.0),)},
    "SB-REVIEWED": {
        "aim": "short breaks",
        "baseline": ("2019-09-30", 80.0),
        "targets": (("2020-09-30", 100.0),),
    },
}


def build_casedata(analyst: Membership, actions: list[Action]) -> dict[str, int]:
    """Generate the extract, load it as `analyst`, compute the built-in measures, and link
    some to the plan's aims with their targets."""
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
    for code, link in LINKS.items():
        _link(Measure.objects.get(partnership=analyst.partnership, code=code), link, actions)
    return {"computed_figures": figures}


def _link(measure: Measure, link: dict[str, Any], actions: list[Action]) -> None:
    measure.actions.add(find_action(actions, link["aim"]))
    if "baseline" in link:
        measure.baseline_date = dt.date.fromisoformat(link["baseline"][0])
        measure.baseline_value = link["baseline"][1]
        measure.save(update_fields=["baseline_date", "baseline_value"])
    for due, value in link.get("targets", ()):
        Target.objects.create(measure=measure, due=dt.date.fromisoformat(due), value=value)


def demo_snapshot_folders(partnership_id: int) -> list[Path]:
    """Where the demo's extracts are kept, to remove them with the demo."""
    return [snapshot_folder(s) for s in Snapshot.objects.filter(partnership_id=partnership_id)]
