"""The serving artifact: what a service needs of a tree model, kept in the run beside the pipeline.

serving/model.txt is the booster in LightGBM's text format (up to its best iteration) and
serving/serving.json holds the feature order and the imbalance strategy's log-odds offset. Training
writes it for every LightGBM version; the services read it without scikit-learn, pandas or the
lightgbm package. A version without it (not a tree model, or registered before it existed) is served
through its pipeline.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

FOLDER = "serving"
MODEL_FILE = "model.txt"
META_FILE = "serving.json"
FORMAT = 1


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
