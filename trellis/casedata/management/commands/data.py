"""`trellis data validate|compute|generate|pseudonymise`: case-level extracts from the
command line.

`validate` and `compute` read an extract (a folder, a zip or one dataset file) and store
nothing: they are the analyst's checks, and the acceptance checks' contract (--json output
kept stable). `generate` writes a synthetic extract. `pseudonymise` lets a key holder turn
their own case identifiers into the partnership's pseudonyms, locally.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.management.base import CommandError

from trellis.commands import (
    TrellisCommand,
    acting_member,
    add_actor_arguments,
    command_event,
    pick_partnership,
)
from trellis.core.pseudonym import partnership_key, pseudonym

if TYPE_CHECKING:
    from trellis.accounts.models import Membership

EXIT_INVALID = 2


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date: write YYYY-MM-DD.") from None


class Command(TrellisCommand):
    help = "Check, compute, generate and pseudonymise case-level extracts."
    verbs = {
        "load": "validate, pseudonymise and store an extract, then compute its measures",
        "validate": "report every error and warning in an extract; store nothing",
        "compute": "compute every built-in measure of an extract; store nothing",
        "generate": "write a synthetic extract (no real child) to a folder",
        "pseudonymise": "print the partnership's pseudonym of each of your case identifiers",
    }

    def add_verb_arguments(self, verb: str, parser: argparse.ArgumentParser) -> None:
        getattr(self, f"_arguments_{verb}")(parser)

    def _arguments_load(self, parser: argparse.ArgumentParser) -> None:
        add_actor_arguments(parser)
        parser.add_argument("source", type=Path, help="a folder, a zip or one dataset file")
        parser.add_argument(
            "--extract-date", type=_date, default=None, help="the day the data was taken"
        )
        parser.add_argument(
            "--covers-from",
            type=_date,
            default=None,
            help="the first day the extract holds every child from (default: its first event)",
        )
        _format_argument(parser)

    def _arguments_validate(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("source", type=Path, help="a folder, a zip or one dataset file")
        parser.add_argument(
            "--extract-date", type=_date, default=None, help="the day the data was taken"
        )
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        _format_argument(parser)

    def _arguments_compute(self, parser: argparse.ArgumentParser) -> None:
        self._arguments_validate(parser)
        parser.add_argument("--from", dest="start", type=_date, required=True, metavar="DATE")
        parser.add_argument("--to", dest="end", type=_date, required=True, metavar="DATE")

    def _arguments_generate(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("out", type=Path, help="the folder to write the datasets into")
        parser.add_argument(
            "--children", type=int, default=600, help="about this many looked after on any day"
        )
        parser.add_argument("--start", type=int, default=2017, help="the first year")
        parser.add_argument("--years", type=int, default=4)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--profile", default="default")

    def _arguments_pseudonymise(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "file", type=Path, help="identifiers, one per line (or a CSV with child_id first)"
        )
        parser.add_argument("--partnership", metavar="SLUG", help="default: the only one")

    # Verbs

    def do_load(
        self,
        *,
        actor: str,
        partnership: str | None,
        source: Path,
        extract_date: dt.date | None,
        covers_from: dt.date | None,
        **_: Any,
    ) -> None:
        from trellis.casedata.services import (
            ExtractInvalid,
            snapshot_create,
            snapshots_fail_abandoned,
        )
        from trellis.casedata.tasks import compute_leased

        member = acting_member(actor, partnership)
        snapshots_fail_abandoned()  # a load killed earlier may be retried now
        with self._prepared(source, _["format"]) as (path, conversion):
            try:
                snapshot = snapshot_create(
                    membership=member,
                    source=path,
                    source_name=source.name,
                    extract_date=extract_date or dt.date.today(),
                    covers_from=covers_from,
                    conversion=conversion.summary() if conversion else None,
                )
            except ExtractInvalid as exc:
                _load_event(member, "rejected", reason="invalid", problems=len(exc.problems))
                for problem in _mapped_back(exc.problems, conversion):
                    self.stderr.write(f"Error: {_describe(problem)}")
                raise CommandError(exc.message, returncode=EXIT_INVALID) from exc
        rows = sum(d["rows"] for d in snapshot.manifest["datasets"].values())
        _load_event(member, "accepted", snapshot=snapshot.pk, rows=rows)
        figures = compute_leased(snapshot)
        if figures is None:  # the same extract, stored already (computed, or computing)
            snapshot.refresh_from_db()
            self.stdout.write(
                f"Snapshot {snapshot.pk} holds this extract already ({rows} rows); "
                f"its measures: {snapshot.get_status_display().lower()}."
            )
            return
        self.stdout.write(
            f"Stored snapshot {snapshot.pk}: {rows} rows; computed {figures} figures."
        )

    def do_validate(self, *, source: Path, extract_date: dt.date | None, **options: Any) -> None:
        result = self._read(source, extract_date, options["format"])
        if options["json"]:
            report = {
                "errors": [p.to_json() for p in result.errors],
                "warnings": [p.to_json() for p in result.warnings],
            }
            self.stdout.write(json.dumps(report, indent=2))
        else:
            for kind, problems in (("Error", result.errors), ("Warning", result.warnings)):
                for problem in problems:
                    self.stdout.write(f"{kind}: {_describe(problem)}")
            self.stdout.write(f"{len(result.errors)} errors, {len(result.warnings)} warnings.")
        if result.errors:
            raise CommandError("The extract has errors.", returncode=EXIT_INVALID)

    def do_compute(
        self, *, source: Path, extract_date: dt.date | None, start: dt.date, end: dt.date, **o: Any
    ) -> None:
        from trellis.casedata.compute import compute_measures

        on = extract_date or dt.date.today()
        result = self._read(source, on, o["format"])
        for problem in result.warnings:
            self.stderr.write(f"Warning: {_describe(problem)}")
        if result.errors or result.tables is None:
            for problem in result.errors:
                self.stderr.write(f"Error: {_describe(problem)}")
            raise CommandError("The extract has errors.", returncode=EXIT_INVALID)
        rows = compute_measures(
            result.tables,
            extract_date=on,
            start=start,
            end=end,
            warn=lambda message: self.stderr.write(f"Warning: {message}"),
        )
        if o["json"]:
            self.stdout.write(json.dumps([row.to_json() for row in rows]))
        else:
            for row in rows:
                self.stdout.write(_row_text(row.to_json()))

    def do_generate(self, *, out: Path, **options: Any) -> None:
        from trellis.casedata.synthetic import PROFILES, generate_extract

        if options["profile"] not in PROFILES:
            raise CommandError(f"Choose a profile: {', '.join(PROFILES)}.")
        if options["children"] < 1 or options["years"] < 1:
            raise CommandError("--children and --years must be at least 1.")
        counts = generate_extract(
            out,
            children=options["children"],
            start=options["start"],
            years=options["years"],
            seed=options["seed"],
            profile=options["profile"],
        )
        for dataset, count in sorted(counts.items()):
            self.stdout.write(f"{dataset}: {count} rows")

    def do_pseudonymise(self, *, file: Path, partnership: str | None, **_: Any) -> None:
        slug = pick_partnership(partnership).slug
        key = partnership_key(settings.TRELLIS_PSEUDONYM_SECRET, slug)
        writer = csv.writer(self.stdout)
        writer.writerow(["identifier", "pseudonym"])
        for identifier in _identifiers(file):
            writer.writerow([identifier, pseudonym(key, identifier)])

    def _read(self, source: Path, extract_date: dt.date | None, fmt: str) -> Any:
        from trellis.casedata.validation import read_extract

        with self._prepared(source, fmt) as (path, conversion):
            result = read_extract(path, extract_date=extract_date or dt.date.today())
        return dataclasses.replace(
            result,
            errors=_mapped_back(result.errors, conversion),
            warnings=_mapped_back(result.warnings, conversion),
        )

    @contextlib.contextmanager
    def _prepared(self, source: Path, fmt: str) -> Iterator[tuple[Path, Any]]:
        """The extract as Trellis datasets: as given, or converted from a national return
        into a temporary folder removed afterwards (it holds raw identifiers)."""
        if not source.exists():
            raise CommandError(f"There is no file or folder {source}.", returncode=EXIT_INVALID)
        if fmt != "ssda903":
            yield source, None
            return
        from trellis.casedata.ssda903.upload import converted

        with converted(source) as (folder, conversion):
            for line in [*conversion.notes, *conversion.unmapped]:
                self.stderr.write(f"SSDA903: {line}")
            yield folder, conversion


def _load_event(member: Membership, outcome: str, **fields: Any) -> None:
    """An extract loaded from the host's files is an upload in the security log, as one
    sent through the page is, by the person the command acts as."""
    command_event(
        "data load",
        "upload",
        outcome,
        user=member.person,
        partnership=member.partnership,
        agency=member.agency_id,
        upload="extract",
        **fields,
    )


def _format_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=["trellis", "ssda903"],
        default="trellis",
        help="the layout of the files (ssda903: England's children looked after return)",
    )


def _mapped_back(problems: list[Any], conversion: Any) -> list[Any]:
    """Problems named by the file and row the person gave, not the converted dataset's."""
    from trellis.casedata.ssda903.upload import map_back

    return problems if conversion is None else map_back(problems, conversion)


def _describe(problem: Any) -> str:
    where = [problem.file]
    if problem.row is not None:
        where.append(f"row {problem.row}")
    if problem.column:
        where.append(f"column {problem.column}")
    return f"{', '.join(where)}: {problem.message} [{problem.rule}]"


def _row_text(row: dict[str, Any]) -> str:
    group = ", ".join(f"{k} {v}" for k, v in (row["breakdown"] or {}).items()) or "all"
    figure = "–" if row["value"] is None else row["value"]
    flag = " (provisional)" if row["provisional"] else ""
    return f"{row['measure']} {row['period_start']}..{row['period_end']} [{group}]: {figure}{flag}"


def _identifiers(file: Path) -> list[str]:
    """One identifier per line; a CSV's first column; a header naming child_id skipped."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"Cannot read {file}: save it as UTF-8 text ({exc}).") from exc
    rows = [r for r in csv.reader(text.splitlines()) if r and r[0].strip()]
    if rows and rows[0][0].strip().lower() in {"child_id", "identifier", "id"}:
        rows = rows[1:]
    return [r[0].strip() for r in rows]
