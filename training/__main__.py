"""`python -m training`: the offline jobs of the platform."""

import warnings

from training.cli import app

# Deprecations inside libraries we pin and cannot change, printed to every operator at each run:
# - ibis's DuckDB backend (Feast's offline store) still calls DuckDB's fetch_arrow_table();
# - MLflow's SQL store configures a SQLAlchemy loader strategy SQLAlchemy 2.1 deprecates.
# Both are theirs to fix on upgrade; our own code's deprecations still show.
warnings.filterwarnings("ignore", message=r"fetch_arrow_table\(\) is deprecated", category=DeprecationWarning)
warnings.filterwarnings("ignore", message="The ``noload`` loader strategy is deprecated")

app()
