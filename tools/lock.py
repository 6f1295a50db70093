"""Add to each pin in requirements.lock the SHA-256 of the wheels pip would install for it,
so `pip install --require-hashes` refuses any file that differs from the one locked
(`make lock`; SECURITY-BAR 38). The versions stay as pinned: to change them, install into
the virtual environment, `pip freeze --exclude-editable > requirements.lock`, then run this.

A pin is written with the extras another locked distribution asks for (weasyprint needs
`fonttools[woff]`): pip's hash-checking mode refuses such a requirement unless the lock pins
it with its extras, and it does so only once a newer release of the package is published.

pip itself resolves each pin to a file, without installing, and reports the file's hash
(the package index publishes it): once for this machine, and once each for CPython 3.12 and
3.13 on x86-64 Linux, so a host on a newer Python installs from the same lock. On any other
platform, run `make lock` there once: its wheels' hashes are added to the same lines.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"
MANYLINUX = ["manylinux1", "manylinux2010", "manylinux2014"] + [
    f"manylinux_2_{minor}" for minor in range(5, 40)
]
OTHER_TARGETS = [
    ["--python-version", version, "--only-binary=:all:"]
    + [arg for tag in MANYLINUX for arg in ("--platform", f"{tag}_x86_64")]
    for version in ("3.12", "3.13")
]


def canonical(name: str) -> str:
    """The normalised name of a distribution, without any extras (`fonttools[woff]`)."""
    return re.sub(r"[-_.]+", "-", name.split("[", 1)[0]).lower()


def extras_asked_for() -> dict[str, set[str]]:
    """The extras the installed distributions require of each other, by canonical name:
    only requirements that apply here and are not themselves behind an extra."""
    from importlib.metadata import distributions

    from packaging.requirements import Requirement

    asked: dict[str, set[str]] = defaultdict(set)
    for dist in distributions():
        for line in dist.requires or []:
            req = Requirement(line)
            if req.extras and (req.marker is None or req.marker.evaluate({"extra": ""})):
                asked[canonical(req.name)] |= req.extras
    return asked


def with_extras(pin: str, asked: dict[str, set[str]]) -> str:
    """`name==version` as `name[extra,...]==version` when another distribution asks for
    extras of it."""
    name, version = pin.split("==", 1)
    extras = asked.get(canonical(name))
    base = name.split("[", 1)[0]
    return f"{base}[{','.join(sorted(extras))}]=={version}" if extras else f"{base}=={version}"


def pinned(text: str) -> list[str]:
    """The `name==version` lines of a lock, with or without hashes."""
    pins = [line.split()[0] for line in text.splitlines() if "==" in line.split("#")[0]]
    return sorted(pins, key=lambda pin: canonical(pin.split("==", 1)[0]))


def wheel_hashes(pins: Path, work: Path, target: list[str]) -> dict[str, set[str]]:
    """The SHA-256 of the file pip picks for each pin, for one target platform."""
    report = work / "report.json"
    extra = [*target, "--target", str(work / "target")] if target else []
    command = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed"]
    subprocess.run(  # noqa: S603
        [*command, "--no-deps", "--quiet", "--report", str(report), "-r", str(pins), *extra],
        check=True,
    )
    found: dict[str, set[str]] = defaultdict(set)
    for item in json.loads(report.read_text())["install"]:
        digest = item["download_info"].get("archive_info", {}).get("hashes", {}).get("sha256")
        if not digest:
            raise SystemExit(f"The index gives no SHA-256 for {item['download_info']['url']}.")
        found[canonical(item["metadata"]["name"])].add(digest)
    return found


def lock_text(pins: list[str], hashes: dict[str, set[str]]) -> str:
    lines = []
    for pin in pins:
        name = canonical(pin.split("==", 1)[0])
        digests = sorted(hashes[name])
        lines.append(pin + "".join(f" \\\n    --hash=sha256:{d}" for d in digests))
    return "\n".join(lines) + "\n"


def main() -> None:
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args()
    asked = extras_asked_for()
    pins = [with_extras(pin, asked) for pin in pinned(LOCK.read_text())]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        pin_file = work / "pins.txt"
        pin_file.write_text("\n".join(pins) + "\n")
        hashes: dict[str, set[str]] = defaultdict(set)
        for target in [[], *OTHER_TARGETS]:
            for name, digests in wheel_hashes(pin_file, work, target).items():
                hashes[name] |= digests
    LOCK.write_text(lock_text(pins, hashes))
    print(f"requirements.lock: {len(pins)} pins, {sum(map(len, hashes.values()))} hashes")


if __name__ == "__main__":
    main()
