"""The datasets of a case-level extract, as shared/DATA.md "Files" sets them out.

A dataset is a list of columns; a column has a kind (what its text must look like and what
it becomes once read) and, for codes, the allowed values (lower case: codes are matched
case-insensitively after trimming). Per-dataset rules that compare columns or rows live in
validation_rules.py; this module only says what a single value must be.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Kind(enum.Enum):
    ID = "id"  # child_id: trimmed, upper-cased, NFC; still the raw identifier
    DATE = "date"  # YYYY-MM-DD or DD/MM/YYYY (or a date cell in xlsx) -> date32
    CODE = "code"  # one of Column.codes, case-insensitive -> lower-case string
    INTEGER = "integer"  # whole number, may carry a sign -> int64
    ACADEMIC_YEAR = "academic_year"  # "YYYY/YY" with YY the year after YYYY -> string


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool = True
    codes: tuple[str, ...] = ()

    def codes_for_people(self) -> str:
        """The allowed values as a person would write them: "M, F or U"."""
        shown = [c.upper() if len(c) == 1 else c for c in self.codes]
        return ", ".join(shown[:-1]) + " or " + shown[-1]


@dataclass(frozen=True)
class Dataset:
    name: str
    columns: tuple[Column, ...]
    date_columns: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        dates = tuple(c.name for c in self.columns if c.kind is Kind.DATE)
        object.__setattr__(self, "date_columns", dates)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _id() -> Column:
    return Column("child_id", Kind.ID)


def _date(name: str, *, required: bool = True) -> Column:
    return Column(name, Kind.DATE, required=required)


def _code(name: str, *codes: str) -> Column:
    return Column(name, Kind.CODE, codes=codes)


PLACEMENT_TYPES = ("home", "kinship", "foster", "residential", "community_other")

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            "episodes",
            (
                _id(),
                _date("date_of_birth"),
                _code("sex", "m", "f", "u"),
                _date("episode_start"),
                _date("episode_end", required=False),
                _code("placement_type", *PLACEMENT_TYPES),
                _code("placement_area", "in_area", "out_of_area", "unknown"),
            ),
        ),
        Dataset(
            "health_assessments",
            (_id(), _date("accommodated_date"), _date("assessment_date", required=False)),
        ),
        Dataset(
            "cp_registrations",
            (_id(), _date("registration_date"), _date("deregistration_date", required=False)),
        ),
        Dataset(
            "cp_contacts",
            (
                _id(),
                _date("contact_date"),
                _code("contact_type", "face_to_face", "virtual", "phone"),
            ),
        ),
        Dataset(
            "short_breaks",
            (_id(), _date("service_start"), _date("service_end", required=False)),
        ),
        Dataset(
            "reviews",
            (_id(), _date("review_date"), _code("review_type", "short_break", "looked_after")),
        ),
        Dataset("care_leavers", (_id(), _date("date_of_birth"), _date("date_left_care"))),
        Dataset(
            "care_leaver_contacts",
            (_id(), _date("contact_date"), _code("eet", "y", "n", "u")),
        ),
        Dataset(
            "attendance",
            (
                _id(),
                Column("academic_year", Kind.ACADEMIC_YEAR),
                Column("possible_sessions", Kind.INTEGER),
                Column("attended_sessions", Kind.INTEGER),
            ),
        ),
    )
}


def dataset_for_filename(filename: str) -> Dataset | None:
    """`Episodes.CSV` -> episodes; None for a name that is no dataset's."""
    stem, _, _ = filename.rpartition(".")
    return DATASETS.get(stem.strip().lower())
