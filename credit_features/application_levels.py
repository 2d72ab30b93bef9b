"""The levels a new application's text fields accept: every level of the real data, frequent or rare.

The profile (credit_features/reference/home_credit_profile.json) lists the levels of a 3,500-row
sample, which misses the rarest ones. The competition's data dictionary and the full tables name a
few more, listed in RARE_LEVELS with how rare they are. A real client may be a student, so both are
accepted; anything else (an empty string, markup, a level with a trailing NUL) is a typing or
integration error and is refused naming the field and the levels it takes. The feature SQL codes a
level it does not list as missing (feature_repo/sql/application.sql), as it does for a rare one.
"""

from __future__ import annotations

from functools import cache

from credit_features.application import APPLICATION_TABLE
from credit_features.tables import columns

#: Levels of the full application tables that the profile's sample misses (rows in application_train).
RARE_LEVELS: dict[str, tuple[str, ...]] = {
    "CODE_GENDER": ("XNA",),  # 4 rows: gender not stated
    "NAME_INCOME_TYPE": ("Student", "Businessman", "Maternity leave"),  # 18, 10 and 5 rows
    "NAME_FAMILY_STATUS": ("Unknown",),  # 2 rows
}


@cache
def accepted_levels() -> dict[str, tuple[str, ...]]:
    """Each text field of a new application and its levels: the profile's, most frequent first, then
    the rare ones. A text field without levels fails here, at import, not at request time."""
    accepted = {}
    for column in columns(APPLICATION_TABLE):
        if column.dtype != "string":
            continue
        if not column.levels:
            raise ValueError(f"the profile lists no levels for the text field {column.name}")
        accepted[column.name] = (*column.levels, *RARE_LEVELS.get(column.name, ()))
    unknown = set(RARE_LEVELS) - set(accepted)
    if unknown:
        raise ValueError(f"rare levels for fields that are not text fields: {sorted(unknown)}")
    return accepted
