"""The training pipeline end to end on scale-0.01 data with a tiny search budget, in a temporary MLflow."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import lightgbm
import mlflow
import pytest
from mlflow import MlflowClient

from credit_features.backend import FEATURE_SERVICE
from training.cli import tracking_store
from training.model import tracking
from training.model.evaluate import evaluate
from training.reporting.report import SECTIONS, write_report

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_the_registered_champion_carries_what_serving_needs(platform) -> None:
    # given the session's training
    result = platform.train_result
    # when reading the champion from the registry
    version = tracking.champion(MlflowClient())
    # then it is the trained version, with threshold, cost weights, feature service and hold-out figures
    assert version is not None, "the first model must become champion"
    assert str(version.version) == result.model_version, "champion = the version just trained"
    assert float(version.tags["threshold"]) == pytest.approx(result.threshold), "threshold on the version"
    assert (version.tags["cost_fn"], version.tags["cost_fp"]) == ("10.0", "1.0"), (
        "cost weights on the version"
    )
    assert version.tags["feature_service"] == FEATURE_SERVICE, "feature service pinned by the version"
    assert 0 < float(version.tags["holdout_business_cost"]) < 1.5, "hold-out cost recorded"
    uri = f"models:/{tracking.MODEL_NAME}/{version.version}"
    features = tracking.feature_order(uri)
    assert len(features) > 300, "the signature lists every feature in order"
    # and its requirements are what loading it imports, pinned to the installed versions
    requirements = Path(mlflow.pyfunc.get_model_dependencies(uri)).read_text().split()
    assert sorted(requirements) == sorted(tracking.pip_requirements())
    assert f"lightgbm=={lightgbm.__version__}" in requirements


def test_every_model_and_trial_has_its_child_run(platform) -> None:
    client = MlflowClient()
    parent = client.get_run(platform.train_result.parent_run_id)
    children = client.search_runs(
        [parent.info.experiment_id], filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'"
    )
    kinds = [run.data.tags.get("kind") for run in children]
    assert kinds.count("candidate") == 6, "dummy, 2 logistic regressions, 2 LightGBM, tuned LightGBM"
    assert kinds.count("tune_trial") == 3, "one run per Ray Tune trial"
    assert kinds.count("final") == 1, "one final model run"
    costs = platform.train_result.cv_costs
    assert costs["dummy_prior"] == max(costs.values()), f"the dummy must be the worst: {costs}"


def test_the_champion_is_close_to_the_oracle(platform, tmp_path: Path) -> None:
    figures = evaluate(platform.dataset, platform.raw, tracking_store(), tmp_path / "evaluation.json")
    assert (tmp_path / "evaluation.json").exists(), "figures written as JSON"
    # small data and a tiny budget: loose bounds, the real goals are measured by bench/train. Both
    # sides: a model clearly better than the planted truth has seen what it must not (a leak).
    assert 0.85 < figures.auc_ratio < 1.03, f"AUC ratio {figures.auc_ratio:.3f}"
    assert 0.9 < figures.cost_ratio < 1.35, f"cost ratio {figures.cost_ratio:.3f}"
    # and both go through the version's lending policy, priced beside the threshold alone
    assert figures.policy_version, "the champion was registered with its lending policy"
    assert figures.model_policy_cost is not None
    assert figures.oracle_policy_cost is not None
    assert figures.policy_cost_ratio == pytest.approx(figures.model_policy_cost / figures.oracle_policy_cost)
    assert 0.9 < figures.policy_cost_ratio < 1.35, f"policy cost ratio {figures.policy_cost_ratio:.3f}"


def test_the_methodology_note_has_every_section(platform, tmp_path: Path) -> None:
    result = write_report(platform.dataset, tracking_store(), tmp_path)
    text = Path(result.markdown).read_text()
    for title in SECTIONS:
        assert f"## {title}" in text, f"section '{title}' missing"
    assert "| dummy_prior |" in text, "the results table lists the models"
    for image in ("cost_curve.png", "shap_importance.png", "local_highest_risk.png"):
        assert (tmp_path / "figures" / image).exists(), f"figure {image} written"
    assert "<table>" in Path(result.html).read_text(), "HTML version with the table"
    assert "## Fairness and protected attributes" in text
    assert "APP_GENDER_MALE" in text
    assert "opportunity gap" in text
    assert "| served (constrained, protected attributes out) |" in text, "the choices' measured price"
    # and the champion's model card beside it, the same as the one logged with the version
    card = (tmp_path / "model_card.md").read_text()
    for title in (
        "Intended use and users",
        "Data",
        "Excluded attributes",
        "Constraints",
        "Performance",
        "Threshold and cost assumptions",
        "Known limitations",
    ):
        assert f"## {title}" in card, f"card section '{title}' missing"
    assert "| gender | model |" in card
    assert "| gender | oracle |" in card, "per-group figures beside the oracle's"
    assert "proxy model" in card
    version, run = tracking.champion_run()
    logged = mlflow.artifacts.load_text(f"runs:/{run.info.run_id}/model_card.md")
    assert f"version {version.version}" in logged


@pytest.fixture
def scratch_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MlflowClient]:
    """A registry of the test's own; the session's is put back after it, environment included
    (mlflow.set_tracking_uri also sets MLFLOW_TRACKING_URI, which the services started later read)."""
    session_uri = mlflow.get_tracking_uri()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'registry.db'}")
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'registry.db'}")
    yield MlflowClient()
    mlflow.set_tracking_uri(session_uri)


def test_a_challenger_breaching_a_fairness_bound_is_refused_until_an_override_is_recorded(
    scratch_registry: MlflowClient, tmp_path: Path
) -> None:
    client = scratch_registry
    client.create_registered_model(tracking.MODEL_NAME)

    def register(cost: float, fair: bool) -> tuple[str, bool]:
        version = str(client.create_model_version(tracking.MODEL_NAME, source=str(tmp_path)).version)
        tags = {
            "holdout_business_cost": str(cost),
            tracking.MONOTONE_TAG: "0",
            tracking.FAIRNESS_TAG: str(fair).lower(),
        }
        for key, value in tags.items():
            client.set_model_version_tag(tracking.MODEL_NAME, version, key, value)
        return version, tracking.promote_if_better(client, version, cost, kept_out=tracking.kept_out_by(tags))

    # given a fair champion, a cheaper challenger whose decisions breach a bound is refused
    assert register(0.40, fair=True) == ("1", True)
    assert register(0.30, fair=False) == ("2", False)
    assert str(tracking.champion(client).version) == "1"
    # an override must say who and why
    with pytest.raises(ValueError, match="who"):
        tracking.override_fairness("2", by="", why="reviewed", client=client)
    with pytest.raises(ValueError, match="nothing to override"):
        tracking.override_fairness("1", by="A. Martin", why="-", client=client)
    # when it is recorded, the challenger is promoted and the override is on the version
    why = "gap within the oracle's on a second hold-out; reviewed by the risk committee"
    assert tracking.override_fairness("2", by="A. Martin, head of risk", why=why, client=client)
    version = client.get_model_version(tracking.MODEL_NAME, "2")
    assert str(tracking.champion(client).version) == "2"
    assert version.tags[tracking.OVERRIDE_BY_TAG] == "A. Martin, head of risk"
    assert version.tags[tracking.OVERRIDE_WHY_TAG] == why
    assert version.tags[tracking.OVERRIDE_AT_TAG].startswith("20")
    # a measurement variant is never served, override or not
    variant = {"holdout_business_cost": "0.1", tracking.VARIANT_TAG: "protected"}
    assert tracking.kept_out_by(variant) == ["a measurement variant (protected), never served"]


def test_a_challenger_becomes_champion_only_when_monotone_and_cheaper(
    scratch_registry: MlflowClient, tmp_path: Path
) -> None:
    # given a registry with champion version 1 at hold-out cost 0.40
    client = scratch_registry
    client.create_registered_model(tracking.MODEL_NAME)

    def register(cost: float, *, checked: bool = True, holds: bool = True) -> tuple[str, bool]:
        version = str(client.create_model_version(tracking.MODEL_NAME, source=str(tmp_path)).version)
        client.set_model_version_tag(tracking.MODEL_NAME, version, "holdout_business_cost", str(cost))
        if checked:
            client.set_model_version_tag(
                tracking.MODEL_NAME, version, tracking.MONOTONE_TAG, "0" if holds else "3"
            )
        kept_out = [] if holds else ["its risk moves against a declared direction"]
        return version, tracking.promote_if_better(client, version, cost, kept_out=kept_out)

    # an unchecked champion (registered before the monotonicity check) is replaced by a checked one
    assert register(0.30, checked=False) == ("1", True)
    for cost, expected in ((0.40, ("2", True)), (0.45, ("3", False)), (0.35, ("4", True))):
        # then 2 (checked), 4 (cheaper) are promoted, 3 (dearer) stays challenger
        assert register(cost) == expected, f"cost {cost}"
        challenger = client.get_model_version_by_alias(tracking.MODEL_NAME, "challenger")
        assert str(challenger.version) == expected[0], "every new version is the challenger"
    # and a version whose risk moves the wrong way is never champion, however cheap
    assert register(0.01, holds=False) == ("5", False)
    assert str(tracking.champion(client).version) == "4", "the cheapest monotone version is champion"
