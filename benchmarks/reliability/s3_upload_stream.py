"""S3: the worker's memory while it refuses extract uploads far over the browser's limit.

    .venv/bin/python benchmarks/reliability/s3_upload_stream.py [--gb 1]

Starts one gunicorn worker on 127.0.0.1 over a throw-away SQLite database (seeded with
seed.py), signs in as an analyst and streams two bodies to the extract page, each generated
on the fly so the sender holds no more than a megabyte: one of --gb gigabytes (its declared
length is far over TRELLIS_EXTRACT_MAX_BYTES, so it is refused before the first byte of the
file is kept) and one a megabyte over the limit (spooled to the temporary folder until the
limit is passed, then refused). Reports each answer and time, the workers' peak resident
set (VmHWM, sampled five times a second while the body is sent, so a worker that gunicorn
kills still counts; the peak is started again after signing in, whose Argon2 hash takes
100 MiB for a moment), the files left in the temporary folder and gunicorn's error lines. No
proxy is in front: in production nginx's client_max_body_size refuses these bodies first.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests
import stack

HIDDEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')
MB = 1024 * 1024
LIMIT = 200 * MB  # TRELLIS_EXTRACT_MAX_BYTES's default
ROW = b"C0000001,2010-01-01,F,2019-01-01,,foster,in_area\n"


class Body:
    """A multipart body of `size` file bytes, made a megabyte at a time as it is sent."""

    def __init__(self, token: str, size: int) -> None:
        self.boundary = "trellis-s3-boundary"
        fields = [("csrfmiddlewaretoken", token), ("extract_date", "2021-03-31")]
        fields.append(("layout", "trellis"))
        head = "".join(
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
            for k, v in fields
        )
        head += (
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="file"; '
            'filename="episodes.csv"\r\nContent-Type: text/csv\r\n\r\n'
        )
        self.head, self.tail = head.encode(), f"\r\n--{self.boundary}--\r\n".encode()
        self.size = size

    def __len__(self) -> int:
        return len(self.head) + self.size + len(self.tail)

    def __iter__(self) -> Iterator[bytes]:
        yield self.head
        block = ROW * (MB // len(ROW) + 1)
        left = self.size
        while left > 0:
            yield block[: min(MB, left)]
            left -= min(MB, left)
        yield self.tail


class PeakRss:
    """The highest VmHWM of any worker, sampled in the background until stopped."""

    def __init__(self, server: stack.Gunicorn) -> None:
        self.server, self.peak = server, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self._sample()

    def _sample(self) -> None:
        self.peak = max(self.peak, stack.peak_rss_mb(self.server.workers()))

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        self._sample()  # VmHWM keeps the peak of an answer quicker than a sampling step
        return self.peak


def send(session: requests.Session, server: stack.Gunicorn, page: str, size: int) -> dict:
    token = HIDDEN.findall(session.get(page, timeout=60).text)[0]
    body = Body(token, size)
    started, rss = time.monotonic(), PeakRss(server)
    answer = session.post(
        page,
        data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={body.boundary}"},
        allow_redirects=False,
        timeout=600,
    )
    return {
        "MB sent": round(len(body) / MB),
        "status": answer.status_code,
        "seconds": round(time.monotonic() - started, 1),
        "says use the command line": "trellis data load" in answer.text,
        "worker peak RSS MB while sending": rss.stop(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gb", type=float, default=1.0)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="trellis-s3-"))
    env = stack.app_env(f"sqlite:///{data / 'trellis.sqlite3'}", data)
    report: dict[str, Any] = {"machine": stack.machine()}
    try:
        stack.trellis(env, "migrate", "-v0")
        users = stack.seed(env, data / "users.json", small=True)
        server = stack.Gunicorn(env, data, workers=1)
        try:
            report.update(run(server, users, data / "upload-tmp", args.gb))
        finally:
            server.stop()
    finally:
        shutil.rmtree(data, ignore_errors=True)
    print(json.dumps(report, indent=2))


def run(server: stack.Gunicorn, users: dict[str, Any], temp: Path, gb: float) -> dict[str, Any]:
    analyst = users["analysts"][0]
    session = requests.Session()
    token = HIDDEN.findall(session.get(server.url + "/sign-in/", timeout=30).text)[0]
    session.post(
        server.url + "/sign-in/",
        {"email": analyst["email"], "password": users["password"], "csrfmiddlewaretoken": token},
        timeout=30,
    )
    page = f"{server.url}/p/{analyst['slug']}/data/"
    session.get(page, timeout=60)  # the page once, so its imports count in the baseline
    report: dict[str, Any] = {
        "worker peak RSS MB after signing in": stack.peak_rss_mb(server.workers())
    }
    stack.reset_peak_rss(server.workers())
    report["worker RSS MB before sending"] = stack.peak_rss_mb(server.workers())
    for name, size in ((f"{gb:g} GB", int(gb * 1024 * MB)), ("limit + 1 MB", LIMIT + MB)):
        report[name] = send(session, server, page, size)
        report[name]["files left in upload-tmp"] = sorted(p.name for p in temp.glob("*"))
    logs = server.error_log.read_text(errors="replace") + server.app_log.read_text(errors="replace")
    errors = [line for line in logs.splitlines() if "ERROR" in line or "CRITICAL" in line]
    report["log lines"] = [line[:200] for line in errors[:6]]
    return report


if __name__ == "__main__":
    main()
