"""The profiles of the synthetic extract: the balance of care it aims at on a census day."""

from __future__ import annotations

from dataclasses import dataclass

PLACEMENT_TYPES = ("home", "kinship", "foster", "residential", "community_other")


@dataclass(frozen=True)
class Profile:
    """A partnership shape. `balance` gives each placement type's share of the children looked
    after on a census day (the shares sum to 1)."""

    name: str
    description: str
    balance: dict[str, float]


PROFILES: dict[str, Profile] = {
    "default": Profile(
        name="default",
        description="A city-sized partnership like the example: 21% at home, 18% with kin, "
        "47% in foster care, 10.5% in residential care, 3.5% in other community settings.",
        balance={
            "home": 0.21,
            "kinship": 0.18,
            "foster": 0.47,
            "residential": 0.105,
            "community_other": 0.035,
        },
    ),
    "scotland-2020": Profile(
        name="scotland-2020",
        description="Scotland's national balance of care at 31 July 2020: 24.6% at home, "
        "30.8% with kin, 32.8% in foster care, 9.9% in residential care, 1.9% in other "
        "community settings.",
        balance={
            "home": 0.246,
            "kinship": 0.308,
            "foster": 0.328,
            "residential": 0.099,
            "community_other": 0.019,
        },
    ),
}
