"""What Trellis asks of its database connections beyond Django's settings: the longer
statement timeout of `trellis worker`, and telling a statement PostgreSQL cancelled for
running too long (statement_timeout) from a database that is away."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

# PostgreSQL's SQLSTATE for a statement cancelled by statement_timeout (or by a person).
QUERY_CANCELED = "57014"
DISPATCH_UID = "trellis-statement-timeout"


def is_statement_timeout(exception: BaseException | None) -> bool:
    """Whether a statement was cancelled (psycopg's QueryCanceled), looking through the
    chain: Django raises it as its own OperationalError, from psycopg's error."""
    seen = 0
    while exception is not None and seen < 5:
        if getattr(exception, "sqlstate", None) == QUERY_CANCELED:
            return True
        exception = exception.__cause__ or exception.__context__
        seen += 1
    return False


def statement_timeout_set(seconds: int) -> None:
    """Give this process's PostgreSQL connections, the open one and each one made from now
    on, a statement timeout of `seconds` (0: none) in place of the settings' one."""

    def apply(sender: Any, connection: BaseDatabaseWrapper, **_: Any) -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('statement_timeout', %s, false)", [str(seconds * 1000)]
                )

    connection_created.disconnect(dispatch_uid=DISPATCH_UID)
    connection_created.connect(apply, weak=False, dispatch_uid=DISPATCH_UID)
    if connection.connection is not None:
        apply(None, connection)
