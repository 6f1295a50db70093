"""S2: audit tamper detection, on copies of a PostgreSQL database.

    .venv/bin/python benchmarks/reliability/s2_tamper.py

Builds a real audit chain in a private PostgreSQL cluster (progress updates saved through
the services), then for each tamper kind of tests/reliability/tamper.py (edit, delete,
reorder, insert) copies the database (CREATE DATABASE … TEMPLATE), tampers with the copy
and runs `trellis audit verify` on it. A kind counts as detected when the command fails and
names the entry the tampering broke first. The original is verified last, still intact.
PostgreSQL's trigger refuses the application any change to audit entries, so the tampering
runs with `trellis.audit_maintenance` set (tests/reliability/tamper.py), as a superuser
could: the figure is whether tampering that gets past the trigger is still found.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import stack

HERE = Path(__file__).resolve().parent
KINDS = ("edit", "delete", "reorder", "insert")


def _django() -> None:
    sys.path.insert(0, str(stack.REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trellis.settings")
    import django

    django.setup()


def write_chain(saves: int) -> None:
    """Inside the child process: `saves` saves of progress updates through the services."""
    _django()
    from trellis.accounts.models import Person
    from trellis.accounts.policy import membership_for
    from trellis.progress.models import ProgressUpdate
    from trellis.progress.services import update_save

    updates = list(ProgressUpdate.objects.filter(state="draft").select_related("action", "period"))
    for n in range(saves):
        update = updates[n % len(updates)]
        update.refresh_from_db()
        lead = Person.objects.get(pk=update.action.lead_id)
        update_save(
            membership=membership_for(lead, update.partnership.slug),
            action=update.action,
            period=update.period,
            rag="amber",
            narrative=f"Save {n} for the audit chain",
            expected_version=update.version,
        )


def apply(kind: str) -> None:
    """Inside the child process: tamper with the copy; print the id that should be named."""
    _django()
    from tests.reliability.tamper import tamper

    print(tamper(kind))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--saves", type=int, default=60)
    parser.add_argument("--child", choices=["chain", *KINDS])
    args = parser.parse_args()
    if args.child == "chain":
        write_chain(args.saves)
        return
    if args.child:
        apply(args.child)
        return
    report: dict[str, Any] = {"machine": stack.machine()}
    with stack.private_postgres() as pg:
        data = Path(tempfile.mkdtemp(prefix="trellis-s2-"))
        env = stack.app_env(pg.url(), data)
        stack.trellis(env, "migrate", "-v0")
        stack.seed(env, data / "users.json", small=True)
        me = [stack.PYTHON, str(Path(__file__).resolve())]
        subprocess.run([*me, "--child", "chain", "--saves", str(args.saves)], env=env, check=True)  # noqa: S603
        report["chain"] = stack.trellis(env, "audit", "verify", check=False).stdout.strip()
        detected = 0
        for kind in KINDS:
            pg.psql(f"CREATE DATABASE copy_{kind} TEMPLATE trellis")
            copy_env = {**env, "DATABASE_URL": pg.url(f"copy_{kind}")}
            expected = int(
                subprocess.run(  # noqa: S603
                    [*me, "--child", kind], env=copy_env, check=True, capture_output=True, text=True
                ).stdout.split()[-1]
            )
            verify = stack.trellis(copy_env, "audit", "verify", check=False)
            named = re.search(r"entry #(\d+)", verify.stderr)
            ok = verify.returncode != 0 and named is not None and int(named.group(1)) == expected
            detected += ok
            report[kind] = {
                "exit": verify.returncode,
                "expected first bad entry": expected,
                "message": verify.stderr.strip().splitlines()[-1] if verify.stderr else "",
                "detected and named": ok,
            }
        report["detected"] = f"{detected}/{len(KINDS)}"
        report["original after"] = stack.trellis(env, "audit", "verify", check=False).stdout.strip()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
