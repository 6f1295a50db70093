"""Disclosure control on the measure pages: figures about children that could identify one
are withheld from everyone but analysts, on the table, the chart and the board."""

from __future__ import annotations

import re

from django.urls import reverse

from tests.conftest import Cast, signed_in
from tests.measures.factories import measure
from trellis.core.disclosure import SUPPRESSED
from trellis.measures.models import Measure


def detail(cast: Cast, made: Measure, role: str) -> str:
    url = reverse("measures:measure-detail", args=[cast.partnership.slug, made.pk])
    return signed_in(getattr(cast, role)).get(url).content.decode()


def figures_table(page: str) -> str:
    found = re.search(r'<table class="govuk-table" id="figures">.*?</table>', page, re.S)
    assert found is not None
    return found.group(0)


def counting_children(cast: Cast, values: list[float], **options: object) -> Measure:
    made = measure(cast, kind="count", values=values, **options)  # type: ignore[arg-type]
    Measure.objects.filter(pk=made.pk).update(counts_children=True)
    made.refresh_from_db()
    return made


def test_a_small_count_of_children_is_withheld_from_a_board_member(cast: Cast) -> None:
    made = counting_children(cast, [12, 3, 14])

    table = figures_table(detail(cast, made, "board"))

    assert SUPPRESSED in table
    assert ">3<" not in table
    assert ">14<" in table


def test_the_analyst_sees_every_figure(cast: Cast) -> None:
    made = counting_children(cast, [12, 3, 14])

    table = figures_table(detail(cast, made, "analyst"))

    assert SUPPRESSED not in table
    assert ">3<" in table


def test_the_page_explains_the_mark_where_it_appears(cast: Cast) -> None:
    made = counting_children(cast, [12, 3, 14])

    assert 'id="disclosure-note"' in detail(cast, made, "owner")
    assert 'id="disclosure-note"' not in detail(cast, counting_children(cast, [12, 13]), "owner")


def test_a_share_of_too_few_children_is_withheld(cast: Cast) -> None:
    made = measure(cast, values=[6, 6], denominators=[20, 8])
    Measure.objects.filter(pk=made.pk).update(counts_children=True)

    table = figures_table(detail(cast, made, "board"))

    assert table.count(SUPPRESSED) == 1
    assert "30%" in table and "75%" not in table


def test_a_measure_that_does_not_count_children_is_never_withheld(cast: Cast) -> None:
    made = measure(cast, kind="count", values=[12, 3, 14])

    assert SUPPRESSED not in figures_table(detail(cast, made, "board"))


def test_the_board_table_shows_the_latest_figure_a_viewer_may_see(cast: Cast) -> None:
    made = counting_children(cast, [12, 14, 2])
    url = reverse("measures:measure-list", args=[cast.partnership.slug])

    row = re.search(
        rf'<tr class="govuk-table__row" id="measure-{made.pk}">.*?</tr>',
        signed_in(cast.board).get(url).content.decode(),
        re.S,
    )

    assert row is not None
    assert ">14<" in row.group(0).replace("\n", "")
    assert ">2<" not in row.group(0)
