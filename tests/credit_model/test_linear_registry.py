"""A registered version, whatever its kind, loads as the services serve it: a logistic regression with
its linear SHAP, a tree model as before, and every version tagged with its size.

Each test registers into a SQLite MLflow store of its own (training's `log_and_register`), then reads
it back through the model core's loader, as a service started on that store would.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from mlflow.models import infer_signature
from mlflow.tracking._tracking_service.utils import _use_tracking_uri

from credit_model.estimators import unwrap_lightgbm
from credit_model.linear_shap import LinearShap
from credit_model.loading import MlflowRegistry
from credit_model.native_trees import NativeTrees
from credit_model.registry import EXPERIMENT, MODEL_NAME, ModelUri
from credit_model.scorers import LinearScorer, PipelineScorer, TreeScorer
from credit_model.serving_artifact import (
    FOLDER,
    LINEAR_FILE,
    LINEAR_FOLDER,
    META_FILE,
    MODEL_FILE,
    LinearArtifact,
    TreeArtifact,
)
from credit_model.settings import ModelSettings
from explain_service.explainer import ShapExplainer
from serving_base.bundle import ModelBundle
from training.model import tracking
from training.model.candidates import candidates, categorical_features
from training.model.cost import DEFAULT_WEIGHTS, best_threshold
from training.model.metrics import score_predictions

#: A real MLflow store, and about 15 s per registration (MLflow's logging of a model).
pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(5)
    n = 800
    frame = pd.DataFrame(
        {
            "AMT_CREDIT": np.where(rng.random(n) < 0.1, np.nan, rng.lognormal(size=n)),
            "EXT_SOURCE_2": rng.random(n),
            "CONTRACT_CODE": rng.choice([0.0, 1.0, 2.0, np.nan], size=n),
        }
    )
    logit = -2 + 2.5 * (0.5 - frame["EXT_SOURCE_2"]) + 0.7 * (frame["CONTRACT_CODE"] == 1)
    return frame, (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MlflowRegistry]:
    """A SQLite registry of this test's own, in an active run (training registers from one).

    MLflow's process-wide URI is restored exactly afterwards (unset stays unset: MLflow's own helper),
    and so is the environment variable it writes: other tests use the session's registry.
    """
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    with _use_tracking_uri(uri):
        experiment = mlflow.create_experiment(EXPERIMENT, artifact_location=(tmp_path / "artifacts").as_uri())
        with mlflow.start_run(experiment_id=experiment):
            yield MlflowRegistry(ModelSettings(tracking_uri_override=uri))


def fitted(name: str, frame: pd.DataFrame, y: np.ndarray):
    candidate = next(c for c in candidates() if c.name == name)
    categorical = categorical_features(frame.columns)
    numeric = [c for c in frame.columns if c not in categorical]
    return candidate.build(categorical, numeric, 0).fit(frame, y)


def register(pipeline, frame: pd.DataFrame, y: np.ndarray, **extra) -> tracking.RegisteredModel:
    """Register as training does: threshold from the business cost, hold-out scores as tags."""
    proba = pipeline.predict_proba(frame)[:, 1]
    threshold = best_threshold(y, proba).threshold
    return tracking.log_and_register(
        pipeline,
        frame.head(50),
        threshold=threshold,
        weights=DEFAULT_WEIGHTS,
        feature_service="credit_scoring_v1",
        holdout=score_predictions(y, proba, threshold),
        **extra,
    )


def tags(version: str) -> dict[str, str]:
    return dict(MlflowClient().get_model_version(MODEL_NAME, version).tags)


def test_a_logistic_regression_loads_with_the_linear_shap_of_its_training_rows(
    store: MlflowRegistry, data
) -> None:
    # given a logistic regression registered with its training rows as background (the undersampled
    # one: its offset travels in the pipeline, its background in the artifact)
    frame, y = data
    pipeline = fitted("logreg_undersample", frame, y)
    registered = register(pipeline, frame, y, background=frame)
    # when a service loads the version
    bundle = ModelBundle.of(store.load(ModelUri(MODEL_NAME, version=registered.version)))
    # then it explains with the linear SHAP of those rows, base value + contributions = log-odds
    assert isinstance(bundle.scorer, LinearScorer), type(bundle.scorer).__name__
    assert bundle.size == (0, 0), "no trees"
    assert bundle.explains, "yet explained"
    expected = LinearShap.of(pipeline, frame)
    assert expected is not None
    matrix = frame.head(40).to_numpy(dtype=float)
    output = bundle.contributions(matrix)
    assert output is not None
    np.testing.assert_allclose(output, expected.contributions(frame.head(40)), rtol=0, atol=1e-12)
    proba = pipeline.predict_proba(frame.head(40))[:, 1]
    np.testing.assert_allclose(output.sum(axis=1), np.log(proba / (1 - proba)), rtol=0, atol=1e-9)
    np.testing.assert_allclose(bundle.predict(matrix), proba, rtol=0, atol=1e-12)
    explanation = ShapExplainer(bundle).explain(matrix[:1])[0]
    assert explanation.raw_score == pytest.approx(float(output[0].sum()), abs=1e-12)
    # and the version says it has no trees
    assert (tags(registered.version)["trees"], tags(registered.version)["leaves"]) == ("0", "0")


def test_without_training_rows_the_example_rows_are_the_background(store: MlflowRegistry, data) -> None:
    # given a logistic regression registered without a background (the example rows stand in)
    frame, y = data
    pipeline = fitted("logreg_class_weight", frame, y)
    registered = register(pipeline, frame, y)
    # when reading its linear artifact back
    text = Path(
        mlflow.artifacts.download_artifacts(
            run_id=registered.run_id, artifact_path=f"{LINEAR_FOLDER}/{LINEAR_FILE}"
        )
    ).read_text(encoding="utf-8")
    # then it was measured on the 50 example rows, and still adds up exactly
    artifact = LinearArtifact.parse(text)
    assert artifact.background_rows == 50
    bundle = ModelBundle.of(store.load(ModelUri(MODEL_NAME, version=registered.version)))
    output = bundle.contributions(frame.head(10).to_numpy(dtype=float))
    assert output is not None
    np.testing.assert_allclose(output.sum(axis=1), bundle.raw_scores(frame.head(10).to_numpy()), atol=1e-12)


def test_a_logistic_regression_registered_before_its_background_was_kept_only_scores(
    store: MlflowRegistry, data
) -> None:
    # given a logistic regression logged the way versions were before (no serving_linear/)
    frame, y = data
    pipeline = fitted("logreg_undersample", frame, y)
    info = mlflow.sklearn.log_model(
        pipeline,
        name="model",
        signature=infer_signature(frame, pipeline.predict_proba(frame)[:, 1]),
        registered_model_name=MODEL_NAME,
        skops_trusted_types=tracking._trusted_types(pipeline),
    )
    version = str(info.registered_model_version)
    MlflowClient().set_model_version_tag(MODEL_NAME, version, "threshold", "0.2")
    # when a service loads it
    bundle = ModelBundle.of(store.load(ModelUri(MODEL_NAME, version=version)))
    # then it scores as its pipeline but has no contributions, and the explain service refuses it
    assert isinstance(bundle.scorer, PipelineScorer)
    assert not bundle.explains
    matrix = frame.head(20).to_numpy(dtype=float)
    np.testing.assert_allclose(
        bundle.predict(matrix), pipeline.predict_proba(frame.head(20))[:, 1], atol=1e-12
    )
    assert bundle.contributions(matrix) is None
    with pytest.raises(TypeError, match=f"version {version} is not a tree model nor a logistic regression"):
        ShapExplainer(bundle)


def test_the_dummy_baseline_registers_without_artifact_and_is_not_explained(
    store: MlflowRegistry, data
) -> None:
    # given the dummy baseline registered by training
    frame, y = data
    registered = register(fitted("dummy_prior", frame, y), frame, y, background=frame)
    # then its run holds no serving artifact, it has no trees, and explaining it is refused clearly
    client = MlflowClient()
    assert not client.list_artifacts(registered.run_id, FOLDER)
    assert not client.list_artifacts(registered.run_id, LINEAR_FOLDER)
    assert (tags(registered.version)["trees"], tags(registered.version)["leaves"]) == ("0", "0")
    bundle = ModelBundle.of(store.load(ModelUri(MODEL_NAME, version=registered.version)))
    with pytest.raises(TypeError, match="has no SHAP contributions"):
        ShapExplainer(bundle)


def test_a_tree_model_keeps_its_serving_artifact_and_is_tagged_with_its_size(
    store: MlflowRegistry, data
) -> None:
    # given a LightGBM candidate registered by training
    frame, y = data
    pipeline = fitted("lightgbm_undersample", frame, y)
    registered = register(pipeline, frame, y, background=frame)
    # when reading its run's serving/ back
    local = Path(mlflow.artifacts.download_artifacts(run_id=registered.run_id, artifact_path=FOLDER))
    model, offset = unwrap_lightgbm(pipeline) or (None, 0.0)
    assert model is not None
    expected = TreeArtifact(model.booster_.model_to_string(), tuple(frame.columns), offset)
    # then it is the tree artifact as before (same text, same metadata), and no linear one
    assert (local / MODEL_FILE).read_text(encoding="utf-8") == expected.model_text
    parsed = TreeArtifact.parse((local / MODEL_FILE).read_text(), (local / META_FILE).read_text())
    assert parsed == expected
    assert not MlflowClient().list_artifacts(registered.run_id, LINEAR_FOLDER)
    # and the version's size tags are the trees and leaves the services count
    trees = NativeTrees(expected.model_text)
    assert tags(registered.version)["trees"] == str(trees.trees)
    assert trees.trees > 0
    assert tags(registered.version)["leaves"] == str(trees.leaves)
    bundle = ModelBundle.of(store.load(ModelUri(MODEL_NAME, version=registered.version)))
    assert isinstance(bundle.scorer, TreeScorer)
    assert bundle.size == (trees.trees, trees.leaves)
