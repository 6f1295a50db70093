"""The security event log: one JSON object per line on the `trellis.security` logger.

Every event carries the same fields, null where they do not apply: `ts` (UTC, ISO 8601
with Z), `event`, `outcome`, `reason`, `user` (database id, never an e-mail address),
`agency` (database id), `partnership` (slug), `ip` (as the sign-in throttle sees it,
trusting only TRELLIS_TRUSTED_PROXIES hops of X-Forwarded-For) and `request_id` (the
X-Request-Id of the response). A few further fields are allowed by name (`EXTRA_FIELDS`),
and only ids, counts, codes and flags go in them (and the operating-system account that
ran a command): never a password, token, session key, e-mail address, child identifier or
cell value.

The formatter writes every record of the logger as JSON with ASCII escapes, so a carriage
return, line feed or any other control character sent by a client can never start a
line of its own. This module imports no models: logging is configured before Django's
apps are ready.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.http import HttpRequest

LOGGER_NAME = "trellis.security"
RECORD_ATTRIBUTE = "security_event"
logger = logging.getLogger(LOGGER_NAME)

# Outcomes logged at INFO; every other outcome (failure, refused, rejected, ended) is a
# WARNING, so a log level of WARNING keeps what a SIEM alerts on.
GOOD_OUTCOMES = frozenset({"success", "accepted"})

# Fields an event may add, each holding an id, a count, a code or a flag.
EXTRA_FIELDS = frozenset(
    {
        "method",  # how a person signed in, or the HTTP method of a refused request
        "route",  # the URL pattern (never the path, which may hold a reset token)
        "status",  # the HTTP status answered
        "upload",  # what was uploaded: evidence or extract
        "size",  # bytes
        "problems",  # how many problems an extract had
        "snapshot",  # case-level snapshot id
        "observation",  # measure observation id
        "rows",  # how many rows were downloaded or purged
        "target_user",  # the person an admin acted on (id)
        "target_membership",  # the membership an admin acted on (id)
        "roles",  # role codes after a change
        "active",  # membership still active after a change
        "account_closed",  # a deactivation closed the whole account
        "token",  # API token id (never its secret)
        "snapshots",  # how many case-level snapshots a backup holds
        "command",  # the command-line verb that did it: "data load", "backup"
        "operator",  # the operating-system account that ran a command (user@host)
    }
)
MAX_TEXT = 200

Scalar = str | int | bool | None


def utc_timestamp(created: float) -> str:
    moment = dt.datetime.fromtimestamp(created, dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def json_line(body: dict[str, Any]) -> str:
    """One line of JSON, ASCII only: every control character is escaped, DEL too (which
    the json module leaves as it is)."""
    text = json.dumps(body, ensure_ascii=True, separators=(",", ":"), default=str)
    return text.replace("\x7f", "\\u007f")


class JsonLinesFormatter(logging.Formatter):
    """Writes a record as one JSON line: the event's fields, or for any other record of
    the logger (an operational note) its level, logger and message, encoded the same way."""

    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, Any] = {"ts": utc_timestamp(record.created)}
        event = getattr(record, RECORD_ATTRIBUTE, None)
        if isinstance(event, dict):
            body.update(event)
        else:
            request_id = getattr(record, "request_id", "-")
            body |= {
                "event": "log",
                "level": record.levelname.lower(),
                "logger": record.name,
                "message": record.getMessage(),
                "request_id": None if request_id == "-" else request_id,
            }
        if record.exc_info and record.exc_info[0] is not None:
            body["error"] = record.exc_info[0].__name__  # the type only: no values
        return json_line(body)


class NotSecurityLogFilter(logging.Filter):
    """For the plain console log: security records go to their own JSON handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name == LOGGER_NAME or record.name.startswith(LOGGER_NAME + "."))


def _clean(name: str, value: Any) -> Any:
    if name not in EXTRA_FIELDS:
        raise ValueError(f"security_event: {name!r} is not a field of the security log")
    if isinstance(value, (list, tuple, set, frozenset)):
        return sorted(str(v)[:MAX_TEXT] for v in value)
    if value is None or isinstance(value, (bool, int)):
        return value
    return str(value)[:MAX_TEXT]


def _pk(value: Any) -> int | None:
    pk = getattr(value, "pk", value)
    return pk if isinstance(pk, int) else None


def _where(
    request: HttpRequest | None, user_id: int | None, partnership: Any
) -> tuple[str | None, int | None]:
    """(partnership slug, agency id): the request's resolved membership; else the given
    partnership or the one in the URL (a refused request never got as far as resolving
    its membership), with the person's agency there."""
    membership = getattr(request, "membership", None) if request is not None else None
    if membership is not None and partnership is None:
        return membership.partnership.slug, membership.agency_id
    if partnership is None:
        match = getattr(request, "resolver_match", None)
        partnership = match.kwargs.get("slug") if match is not None else None
    slug = getattr(partnership, "slug", partnership)
    if not isinstance(slug, str) or not slug:
        return None, None
    slug = slug[:MAX_TEXT]
    if user_id is None:
        return slug, None
    from trellis.accounts.models import Membership

    agency = (
        Membership.objects.filter(person_id=user_id, partnership__slug=slug, is_active=True)
        .values_list("agency_id", flat=True)
        .first()
    )
    return slug, agency


def security_event(
    request: HttpRequest | None,
    event: str,
    outcome: str,
    *,
    reason: str | None = None,
    user: Any = None,
    partnership: Any = None,
    agency: Any = None,
    **fields: Any,
) -> None:
    """Log one security event. `user`, `partnership` (a Partnership or its slug) and
    `agency` default to what the request says: the signed-in person and the membership
    of the partnership in the URL. Raises ValueError for a field the log does not have."""
    from trellis.accounts.throttle import client_ip
    from trellis.http import current_request_id

    extra = {name: _clean(name, value) for name, value in fields.items()}
    signed_in = getattr(request, "user", None) if request is not None else None
    if user is None and signed_in is not None and signed_in.is_authenticated:
        user = signed_in
    user_id = _pk(user)
    slug, agency_id = _where(request, user_id, partnership)
    request_id = current_request_id()
    body: dict[str, Any] = {
        "event": event,
        "outcome": outcome,
        "reason": reason,
        "user": user_id,
        "agency": _pk(agency) if agency is not None else agency_id,
        "partnership": slug,
        "ip": client_ip(request) if request is not None else None,
        "request_id": None if request_id == "-" else request_id,
        **extra,
    }
    level = logging.INFO if outcome in GOOD_OUTCOMES else logging.WARNING
    logger.log(level, "%s %s", event, outcome, extra={RECORD_ATTRIBUTE: body})


def _route(request: HttpRequest) -> str | None:
    """The URL pattern asked for: never the path, which may hold a password-reset token."""
    match = getattr(request, "resolver_match", None)
    return match.route if match is not None else None


def access_denied(request: HttpRequest, reason: str, *, user: Any = None) -> None:
    """A 403 in the log: what was asked (the URL pattern and method) and why it was
    refused."""
    security_event(
        request,
        "access.denied",
        "refused",
        reason=reason,
        user=user,
        status=403,
        method=request.method,
        route=_route(request),
    )


def rate_limited(request: HttpRequest, limit: str, *, user: Any = None, **fields: Any) -> None:
    """A 429 in the log: what was asked and the allowance it was over (`limit`, such as
    extract-upload or api-token)."""
    security_event(
        request,
        "rate_limit",
        "refused",
        reason=limit,
        user=user,
        status=429,
        method=request.method,
        route=_route(request),
        **fields,
    )
