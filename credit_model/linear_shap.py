"""Exact SHAP of a logistic-regression pipeline: per input feature, its columns' share of the log-odds.

The model's log-odds are linear in the transformed row z = prepare(x): intercept + w·z (+ log(keep)
for an undersampled model, see credit_model.estimators). With the features independent of each other
(interventional SHAP, shap's LinearExplainer), a transformed column c contributes w_c·(z_c − μ_c),
where μ is the mean of z over a background (the training rows), and the base value is
intercept + w·μ (+ log(keep)). Every transformed column comes from exactly one input column (the
imputer, scaler and one-hot encoder work column by column), so an input feature's contribution is
the sum over its columns (a value and its missing indicator; every level of a category): base value
plus contributions is the model's log-odds, exactly.

Training computes μ and the column-to-feature map once, with the training rows, and keeps them as the
version's LinearArtifact; serving reads them back with the pipeline (scikit-learn and pandas are
imported only where a linear model is served).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from credit_model.estimators import UndersampledClassifier
from credit_model.serving_artifact import LinearArtifact

#: The prefix scikit-learn gives the missing-value indicator of a column (SimpleImputer add_indicator).
INDICATOR_PREFIX = "missingindicator_"
#: Rows transformed at a time when averaging the background (bounded memory at full scale).
CHUNK_ROWS = 20_000


@dataclass(frozen=True, eq=False)
class LinearModel:
    """A fitted logistic regression over a fitted ColumnTransformer, and the imbalance offset."""

    prepare: ColumnTransformer
    weights: np.ndarray
    intercept: float
    logit_offset: float

    @classmethod
    def of(cls, pipeline: Pipeline) -> LinearModel | None:
        """The linear model of Pipeline([prepare, model]), plain or inside an UndersampledClassifier
        (whose prior correction adds log(keep) to the log-odds); None for any other pipeline."""
        final, offset = pipeline.steps[-1][1], 0.0
        if isinstance(final, UndersampledClassifier):
            if len(pipeline.steps) != 1 or not isinstance(final.estimator_, Pipeline):
                return None
            pipeline, offset = final.estimator_, float(np.log(final.keep_))
        steps = [step for _, step in pipeline.steps]
        if len(steps) != 2 or not isinstance(steps[0], ColumnTransformer):
            return None
        prepare, regression = steps
        if not isinstance(regression, LogisticRegression) or regression.coef_.shape[0] != 1:
            return None
        return cls(prepare, regression.coef_[0].astype(float), float(regression.intercept_[0]), offset)

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """The transformed rows, dense (a one-hot heavy transformer may hand back a sparse matrix)."""
        z = self.prepare.transform(frame)
        return np.asarray(z.toarray() if hasattr(z, "toarray") else z, dtype=float)

    def log_odds(self, frame: pd.DataFrame) -> np.ndarray:
        """The population's log-odds of default of each row (offset included), summed row by row."""
        return (self.transform(frame) * self.weights).sum(axis=1) + self.intercept + self.logit_offset

    def background(self, rows: pd.DataFrame) -> LinearArtifact:
        """The artifact of this model with `rows` (the training rows) as the background."""
        if rows.empty:
            raise ValueError("a linear SHAP background needs at least one row")
        total = np.zeros(self.weights.size)
        for start in range(0, len(rows), CHUNK_ROWS):
            total += self.transform(rows.iloc[start : start + CHUNK_ROWS]).sum(axis=0)
        features = tuple(str(name) for name in self.prepare.feature_names_in_)
        return LinearArtifact(
            features=features,
            columns=output_names(self.prepare),
            sources=tuple(int(s) for s in column_sources(self.prepare)),
            background_mean=tuple(float(m) for m in total / len(rows)),
            background_rows=len(rows),
        )


def output_names(prepare: ColumnTransformer) -> tuple[str, ...]:
    """The names of a fitted ColumnTransformer's output columns, in order."""
    return tuple(str(name) for name in prepare.get_feature_names_out())


