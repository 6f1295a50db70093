"""A web worker starts without the libraries only some requests need.

Arrow (with numpy), DuckDB and the report renderers' libraries are most of a worker's
memory when loaded: an idle worker was 122 MB with Arrow imported by the URL configuration,
69 MB without. Modules the URL configuration reaches import them inside the functions that
use them (docs/reliability.md, "Worker memory"). A new top-level import would bring them
back unnoticed, so a fresh interpreter loads the WSGI application and every view, and
reports what it imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

LOADED_ON_DEMAND = ("pyarrow", "numpy", "duckdb", "weasyprint", "docx", "openpyxl")

_PROGRAM = """
import json, sys
from trellis.wsgi import application
from django.urls import get_resolver
get_resolver().url_patterns
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_a_worker_starts_without_the_heavy_libraries(tmp_path):
    environment = {**os.environ, "TRELLIS_DATA_DIR": str(tmp_path)}
    result = subprocess.run(  # noqa: S603 (this interpreter, a fixed program)
        [sys.executable, "-c", _PROGRAM],
        capture_output=True,
        text=True,
        env=environment,
        check=True,
        timeout=120,
    )
    loaded = set(json.loads(result.stdout.splitlines()[-1]))

    assert "trellis" in loaded and "django" in loaded
    assert loaded.isdisjoint(LOADED_ON_DEMAND), sorted(loaded & set(LOADED_ON_DEMAND))
