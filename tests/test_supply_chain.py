"""The software bill of materials (`make sbom`, SECURITY-BAR 38) names every distribution the
lock file installs, at the version it pins."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned() -> set[tuple[str, str]]:
    lines = (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines()
    return {(canonical(m[1]), m[2]) for m in map(PIN.match, lines) if m}


def sbom_of_this_environment(out: Path) -> dict:  # type: ignore[type-arg]
    # As `make sbom` runs it, less the schema validation (13 s here); the content is the same.
    cyclonedx = Path(sys.executable).parent / "cyclonedx-py"
    command = [str(cyclonedx), "environment", "--pyproject", str(ROOT / "pyproject.toml")]
    subprocess.run(  # noqa: S603
        [*command, "--output-reproducible", "--no-validate", "-o", str(out), sys.executable],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return json.loads(out.read_text(encoding="utf-8"))


def test_the_sbom_lists_every_distribution_in_the_lock_file(tmp_path: Path) -> None:
    sbom = sbom_of_this_environment(tmp_path / "sbom.cdx.json")

    listed = {(canonical(c["name"]), c["version"]) for c in sbom["components"]}
    purls = {c.get("purl", "") for c in sbom["components"]}

    assert sbom["bomFormat"] == "CycloneDX"
    assert sbom["metadata"]["component"]["name"] == "trellis"
    assert len(pinned()) > 100
    assert pinned() - listed == set()
    assert f"pkg:pypi/django@{dict(pinned())['django']}" in purls
