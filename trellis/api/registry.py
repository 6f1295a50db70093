"""Every collection the API serves, in the order the reference lists them."""

from __future__ import annotations

from trellis.api.collections_measures import MEASURES, OBSERVATIONS, TARGETS
from trellis.api.collections_plans import (
    ACTIONS,
    DRIVERS,
    FINDINGS,
    LEADS,
    MILESTONES,
    OUTCOMES,
    PLANS,
)
from trellis.api.collections_progress import COMMENTS, PERIODS, UPDATES
from trellis.api.fields import Collection

COLLECTIONS: dict[str, Collection] = {
    c.name: c
    for c in (
        PLANS,
        OUTCOMES,
        DRIVERS,
        ACTIONS,
        MILESTONES,
        LEADS,
        PERIODS,
        UPDATES,
        COMMENTS,
        MEASURES,
        TARGETS,
        OBSERVATIONS,
        FINDINGS,
    )
}
