"""`trellis spc`: one JSON request on stdin, one JSON result on stdout, and a refusal as
exit code 2 with exactly one line on stderr."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from typing import Any

import pytest
from django.core.management import call_command

POINT_KEYS = {"outside_limits", "shift", "trend", "two_of_three", "special_cause", "variation"}
RUNS_KEYS = {"n_useful", "longest_run", "longest_run_max", "n_crossings", "n_crossings_min"}


def spc(text: str) -> tuple[int, str, str]:
    """Run the command in-process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("spc", stdin=io.StringIO(text), stdout=out, stderr=err)
    except SystemExit as stop:
        return int(stop.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def spc_json(request: dict[str, Any]) -> dict[str, Any]:
    code, out, err = spc(json.dumps(request))
    assert (code, err) == (0, "")
    result: dict[str, Any] = json.loads(out)
    return result


def test_the_result_has_the_contracted_shape() -> None:
    result = spc_json({"chart": "i", "values": [1, 3, None, 2, 8]})
    assert set(result) == {"centre", "lower", "upper", "runs", "points"}
    assert len(result["centre"]) == len(result["lower"]) == len(result["upper"]) == 5
    assert [set(point) for point in result["points"]] == [POINT_KEYS] * 5
    assert [set(runs) for runs in result["runs"]] == [RUNS_KEYS | {"signal"}]


def test_defaults_are_anhoej_neutral_no_freeze_and_no_phases() -> None:
    values = [5, 1, 2, 3, 2, 1, 2, 3, 2, 30]
    implicit = spc_json({"chart": "i", "values": values})
    explicit = spc_json(
        {
            "chart": "i",
            "values": values,
            "freeze": None,
            "phases": [],
            "rules": "anhoej",
            "direction": "neutral",
        }
    )
    assert implicit == explicit
    assert implicit["points"][-1]["variation"] == "neither"
    assert len(implicit["runs"]) == 1


def test_a_missing_value_keeps_its_lines_and_gets_a_common_verdict() -> None:
    result = spc_json({"chart": "i", "values": [1, None, 3]})
    assert result["centre"] == [2.0, 2.0, 2.0]
    assert result["points"][1] == {
        "outside_limits": False,
        "shift": False,
        "trend": False,
        "two_of_three": False,
        "special_cause": False,
        "variation": "common",
    }


def test_a_run_chart_has_null_limits_and_p_chart_figures_are_fractions() -> None:
    run = spc_json({"chart": "run", "values": [1, 2, 3]})
    assert run["lower"] == run["upper"] == [None, None, None]
    p = spc_json({"chart": "p", "values": [1, 0, 3], "denominators": [4, 0, 4]})
    assert p["centre"] == [0.5, 0.5, 0.5]
    assert p["lower"][1] is None and p["upper"][1] is None
    assert all(0 <= line <= 1 for line in p["lower"] + p["upper"] if line is not None)


def test_mdc_results_have_no_runs_analysis() -> None:
    result = spc_json({"chart": "i", "values": list(range(14)), "rules": "mdc"})
    assert result["runs"] == []
    assert [point["trend"] for point in result["points"]] == [True] * 14


def test_each_phase_has_its_runs_analysis() -> None:
    result = spc_json({"chart": "run", "values": [1, 2, 3, 7, 8, 9], "phases": [4]})
    assert result["centre"] == [2.0] * 3 + [8.0] * 3
    assert len(result["runs"]) == 2


REFUSED = [
    ("", "not valid JSON"),
    ("{", "not valid JSON"),
    ("[1, 2, 3]", "must be a JSON object"),
    ('"i"', "must be a JSON object"),
    ('{"values": [1]}', "needs chart"),
    ('{"chart": "i"}', "needs values"),
    ('{"chart": "i", "values": [1], "extra": 1}', "unknown key extra"),
    ('{"chart": "i", "values": [NaN]}', "NaN"),
    ('{"chart": "i", "values": [Infinity]}', "Infinity"),
    ('{"chart": "i", "values": [1], "denominators": [1]}', "only for p charts"),
    ('{"chart": "p", "values": [3], "denominators": [2]}', "numerator above its denominator"),
    ('{"chart": "i", "values": [1, 2, 3], "phases": [3, 2]}', "increasing order"),
    ('{"chart": "i", "values": [1, 2, 3], "phases": [2, 2]}', "must not repeat"),
    ('{"chart": "i", "values": [1, 2, 3], "phases": [1]}', "from 2 to 3"),
    ('{"chart": "i", "values": [1, 2, 3], "phases": [4]}', "from 2 to 3"),
    ('{"chart": "run", "values": [1], "rules": "mdc"}', "I charts only"),
    ('{"chart": "p", "values": [1], "denominators": [1], "rules": "mdc"}', "I charts only"),
    ('{"chart": "i", "values": [1], "rules": "mdc", "freeze": 11}', "at least 12"),
]


@pytest.mark.parametrize(("text", "reason"), REFUSED)
def test_a_refused_request_exits_2_with_one_line_on_stderr(text: str, reason: str) -> None:
    code, out, err = spc(text)
    assert code == 2
    assert out == ""
    assert reason in err
    assert err.endswith("\n") and err.count("\n") == 1


def trellis_spc(text: str) -> subprocess.CompletedProcess[str]:
    """The real console command, as analysts run it."""
    return subprocess.run(
        [sys.executable, "-m", "trellis.cli", "spc"],
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        check=False,
    )


def test_the_console_command_answers_on_stdout() -> None:
    done = trellis_spc('{"chart": "run", "values": [1, 5, 1, 5], "direction": "increase"}')
    assert (done.returncode, done.stderr) == (0, "")
    result = json.loads(done.stdout)
    assert result["centre"] == [3.0] * 4
    assert result["runs"][0]["n_useful"] == 4


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        '{"chart": "i", "values": [1], "colour": "red"}',
        '{"chart": "i", "values": [1, 2],\n "phases": [2, 1]}',
    ],
)
def test_the_console_command_refuses_with_exit_2_and_exactly_one_line(text: str) -> None:
    done = trellis_spc(text)
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1
