"""F5: the disk fills during an upload.

    .venv/bin/python benchmarks/reliability/f5_disk_full.py [--tmpfs-mb 10 --upload-mb 15]

Mounts a small tmpfs (needs root) and points both the data directory (uploaded files and
snapshots) and the temporary directory (where Django spools a large upload) at it, then
uploads a 15 MB case-level extract to the data page through gunicorn on 127.0.0.1. Reports
the answer, whether a snapshot row was written, what was left on the tmpfs, and whether the
app still serves pages and takes a small upload once space is back. The database is a
private PostgreSQL cluster, so it does not share the full disk.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import requests
import stack

HERE = Path(__file__).resolve().parent
HIDDEN = re.compile(r'name="(csrfmiddlewaretoken)" value="([^"]*)"')
HEADER = "child_id,date_of_birth,sex,episode_start,episode_end,placement_type,placement_area\n"


def files_left(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def upload(session: requests.Session, url: str, name: str, body: bytes) -> dict[str, Any]:
    page = session.get(url, timeout=60)
    token = dict(HIDDEN.findall(page.text)).get("csrfmiddlewaretoken", "")
    started = time.monotonic()
    try:
        answer = session.post(
            url,
            {"csrfmiddlewaretoken": token, "extract_date": "2021-03-31", "layout": "trellis"},
            files={"file": (name, body, "text/csv")},
            allow_redirects=False,
            timeout=120,
        )
    except requests.RequestException as exc:
        return {"status": f"no answer: {type(exc).__name__}"}
    message = re.search(r'govuk-error-summary__list">\s*<li>\s*(?:<a[^>]*>)?([^<]+)', answer.text)
    return {
        "status": answer.status_code,
        "seconds": round(time.monotonic() - started, 2),
        "message": message.group(1).strip() if message else "",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tmpfs-mb", type=int, default=10)
    parser.add_argument("--upload-mb", type=int, default=15)
    args = parser.parse_args()
    report: dict[str, Any] = {"machine": stack.machine()}
    mount = Path(tempfile.mkdtemp(prefix="trellis-f5-"))
    subprocess.run(  # noqa: S603
        ["mount", "-t", "tmpfs", "-o", f"size={args.tmpfs_mb}m", "tmpfs", str(mount)],  # noqa: S607
        check=True,
    )
    try:
        (mount / "tmp").mkdir()
        with stack.private_postgres() as pg:
            report.update(_run(pg, mount, args))
    finally:
        subprocess.run(["umount", str(mount)], check=False)  # noqa: S603, S607
        mount.rmdir()
    print(json.dumps(report, indent=2))


def _run(pg: stack.PrivatePostgres, mount: Path, args: argparse.Namespace) -> dict[str, Any]:
    report: dict[str, Any] = {"tmpfs MB": args.tmpfs_mb}
    env = stack.app_env(pg.url(), mount / "data", TMPDIR=str(mount / "tmp"))
    stack.trellis(env, "migrate", "-v0")
    users_file = Path(tempfile.mkdtemp(prefix="trellis-f5-users-")) / "users.json"
    users = stack.seed(env, users_file, small=True)
    analyst = users["analysts"][0]
    logs = Path(tempfile.mkdtemp(prefix="trellis-f5-logs-"))
    server = stack.Gunicorn(env, logs, workers=1)
    try:
        session = requests.Session()
        sign_in = session.get(server.url + "/sign-in/", timeout=30)
        session.post(
            server.url + "/sign-in/",
            {
                "email": analyst["email"],
                "password": users["password"],
                "csrfmiddlewaretoken": dict(HIDDEN.findall(sign_in.text))["csrfmiddlewaretoken"],
            },
            timeout=30,
        )
        page = f"{server.url}/p/{analyst['slug']}/data/"
        row = "C{:07d},2010-01-01,f,2019-01-01,,foster,in_area\n"
        rows = args.upload_mb * 1024 * 1024 // len(row.format(0))
        big = (HEADER + "".join(row.format(i) for i in range(rows))).encode()
        snapshots = "SELECT count(*) FROM casedata_snapshot"
        before = pg.psql(snapshots, "trellis")
        report["large upload MB"] = round(len(big) / 1e6, 1)
        report["large upload"] = upload(session, page, "episodes.csv", big)
        report["snapshot rows before/after"] = f"{before}/{pg.psql(snapshots, 'trellis')}"
        report["files left on the tmpfs"] = files_left(mount)
        report["page after"] = session.get(page, timeout=60).status_code
        report["healthz after"] = requests.get(server.url + "/healthz", timeout=10).status_code
        small = (HEADER + "".join(row.format(i) for i in range(50))).encode()
        report["small upload after"] = upload(session, page, "episodes.csv", small)
        report["tracebacks logged"] = server.app_log.read_text(errors="replace").count(
            "Traceback (most recent call last)"
        )
        report["log lines"] = [
            line[:200]
            for line in server.app_log.read_text(errors="replace").splitlines()
            if "ERROR" in line or "Error:" in line
        ][:6]
    finally:
        server.stop()
    return report


if __name__ == "__main__":
    main()
