"""A comparison's split by past clients' outcome: aggregate counts in the histogram's own bins, never the
client's own outcome, and no split at all when a side has fewer than MIN_OUTCOME_SIDE past clients."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from credit_common.data_layout import DataLayout
from gateway.admission import middleware as admission
from gateway.admission.auth import KeyEntry, hash_key
from gateway.api import errors
from gateway.api.routers import clients
from gateway.client_file.population import (
    MIN_OUTCOME_SIDE,
    TOO_FEW_BOTH,
    TOO_FEW_DEFAULTED,
    TOO_FEW_REPAID,
    Population,
    outcome_split,
)
from gateway.client_file.tables import FolderTables
from gateway.settings import GatewaySettings

pytestmark = pytest.mark.unit

FEATURES = ["EXT_SOURCE_MEAN", "APP_CREDIT_TO_INCOME"]
FIRST_ID = 100_000
ADVISOR_KEY = "advisor-key"


def frame(outcomes: np.ndarray, seed: int = 0) -> pd.DataFrame:
    """Clients with two comparison features, the filter fields, and TARGET (NaN: outcome not known)."""
    rng = np.random.default_rng(seed)
    n = len(outcomes)
    return pd.DataFrame(
        {
            "SK_ID_CURR": np.arange(FIRST_ID, FIRST_ID + n),
            "EXT_SOURCE_MEAN": rng.uniform(0, 1, n),
            "APP_CREDIT_TO_INCOME": rng.lognormal(1, 0.5, n),
            "APP_NAME_INCOME_TYPE_CODE": rng.integers(0, 3, n).astype(float),
            "APP_REVOLVING_LOAN": rng.integers(0, 2, n).astype(float),
            "APP_NAME_EDUCATION_TYPE_CODE": rng.integers(0, 3, n).astype(float),
            "APP_AGE_YEARS": rng.uniform(20, 70, n),
            "TARGET": outcomes,
        }
    )


def population(outcomes: np.ndarray, similar_k: int = 50) -> Population:
    return Population(frame(outcomes), FEATURES, similar_k)


def sides(repaid: int, defaulted: int, unknown: int = 0) -> np.ndarray:
    outcomes = np.array([0.0] * repaid + [1.0] * defaulted + [np.nan] * unknown)
    return np.random.default_rng(1).permutation(outcomes)


def test_the_split_uses_the_histogram_bins_and_adds_up_to_its_counts() -> None:
    # given a population whose every client has an outcome
    people = population(sides(900, 100))
    rows = people.group("all", {}, {})
    # when a feature is described for a caller outside the population (nobody left out)
    described = people.describe("APP_CREDIT_TO_INCOME", rows, None)
    # then each bin's repaid and defaulted add up to the bin's count, and the sides to the group
    split = described.outcome
    assert split is not None
    assert split.shown
    assert split.reason is None
    assert split.repaid_counts is not None
    assert split.defaulted_counts is not None
    assert len(split.repaid_counts) == len(described.counts)
    both = np.add(split.repaid_counts, split.defaulted_counts)
    assert both.tolist() == described.counts
    assert (split.repaid, split.defaulted) == (900, 100)


def test_clients_without_an_outcome_and_the_client_itself_are_left_out_of_the_split() -> None:
    # given past clients and clients whose outcome is not known yet (production applications)
    outcomes = sides(700, 150, unknown=150)
    people = population(outcomes)
    rows = people.group("all", {}, {})
    client_row = int(np.flatnonzero(outcomes == 1)[0])  # a past client who defaulted
    client_id = FIRST_ID + client_row
    value = people.values["EXT_SOURCE_MEAN"][client_row]
    # when the client's own comparison is described
    described = people.describe("EXT_SOURCE_MEAN", rows, value, client_id=client_id)
    # then the split counts the other past clients only: the client's default is not among them
    split = described.outcome
    assert split is not None
    assert split.shown
    assert (split.repaid, split.defaulted) == (700, 149)
    both = np.add(split.repaid_counts, split.defaulted_counts)
    assert (both <= np.array(described.counts)).all(), "a bin's sides never exceed its count"
    assert sum(described.counts) - both.sum() == 150 + 1, "the unknown outcomes and the client"


@pytest.mark.parametrize(
    ("repaid", "defaulted", "reason"),
    [
        (500, MIN_OUTCOME_SIDE - 1, TOO_FEW_DEFAULTED),
        (MIN_OUTCOME_SIDE - 1, 500, TOO_FEW_REPAID),
        (5, 3, TOO_FEW_BOTH),
    ],
)
def test_a_side_below_the_minimum_shows_no_split_and_says_why(
    repaid: int, defaulted: int, reason: str
) -> None:
    # given a group with too few past clients on a side
    people = population(sides(repaid, defaulted, unknown=50))
    rows = people.group("all", {}, {})
    # when a feature is described
    split = people.describe("EXT_SOURCE_MEAN", rows, 0.5).outcome
    # then no split is given, not even the sides' sizes, and the reason names the short side
    assert split is not None
    assert not split.shown
    assert split.reason == reason
    assert split.minimum == MIN_OUTCOME_SIDE == 20
    assert split.repaid is split.defaulted is split.repaid_counts is split.defaulted_counts is None


def test_the_minimum_is_inclusive() -> None:
    assert outcome_split(np.array([0.0] * 20 + [1.0] * 20)).shown
    assert not outcome_split(np.array([0.0] * 20 + [1.0] * 19)).shown


def test_a_small_similar_group_is_never_split() -> None:
    # given a population with plenty of defaults, and a similar group of 30 clients
    people = population(sides(800, 200), similar_k=30)
    client = people.client_values(FIRST_ID)
    assert client is not None
    rows = people.group("similar", client, {})
    # when the client's similar clients are described and plotted
    split = people.describe("EXT_SOURCE_MEAN", rows, client["EXT_SOURCE_MEAN"], client_id=FIRST_ID).outcome
    sample = people.points(*FEATURES, rows, limit=1000, client_id=FIRST_ID)
    # then neither is split: about 6 of 30 defaulted, fewer than the minimum
    assert split is not None
    assert not split.shown
    assert not sample.outcome.shown
    assert sample.outcomes is None


def test_points_carry_outcomes_only_with_enough_on_each_side_and_never_the_client() -> None:
    outcomes = sides(600, 100, unknown=100)
    people = population(outcomes)
    rows = people.group("all", {}, {})
    client_id = FIRST_ID + int(np.flatnonzero(outcomes == 1)[0])
    # when the whole group is plotted, then every point has its side (None: not known yet)
    sample = people.points(*FEATURES, rows, limit=5000, client_id=client_id)
    assert len(sample.points) == 799, "everyone but the client"
    assert sample.outcome.shown
    assert sample.outcomes is not None
    assert sample.outcomes.count("defaulted") == 99
    assert sample.outcomes.count(None) == 100
    # when only a few points are drawn, then too few defaulted among them: no colours
    few = people.points(*FEATURES, rows, limit=40, client_id=client_id)
    assert not few.outcome.shown
    assert few.outcomes is None


def test_load_reads_the_outcome_beside_the_feature_tables(tmp_path: Path) -> None:
    # given a feature table and the ingested training applications (the test split has no TARGET)
    whole = frame(sides(80, 20, unknown=20))
    (tmp_path / "features").mkdir()
    (tmp_path / "parquet").mkdir()
    whole.drop(columns="TARGET").to_parquet(tmp_path / "features" / "application.parquet")
    past = whole.dropna(subset=["TARGET"])[["SK_ID_CURR", "TARGET"]].astype({"TARGET": "int64"})
    past.to_parquet(tmp_path / "parquet" / "application_train.parquet")
    # when the population loads
    tables = FolderTables(DataLayout(tmp_path))
    people = Population.from_table(tables.population(Population.columns(FEATURES)), FEATURES, 10)
    # then each client has its outcome, never a feature to compare or filter on
    assert np.nansum(people.outcomes) == 20
    assert np.isnan(people.outcomes).sum() == 20
    assert "TARGET" not in people.values
    assert "TARGET" not in people.features
    # and without the training applications nothing is split
    (tmp_path / "parquet" / "application_train.parquet").unlink()
    alone = Population.from_table(tables.population(Population.columns(FEATURES)), FEATURES, 10)
    assert np.isnan(alone.outcomes).all()


def api(people: Population) -> TestClient:
    """The clients' routes over a stub state holding the population (no model, no store)."""
    app = FastAPI()
    admission.install(
        app, GatewaySettings(api_keys={hash_key(ADVISOR_KEY): KeyEntry(name="ui", roles=["advisor"])})
    )
    errors.install(app)
    app.include_router(clients.router)
    app.state.gateway = SimpleNamespace(population=people)
    return TestClient(app, headers={"X-API-Key": ADVISOR_KEY})


