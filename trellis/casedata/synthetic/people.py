"""Everyone the extract mentions: a birth date and a sex per person, and fake identifiers."""

from __future__ import annotations

import random

from trellis.casedata.synthetic.calendar import Picker

# Looked-after children and children on the register are slightly more often boys; disabled
# children on short breaks clearly more often. A few have their sex recorded as unknown.
SEX = Picker(("M", "F", "U"), (0.52, 0.475, 0.005))
SEX_DISABLED = Picker(("M", "F", "U"), (0.66, 0.335, 0.005))
ID_PREFIX = "RV"


class People:
    """The people of one extract, numbered in the order they were made."""

    def __init__(self) -> None:
        self.dob: list[int] = []
        self.sex: list[str] = []

    def add(self, rng: random.Random, dob: int, sex: Picker = SEX) -> int:
        self.dob.append(dob)
        self.sex.append(sex(rng))
        return len(self.dob) - 1

    def __len__(self) -> int:
        return len(self.dob)

    def identifiers(self, rng: random.Random) -> tuple[list[int], list[str]]:
        """Distinct identifiers that look like case numbers and are plainly fake: "RV" and
        seven digits (more only when seven cannot hold everyone), with their numbers, which
        sort as the identifiers do."""
        digits = max(7, len(str(len(self) * 20)))
        numbers = rng.sample(range(10**digits), len(self))
        return numbers, [f"{ID_PREFIX}{n:0{digits}d}" for n in numbers]