def _source(output: str, inputs: Sequence[str]) -> str:
    """The input column an output column of a per-column transformer is named after.

    The column itself (imputed, scaled, passed through), its missing indicator, or one of its levels
    (`<input>_<level>`, the longest input name wins when one input's name starts another's).
    """
    if output in inputs:
        return output
    if output.startswith(INDICATOR_PREFIX) and output.removeprefix(INDICATOR_PREFIX) in inputs:
        return output.removeprefix(INDICATOR_PREFIX)
    levels = [name for name in inputs if output.startswith(f"{name}_")]
    if not levels:
        raise ValueError(
            f"transformed column {output!r} names none of its transformer's inputs {list(inputs)}"
        )
    return max(levels, key=len)


def column_sources(prepare: ColumnTransformer) -> np.ndarray:
    """For each output column of a fitted ColumnTransformer, the position (in the transformer's input)
    of the input column it comes from.

    Each sub-transformer is asked for its own output names given its own input columns, so an output
    is matched only against the inputs of the transformer that made it, at the positions the
    transformer wrote (`output_indices_`).
    """
    inputs: list[str] = [str(name) for name in prepare.feature_names_in_]
    position = {name: i for i, name in enumerate(inputs)}
    sources = np.full(len(output_names(prepare)), -1)
    for name, transformer, columns in prepare.transformers_:
        span = prepare.output_indices_[name]
        if span.start == span.stop:  # dropped columns, or a transformer without output
            continue
        names = [inputs[c] if isinstance(c, int | np.integer) else str(c) for c in columns]
        outputs = names if transformer == "passthrough" else list(transformer.get_feature_names_out(names))
        if len(outputs) != span.stop - span.start:
            raise ValueError(
                f"transformer {name!r}: {len(outputs)} names for {span.stop - span.start} columns"
            )
        for offset, output in enumerate(outputs):
            sources[span.start + offset] = position[_source(str(output), names)]
    if (sources < 0).any():
        raise ValueError(f"{int((sources < 0).sum())} transformed column(s) come from no transformer")
    return sources


class LinearShap:
    """Exact interventional SHAP of a linear model against its artifact's background."""

    def __init__(self, model: LinearModel, artifact: LinearArtifact) -> None:
        if artifact.columns != output_names(model.prepare) or model.weights.size != len(artifact.columns):
            raise ValueError(
                "the linear background describes other columns than the model's transformed ones"
            )
        self.model = model
        self.artifact = artifact
        self.features = artifact.features
        self._mean = np.asarray(artifact.background_mean)
        self.base_value = float(model.intercept + model.weights @ self._mean + model.logit_offset)
        # Columns grouped by input feature, each group summed row by row (np.add.reduceat), never by a
        # matrix product: a row's numbers are then the same bits whatever rows it is computed with
        # (the explanation store relies on it: a reused answer is bit for bit a fresh one).
        sources = np.asarray(artifact.sources)
        self._order = np.argsort(sources, kind="stable")
        self._explained, self._starts = np.unique(sources[self._order], return_index=True)

    @classmethod
    def of(cls, pipeline: Pipeline, background: pd.DataFrame) -> LinearShap | None:
        """The linear SHAP of a logistic-regression pipeline with `background` rows; None otherwise."""
        model = LinearModel.of(pipeline)
        return None if model is None else cls(model, model.background(background))

    def raw_scores(self, frame: pd.DataFrame) -> np.ndarray:
        """Log-odds of default of each row (the population's, offset included)."""
        return self.model.log_odds(frame)

    def contributions(self, frame: pd.DataFrame) -> np.ndarray:
        """Per row: each input feature's contribution, then the base value (rows × features + 1)."""
        shares = (self.model.transform(frame) - self._mean) * self.model.weights
        output = np.zeros((len(frame), len(self.features) + 1))
        output[:, self._explained] = np.add.reduceat(shares[:, self._order], self._starts, axis=1)
        output[:, -1] = self.base_value
        return output
