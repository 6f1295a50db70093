"""A web worker starts without the libraries only some requests need, with every view
loaded and out of the garbage collector's sight.

Arrow (with numpy), DuckDB and the report renderers' libraries are most of a worker's
memory when loaded: an idle worker was 122 MB with Arrow imported by the URL configuration,
69 MB without. Modules the URL configuration reaches import them inside the functions that
use them (docs/reliability.md, "Worker memory"). A new top-level import would bring them
back unnoticed, so a fresh interpreter loads the WSGI application and every view, and
reports what it imported and how many objects `trellis.wsgi` froze (gc.freeze: a full
collection no longer walks them in the middle of a request).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

LOADED_ON_DEMAND = ("pyarrow", "numpy", "duckdb", "weasyprint", "docx", "openpyxl")

_PROGRAM = """
import gc, json, sys
views_before = "trellis.plans.views" in sys.modules
from trellis.wsgi import application
print(json.dumps({
    "modules": sorted({name.split(".")[0] for name in sys.modules}),
    "views loaded": "trellis.plans.views" in sys.modules and not views_before,
    "frozen": gc.get_freeze_count(),
}))
"""


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What a fresh interpreter holds once it has loaded the WSGI application."""
    environment = {**os.environ, "TRELLIS_DATA_DIR": str(tmp_path_factory.mktemp("data"))}
    result = subprocess.run(  # noqa: S603 (this interpreter, a fixed program)
        [sys.executable, "-c", _PROGRAM],
        capture_output=True,
        text=True,
        env=environment,
        check=True,
        timeout=120,
    )
    report: dict[str, Any] = json.loads(result.stdout.splitlines()[-1])
    return report


def test_a_worker_starts_without_the_heavy_libraries(worker: dict[str, Any]) -> None:
    loaded = set(worker["modules"])

    assert "trellis" in loaded and "django" in loaded
    assert loaded.isdisjoint(LOADED_ON_DEMAND), sorted(loaded & set(LOADED_ON_DEMAND))


def test_a_worker_loads_every_view_and_freezes_what_it_loaded(worker: dict[str, Any]) -> None:
    assert worker["views loaded"]
    assert worker["frozen"] > 50_000  # Django, the views and their libraries
