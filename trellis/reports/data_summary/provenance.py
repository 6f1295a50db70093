"""The appendix of provenance: every snapshot and definition version behind the span's
computed figures."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.utils.translation import gettext as _

from trellis.casedata.models import Snapshot
from trellis.measures.charts import format_date
from trellis.measures.models import Measure, Source
from trellis.reports.data_summary.span import Span
from trellis.reports.document import Block, Cell, Paragraph, Section, Summary, Table, cells


def provenance_section(measures: list[Measure], span: Span) -> Section:
    """Which snapshot and which definition version produced each computed figure in the
    span (one query for the snapshots)."""
    used: dict[tuple[str, int | None, str], list[dt.date]] = defaultdict(list)
    for m in measures:
        for o in m.observations.all():
            if m.source == Source.COMPUTED and span.holds(o.period_ends):
                used[(m.code, o.snapshot_id, o.definition)].append(o.period_ends)
    ids = {snapshot for _code, snapshot, _definition in used if snapshot is not None}
    snapshots = {s.pk: s for s in Snapshot.objects.filter(pk__in=ids).select_related("uploaded_by")}
    snapshot_rows = tuple(
        (
            Cell(str(s.pk)),
            Cell(s.source_name),
            Cell(format_date(s.extract_date)),
            Cell(format_date(s.covers_from)),
            Cell(str(s.uploaded_by)),
            Cell(str(s.manifest.get("definitions", "")) or "–"),
        )
        for s in sorted(snapshots.values(), key=lambda s: (s.extract_date, s.pk))
    )
    definition_rows = tuple(
        (
            Cell(code),
            Cell(definition or "–"),
            Cell(str(snapshot) if snapshot else "–"),
            Cell(f"{format_date(min(days))} to {format_date(max(days))}"),
            Cell.number(len(days), str(len(days))),
        )
        for (code, snapshot, definition), days in sorted(used.items(), key=lambda i: str(i[0]))
    )
    blocks: list[Block] = [
        Paragraph(
            _(
                "Every figure computed from case-level data names the snapshot (the extract "
                "as uploaded) and the version of the definition that produced it, so any "
                "figure in this report can be traced and reproduced."
            )
        )
    ]
    if not used:
        blocks.append(Paragraph(_("No figure in the span was computed from case-level data.")))
    else:
        blocks += [
            Table(
                _("Snapshots"),
                (
                    cells(
                        _("Snapshot"),
                        _("File"),
                        _("Extract date"),
                        _("Complete from"),
                        _("Uploaded by"),
                        _("Definitions"),
                    ),
                ),
                snapshot_rows,
                own_sheet=True,
            ),
            Table(
                _("Definitions"),
                (cells(_("Measure"), _("Definition"), _("Snapshot"), _("Periods"), _("Figures")),),
                definition_rows,
                own_sheet=True,
            ),
            Summary(((_("Span"), Cell(span.label)),)),
        ]
    return Section(_("Appendix: provenance"), 1, tuple(blocks), "provenance")
