"""SSDA903 code lists as Trellis maps them. docs/ssda903.md gives the same tables with the
reasons; change both together.

Codes are matched after trimming and upper-casing. The descriptions are short paraphrases of
the DfE guidance, used only to make the report readable.
"""

from __future__ import annotations

# PLACE (placement type) -> DATA.md placement_type.
PLACEMENT_TYPES: dict[str, str] = {
    "P1": "home",  # placed with own parent(s) or others with parental responsibility
    "U1": "kinship",  # foster placement with relative or friend: long term
    "U2": "kinship",  # ... with relative or friend who is also an approved adopter
    "U3": "kinship",  # ... with relative or friend: other
    "Q1": "kinship",  # pre-2014 code: foster placement with relative or friend (now U1-U3)
    "U4": "foster",  # foster placement with other foster carer: long term
    "U5": "foster",  # ... with other foster carer who is also an approved adopter
    "U6": "foster",  # ... with other foster carer: other
    "Q2": "foster",  # pre-2014 code: placement with other foster carer (now U4-U6)
    "K1": "residential",  # secure children's home
    "K2": "residential",  # children's home subject to Children's Homes Regulations
    "R1": "residential",  # residential care home
    "S1": "residential",  # residential school (not dual-registered as a children's home)
    "R2": "residential",  # NHS or other establishment giving medical or nursing care
    "R3": "residential",  # family centre or mother and baby unit
    "R5": "residential",  # young offender institution or prison
    "A3": "community_other",  # placed for adoption (A3-A6: consent or placement order,
    "A4": "community_other",  # with or without the current foster carer)
    "A5": "community_other",
    "A6": "community_other",
    "H5": "community_other",  # semi-independent living not subject to children's homes regs
    "K3": "community_other",  # registered supported accommodation (from 2023-24)
    "P2": "community_other",  # independent living (flat, lodgings, bedsit, B&B, friends)
    "P3": "community_other",  # residential employment
    "T0": "community_other",  # temporary move of any type
    "T1": "community_other",  # temporary period in hospital
    "T2": "community_other",  # temporary absence on holiday
    "T3": "community_other",  # temporary accommodation while the foster carer is on holiday
    "T4": "community_other",  # temporary accommodation of seven days or less
    "Z1": "community_other",  # other placement (until 2024-25)
    "Z11": "community_other",  # Z11-Z14: other placements (from 2025-26, Z1 split)
    "Z12": "community_other",
    "Z13": "community_other",
    "Z14": "community_other",
}

# SEX -> DATA.md sex. Any other value (or none) becomes U and is listed in the report.
SEXES: dict[str, str] = {"1": "M", "2": "F"}

# PL_LOCATION, when a return carries it -> placement_area.
PLACEMENT_AREAS: dict[str, str] = {"IN": "in_area", "OUT": "out_of_area"}

# RNE (reason for new episode) that starts a period of care.
NEW_PERIOD_OF_CARE = "S"

# REC (reason episode ceased): X1 means a new episode follows the same day, so the child is
# still looked after; every E code ends the period of care. E2 (died in care) is not leaving
# care, so it gives no date_left_care.
STILL_LOOKED_AFTER = "X1"
DIED_IN_CARE = "E2"

# OC3 IN_TOUCH: only YES gives a contact. The others say why there was none.
IN_TOUCH_YES = "YES"
NOT_IN_TOUCH: dict[str, str] = {
    "NO": "not in touch",
    "REFU": "young person refuses contact",
    "NREQ": "young person no longer needs services",
    "RHOM": "returned home to parents for 6 months or more",
    "DIED": "died after leaving care",
}
DIED_AFTER_CARE = "DIED"

# OC3 ACTIV (main activity around the birthday) -> eet.
EET: dict[str, str] = {
    "F1": "Y",  # full-time higher education
    "P1": "Y",  # part-time higher education
    "F2": "Y",  # full-time education other than higher
    "P2": "Y",  # part-time education other than higher
    "F3": "Y",  # full-time training or employment
    "P3": "Y",  # part-time training or employment
    "F4": "Y",  # full-time apprenticeship
    "P4": "Y",  # part-time apprenticeship
    "F5": "Y",  # full-time training or employment (not apprenticeship)
    "P5": "Y",  # part-time training or employment (not apprenticeship)
    "G4": "N",  # not in EET: illness or disability
    "G5": "N",  # not in EET: other circumstances
    "G6": "N",  # not in EET: pregnancy or parenting
}
EET_UNKNOWN = "U"

# Care leavers' ages covered by OC3: the 17th to 21st birthday falls in the collection year.
OC3_AGES = range(17, 22)
LEAVING_CARE_AGE = 16

# SSDA903 files by the stem of their name (lower case), with the few other spellings seen in
# local authority exports.
FILE_KINDS: dict[str, str] = {
    "header": "header",
    "episodes": "episodes",
    "reviews": "reviews",
    "oc2": "oc2",
    "oc3": "oc3",
    "uasc": "uasc",
    "ad1": "ad1",
    "missing": "missing",
    "previous_permanence": "previous_permanence",
    "prev_perm": "previous_permanence",
    "prevperm": "previous_permanence",
    "placed_for_adoption": "placed_for_adoption",
    "placed_adoption": "placed_for_adoption",
    "placedadoption": "placed_for_adoption",
}

# Files Trellis has no dataset for, and what they hold.
NOT_USED_FILES: dict[str, str] = {
    "uasc": "unaccompanied asylum-seeking children",
    "ad1": "adoption decisions and matching",
    "missing": "missing and away-from-placement episodes",
    "previous_permanence": "permanence orders before care",
    "placed_for_adoption": "adoption decisions and placements",
}

# Columns each used file must have, and those it may have that the adapter reads.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "header": ("CHILD", "SEX", "DOB"),
    "episodes": ("CHILD", "DECOM", "PLACE", "DEC"),
    "reviews": ("CHILD", "REVIEW"),
    "oc2": ("CHILD", "HEALTH_ASSESSMENT"),
    "oc3": ("CHILD", "DOB", "IN_TOUCH"),
}
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "episodes": ("RNE", "REC", "PL_LOCATION"),
    "oc3": ("ACTIV",),
}
