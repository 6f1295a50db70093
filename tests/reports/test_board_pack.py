"""The board pack: what it says, from hand-built data, and that every format says the same
numbers (each file read back with its own library), with children's figures protected."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass

import openpyxl
import pdfplumber
import pytest
from docx import Document as read_docx

from tests import factories
from tests.conftest import Cast
from tests.measures.factories import measure
from trellis.core.disclosure import SUPPRESSED, Thresholds
from trellis.measures.models import Measure
from trellis.progress.models import Comment, ReportingPeriod
from trellis.reports.document import Cell, ChartBlock, Document, Section, Table
from trellis.reports.registry import REPORTS, ReportRequest
from trellis.reports.render import FORMAT_NAMES, render

TODAY = dt.date(2020, 10, 23)
Q2 = 3  # Q2 2020 among the factory plan's periods (Q4 2019, Q1 2020, ...)
# Quarterly figures from Q1 2018 (the measures factory's first quarter) to Q2 2020.
CARE_LEAVERS = [40, 42, 45, 44, 47, 49, 52, 55, 56, 58]
# Children seen each week, of how many on the register: Q2 2020's 3 of 4 must be withheld.
SEEN = [30, 28, 31, 33, 29, 32, 34, 33, 35, 3]
ON_REGISTER = [40, 40, 41, 42, 40, 41, 42, 40, 41, 4]


@dataclass
class Scene:
    cast: Cast
    period: ReportingPeriod
    leavers: Measure
    seen: Measure

    def request(self, thresholds: Thresholds | None = Thresholds()) -> ReportRequest:
        return ReportRequest(
            plan=self.cast.plan,
            period=self.period,
            thresholds=thresholds,
            prepared_by="Plan owner",
            today=TODAY,
        )


@pytest.fixture
def scene(cast: Cast) -> Scene:
    actions = list(cast.plan.outcomes.all()[0].drivers.all()[0].actions.order_by("position"))
    factories.update(actions[0], state="accepted", rag="amber", period_index=Q2 - 1)
    factories.update(actions[0], state="accepted", rag="red", period_index=Q2)
    factories.update(actions[1], state="submitted", rag="green", period_index=Q2)
    factories.update(actions[2], state="draft", rag="green", period_index=Q2)
    leavers = measure(cast, title="Care leavers in touch", values=CARE_LEAVERS,
                      actions=[actions[0]])
    seen = measure(cast, title="Children on the register seen weekly", values=SEEN,
                   denominators=ON_REGISTER, actions=[actions[1]])
    seen.counts_children = True
    seen.save()
    Comment.objects.create(partnership=cast.partnership, action=actions[0], author=cast.board,
                           body="=HYPERLINK(\"http://x\") Why is this red?")
    period = cast.plan.periods.all()[Q2]
    return Scene(cast, period, leavers, seen)


def build(scene: Scene, thresholds: Thresholds | None = Thresholds()) -> Document:
    return REPORTS["board-pack"].build(scene.request(thresholds))


def test_smoke(scene: Scene) -> None:
    document = build(scene)
    for name in FORMAT_NAMES:
        data = render(document, name)
        open(f"/tmp/rp/pack.{name}", "wb").write(data)
