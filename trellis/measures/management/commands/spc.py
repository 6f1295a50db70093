"""`trellis spc`: one JSON request on standard input, one JSON result on standard output.

The contract analysts and acceptance checks rely on is described in docs/spc.md. A request
that cannot be analysed exits with code 2 and exactly one line on standard error.
"""

from __future__ import annotations

import json
import sys
from typing import IO, Any

from django.core.management.base import BaseCommand

from trellis.core.spc import SpcError, SpcRequest, analyse

EXIT_REFUSED = 2


class Command(BaseCommand):
    help = "Statistical process control: read a JSON request on stdin, write the result."
    # Pure computation: no database, no system checks.
    requires_system_checks: list[str] = []
    requires_migrations_checks = False
    # Tests may hand the command its input without touching the real stdin.
    stealth_options = ("stdin",)

    def handle(self, *args: Any, **options: Any) -> None:
        source: IO[str] = options.get("stdin") or sys.stdin
        try:
            result = analyse(SpcRequest.from_json(read_request(source)))
        except SpcError as error:
            self.refuse(str(error))
        self.stdout.write(json.dumps(result.to_json()))

    def refuse(self, reason: str) -> None:
        # One line, whatever the reason holds, so a script can read it with `read`.
        self.stderr.write(" ".join(reason.split()) or "the request was refused")
        sys.exit(EXIT_REFUSED)


def read_request(source: IO[str]) -> Any:
    try:
        request = json.loads(source.read(), parse_constant=reject_constant)
    except json.JSONDecodeError as error:
        raise SpcError(f"the request is not valid JSON: {error}") from None
    except UnicodeDecodeError:
        raise SpcError("the request is not valid UTF-8 text") from None
    if not isinstance(request, dict):
        raise SpcError("the request must be a JSON object")
    return request


def reject_constant(name: str) -> Any:
    """NaN and Infinity are not JSON, though Python's decoder accepts them."""
    raise SpcError(f"the request is not valid JSON: {name} is not a number in JSON")
