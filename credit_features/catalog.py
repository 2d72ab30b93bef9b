"""Names and plain-words descriptions of every feature, in English and French, read from the feature SQL.

The SQL files are the one source of truth: each output column is written on its own line as
`expression AS PREFIX_NAME, -- English description | fr: description en français`. Feast schemas, the
advisors' explanations, the client's letter and the tests all read this catalog, so a feature cannot
exist without a description in both languages, nor a description without a feature. A line may end in
`| risk: up` or `| risk: down`: the direction lending sense requires of the risk as the feature grows,
which the model is constrained to. A feature's label
(its short name on a chart) is its description without the parenthesised details.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from credit_common.paths import REPO_ROOT
from credit_features.errors import UnknownFeatureError

#: Folder of the feature SQL, one `<view>.sql` per feature view (beside the Feast definitions).
SQL_DIR = REPO_ROOT / "feature_repo" / "sql"

#: Feature view -> the prefix every one of its feature names starts with (names unique across views).
VIEW_PREFIXES: dict[str, str] = {
    "application": "APP",
    "bureau": "BURO",
    "previous": "PREV",
    "pos_cash": "POS",
    "installments": "INST",
    "credit_card": "CC",
}
VIEWS: tuple[str, ...] = tuple(VIEW_PREFIXES)

# `... AS NAME, -- description` at the end of a line; the name must carry the view's prefix, which
# keeps helper columns of CTEs (lower case, no prefix) out of the catalog.
_FEATURE_LINE = re.compile(
    r"\bAS\s+(?P<name>[A-Z][A-Z0-9_]*)\s*,?\s*--\s*(?P<description>.*?)\s*(?:\|\s*fr:\s*(?P<fr>.*?))?"
    r"\s*(?:\|\s*risk:\s*(?P<risk>up|down))?\s*$"
)
_DETAILS = re.compile(r"\s*\([^()]*\)")
Language = Literal["en", "fr"]


@dataclass(frozen=True)
class FeatureSpec:
    """One feature: its column name, a one-line description in each language, and its view."""

    name: str
    description: str
    view: str
    description_fr: str
    risk: int = 0  # +1: the risk must not fall as it grows ("| risk: up"); -1: must not rise; 0: free

    def text(self, language: Language) -> str:
        """The description in `language`."""
        return self.description_fr if language == "fr" else self.description

    def label(self, language: Language) -> str:
        """The short name in `language`: the description without its parenthesised details."""
        return _DETAILS.sub("", self.text(language)).strip()


def sql_path(view: str) -> Path:
    """The SQL file of a feature view."""
    if view not in VIEW_PREFIXES:
        raise KeyError(f"unknown feature view {view!r}; expected one of {', '.join(VIEWS)}")
    return SQL_DIR / f"{view}.sql"


def view_sql(view: str) -> str:
    """The SELECT statement of a feature view (one row per client: SK_ID_CURR and its features)."""
    return sql_path(view).read_text(encoding="utf-8").strip().rstrip(";")


def parse_features(view: str, sql: str) -> list[FeatureSpec]:
    """Feature specs of one view's SQL text, in column order (ValueError naming a feature whose line
    lacks the French description)."""
    prefix = VIEW_PREFIXES[view] + "_"
    specs = []
    for line in sql.splitlines():
        if line.lstrip().startswith("--"):
            continue  # a comment line, such as a header quoting the convention
        match = _FEATURE_LINE.search(line)
        if match and match["name"].startswith(prefix):
            if not match["fr"]:
                raise ValueError(f"feature {match['name']} ({view}.sql) has no '| fr: ' description")
            specs.append(
                FeatureSpec(
                    name=match["name"],
                    description=match["description"],
                    view=view,
                    description_fr=match["fr"],
                    risk={"up": 1, "down": -1, None: 0}[match["risk"]],
                )
            )
    return specs


@cache
def _catalog() -> dict[str, tuple[FeatureSpec, ...]]:
    return {view: tuple(parse_features(view, view_sql(view))) for view in VIEWS}


def risk_directions(names: Sequence[str]) -> list[int]:
    """The risk direction declared beside each named feature (+1 up, -1 down, 0 none), in `names`' order;
    a name outside the catalog has none."""
    declared = {spec.name: spec.risk for specs in _catalog().values() for spec in specs}
    return [declared.get(name, 0) for name in names]


def feature_catalog() -> dict[str, list[FeatureSpec]]:
    """Every feature view -> its features in output order (parsed once per process)."""
    return {view: list(specs) for view, specs in _catalog().items()}


def feature_names(view: str) -> list[str]:
    """Feature column names of one view, in output order."""
    return [spec.name for spec in _catalog()[view]]


@cache
def feature_views() -> dict[str, str]:
    """Every feature name -> the feature view it belongs to."""
    return {spec.name: view for view, specs in _catalog().items() for spec in specs}


def view_of(name: str) -> str:
    """The feature view of one feature; UnknownFeatureError (a KeyError) naming it when no SQL
    defines it."""
    try:
        return feature_views()[name]
    except KeyError:
        raise UnknownFeatureError(f"unknown feature {name!r}: no feature SQL defines it") from None
