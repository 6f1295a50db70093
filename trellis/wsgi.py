"""WSGI entry point. In production it refuses to start while demo accounts exist."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trellis.settings")
application = get_wsgi_application()

from trellis.startup import refuse_unsafe_production  # noqa: E402

refuse_unsafe_production()
