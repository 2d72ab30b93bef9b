"""Previous Home Credit applications: the parents of POS, instalment and credit-card histories.

Risky clients apply more and are refused more often; amounts, term, annuity and the DAYS_* calendar
of each previous credit hang together so that the monthly histories can be derived from them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from credit_features.tables import row_count
from training.data.synthetic.applications import Clients
from training.data.synthetic.layout import child_counts, stream, unique_ids
from training.data.synthetic.marginals import (
    SENTINEL_DAYS,
    Categorical,
    Table,
    calibrated_probability,
    categorical,
    fill,
    numeric,
    quantile_values,
    rank_uniform,
    spec,
    with_nulls,
)

_REFUSAL_REASONS = ("HC", "LIMIT", "SCO", "SCOFR", "XNA", "VERIF")
_OTHER_STATUSES = ("Approved", "Canceled", "Unused offer")


@dataclass(frozen=True)
class Previous:
    """The previous-application table plus what the child tables need (never written as such)."""

    table: Table
    client: np.ndarray
    approved: np.ndarray
    revolving: np.ndarray
    term: np.ndarray
    first_due: np.ndarray


def _status(rng: np.random.Generator, risk: np.ndarray) -> tuple[Categorical, Categorical]:
    """NAME_CONTRACT_STATUS (refusals driven by risk) and the CODE_REJECT_REASON that matches it."""
    col = spec("previous_application", "NAME_CONTRACT_STATUS")
    n = risk.size
    refused = rng.random(n) < calibrated_probability(1.1 * risk + 0.6 * rng.standard_normal(n), 0.1753)
    others = categorical(col, rng.random(n), exclude=("Refused",))
    names = (*others.categories, "Refused")
    status = Categorical(np.where(refused, len(names) - 1, others.codes).astype(np.int16), names)
    reasons = categorical(spec("previous_application", "CODE_REJECT_REASON"), rng.random(n), _REFUSAL_REASONS)
    reason_names = (*reasons.categories, "XAP", "CLIENT")
    code = np.where(refused, reasons.codes, len(reason_names) - 2)
    code = np.where(status.equals("Unused offer"), len(reason_names) - 1, code)
    return status, Categorical(code.astype(np.int16), reason_names)


def _portfolio(contract: Categorical, rng: np.random.Generator) -> Categorical:
    """NAME_PORTFOLIO follows the contract type: POS for consumer loans, Cards for revolving ones."""
    n = len(contract)
    names = ("POS", "Cash", "XNA", "Cards")
    code = np.where(rng.random(n) < 0.57, 1, 2)
    code = np.where(contract.equals("Consumer loans"), 0, code)
    code = np.where(contract.equals("Revolving loans") & (rng.random(n) < 0.76), 3, code)
    return Categorical(code.astype(np.int16), names)


def make_previous(clients: Clients, scale: float, seed: int) -> Previous:
    """Previous applications of all clients (about 5% of clients have none)."""
    rng = stream(seed, "previous_application")
    n = round(row_count("previous_application") * scale)
    counts = child_counts(rng, clients.size, n, 0.99, 0.3 * clients.risk)
    client = np.repeat(np.arange(clients.size), counts)
    col = lambda name: spec("previous_application", name)  # noqa: E731

    contract = categorical(col("NAME_CONTRACT_TYPE"), rng.random(n))
    revolving = contract.equals("Revolving loans")
    status, reject = _status(rng, clients.risk[client])
    approved = status.equals("Approved")
    empty = status.equals("Canceled") | (rng.random(n) < 0.05)
    application = np.rint(quantile_values(col("AMT_APPLICATION"), rng.uniform(0.2, 1.0, n)) * 100) / 100
    factor = rng.choice(np.array([1.0, 1.1, 0.9]), n, p=[0.6, 0.3, 0.1]) * rng.uniform(0.97, 1.03, n)
    credit = np.where(empty, 0.0, np.rint(application * factor * 100) / 100)
    # Larger credits run longer (rank coupling), which keeps annuities in the real range.
    term_u = 0.12 + 0.88 * rank_uniform(np.log1p(application) + 0.7 * rng.standard_normal(n))
    term = np.where(revolving, 0.0, numeric(col("CNT_PAYMENT"), term_u))
    term = np.where((term == 0) & ~revolving, 12.0, term)
    application = np.where(empty, 0.0, application)
    rate = rng.uniform(0.008, 0.03, n)
    annuity_factor = np.where(revolving, 0.05, rate / (1 - (1 + rate) ** -np.maximum(term, 1)))
    annuity = np.rint(credit * annuity_factor * 1000) / 1000

    decision = numeric(col("DAYS_DECISION"), rng.random(n))
    dated = approved & (rng.random(n) > 0.03)
    first_due = (decision + rng.integers(10, 45, n)).astype(float)
    first_due = np.where(revolving & (rng.random(n) < 0.25), SENTINEL_DAYS, first_due)
    last_due_1st = np.where(
        revolving | (first_due == SENTINEL_DAYS), SENTINEL_DAYS, first_due + 30 * np.maximum(term - 1, 0)
    )
    early = rng.random(n) < 0.15
    # Finished loans (some repaid early) have a last due day; running ones the sentinel, unless repaid.
    repaid = (last_due_1st > 0) & (last_due_1st != SENTINEL_DAYS) & (rng.random(n) < 0.4)
    last_due = np.where(last_due_1st <= 0, last_due_1st - early * rng.integers(0, 180, n), SENTINEL_DAYS)
    last_due = np.where(repaid, np.rint(first_due + (-1 - first_due) * rng.random(n)), last_due)
    last_due = np.maximum(last_due, first_due.clip(max=0))
    termination = np.where(
        last_due == SENTINEL_DAYS, SENTINEL_DAYS, np.minimum(last_due + rng.integers(0, 30, n), -1)
    )
    first_drawing = np.where(rng.random(n) < 0.8, SENTINEL_DAYS, decision + rng.integers(0, 10, n))
    undated = ~dated
    given = {
        "SK_ID_PREV": rng.permutation(unique_ids(rng, n, 1000001, 1845381)),
        "SK_ID_CURR": clients.ids[client],
        "NAME_CONTRACT_TYPE": contract,
        "AMT_ANNUITY": with_nulls(annuity, empty),
        "AMT_APPLICATION": application,
        "AMT_CREDIT": credit,
        "AMT_GOODS_PRICE": with_nulls(application, empty),
        "NAME_CONTRACT_STATUS": status,
        "CODE_REJECT_REASON": reject,
        "DAYS_DECISION": decision,
        "NAME_PORTFOLIO": _portfolio(contract, rng),
        "CNT_PAYMENT": with_nulls(term, empty),
        "DAYS_FIRST_DRAWING": with_nulls(first_drawing.astype(float), undated),
        "DAYS_FIRST_DUE": with_nulls(first_due, undated),
        "DAYS_LAST_DUE_1ST_VERSION": with_nulls(last_due_1st.astype(float), undated),
        "DAYS_LAST_DUE": with_nulls(last_due.astype(float), undated),
        "DAYS_TERMINATION": with_nulls(termination.astype(float), undated),
        "NFLAG_INSURED_ON_APPROVAL": with_nulls(
            numeric(col("NFLAG_INSURED_ON_APPROVAL"), rng.random(n)), undated
        ),
    }
    groups = {"AMT_DOWN_PAYMENT": "down_payment", "RATE_DOWN_PAYMENT": "down_payment"}
    table = fill("previous_application", n, rng, given, value_groups=groups, null_groups=groups)
    usable = dated & ~empty & (first_due < 0)
    return Previous(
        table=table, client=client, approved=usable, revolving=revolving, term=term, first_due=first_due
    )
