"""Problems found while reading and validating an extract, and the list that collects them.

A problem names the file, the row as the user counts it (header = row 1; None for the whole
file), the column and a short stable rule code. Its message is plain English and never holds a
cell's value: a value may be a child's identifier (shared/DATA.md "Pseudonymisation").

A broken file can break one rule on every row, so the list keeps at most PER_RULE_CAP problems
of each rule in each file (the first by row) and adds one "and N more" problem for the rest.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

PER_RULE_CAP = 1000


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None
    column: str | None
    rule: str
    message: str

    def to_json(self) -> dict[str, object]:
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "rule": self.rule,
            "message": self.message,
        }

    def sort_key(self) -> tuple[str, int, str, str, str]:
        # Whole-file problems (row None) come first in their file.
        row = -1 if self.row is None else self.row
        return (self.file, row, self.column or "", self.rule, self.message)


class Problems:
    """Errors and warnings of one upload, capped per file and rule."""

    def __init__(self) -> None:
        self._found: dict[tuple[Severity, str, str], list[Problem]] = defaultdict(list)
        # How many rows broke a rule beyond the problems handed in (counted by a query).
        self._unseen: dict[tuple[Severity, str, str], int] = defaultdict(int)

    def error(self, file: str, row: int | None, column: str | None, rule: str, msg: str) -> None:
        self._found[(Severity.ERROR, file, rule)].append(Problem(file, row, column, rule, msg))

    def warn(self, file: str, row: int | None, column: str | None, rule: str, msg: str) -> None:
        self._found[(Severity.WARNING, file, rule)].append(Problem(file, row, column, rule, msg))

    def add_rows(
        self,
        severity: Severity,
        *,
        file: str,
        rows: Iterable[int],
        total: int,
        column: str | None,
        rule: str,
        message: str,
    ) -> None:
        """One problem per row given; `total` is how many rows broke the rule in all."""
        given = [Problem(file, row, column, rule, message) for row in rows]
        self._found[(severity, file, rule)].extend(given)
        self.count_unlisted(severity, file=file, rule=rule, count=total - len(given))

    def count_unlisted(self, severity: Severity, *, file: str, rule: str, count: int) -> None:
        """Rows that broke a rule but were not handed in one by one (beyond a query's LIMIT)."""
        self._unseen[(severity, file, rule)] += count

    @property
    def has_errors(self) -> bool:
        return any(key[0] is Severity.ERROR and found for key, found in self._found.items())

    def errors(self) -> list[Problem]:
        return self._listed(Severity.ERROR)

    def warnings(self) -> list[Problem]:
        return self._listed(Severity.WARNING)

    def _listed(self, severity: Severity) -> list[Problem]:
        listed: list[Problem] = []
        for key, found in self._found.items():
            if key[0] is severity:
                listed.extend(self._capped(key, found))
        return sorted(listed, key=Problem.sort_key)

    def _capped(self, key: tuple[Severity, str, str], found: list[Problem]) -> list[Problem]:
        kept = sorted(found, key=Problem.sort_key)[:PER_RULE_CAP]
        more = len(found) - len(kept) + self._unseen[key]
        if more > 0:
            _, file, rule = key
            kept.append(Problem(file, None, None, rule, _more_message(more, len(kept))))
        return kept


def _more_message(more: int, shown: int) -> str:
    rows = "row" if more == 1 else "rows"
    return (
        f"…and {more:,} more {rows} break this rule. Only the first {shown:,} are listed; "
        "fix those and check the file again."
    )
