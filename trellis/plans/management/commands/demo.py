"""`trellis demo`: build the fictional Riverside partnership to explore Trellis with."""

from __future__ import annotations

import argparse
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from trellis.accounts.management.commands.serve import serve
from trellis.demo import DemoBuild, build_demo, demo_sign_ins


class Command(BaseCommand):
    help = "Build a fictional demo partnership with sign-ins for every role (not in production)."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--reset", action="store_true", help="delete the demo data and build it again"
        )
        parser.add_argument("--no-serve", action="store_true", help="build only; do not serve")
        parser.add_argument("--quiet", action="store_true", help="print nothing on success")
        parser.add_argument("--port", type=int, default=8000, help="serve on this port")

    def handle(
        self, *args: Any, reset: bool, quiet: bool, no_serve: bool, port: int, **options: Any
    ) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "Refusing to build demo data in production: its sign-ins and password are "
                "public. Run `trellis demo` against a development database."
            )
        call_command("migrate", interactive=False, verbosity=0)
        result = build_demo(reset=reset)
        if not quiet:
            self._report(result)
        if no_serve:
            if not quiet:
                self._sign_ins()
            return

        def ready(url: str) -> None:
            self.stdout.write(f"\nTrellis is ready at {url} (Ctrl-C stops it).")
            self._sign_ins()

        serve(host="127.0.0.1", port=port, workers=2, on_ready=ready)

    def _report(self, result: DemoBuild) -> None:
        if result.built:
            counts = ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in result.counts.items())
            self.stdout.write(f"Built the demo partnership {result.partnership}: {counts}.")
        else:
            self.stdout.write(
                f"The demo data is already there ({result.partnership}); left as it is. "
                "Use --reset to build it again."
            )

    def _sign_ins(self) -> None:
        self.stdout.write("\nSign in as:")
        rows = demo_sign_ins()
        width = max(len(email) for _, email, _ in rows)
        for label, email, password in rows:
            self.stdout.write(f"  {email:<{width}}  {password}  ({label})")
