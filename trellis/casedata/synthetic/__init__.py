"""A synthetic case-level extract: the nine datasets of the data contract (shared/DATA.md) for a
made-up partnership, consistent with each other and with every validation rule, the same
byte for byte for the same arguments. No row describes a real child.

`children` sets the size: about that many children are looked after on any day of the span
(so the number of distinct children in the extract is larger; see docs/synthetic-data.md).
The span runs from 1 January of `start` to the extract date, 31 December of start + years - 1.
"""

from __future__ import annotations

import gc
import pathlib
import random
from collections.abc import Sequence
from typing import Any

import duckdb
import pyarrow as pa

from trellis.casedata.synthetic import aftercare, protection
from trellis.casedata.synthetic.breaks import simulate_breaks
from trellis.casedata.synthetic.calendar import Span, extract_date_for
from trellis.casedata.synthetic.care import simulate_care
from trellis.casedata.synthetic.output import DATASETS, TABLES, arrow_table, bind, write_datasets
from trellis.casedata.synthetic.people import People
from trellis.casedata.synthetic.profiles import PROFILES, Profile
from trellis.errors import Invalid

__all__ = ["DATASETS", "PROFILES", "Profile", "extract_date_for", "generate_extract"]

FIRST_YEAR, LAST_YEAR = 1990, 2100
MOST_CHILDREN = 250_000  # about 4 GB of memory at the top; 100,000 need 1.5 GB


def generate_extract(
    out: pathlib.Path,
    *,
    children: int = 600,
    start: int = 2017,
    years: int = 4,
    seed: int = 1,
    profile: str = "default",
) -> dict[str, int]:
    """Write out/<dataset>.csv for the nine datasets; return each dataset's row count. The
    extract date is `extract_date_for(start, years)`."""
    check_arguments(children=children, start=start, years=years, profile=profile)
    collecting = gc.isenabled()
    gc.disable()  # millions of small tuples: the cyclic collector would rescan them for nothing
    span = Span(start, years)
    rng = random.Random(seed)  # noqa: S311 - made-up data, not secrets
    try:
        tables = generate_tables(rng, span, PROFILES[profile], children)
    finally:
        if collecting:
            gc.enable()
    return write_extract(out, span, tables, sql_seed=rng.getrandbits(62))


def generate_tables(
    rng: random.Random, span: Span, profile: Profile, children: int
) -> dict[str, pa.Table]:
    """Every generated row, as Arrow tables keyed by person number (`people` maps those to
    identifiers, birth dates and sexes)."""
    people = People()
    care = simulate_care(rng, span, profile, people, children)
    register = protection.simulate_register(rng, span, people, care.registrations, children)
    services, break_reviews = simulate_breaks(rng, span, people, children)
    numbers, identifiers = people.identifiers(rng)
    rows: dict[str, Sequence[tuple[Any, ...]]] = {
        "people": list(
            zip(range(len(people)), numbers, identifiers, people.dob, people.sex, strict=True)
        ),
        "episodes": care.episodes,
        "health_assessments": care.health,
        "cp_registrations": register,
        "cp_spells": [
            (p, first, span.last + 1 if end is None else end) for p, first, end in register
        ],
        "short_breaks": services,
        "reviews": care.reviews + break_reviews,
        "care_leavers": [(person, left) for person, _, left in care.leavers],
        "leaver_spans": aftercare.leaver_spans(span, care.leavers),
        "attendance": care.attendance,
    }
    return {name: arrow_table(rows[name], columns) for name, columns in TABLES.items()}


def write_extract(
    out: pathlib.Path, span: Span, tables: dict[str, pa.Table], *, sql_seed: int
) -> dict[str, int]:
    values = {"seed": sql_seed, "first": span.first, "days": span.days}
    values |= dict(zip(("lockdown_from", "lockdown_to"), protection.LOCKDOWN, strict=True))
    connection = duckdb.connect()
    try:
        for name, table in tables.items():
            connection.register(name, table)
        for name, sql in (
            ("cp_contacts", protection.CONTACTS_SQL),
            ("care_leaver_contacts", aftercare.CONTACTS_SQL),
        ):
            connection.execute(f"CREATE TEMP VIEW {name} AS {bind(sql, values)}")
        return write_datasets(connection, pathlib.Path(out))
    finally:
        connection.close()


def check_arguments(*, children: int, start: int, years: int, profile: str) -> None:
    errors: dict[str, list[str]] = {}
    if not 1 <= children <= MOST_CHILDREN:
        errors["children"] = [f"Give a number of children from 1 to {MOST_CHILDREN:,}."]
    if not FIRST_YEAR <= start <= LAST_YEAR:
        errors["start"] = [f"Give a first year from {FIRST_YEAR} to {LAST_YEAR}."]
    if not 1 <= years <= LAST_YEAR - start + 1:
        errors["years"] = [f"Give at least 1 year, ending by {LAST_YEAR}."]
    if profile not in PROFILES:
        errors["profile"] = [f"Choose a profile: {', '.join(PROFILES)}."]
    if errors:
        reasons = " ".join(message for messages in errors.values() for message in messages)
        raise Invalid(f"The synthetic extract's settings are not valid. {reasons}", errors=errors)
