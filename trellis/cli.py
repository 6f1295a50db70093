"""The `trellis` console command: Django's management commands with Trellis's settings."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trellis.settings")
    from django.core.management import execute_from_command_line

    from trellis.startup import collect_less_often

    collect_less_often()  # `trellis worker` builds the reports; `trellis report` too

    execute_from_command_line(["trellis", *sys.argv[1:]])


if __name__ == "__main__":
    main()
