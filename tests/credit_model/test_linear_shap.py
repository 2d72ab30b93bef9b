"""Exact linear SHAP of the logistic-regression candidates: which input each transformed column comes
from, additivity to the model's log-odds, agreement with shap's LinearExplainer, the serving
artifact, the scorer the services use, and the global importance training logs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shap
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from credit_model.linear_shap import LinearModel, LinearShap, column_sources
from credit_model.scorers import LinearScorer
from credit_model.serving_artifact import LINEAR_FILE, LinearArtifact
from training.model import figures
from training.model.candidates import candidates, categorical_features
from training.model.importance import explain_globally

pytestmark = [
    pytest.mark.unit,
    # NEVER_SEEN is missing in every row on purpose: the imputer and shap's beeswarm say so.
    pytest.mark.filterwarnings("ignore:Skipping features without any observed values"),
    pytest.mark.filterwarnings("ignore:All-NaN slice encountered"),
]

LOGISTIC = ("logreg_class_weight", "logreg_undersample")


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, np.ndarray]:
    """Rows shaped like the feature tables, with every case the preprocessing treats apart: missing
    values, a column never observed, a column never missing, rare levels (grouped as infrequent) and
    names that start other names (AMT / AMT_CREDIT, A_CODE / A_CODE_B_CODE)."""
    rng = np.random.default_rng(11)
    n = 1500

    def holes(values: np.ndarray, share: float) -> np.ndarray:
        return np.where(rng.random(n) < share, np.nan, values)

    frame = pd.DataFrame(
        {
            "AMT": holes(rng.normal(size=n), 0.1),
            "AMT_CREDIT": holes(rng.lognormal(size=n), 0.05),
            "DAYS_BIRTH": rng.normal(-15000, 3000, size=n),
            "NEVER_SEEN": np.full(n, np.nan),
            "A_CODE": holes(rng.choice([0, 1, 2, 3, 9], size=n, p=[0.4, 0.3, 0.2, 0.095, 0.005]), 0.1),
            "A_CODE_B_CODE": holes(rng.choice([0, 1, 2], size=n).astype(float), 0.05),
        }
    )
    logit = (
        -2.0
        + np.nan_to_num(frame["AMT"].to_numpy())
        + 0.8 * (frame["A_CODE"] == 1)
        - 0.5 * frame["AMT_CREDIT"].isna()
        + 0.3 * np.nan_to_num(frame["A_CODE_B_CODE"].to_numpy())
    )
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return frame, y


def fitted(name: str, frame: pd.DataFrame, y: np.ndarray) -> Pipeline:
    """A logistic candidate exactly as training builds it, fitted."""
    candidate = next(c for c in candidates() if c.name == name)
    categorical = categorical_features(frame.columns)
    numeric = [c for c in frame.columns if c not in categorical]
    return candidate.build(categorical, numeric, 0).fit(frame, y)


def log_odds(pipeline: Pipeline, frame: pd.DataFrame) -> np.ndarray:
    proba = pipeline.predict_proba(frame)[:, 1]
    return np.log(proba / (1 - proba))


def flipped_missingness(column: pd.Series) -> pd.Series:
    """Missing becomes 1.0 and every value becomes missing: each output column made from this input
    changes (a value, its indicator, every level that occurs, the missing level, the rare ones)."""
    return pd.Series(np.where(column.isna(), 1.0, np.nan), index=column.index)


@pytest.mark.parametrize("name", LOGISTIC)
def test_each_transformed_column_is_traced_to_the_one_input_that_moves_it(data, name: str) -> None:
    # given a fitted candidate and its transformed rows
    frame, y = data
    model = LinearModel.of(fitted(name, frame, y))
    assert model is not None, f"{name} is read as a linear model"
    before = model.transform(frame)
    # when each input column alone is perturbed, the output columns that change are its own
    moved_by = np.zeros((before.shape[1], frame.shape[1]), dtype=bool)
    for j, column in enumerate(frame.columns):
        after = model.transform(frame.assign(**{column: flipped_missingness(frame[column])}))
        moved_by[:, j] = ~np.isclose(before, after, equal_nan=True).all(axis=0)
    # then every output column moves with exactly one input, the one column_sources names
    assert (moved_by.sum(axis=1) == 1).all(), "each transformed column comes from exactly one input"
    expected = moved_by.argmax(axis=1)
    np.testing.assert_array_equal(column_sources(model.prepare), expected)
    # and the column never observed is dropped by the imputer but keeps its indicator
    never_seen = list(frame.columns).index("NEVER_SEEN")
    assert (expected == never_seen).sum() == 1, "only the missing indicator of NEVER_SEEN remains"


@pytest.mark.parametrize("name", LOGISTIC)
def test_base_value_plus_contributions_is_the_models_log_odds(data, name: str) -> None:
    # given a fitted candidate (the undersampled one adds log(keep) to its log-odds)
    frame, y = data
    pipeline = fitted(name, frame, y)
    explainer = LinearShap.of(pipeline, frame)
    assert explainer is not None
    # when explaining rows, some with missing values
    output = explainer.contributions(frame.head(300))
    # then base value + contributions is the pipeline's log-odds, row by row
    total = output.sum(axis=1)
    np.testing.assert_allclose(total, log_odds(pipeline, frame.head(300)), rtol=0, atol=1e-9)
    np.testing.assert_allclose(total, explainer.raw_scores(frame.head(300)), rtol=0, atol=1e-12)
    # and a feature never observed in training contributes nothing while it stays missing
    never_seen = output[:, list(frame.columns).index("NEVER_SEEN")]
    assert (never_seen == 0).all(), "its indicator is the background's constant"


def test_a_rows_numbers_are_the_same_bits_alone_or_among_others(data) -> None:
    # given a fitted candidate's linear SHAP
    frame, y = data
    explainer = LinearShap.of(fitted("logreg_undersample", frame, y), frame)
    assert explainer is not None
    rows = frame.head(40)
    # when rows are explained in one batch and one by one (the warm-up batches, a request has one)
    together = explainer.contributions(rows)
    alone = np.vstack([explainer.contributions(rows.iloc[[i]]) for i in range(len(rows))])
    scores = np.concatenate([explainer.raw_scores(rows.iloc[[i]]) for i in range(len(rows))])
    # then every number is identical to the bit: a stored explanation is a fresh one
    assert together.tobytes() == alone.tobytes(), "contributions do not depend on the batch"
    assert explainer.raw_scores(rows).tobytes() == scores.tobytes(), "nor do the log-odds"


@pytest.mark.parametrize("name", LOGISTIC)
def test_contributions_are_shaps_linear_explainer_summed_per_input(data, name: str) -> None:
    # given a fitted candidate and shap's LinearExplainer over its transformed columns, interventional,
    # with the same background (every training row)
    frame, y = data
    pipeline = fitted(name, frame, y)
    ours = LinearShap.of(pipeline, frame)
    assert ours is not None
    model = ours.model
    background = model.transform(frame)
    reference = shap.LinearExplainer(
        (model.weights, model.intercept), shap.maskers.Independent(background, max_samples=len(background))
    )
    # when both explain the same rows
    rows = frame.sample(200, random_state=1)
    per_column = reference.shap_values(model.transform(rows))
    output = ours.contributions(rows)
    # then ours is shap's, each transformed column added to the input it comes from
    expected = np.zeros((len(rows), frame.shape[1]))
    np.add.at(expected.T, column_sources(model.prepare), per_column.T)
    np.testing.assert_allclose(output[:, :-1], expected, rtol=0, atol=1e-9)
    base = float(np.atleast_1d(reference.expected_value)[0]) + model.logit_offset
    assert output[0, -1] == pytest.approx(base, abs=1e-9), "shap's expected value, plus the offset"


def test_the_artifact_round_trips_and_the_scorer_explains_matrices_in_feature_order(
    data, tmp_path: Path
) -> None:
    # given the undersampled candidate's artifact written as training logs it
    frame, y = data
    pipeline = fitted("logreg_undersample", frame, y)
    model = LinearModel.of(pipeline)
    assert model is not None
    artifact = model.background(frame)
    written = artifact.write(tmp_path)
    # when a service reads it back and scores a matrix in the signature's order
    parsed = LinearArtifact.parse((written / LINEAR_FILE).read_text(encoding="utf-8"))
    scorer = LinearScorer(LinearShap(model, parsed), tuple(frame.columns))
    matrix = frame.head(50).to_numpy(dtype=float)
    # then nothing was lost (every mean to the last bit) and the scorer answers the pipeline's numbers
    assert parsed == artifact, "the artifact reads back identical"
    assert parsed.background_rows == len(frame)
    assert (scorer.trees, scorer.leaves, scorer.explains) == (0, 0, True), "no trees, yet explained"
    np.testing.assert_allclose(scorer.raw_scores(matrix), log_odds(pipeline, frame.head(50)), atol=1e-9)
    output = scorer.contributions(matrix)
    np.testing.assert_allclose(output.sum(axis=1), scorer.raw_scores(matrix), rtol=0, atol=1e-12)


def test_an_artifact_of_another_width_or_feature_order_is_refused(data) -> None:
    # given a fitted model and its artifact
    frame, y = data
    model = LinearModel.of(fitted("logreg_class_weight", frame, y))
    assert model is not None
    artifact = model.background(frame)
    # when the artifact describes fewer columns, or the signature orders the features otherwise
    shorter = LinearArtifact(
        artifact.features,
        artifact.columns[:-1],
        artifact.sources[:-1],
        artifact.background_mean[:-1],
        artifact.background_rows,
    )
    # then both are refused rather than explained wrongly
    with pytest.raises(ValueError, match="other columns"):
        LinearShap(model, shorter)
    with pytest.raises(ValueError, match="feature order"):
        LinearScorer(LinearShap(model, artifact), tuple(reversed(frame.columns)))
    with pytest.raises(ValueError, match="differ in length"):
        LinearArtifact(artifact.features, artifact.columns, artifact.sources[:-1], (), 1)


def test_a_pipeline_that_is_not_a_logistic_regression_is_not_read_as_one(data) -> None:
    # given the dummy baseline and the LightGBM candidates, fitted, and a bare logistic regression
    frame, y = data
    categorical = categorical_features(frame.columns)
    numeric = [c for c in frame.columns if c not in categorical]
    others = {
        c.name: c.build(categorical, numeric, 0).fit(frame, y)
        for c in candidates()
        if c.family in ("dummy", "lightgbm")
    }
    others["bare_logistic"] = Pipeline([("model", LogisticRegression())]).fit(frame[["DAYS_BIRTH"]], y)
    # then none of them is read as a logistic regression over a column transformer
    for name, pipeline in others.items():
        assert LinearModel.of(pipeline) is None, f"{name} is not a linear pipeline with its preparation"


@pytest.mark.parametrize("name", LOGISTIC)
def test_global_importance_of_a_logistic_regression_ranks_mean_absolute_shap(
    data, name: str, tmp_path: Path
) -> None:
    # given a fitted candidate and rows to explain (their mean is the background)
    frame, y = data
    pipeline = fitted(name, frame, y)
    # when training explains it globally, as for the champion
    explanation = explain_globally(pipeline, frame, sample=500)
    # then it is the mean |linear SHAP| per feature, strongest first
    assert explanation is not None, "a logistic regression has a global explanation"
    reference = LinearShap.of(pipeline, frame)
    assert reference is not None
    expected = np.abs(reference.contributions(explanation.rows)[:, :-1]).mean(axis=0)
    importance = explanation.importance
    assert list(importance.index) == list(
        pd.Series(expected, index=frame.columns).sort_values(ascending=False).index
    )
    np.testing.assert_allclose(importance[frame.columns].to_numpy(), expected, atol=1e-12)
    assert importance.index[0] == "AMT", "the planted strongest feature ranks first"
    # and the SHAP figures are drawn from it like a tree model's
    paths = figures.shap_figures(explanation.values, explanation.rows, tmp_path)
    assert [p.name for p in paths] == ["shap_importance.png", "shap_beeswarm.png"]
    assert all(p.stat().st_size > 1000 for p in paths), "both figures hold a picture"


def test_the_dummy_baseline_has_no_global_explanation(data) -> None:
    frame, y = data
    dummy = next(c for c in candidates() if c.family == "dummy").build([], [], 0).fit(frame, y)
    assert explain_globally(dummy, frame) is None, "nothing to explain in a constant prior"
