"""The conversion's account of itself: notes (what was mapped, how, how often) and unmapped
(what was not, and why). Both are shown to analysts and may be logged, so no line may hold a
child's identifier: lines are built from code values, counts and file and column names only,
and a value from a code column is shown only when it looks like a code (see `shown`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

# A code value longer than this, or all digits and this long or longer, is not shown: SSDA903
# codes are short letters-and-digits (P1, E4A, CARPL), identifiers are not.
MAX_SHOWN_LENGTH = 6
MIN_HIDDEN_DIGITS = 3
WITHHELD = "(a value not shown: it could identify a child)"
EMPTY = "(empty)"


def plural(count: int, word: str, words: str = "") -> str:
    """'1 row', '2 rows', '2 children' (count with thousands separators)."""
    return f"{count:,} " + (word if count == 1 else words or word + "s")


class Log:
    def __init__(self, identifiers: frozenset[str]) -> None:
        self.notes: list[str] = []
        self.unmapped: list[str] = []
        self.identifiers = identifiers  # upper-cased CHILD values of every file read

    def note(self, text: str) -> None:
        self.notes.append(text)

    def unmap(self, text: str) -> None:
        self.unmapped.append(text)

    def shown(self, value: str) -> str:
        """The value as a report may show it."""
        if value == "":
            return EMPTY
        digits = value.isdigit() and len(value) >= MIN_HIDDEN_DIGITS
        looks_like_code = value.isascii() and value.isalnum() and len(value) <= MAX_SHOWN_LENGTH
        if digits or not looks_like_code or value.upper() in self.identifiers:
            return WITHHELD
        return value

    def counted(self, counts: Counter[str]) -> str:
        """'P1 183, U1 176' in code order; withheld values are counted together."""
        merged: Counter[str] = Counter()
        for value, count in counts.items():
            merged[self.shown(value)] += count
        return ", ".join(f"{value} {count:,}" for value, count in sorted(merged.items()))


def rows_listed(numbers: Iterable[int], limit: int = 10) -> str:
    """'rows 4, 9 and 12' (the first `limit` of them, then 'and N more')."""
    listed = sorted(numbers)
    head = [f"{n:,}" for n in listed[:limit]]
    more = len(listed) - len(head)
    if more:
        return "rows " + ", ".join(head) + f" and {more:,} more"
    if len(head) == 1:
        return "row " + head[0]
    return "rows " + ", ".join(head[:-1]) + " and " + head[-1]
