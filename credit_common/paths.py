"""Where the repository is and where its data lives by default, for every part that needs a path."""

from __future__ import annotations

from pathlib import Path

#: The checkout (or installed tree) root: feature_repo/ and data/ sit beside the packages.
REPO_ROOT = Path(__file__).resolve().parent.parent


def default_data_dir() -> Path:
    """<repo>/data: the embedded default of every part's data folder (CREDIT_DATA_DIR overrides it)."""
    return REPO_ROOT / "data"
