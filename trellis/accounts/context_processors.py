from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from trellis.accounts.policy import Perm, can


def membership(request: HttpRequest) -> dict[str, Any]:
    """The current partnership and what the navigation may offer in it."""
    current = getattr(request, "membership", None)
    if current is None:
        return {}
    return {
        "membership": current,
        "partnership": current.partnership,
        "nav_can_manage_people": can(current, Perm.MANAGE_PEOPLE),
        "nav_can_load_data": can(current, Perm.LOAD_DATA),
    }
