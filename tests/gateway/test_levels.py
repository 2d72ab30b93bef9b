"""Every level of the data an advisor reads has its French words; English is the data's own."""

from __future__ import annotations

import pytest

from credit_features.tables import columns
from gateway.client_file.levels import LEVELS_FR, level_label

pytestmark = pytest.mark.unit

#: The history's text columns (gateway/client_file/history.py reads these and words them).
HISTORY_COLUMNS = {
    "bureau": ("CREDIT_ACTIVE", "CREDIT_TYPE"),
    "previous_application": ("NAME_CONTRACT_TYPE", "NAME_CONTRACT_STATUS"),
}


def _is_number(level: str) -> bool:
    return level.replace(".", "", 1).isdigit()


def _shown_levels() -> dict[str, set[str]]:
    """Column -> its text levels in the real data's profile, for the client's file and the history."""
    shown = {
        column.name: set(column.levels)
        for column in columns("application_test")
        if column.levels and not all(_is_number(level) for level in column.levels)
    }
    for table, names in HISTORY_COLUMNS.items():
        shown |= {c.name + "@" + table: set(c.levels or ()) for c in columns(table) if c.name in names}
    return shown


def _worded(levels: set[str]) -> set[str]:
    """The levels with French words: in the table, or numbered sectors (a French word may equal English)."""
    return {level for level in levels if level in LEVELS_FR or level_label(level, "fr") != level}


def test_every_text_level_of_the_clients_file_and_history_is_worded_in_french() -> None:
    shown = _shown_levels()
    assert len(shown) >= 15, "the profile's text columns are read"
    missing = {
        column: sorted(
            level for level in levels if level_label(level, "fr") == level and level not in LEVELS_FR
        )
        for column, levels in shown.items()
    }
    missing = {column: levels for column, levels in missing.items() if levels}
    assert not missing, f"levels shown in English on a French page: {missing}"


def test_numbered_sectors_keep_their_number_and_english_is_the_data() -> None:
    assert level_label("Industry: type 11", "fr") == "Industrie, type 11"
    assert level_label("Trade: type 7", "fr") == "Commerce, type 7"
    assert level_label("Working", "fr") == "Salarié"
    assert level_label("Working", "en") == "Working", "English pages show the data's own words"
    assert level_label("A level nobody knows", "fr") == "A level nobody knows", "never dropped"


def test_no_two_levels_share_a_french_wording_by_accident() -> None:
    # the same French words for two levels would make two different clients' files read alike;
    # only true synonyms of the data (Y/Yes, N/No) and the two cleaning levels may share them
    allowed = {"Oui", "Non", "Nettoyage", "Sécurité"}
    seen: dict[str, str] = {}
    for level, words in LEVELS_FR.items():
        if words in seen and words not in allowed:
            pytest.fail(f"{level!r} and {seen[words]!r} both read {words!r}")
        seen[words] = level
