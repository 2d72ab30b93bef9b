"""Client features from the Feast online store (Redis), through the model's feature service."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from feast import FeatureStore

from scoring_service.errors import FeatureStoreUnavailableError, UnknownClientError

log = logging.getLogger(__name__)
ENTITY = "SK_ID_CURR"


class OnlineFeatures:
    """Reads the latest feature values of clients; an id with no values at all is an unknown client."""

    def __init__(self, store: FeatureStore, feature_service: str) -> None:
        self._store = store
        self._service = store.get_feature_service(feature_service)

    def rows(self, client_ids: Sequence[int]) -> list[dict[str, Any]]:
        """One {feature: value} per client id, in order; raises UnknownClientError for the first unknown."""
        try:
            result = self._store.get_online_features(
                features=self._service, entity_rows=[{ENTITY: int(i)} for i in client_ids]
            ).to_dict()
        except Exception as error:  # Feast wraps connection errors of every online store differently
            log.warning("online store read failed", extra={"error": type(error).__name__})
            raise FeatureStoreUnavailableError(
                f"online feature store unavailable: {type(error).__name__}"
            ) from error
        names = [name for name in result if name != ENTITY]
        rows = []
        for position, client_id in enumerate(client_ids):
            row = {name: result[name][position] for name in names}
            if all(value is None for value in row.values()):
                raise UnknownClientError(int(client_id))
            rows.append(row)
        return rows

    def warm_up(self) -> bool:
        """Read once at start-up so the first real request does not pay Feast's lazy set-up (seconds).

        Returns whether the store answered; a store down at start-up is logged, not fatal.
        """
        try:
            self.rows([0])
        except UnknownClientError:
            return True
        except FeatureStoreUnavailableError:
            return False
        return True

    def row(self, client_id: int) -> dict[str, Any]:
        """Features of one client."""
        return self.rows([client_id])[0]