def test_the_comparison_routes_give_the_split_in_aggregate() -> None:
    outcomes = sides(900, 200, unknown=100)
    people = population(outcomes, similar_k=30)
    client_id = FIRST_ID + int(np.flatnonzero(outcomes == 1)[0])
    with api(people) as http:
        # when the client is compared with all clients
        body = http.get(f"/v1/clients/{client_id}/comparison", params={"features": FEATURES[0]}).json()
        # then the split adds up to the past clients of the group, the client's default left out
        feature = body["features"][0]
        outcome = feature["outcome"]
        assert outcome["shown"]
        assert (outcome["repaid"], outcome["defaulted"]) == (900, 199)
        assert sum(outcome["repaid_counts"]) + sum(outcome["defaulted_counts"]) == 1099
        assert len(outcome["repaid_counts"]) == len(feature["counts"])
        # when compared with its 30 similar clients, then no split, and why
        similar = http.get(
            f"/v1/clients/{client_id}/comparison", params={"features": FEATURES[0], "group": "similar"}
        ).json()["features"][0]["outcome"]
        assert similar == {
            "shown": False,
            "reason": TOO_FEW_DEFAULTED,
            "minimum": 20,
            "repaid": None,
            "defaulted": None,
            "repaid_counts": None,
            "defaulted_counts": None,
        }
        # when two features are plotted, then the points carry their sides, the client not among them
        pairs = http.get(
            f"/v1/clients/{client_id}/comparison/bivariate", params={"x": FEATURES[0], "y": FEATURES[1]}
        ).json()
        assert pairs["outcome"]["shown"]
        assert len(pairs["outcomes"]) == len(pairs["points"]) == 1000
        assert set(pairs["outcomes"]) == {"repaid", "defaulted", None}
        small = http.get(
            f"/v1/clients/{client_id}/comparison/bivariate",
            params={"x": FEATURES[0], "y": FEATURES[1], "group": "similar"},
        ).json()
        assert small["outcomes"] is None
        assert not small["outcome"]["shown"]
