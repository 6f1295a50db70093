"""docs/deploy.md stays true to the code: every environment variable Trellis reads is in
its table, and the first-administrator script it prints is the one the production-start
test runs."""

from __future__ import annotations

import re

from tests.backup.postgres import REPO

DEPLOY = REPO / "docs" / "deploy.md"
READS = re.compile(r"""env_(?:str|bool|int|list)\(\s*["']([A-Z][A-Z0-9_]*)["']""")


def variables_read() -> set[str]:
    names: set[str] = set()
    for path in (REPO / "trellis").rglob("*.py"):
        names.update(READS.findall(path.read_text(encoding="utf-8")))
    return names


def documented_variables() -> set[str]:
    table = DEPLOY.read_text(encoding="utf-8").split("### Environment variables", 1)[1]
    table = table.split("\n## ", 1)[0]
    return set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))


def first_admin_script() -> str:
    section = DEPLOY.read_text(encoding="utf-8").split("### First partnership and administrator")[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_every_environment_variable_read_is_documented() -> None:
    read = variables_read()
    assert {"SECRET_KEY", "DATABASE_URL", "TRELLIS_UPLOAD_SCANNER"} <= read
    assert read - documented_variables() == set()


def test_the_documented_first_admin_script_is_complete() -> None:
    script = first_admin_script()
    assert "Partnership.objects.create" in script and "audit_append" in script
    compile(script, "first-admin.py", "exec")
