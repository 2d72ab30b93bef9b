"""The registry contract: the model's name, its aliases, and the one parser of models:/ URIs."""

from __future__ import annotations

import re
from dataclasses import dataclass

MODEL_NAME = "credit-default"
EXPERIMENT = "credit-default"
CHAMPION = "champion"
CHALLENGER = "challenger"
CHAMPION_URI = f"models:/{MODEL_NAME}@{CHAMPION}"

_URI = re.compile(r"^models:/(?P<name>[^/@]+)(?:@(?P<alias>[\w-]+)|/(?P<version>\d+))$")


@dataclass(frozen=True)
class ModelUri:
    """A registered model reference: by alias (follows promotions) or by version (pinned)."""

    name: str
    alias: str | None = None
    version: str | None = None

    @classmethod
    def parse(cls, uri: str) -> ModelUri:
        """models:/<name>@<alias> or models:/<name>/<version>; ValueError naming the URI otherwise."""
        match = _URI.match(uri.strip())
        if match is None:
            raise ValueError(f"model URI {uri!r} is not models:/<name>@<alias> or models:/<name>/<version>")
        return cls(match["name"], match["alias"], match["version"])

    def pinned(self, version: str) -> ModelUri:
        """The same model at one version."""
        return ModelUri(self.name, version=str(version))

    def __str__(self) -> str:
        return f"models:/{self.name}@{self.alias}" if self.alias else f"models:/{self.name}/{self.version}"
