"""The background half of issuing a report: build it, render it, keep the bytes. Run by
`trellis worker`; the reports page shows its progress."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from trellis.reports.services import report_complete


@task()
def report_build(issued_id: int) -> dict[str, Any]:
    issued = report_complete(issued_id)
    return {"size": issued.size, "sha256": issued.sha256}
