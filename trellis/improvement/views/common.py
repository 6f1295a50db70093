"""What every improvement page shares: the membership, scoped lookups and URLs."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from django.http import HttpRequest
from django.urls import reverse

from trellis.accounts.models import Membership
from trellis.errors import NotFound

FORM_METHODS = ["GET", "POST"]
M = TypeVar("M", bound=models.Model)


def member(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined]


def scoped(model: type[M], request: HttpRequest, pk: int, *related: str) -> M:
    """The partnership's record, or 404: another partnership's is never confirmed."""
    found = (
        model._default_manager.select_related(*related)
        .filter(partnership_id=member(request).partnership_id, pk=pk)
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def url(request: HttpRequest, name: str, *args: Any) -> str:
    return reverse(f"improvement:{name}", args=[member(request).partnership.slug, *args])
