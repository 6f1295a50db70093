"""`trellis plan import` and `trellis plan export`, wired into the plan command.

`import FILE --dry-run --json` prints the draft (the stable shape in docs/import-export.md)
and needs no account: it reads the file and saves nothing. Saving acts `--as EMAIL` with
the web's checks and the same all-or-nothing service as the review page.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from django.utils import timezone

from trellis.accounts.policy import Perm, require
from trellis.commands import acting_member, pick_plan
from trellis.errors import Invalid, TrellisError
from trellis.transfer.exporting import export_document, export_tree
from trellis.transfer.headings import FIELDS, normalise
from trellis.transfer.parse import Parsed, checked_mapping, parse_file
from trellis.transfer.readers import ReadError, read_bytes
from trellis.transfer.saving import default_span, draft_problems, plan_import
from trellis.transfer.writers import write

VERBS = {
    "import": "read a plan from a file (xlsx, csv, docx, pdf, txt or a JSON export)",
    "export": "write a plan as xlsx, csv, docx or JSON",
}


def add_arguments(verb: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as", dest="actor", metavar="EMAIL", help="act as this person")
    parser.add_argument("--partnership", metavar="SLUG", help="the partnership")
    if verb == "import":
        parser.add_argument("file", type=Path, help="the plan's file")
        parser.add_argument("--dry-run", action="store_true", help="read and report; save nothing")
        parser.add_argument("--json", action="store_true", help="print the draft as JSON")
        parser.add_argument("--title", help="the plan's title (default: the file's name)")
        parser.add_argument("--starts", type=dt.date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument("--ends", type=dt.date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="HEADING=FIELD",
            help="correct a column: FIELD is one of " + ", ".join([*FIELDS, "none"]),
        )
    else:
        parser.add_argument("--plan", type=int, help="the plan's id (default: the active one)")
        parser.add_argument("--format", choices=["json", "xlsx", "csv", "docx"], default="json")
        parser.add_argument("--output", type=Path, help="the file to write (default: stdout)")


def run_import(command: Any, *, file: Path, **options: Any) -> None:
    try:
        parsed = parse_file(read_bytes(file), file.name)
    except (ReadError, OSError) as error:
        raise TrellisError(
            getattr(error, "message", None) or f"{file.name}: cannot be read."
        ) from error
    parsed.mapping = _remapped(parsed, options["map"])
    draft = parsed.draft()
    title = options["title"] or file.stem
    starts, ends = default_span(draft, timezone.localdate())
    starts, ends = options["starts"] or starts, options["ends"] or ends
    if options["dry_run"]:
        if options["actor"]:  # the upload page's checks, without the write
            require(acting_member(options["actor"], options["partnership"]), Perm.EDIT_PLAN)
        if options["json"]:
            command.stdout.write(json.dumps(draft.to_json(), indent=2, ensure_ascii=False))
            return
        problems = draft_problems(draft, title=title, starts=starts, ends=ends)
        _summary(command, draft, problems)
        return
    if not options["actor"]:
        raise TrellisError("Say who is importing with --as EMAIL (or use --dry-run).")
    member = acting_member(options["actor"], options["partnership"])
    try:
        plan = plan_import(
            membership=member,
            draft=draft,
            title=title,
            starts=starts,
            ends=ends,
            source_name=file.name,
        )
    except Invalid as error:
        for problem in error.errors.get("import", []):
            command.stderr.write(problem)
        raise
    if options["json"]:
        command.stdout.write(json.dumps({"plan": plan.pk, **draft.to_json()}, indent=2))
    else:
        command.stdout.write(f"Imported plan {plan.pk}: {plan.title}")


def _remapped(parsed: Parsed, corrections: list[str]) -> list[str | None]:
    mapping = list(parsed.mapping)
    headings = [normalise(h) for h in parsed.grid.header]
    for correction in corrections:
        heading, _, field = correction.rpartition("=")
        if normalise(heading) not in headings or (field not in FIELDS and field != "none"):
            raise TrellisError(f"--map {correction}: no such heading, or an unknown field.")
        for index, name in enumerate(headings):
            if name == normalise(heading):
                mapping[index] = None if field == "none" else field
    return checked_mapping(mapping, len(headings))


def _summary(command: Any, draft: Any, problems: list[str]) -> None:
    actions = draft.actions()
    command.stdout.write(
        f"{len(draft.outcomes)} outcomes, {sum(len(o.drivers) for o in draft.outcomes)} drivers, "
        f"{len(actions)} actions would be imported."
    )
    for warning in draft.warnings:
        command.stdout.write(f"warning: {warning}")
    for problem in problems:
        command.stdout.write(f"problem: {problem}")


def run_export(command: Any, **options: Any) -> None:
    if not options["actor"]:
        raise TrellisError("Say who is exporting with --as EMAIL.")
    member = acting_member(options["actor"], options["partnership"])
    plan = pick_plan(member.partnership, options["plan"])
    body = write(export_document(member, export_tree(member, plan.pk)), options["format"])
    if options["output"]:
        options["output"].write_bytes(body)
    elif options["format"] in ("json", "csv"):
        command.stdout.write(body.decode("utf-8-sig"))
    else:
        sys.stdout.buffer.write(body)
