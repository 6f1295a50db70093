"""WSGI entry point. In production it refuses to start while demo accounts exist.

Each worker loads every view as it starts rather than on its first request, then moves
everything loaded so far out of the garbage collector's sight (`gc.freeze`): those 90,000
or so objects live as long as the worker, and a full collection walked them all, 80 ms or
more, in the middle of whichever request triggered it; and it collects the youngest
generation less often, as every Trellis process does (trellis.startup.collect_less_often;
docs/reliability.md, "Worker start")."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trellis.settings")
application = get_wsgi_application()

from django.urls import get_resolver  # noqa: E402

from trellis.startup import collect_less_often, refuse_unsafe_production  # noqa: E402

refuse_unsafe_production()
get_resolver().url_patterns  # noqa: B018 (imports every view now)
gc.collect()
gc.freeze()
collect_less_often()
