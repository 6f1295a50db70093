"""The one exception family of Trellis, mapped in one place (trellis.http) to pages,
and by the CLI to exit codes."""

from __future__ import annotations

import datetime as dt
from typing import Any


class TrellisError(Exception):
    """Base of every error Trellis raises on purpose."""

    status = 400
    code = "invalid"
    exit_code = 2

    def __init__(self, message: str = "", **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(TrellisError):
    """The thing does not exist, or the person may not know that it does."""

    status = 404
    code = "not_found"
    exit_code = 4


class Forbidden(TrellisError):
    """The person may see the thing but may not do this to it."""

    status = 403
    code = "forbidden"
    exit_code = 3


class Invalid(TrellisError):
    """The input breaks a rule. `errors` maps field names to messages."""

    status = 400
    code = "invalid"

    def __init__(self, message: str = "", errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message, errors=errors or {})
        self.errors = errors or {}


class Conflict(TrellisError):
    """The record changed since the person loaded it (optimistic concurrency)."""

    status = 409
    code = "conflict"
    exit_code = 5

    def __init__(
        self, message: str, *, changed_by: str, changed_at: dt.datetime | None, current: Any
    ) -> None:
        super().__init__(message)
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.current = current


class StorageFull(TrellisError):
    """The disk (or the quota) holding uploads and stored files is full: nothing was kept,
    and trying again helps only once an admin has made room."""

    status = 503
    code = "storage_full"
    exit_code = 1


class RateLimited(TrellisError):
    """The person (or API token) has used its allowance for this kind of request in the
    window; `retry_after` is the whole number of seconds until one more is allowed, and
    `limit` names the allowance (for the security log)."""

    status = 429
    code = "rate_limited"
    exit_code = 1

    def __init__(self, message: str, *, retry_after: int, limit: str) -> None:
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after
        self.limit = limit
