"""The issue's "done when", on the demo: the demo analyst makes a token, pulls the plan's
measures as CSV, and pushes the next quarter's figure, which becomes the chart's latest."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest

from tests.api.conftest import Api, token_of
from trellis.accounts.models import Person
from trellis.core.series import period_end
from trellis.demo import build_demo
from trellis.measures.selectors import assess, measures_of_partnership


@pytest.mark.django_db
def test_the_demo_analyst_pulls_the_measures_and_pushes_a_figure_onto_the_chart(
    settings: Any,
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    demo = build_demo().partnership
    api = Api(token_of(Person.objects.get(email="analyst@demo.example.org"), name="Excel"))
    base = f"/api/v1/p/{demo.slug}"
    plan = api.get(f"{base}/plans").json()["data"][0]

    pulled = api.get(f"{base}/measures.csv", {"plan": plan["id"]})
    rows = list(csv.DictReader(io.StringIO(pulled.content.decode("utf-8-sig"))))
    chosen = next(r for r in rows if r["source"] == "manual" and r["kind"] == "percentage")
    latest = dt.date.fromisoformat(chosen["latest_period_ends"])
    following = period_end(latest + dt.timedelta(days=1), "quarter")
    pushed = api.post(
        f"{base}/measures/{chosen['id']}/observations",
        {"period_ends": following.isoformat(), "numerator": 30, "denominator": 40},
    )

    assert pulled.status_code == 200 and len(rows) >= 2
    assert pushed.status_code == 201, pushed.content
    measure = measures_of_partnership(demo).get(pk=int(chosen["id"]))
    shown = assess(measure).chart.points[-1]
    assert (shown.when, shown.value) == (following, 75.0)
