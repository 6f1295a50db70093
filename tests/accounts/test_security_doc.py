"""SECURITY.md (SECURITY-BAR 38): it exists, says how to report a vulnerability, maps each
of the 38 requirements, and every test it names exists, so the map cannot silently rot."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECURITY = ROOT / "SECURITY.md"
STATUSES = {"met", "partly", "not yet", "host", "n/a"}


def rows() -> dict[int, list[str]]:
    found = {}
    for line in SECURITY.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0].isdigit():
            found[int(cells[0])] = cells
    return found


def test_security_md_says_how_to_report_a_vulnerability() -> None:
    text = SECURITY.read_text(encoding="utf-8")

    assert "## Reporting a vulnerability" in text
    assert "Do not open a public issue" in text


def test_every_requirement_has_a_row_with_a_status() -> None:
    table = rows()

    assert sorted(table) == list(range(1, 39))
    assert all(cells[2] in STATUSES for cells in table.values())


def test_every_test_named_exists() -> None:
    missing = []
    for number, cells in rows().items():
        current = None
        for path, name in re.findall(r"(tests/[\w/]+\.py)|::(\w+)", cells[3]):
            if path:
                current = path
                continue
            assert current is not None, f"row {number}: ::{name} names no file"
            source = (ROOT / current).read_text(encoding="utf-8")
            if not re.search(rf"^def {name}\(", source, re.MULTILINE):
                missing.append(f"row {number}: {current}::{name}")
    assert not missing, "\n".join(missing)


def test_every_test_file_named_exists() -> None:
    text = SECURITY.read_text(encoding="utf-8")
    files = set(re.findall(r"`(tests/[\w/]+\.py)", text))

    assert files
    assert [f for f in sorted(files) if not (ROOT / f).exists()] == []
