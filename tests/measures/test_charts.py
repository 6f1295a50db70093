"""Measure charts: the SVG's structure, the summary's wording and the data table.

The SVG is parsed with ElementTree, so every test also checks that it is well-formed XML."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from trellis.measures.charts import (
    Annotation,
    Chart,
    ChartPoint,
    Comparator,
    Target,
    data_table,
    data_table_headings,
    describe,
    expected_at,
    format_date,
    format_value,
    render_svg,
    summarise,
)

SVG = "{http://www.w3.org/2000/svg}"
QUARTER_ENDS = ((3, 31), (6, 30), (9, 30), (12, 31))


def quarter(index: int) -> tuple[str, dt.date]:
    """Label and last day of the index-th quarter from Q1 2020."""
    year, number = 2020 + index // 4, index % 4
    month, day = QUARTER_ENDS[number]
    return f"Q{number + 1} {year}", dt.date(year, month, day)


def month(index: int) -> tuple[str, dt.date]:
    """Label and last day of the index-th month from January 2021."""
    year, number = 2021 + index // 12, index % 12 + 1
    following = dt.date(year + number // 12, number % 12 + 1, 1)
    return dt.date(year, number, 1).strftime("%b %Y"), following - dt.timedelta(days=1)


Period = Callable[[int], tuple[str, dt.date]]


def points(
    values: list[float | None], period: Period = quarter, **fields: object
) -> tuple[ChartPoint, ...]:
    made = []
    for index, value in enumerate(values):
        label, when = period(index)
        made.append(ChartPoint(label, when, value, **fields))  # type: ignore[arg-type]
    return tuple(made)


def chart(values: list[float | None] | None = None, **overrides: object) -> Chart:
    fields: dict[str, object] = {
        "title": "Initial health assessments within 4 weeks",
        "unit": "%",
        "decimals": 0,
        "chart_kind": "run",
        "direction": "increase",
        "points": points(values if values is not None else [31, 35, 40, 44, 52, 58]),
    }
    fields.update(overrides)
    return Chart(**fields)  # type: ignore[arg-type]


def with_variation(base: tuple[ChartPoint, ...], **by_index: str) -> tuple[ChartPoint, ...]:
    """Points with the variation at positions given as i3="improvement"."""
    changes = {int(key[1:]): value for key, value in by_index.items()}
    return tuple(
        dataclasses.replace(point, variation=changes.get(index, point.variation))
        for index, point in enumerate(base)
    )


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input


def part(root: ET.Element, name: str) -> ET.Element:
    found = root.find(f".//{SVG}g[@data-part='{name}']")
    assert found is not None, f"no {name} layer"
    return found


def parts(root: ET.Element, name: str) -> list[ET.Element]:
    return root.findall(f".//{SVG}g[@data-part='{name}']")


def markers(root: ET.Element) -> list[ET.Element]:
    return list(part(root, "markers"))


def path_points(path: ET.Element) -> list[tuple[float, float]]:
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path.get("d", ""))]
    return list(zip(numbers[::2], numbers[1::2], strict=True))


def texts(element: ET.Element) -> list[str]:
    return [node.text or "" for node in element.iter(f"{SVG}text")]


def contrast_with_white(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)
    return 1.05 / (luminance + 0.05)


def example() -> Chart:
    """Twelve quarters of a percentage with a shift, a trajectory, a note and a comparator."""
    values: list[float | None] = [31, 34, 29, 33, 38, 44, 51, 55, 58, 63, 67, 72]
    base = points(values, centre=33.5)
    shifted = tuple(
        dataclasses.replace(p, variation="improvement" if i >= 5 else "common", provisional=i == 11)
        for i, p in enumerate(base)
    )
    return chart(
        points=shifted,
        baseline=(dt.date(2021, 3, 31), 38.0),
        targets=(
            Target(dt.date(2021, 9, 30), 50.0),
            Target(dt.date(2022, 9, 30), 75.0),
            Target(dt.date(2023, 9, 30), 90.0),
        ),
        annotations=(Annotation(dt.date(2021, 4, 1), "New assessment pathway"),),
        comparators=(Comparator("Scotland", tuple((p.when, 50.0) for p in base)),),
        status="off-track",
        expected_latest=79.0,
    )


# The SVG document


def test_svg_is_an_image_labelled_by_its_title_and_description() -> None:
    root = parse(render_svg(example()))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby", "").split()
    assert root.find(f"{SVG}title[@id='{title_id}']").text == example().title  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc[@id='{desc_id}']").text == describe(example())  # type: ignore[union-attr]


def test_svg_has_no_xml_declaration_and_scales_by_its_view_box() -> None:
    svg = render_svg(example(), width=640, height=300)
    assert svg.startswith("<svg")
    assert parse(svg).get("viewBox") == "0 0 640 300"
    assert parse(svg).get("width") is None


def test_svg_is_self_contained_with_arial_and_no_classes_styles_scripts_or_links() -> None:
    root = parse(render_svg(example()))
    assert root.get("font-family") == "Arial, sans-serif"
    for element in root.iter():
        assert element.tag not in (f"{SVG}script", f"{SVG}style", f"{SVG}image", f"{SVG}a")
        assert not {"class", "style", "href"} & set(element.keys())


def test_description_holds_the_summary_and_the_notes() -> None:
    text = describe(example())
    assert text.startswith(summarise(example()))
    assert "Note 1, 1 April 2021: New assessment pathway." in text


def test_the_same_chart_renders_to_the_same_string() -> None:
    assert render_svg(example()) == render_svg(example())


def test_two_charts_on_one_page_get_different_ids() -> None:
    first = parse(render_svg(example()))
    second = parse(render_svg(chart([10, 20])))
    assert first.get("aria-labelledby") != second.get("aria-labelledby")


def test_an_id_prefix_names_the_ids_and_is_made_safe() -> None:
    root = parse(render_svg(example(), id_prefix="measure 7"))
    assert root.get("aria-labelledby") == "measure-7-title measure-7-desc"


def test_hostile_text_in_the_title_and_notes_is_escaped() -> None:
    hostile = "<script>alert('x')</script> & \"quoted\""
    svg = render_svg(chart(title=hostile, annotations=(Annotation(dt.date(2020, 5, 1), hostile),)))
    assert "<script" not in svg
    root = parse(svg)
    assert root.find(f"{SVG}title").text == hostile  # type: ignore[union-attr]
    assert not list(root.iter(f"{SVG}script"))
    assert hostile in (root.get("aria-label") or "")


def test_control_characters_in_user_text_do_not_break_the_xml() -> None:
    root = parse(render_svg(chart(title="Bad\x00\x1b title", comparators=())))
    assert root.find(f"{SVG}title").text == "Bad title"  # type: ignore[union-attr]


# The data line and its points


def test_the_data_line_is_broken_at_a_missing_value() -> None:
    root = parse(render_svg(chart([30, 35, None, 40, 45])))
    segments = part(root, "data-line").findall(f"{SVG}path")
    assert [len(path_points(segment)) for segment in segments] == [2, 2]


def test_a_missing_value_has_no_marker() -> None:
    root = parse(render_svg(chart([30, None, 40])))
    assert len(markers(root)) == 2


def test_improvement_points_are_large_blue_circles() -> None:
    base = with_variation(points([30, 35, 60, 65]), i2="improvement", i3="improvement")
    root = parse(render_svg(chart(points=base)))
    special = [m for m in markers(root) if m.get("data-variation") == "improvement"]
    assert len(special) == 2
    for mark in special:
        circle = mark.find(f"{SVG}circle")
        assert circle is not None
        assert float(circle.get("r", 0)) >= 6
        assert circle.get("fill") == "#1d70b8"


def test_concern_points_are_orange_squares() -> None:
    base = with_variation(points([60, 55, 20]), i2="concern")
    root = parse(render_svg(chart(points=base)))
    [mark] = [m for m in markers(root) if m.get("data-variation") == "concern"]
    square = mark.find(f"{SVG}rect")
    assert square is not None
    assert square.get("width") == square.get("height")
    assert square.get("fill") == "#d05a00"


def test_special_cause_with_no_direction_is_a_ringed_point() -> None:
    base = with_variation(points([60, 55, 90]), i2="neither")
    root = parse(render_svg(chart(points=base, direction="neutral")))
    [mark] = [m for m in markers(root) if m.get("data-variation") == "neither"]
    ring, dot = mark.findall(f"{SVG}circle")
    assert ring.get("fill") == "none"
    assert float(ring.get("r", 0)) > float(dot.get("r", 0))


def test_common_cause_points_are_small_dark_circles() -> None:
    root = parse(render_svg(chart([30, 40])))
    for mark in markers(root):
        circle = mark.find(f"{SVG}circle")
        assert circle is not None
        assert circle.get("fill") == "#0b0c0c"
        assert float(circle.get("r", 0)) < 6


def test_provisional_points_are_hollow() -> None:
    base = points([30, 40])
    base = (base[0], dataclasses.replace(base[1], provisional=True))
    root = parse(render_svg(chart(points=base)))
    latest = markers(root)[-1]
    assert latest.get("data-provisional") == "true"
    assert latest.find(f"{SVG}circle").get("fill") == "#ffffff"  # type: ignore[union-attr]


def test_each_point_has_a_tooltip_with_its_period_and_value() -> None:
    root = parse(render_svg(chart([30, 40])))
    assert markers(root)[-1].find(f"{SVG}title").text == "Q2 2020: 40%. Common cause"  # type: ignore[union-attr]


def test_the_latest_value_is_labelled_at_the_end_of_the_line() -> None:
    root = parse(render_svg(chart([30, 40, 58])))
    assert "58%" in texts(part(root, "end-labels"))


# Edge cases


def test_a_chart_with_no_data_renders_an_empty_state() -> None:
    root = parse(render_svg(chart([])))
    assert "No data yet" in texts(part(root, "empty"))
    assert root.find(f"{SVG}desc").text == "No data yet."  # type: ignore[union-attr]


def test_a_chart_whose_values_are_all_missing_renders_an_empty_state() -> None:
    root = parse(render_svg(chart([None, None])))
    assert "No data yet" in texts(part(root, "empty"))


def test_a_value_that_is_not_a_number_is_drawn_and_summarised_as_missing() -> None:
    measure = chart([30, math.nan, 40, math.inf])
    root = parse(render_svg(measure))
    assert len(markers(root)) == 2
    assert summarise(measure).startswith("Rose from 30% to 40% over 3 quarters;")
    assert data_table(measure)[1].value == "–"


def test_a_single_point_is_a_marker_without_a_line() -> None:
    root = parse(render_svg(chart([42])))
    assert len(markers(root)) == 1
    assert not part(root, "data-line").findall(f"{SVG}path")


def test_equal_values_get_a_y_range_of_some_height() -> None:
    root = parse(render_svg(chart([50, 50, 50])))
    ticks = texts(part(root, "y-axis"))
    assert len(set(ticks)) >= 2
    [line] = part(root, "data-line").findall(f"{SVG}path")
    heights = {y for _x, y in path_points(line)}
    assert len(heights) == 1
    assert all(math.isfinite(y) for y in heights)


def test_negative_values_get_negative_ticks_and_a_zero_line() -> None:
    root = parse(render_svg(chart([-12.5, 3, -4, 8], unit="days", decimals=1, chart_kind="i")))
    ticks = texts(part(root, "y-axis"))
    assert any(tick.startswith("-") for tick in ticks)
    assert "0" in ticks
    assert "days" in ticks  # named once above the axis


def test_percentage_ticks_are_round_numbers_with_the_unit() -> None:
    root = parse(render_svg(chart([31, 58])))
    assert texts(part(root, "y-axis")) == ["30%", "40%", "50%", "60%"]


def test_value_axis_starts_at_zero_when_the_data_is_near_it() -> None:
    root = parse(render_svg(chart([12, 58])))
    assert texts(part(root, "y-axis")) == ["0%", "20%", "40%", "60%"]


def test_percentage_ticks_never_pass_100() -> None:
    root = parse(render_svg(chart([97, 99, 100])))
    assert texts(part(root, "y-axis"))[-1] == "100%"


def test_crowded_period_labels_are_thinned_and_the_latest_kept() -> None:
    many = chart(points=points([float(i % 7) for i in range(36)], month), unit="")
    labels = texts(part(parse(render_svg(many)), "x-axis"))
    assert "Dec" in labels  # December 2023, the latest
    assert len([label for label in labels if not label.isdigit()]) < 36


def test_everything_drawn_stays_inside_the_picture() -> None:
    root = parse(render_svg(example(), width=720, height=320))
    for element in root.iter():
        for name in ("x", "cx"):
            if element.get(name) is not None:
                assert 0 <= float(element.get(name, 0)) <= 720, element.attrib
        for name in ("y", "cy"):
            if element.get(name) is not None:
                assert 0 <= float(element.get(name, 0)) <= 320, element.attrib


def test_every_colour_has_three_to_one_contrast_against_white() -> None:
    root = parse(render_svg(example()))
    colours = {
        element.get(name)
        for element in root.iter()
        if element.get("data-part") != "grid"
        for name in ("fill", "stroke")
    }
    grid = {line.get("stroke") for line in part(root, "grid")}
    drawn = {c for c in colours if c and c.startswith("#") and c != "#ffffff"} - grid
    assert drawn
    assert all(contrast_with_white(colour) >= 3 for colour in drawn), drawn


# Centre line, limits and notes


def test_p_chart_limits_are_stepped_lines() -> None:
    base = tuple(
        dataclasses.replace(point, centre=60.0, lower=60.0 - width, upper=60.0 + width)
        for point, width in zip(points([55, 62, 58, 66]), [20, 12, 16, 10], strict=True)
    )
    root = parse(render_svg(chart(points=base, chart_kind="p")))
    upper, lower = part(root, "limits").findall(f"{SVG}path")
    corners = path_points(upper)
    assert len(corners) == 8  # a level and a step for each of four points
    assert corners[1][0] == corners[2][0]  # a vertical step between the first two levels
    assert corners[1][1] != corners[2][1]
    assert len(path_points(lower)) == 8


def test_limits_break_where_a_limit_is_missing() -> None:
    base = tuple(
        dataclasses.replace(point, centre=50.0, lower=None if i == 1 else 30.0, upper=70.0)
        for i, point in enumerate(points([50, 52, 48]))
    )
    root = parse(render_svg(chart(points=base, chart_kind="i")))
    assert len(part(root, "limits").findall(f"{SVG}path")) == 3  # upper whole, lower in two


def test_the_centre_line_is_dashed_and_breaks_at_a_process_change() -> None:
    base = tuple(
        dataclasses.replace(point, centre=40.0 if i < 3 else 60.0)
        for i, point in enumerate(points([38, 41, 40, 59, 62, 61]))
    )
    change = Annotation(dt.date(2020, 10, 15), "New pathway", process_change=True)
    root = parse(render_svg(chart(points=base, chart_kind="i", annotations=(change,))))
    lines = part(root, "centre-line").findall(f"{SVG}path")
    assert len(lines) == 2
    assert all(line.get("stroke-dasharray") for line in lines)
    assert path_points(lines[0])[-1][0] == path_points(lines[1])[0][0]  # both meet the rule


def test_a_process_change_is_a_solid_rule_and_a_note_is_dashed() -> None:
    notes = (
        Annotation(dt.date(2020, 5, 1), "Audit"),
        Annotation(dt.date(2020, 11, 1), "Pathway", process_change=True),
    )
    root = parse(render_svg(chart(annotations=notes)))
    plain, change = parts(root, "note")
    assert plain.find(f"{SVG}path").get("stroke-dasharray")  # type: ignore[union-attr]
    assert change.get("data-process-change") == "true"
    assert change.find(f"{SVG}path").get("stroke-dasharray") is None  # type: ignore[union-attr]


def test_short_notes_are_labelled_in_words() -> None:
    root = parse(render_svg(chart(annotations=(Annotation(dt.date(2020, 5, 1), "Audit"),))))
    assert texts(part(root, "note")) == ["Audit"]


def test_notes_that_do_not_fit_are_numbered() -> None:
    long = "A new multi-agency assessment pathway agreed by the Corporate Parenting Group"
    notes = (Annotation(dt.date(2020, 5, 1), long), Annotation(dt.date(2020, 8, 1), long))
    root = parse(render_svg(chart(annotations=notes)))
    assert [texts(note) for note in parts(root, "note")] == [["1"], ["2"]]
    assert f"Note 2, 1 August 2020: {long}." in describe(chart(annotations=notes))


# Trajectory, targets and comparators


def test_the_trajectory_runs_from_the_baseline_through_each_target() -> None:
    targets = (Target(dt.date(2020, 9, 30), 50.0), Target(dt.date(2021, 9, 30), 75.0))
    root = parse(render_svg(chart(baseline=(dt.date(2020, 3, 31), 31.0), targets=targets)))
    layer = part(root, "trajectory")
    path = layer.find(f"{SVG}path")
    assert path is not None
    assert len(path_points(path)) == 3
    assert path.get("stroke-dasharray")


def test_targets_are_drawn_as_diamonds_and_labelled() -> None:
    targets = (Target(dt.date(2020, 9, 30), 50.0), Target(dt.date(2021, 9, 30), 75.0))
    root = parse(render_svg(chart(baseline=(dt.date(2020, 3, 31), 31.0), targets=targets)))
    drawn = parts(root, "target")
    assert len(drawn) == 2
    assert all(len(target.find(f"{SVG}polygon").get("points", "").split()) == 4 for target in drawn)  # type: ignore[union-attr]
    assert "Target 75%" in texts(drawn[1])
    assert "Sep 2021" in texts(drawn[1])


def test_comparators_are_thin_grey_lines_labelled_at_their_ends() -> None:
    dates = [p.when for p in points([1, 2, 3, 4])]
    others = (
        Comparator("Scotland", tuple((d, 45.0) for d in dates)),
        Comparator("Family group", tuple((d, 52.0) for d in dates)),
    )
    root = parse(render_svg(chart([30, 40, 50, 60], comparators=others)))
    drawn = parts(root, "comparator")
    assert [layer.get("data-name") for layer in drawn] == ["Scotland", "Family group"]
    styles = [layer.find(f"{SVG}path") for layer in drawn]
    assert all(style is not None and style.get("stroke") == "#6f777b" for style in styles)
    assert len({style.get("stroke-dasharray") for style in styles if style is not None}) == 2
    assert {"Scotland", "Family group"} <= set(texts(part(root, "end-labels")))


def test_the_legend_names_each_line_style_present() -> None:
    root = parse(render_svg(example()))
    legend = part(root, "legend")
    assert [key.get("data-key") for key in legend] == [
        "measure",
        "provisional",
        "centre",
        "trajectory",
        "improvement",
        "comparator",
        "note",
    ]
    assert texts(legend)[:3] == ["Measure", "Provisional", "Median"]


def test_the_legend_leaves_out_what_is_not_drawn() -> None:
    keys = [key.get("data-key") for key in part(parse(render_svg(chart([1, 2]))), "legend")]
    assert keys == ["measure"]


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.none(), st.floats(-1e6, 1e6), st.sampled_from([math.nan, math.inf])),
        max_size=30,
    ),
    unit=st.sampled_from(["%", "", "days", "per 10,000"]),
    decimals=st.integers(0, 3),
)
def test_any_series_renders_well_formed_finite_svg(
    values: list[float | None], unit: str, decimals: int
) -> None:
    svg = render_svg(chart(values, title="T", unit=unit, decimals=decimals))
    root = parse(svg)
    assert not re.search(r"nan|inf", svg)
    assert root.find(f"{SVG}desc") is not None


# Summary: movement


def test_summary_says_rose_with_first_and_latest_values() -> None:
    assert summarise(chart([31, 40, 58])).startswith("Rose from 31% to 58% over 3 quarters;")


def test_summary_says_fell_when_the_latest_value_is_lower() -> None:
    assert summarise(chart([58, 40, 31])).startswith("Fell from 58% to 31% over 3 quarters;")


def test_summary_says_stayed_at_when_values_round_the_same() -> None:
    assert summarise(chart([58.2, 40, 57.9])).startswith("Stayed at 58% over 3 quarters;")


def test_summary_counts_months_for_monthly_labels() -> None:
    monthly = chart(points=points([10, 12, 14, 20], month))
    assert summarise(monthly).startswith("Rose from 10% to 20% over 4 months;")


def test_summary_counts_periods_for_other_labels() -> None:
    weekly = tuple(dataclasses.replace(p, label=f"Week {i}") for i, p in enumerate(points([1, 2])))
    assert "over 2 periods;" in summarise(chart(points=weekly, unit=""))


def test_summary_counts_periods_from_first_to_latest_value_including_gaps() -> None:
    assert "over 4 quarters" in summarise(chart([None, 31, 35, None, 58, None]))


def test_summary_uses_the_unit_and_decimals() -> None:
    text = summarise(chart([12.25, 1234.5], unit="days", decimals=1))
    assert text.startswith("Rose from 12.3 days to 1,234.5 days over 2 quarters;")


def test_summary_of_a_single_value_says_it_is_the_only_one() -> None:
    assert summarise(chart([42])).startswith("42% in Q1 2020, the only value so far;")


def test_summary_of_no_data_says_so() -> None:
    assert summarise(chart([])) == "No data yet."
    assert summarise(chart([None, None])) == "No data yet."


# Summary: verdict


def test_summary_names_where_a_shift_above_the_median_starts() -> None:
    base = points([30, 31, 29, 40, 42, 44], centre=31.0)
    shifted = with_variation(base, i3="improvement", i4="improvement", i5="improvement")
    assert "; a shift above the median since Q4 2020 (special-cause improvement)." in summarise(
        chart(points=shifted)
    )


def test_summary_names_a_shift_below_the_mean_as_concern() -> None:
    base = points([60, 61, 59, 50, 49, 48], centre=60.0, lower=45.0, upper=75.0)
    shifted = with_variation(base, i3="concern", i4="concern", i5="concern")
    text = summarise(chart(points=shifted, chart_kind="i"))
    assert "a shift below the mean since Q4 2020 (special-cause concern)" in text


def test_summary_names_a_point_outside_the_limits() -> None:
    base = points([60, 61, 59, 90], centre=60.0, lower=45.0, upper=75.0)
    text = summarise(chart(points=with_variation(base, i3="improvement"), chart_kind="i"))
    assert "a point outside the limits in Q4 2020 (special-cause improvement)" in text


def test_summary_names_two_points_outside_the_limits() -> None:
    base = points([60, 61, 20, 10], centre=60.0, lower=45.0, upper=75.0)
    flagged = with_variation(base, i2="concern", i3="concern")
    text = summarise(chart(points=flagged, chart_kind="i", direction="increase"))
    assert "points outside the limits in Q3 2020 and Q4 2020 (special-cause concern)" in text


def test_summary_names_a_trend_that_crosses_the_centre() -> None:
    base = points([40, 45, 50, 55, 60, 65], centre=52.0)
    trend = with_variation(base, **{f"i{i}": "neither" for i in range(6)})
    text = summarise(chart(points=trend, direction="neutral"))
    assert "a rising trend since Q1 2020 (special-cause variation)" in text


def test_summary_describes_only_the_latest_special_cause_run() -> None:
    base = points([90, 60, 61, 20], centre=60.0, lower=45.0, upper=75.0)
    flagged = with_variation(base, i0="improvement", i3="concern")
    assert "in Q4 2020 (special-cause concern)" in summarise(chart(points=flagged, chart_kind="i"))


def test_summary_reports_a_run_chart_runs_signal() -> None:
    text = summarise(chart([30, 31, 33], runs_signal=True))
    assert "; a sustained shift in the data (non-random variation)" in text


def test_summary_reports_a_p_charts_runs_signal_with_the_side_the_latest_figures_are_on() -> None:
    points = tuple(
        ChartPoint(
            label=f"Q{i % 4 + 1} {2018 + i // 4}",
            when=dt.date(2018 + i // 4, 3 * (i % 4) + 1, 28),
            value=v,
            centre=45.0,
        )
        for i, v in enumerate([30, 31, 33, 60, 62, 64])
    )
    text = summarise(
        dataclasses.replace(chart([1]), points=points, chart_kind="p", runs_signal=True)
    )
    assert "a sustained shift in the data, now above the mean (non-random variation)" in text


def test_summary_reports_common_cause_variation_when_there_is_no_signal() -> None:
    assert "; only common-cause variation (no signal)" in summarise(chart([30, 31, 33]))


# Summary: status against the trajectory


def test_summary_says_on_track_for_the_next_target() -> None:
    text = summarise(chart(status="on-track", next_target=Target(dt.date(2021, 9, 30), 75.0)))
    assert text.endswith("; on track for 75% by 30 September 2021.")


def test_summary_says_on_track_without_a_next_target() -> None:
    assert summarise(chart(status="on-track")).endswith("; on track against the trajectory.")


def test_summary_says_off_track_with_the_expected_value() -> None:
    text = summarise(chart([40, 52], status="off-track", expected_latest=60.0))
    assert text.endswith("; off track: 52% against an expected 60%.")


def test_summary_says_the_final_target_is_achieved() -> None:
    targets = (Target(dt.date(2022, 9, 30), 90.0), Target(dt.date(2021, 9, 30), 75.0))
    text = summarise(chart([80, 92], status="achieved", targets=targets))
    assert text.endswith("; target of 90% achieved.")


def test_summary_says_when_there_is_not_enough_data_to_judge_the_trajectory() -> None:
    text = summarise(chart([40], targets=(Target(dt.date(2021, 9, 30), 75.0),)))
    assert text.endswith("; not enough data to judge the trajectory.")


def test_summary_says_nothing_about_a_trajectory_the_chart_does_not_have() -> None:
    assert summarise(chart([30, 31, 33])) == (
        "Rose from 30% to 33% over 3 quarters; only common-cause variation (no signal)."
    )


def test_summary_matches_the_worked_example() -> None:
    base = points([31, 30, 42, 48, 52, 58], centre=33.0)
    shifted = with_variation(base, **{f"i{i}": "improvement" for i in range(2, 6)})
    text = summarise(
        chart(
            points=shifted,
            status="on-track",
            next_target=Target(dt.date(2021, 9, 30), 75.0),
        )
    )
    assert text == (
        "Rose from 31% to 58% over 6 quarters; a shift above the median since Q3 2020"
        " (special-cause improvement); on track for 75% by 30 September 2021."
    )


# Numbers, dates and the data table


def test_format_value_shows_percentages_counts_and_other_units() -> None:
    assert format_value(58.04, "%", 0) == "58%"
    assert format_value(1234, "", 0) == "1,234"
    assert format_value(12.5, "days", 1) == "12.5 days"
    assert format_value(3.25, "per 10,000", 2) == "3.25 per 10,000"


def test_format_value_shows_a_dash_for_a_missing_value() -> None:
    assert format_value(None, "%", 0) == "–"


def test_format_value_never_shows_minus_zero() -> None:
    assert format_value(-0.2, "%", 0) == "0%"
    assert format_value(-1.5, "days", 1) == "-1.5 days"


def test_format_date_has_no_leading_zero() -> None:
    assert format_date(dt.date(2021, 9, 3)) == "3 September 2021"


def test_expected_value_follows_the_trajectory_and_holds_after_the_last_target() -> None:
    line = chart(
        baseline=(dt.date(2020, 1, 1), 40.0), targets=(Target(dt.date(2020, 1, 11), 50.0),)
    )
    assert expected_at(line, dt.date(2019, 12, 31)) is None
    assert expected_at(line, dt.date(2020, 1, 6)) == 45.0
    assert expected_at(line, dt.date(2022, 1, 1)) == 50.0


def test_data_table_has_one_row_per_point_with_formatted_values() -> None:
    base = points([31, None, 58])
    base = (*base[:2], dataclasses.replace(base[2], provisional=True, variation="improvement"))
    rows = data_table(chart(points=base))
    assert [row.label for row in rows] == ["Q1 2020", "Q2 2020", "Q3 2020"]
    assert [row.value for row in rows] == ["31%", "–", "58% (provisional)"]
    assert [row.variation for row in rows] == ["Common cause", "–", "Special cause – improvement"]
    assert rows[0].centre is None and rows[0].expected is None


def test_data_table_adds_centre_trajectory_comparators_and_notes_when_present() -> None:
    measure = example()
    headings = data_table_headings(measure)
    assert headings == [
        "Period",
        "Value",
        "Median",
        "Expected on trajectory",
        "Variation",
        "Scotland",
        "Notes",
    ]
    rows = data_table(measure)
    assert all(len(row.cells) == len(headings) for row in rows)
    q2_2021 = rows[5]
    assert q2_2021.cells == (
        "Q2 2021",
        "44%",
        "34%",
        "44%",
        "Special cause – improvement",
        "50%",
        "1. New assessment pathway",
    )
    assert rows[0].expected == "–"  # before the trajectory starts


# Short series: early signs and trial limits (docs/spc.md)


def test_summary_says_too_few_figures_instead_of_no_signal_below_ten() -> None:
    text = summarise(chart([30, 31, 33], phase_figures=3))
    assert "too few figures yet to tell a signal from noise (3 of the 10 needed)" in text
    assert "no signal" not in text


def test_summary_calls_a_signal_on_few_figures_an_early_sign() -> None:
    text = summarise(chart([30, 31, 33], runs_signal=True, phase_figures=6))
    assert "an early sign based on only 6 figures" in text


def test_ten_figures_without_a_signal_are_common_cause_variation() -> None:
    text = summarise(chart([30, 31, 33], phase_figures=10))
    assert "only common-cause variation (no signal)" in text


def test_trial_limits_are_named_with_their_points_in_the_legend() -> None:
    points = tuple(
        ChartPoint(
            label=f"M{i}", when=dt.date(2020, i + 1, 28), value=v, centre=5, lower=1, upper=9
        )
        for i, v in enumerate([4.0, 5.0, 6.0])
    )
    svg = render_svg(dataclasses.replace(chart([1]), points=points, chart_kind="i", trial_limits=3))
    assert "Trial limits (3 points)" in svg
