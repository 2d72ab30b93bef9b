"""The serving artifacts: what a service needs of a model besides its pipeline, kept in the same run.

Tree models: serving/model.txt is the booster in LightGBM's text format (up to its best iteration)
and serving/serving.json holds the feature order and the imbalance strategy's log-odds offset.
Training writes it for every LightGBM version; the services read it without scikit-learn, pandas or
the lightgbm package. A version without it (not a tree model, or registered before it existed) is
served through its pipeline.

Logistic regressions: serving_linear/linear.json holds what exact linear SHAP needs and the pipeline
does not keep: the mean of every transformed column over the training rows (the background) and the
input feature each transformed column comes from (see credit_model.linear_shap). It has a folder of
its own so that a service reading serving/ as a tree model never mistakes it for one. A logistic
regression registered without it is scored through its pipeline, without contributions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

FOLDER = "serving"
MODEL_FILE = "model.txt"
META_FILE = "serving.json"
FORMAT = 1
LINEAR_FOLDER = "serving_linear"
LINEAR_FILE = "linear.json"
LINEAR_FORMAT = 1


@dataclass(frozen=True)
class TreeArtifact:
    """A tree model as the services load it."""

    model_text: str
    features: tuple[str, ...]
    logit_offset: float

    def write(self, folder: Path) -> Path:
        """Write serving/ under `folder` (to be logged as run artifacts); returns that folder."""
        target = folder / FOLDER
        target.mkdir(parents=True, exist_ok=True)
        (target / MODEL_FILE).write_text(self.model_text, encoding="utf-8")
        meta = {"format": FORMAT, "features": list(self.features), "logit_offset": self.logit_offset}
        (target / META_FILE).write_text(json.dumps(meta, indent=1), encoding="utf-8")
        return target

    @classmethod
    def parse(cls, model_text: str, meta_text: str) -> TreeArtifact:
        """Read back; ValueError naming the field when the metadata is not this format."""
        meta = json.loads(meta_text)
        if meta.get("format") != FORMAT:
            raise ValueError(f"{META_FILE}: format {meta.get('format')!r}, expected {FORMAT}")
        return cls(model_text, tuple(meta["features"]), float(meta["logit_offset"]))


@dataclass(frozen=True)
class LinearArtifact:
    """The background of a logistic regression's linear SHAP, per column of its transformed input.

    `columns` names the transformed columns, `sources[c]` is the position in `features` of the input
    column that column c comes from, `background_mean[c]` its mean over the `background_rows` rows.
    """

    features: tuple[str, ...]
    columns: tuple[str, ...]
    sources: tuple[int, ...]
    background_mean: tuple[float, ...]
    background_rows: int

    def __post_init__(self) -> None:
        widths = {len(self.columns), len(self.sources), len(self.background_mean)}
        if len(widths) != 1:
            raise ValueError(
                f"{LINEAR_FILE}: columns, sources and background_mean differ in length ({sorted(widths)})"
            )
        if any(not 0 <= s < len(self.features) for s in self.sources):
            raise ValueError(f"{LINEAR_FILE}: a source is not a position among {len(self.features)} features")

    def write(self, folder: Path) -> Path:
        """Write serving_linear/ under `folder` (to be logged as run artifacts); returns that folder."""
        target = folder / LINEAR_FOLDER
        target.mkdir(parents=True, exist_ok=True)
        meta = {
            "format": LINEAR_FORMAT,
            "features": list(self.features),
            "columns": list(self.columns),
            "sources": list(self.sources),
            "background_mean": list(self.background_mean),
            "background_rows": self.background_rows,
        }
        (target / LINEAR_FILE).write_text(json.dumps(meta, indent=1), encoding="utf-8")
        return target

    @classmethod
    def parse(cls, text: str) -> LinearArtifact:
        """Read back; ValueError naming the problem when the file is not this format."""
        meta = json.loads(text)
        if meta.get("format") != LINEAR_FORMAT:
            raise ValueError(f"{LINEAR_FILE}: format {meta.get('format')!r}, expected {LINEAR_FORMAT}")
        return cls(
            features=tuple(meta["features"]),
            columns=tuple(meta["columns"]),
            sources=tuple(int(s) for s in meta["sources"]),
            background_mean=tuple(float(m) for m in meta["background_mean"]),
            background_rows=int(meta["background_rows"]),
        )
