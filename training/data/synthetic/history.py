"""Per-client aggregates of the generated history, accumulated chunk by chunk as rows are written.

These are the simple aggregates (counts, sums, shares) from which the planted risk is computed, so
the planted probability is a function of values visible in the files.
"""

from __future__ import annotations

import numpy as np

_FIELDS = (
    "bureau_credits",
    "bureau_active",
    "bureau_overdue_active",
    "bureau_active_debt",
    "bureau_active_sum",
    "bb_months",
    "bb_late_months",
    "prev_count",
    "prev_refused",
    "pos_months",
    "pos_dpd_months",
    "inst_count",
    "inst_late",
    "inst_days_late",
    "card_months",
    "card_utilisation",
)


class History:
    """Running per-client sums; `add(field, client_index, values)` is a vectorised group-by-sum."""

    def __init__(self, n_clients: int) -> None:
        self.n = n_clients
        self.sums = {field: np.zeros(n_clients) for field in _FIELDS}

    def add(self, field: str, client: np.ndarray, values: np.ndarray | float = 1.0) -> None:
        """Add `values` (or 1 per row) to `field` of each row's client."""
        weights = np.broadcast_to(np.asarray(values, dtype=float), client.shape)
        self.sums[field] += np.bincount(client, weights=weights, minlength=self.n)

    def __getitem__(self, field: str) -> np.ndarray:
        return self.sums[field]

    def share(self, numerator: str, denominator: str) -> np.ndarray:
        """numerator / denominator per client, 0 where the client has no such rows."""
        den = self.sums[denominator]
        return np.divide(self.sums[numerator], den, out=np.zeros(self.n), where=den > 0)
