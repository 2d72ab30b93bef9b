"""Credit Bureau records (bureau) and their monthly statuses (bureau_balance).

Risky clients (latent factor) have more overdue active credits, more debt and more months with
STATUS 1-5; closed credits have DAYS_ENDDATE_FACT and status 'C' after closure, active ones neither.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from credit_features.tables import file_name, row_count
from training.data.synthetic.applications import Clients
from training.data.synthetic.csvout import TableWriter, write_children
from training.data.synthetic.history import History
from training.data.synthetic.layout import allocate, child_counts, expand, stream, unique_ids
from training.data.synthetic.marginals import (
    Categorical,
    Table,
    calibrated_probability,
    categorical,
    copula_uniform,
    fill,
    numeric,
    quantile_values,
    rank_uniform,
    spec,
    with_nulls,
)

Progress = Callable[[str, int], None]
DAYS_PER_MONTH = 30.4375
#: STATUS levels of a month in arrears (1 = 1-30 days past due ... 5 = written off), real proportions.
_LATE_LEVELS = np.array([1, 2, 3, 4, 5])
_LATE_PROBS = np.array([0.66, 0.09, 0.05, 0.02, 0.18])


def _bureau(clients: Clients, scale: float, seed: int) -> tuple[Table, np.ndarray]:
    rng = stream(seed, "bureau")
    n = round(row_count("bureau") * scale)
    counts = child_counts(rng, clients.size, n, 0.89, 0.2 * clients.wealth)
    client = np.repeat(np.arange(clients.size), counts)
    risk = clients.risk[client]
    col = lambda name: spec("bureau", name)  # noqa: E731

    active_col = categorical(
        col("CREDIT_ACTIVE"), copula_uniform(risk, 0.2, rng), ("Closed", "Sold", "Active")
    )
    active = active_col.equals("Active")
    # Closed credits were opened earlier: rank coupling keeps both marginals while ordering the dates.
    opened_u = rank_uniform(rng.standard_normal(n) - 1.5 * ~active)
    opened = numeric(col("DAYS_CREDIT"), opened_u)
    ended_u = np.zeros(n)
    ended_u[~active] = rank_uniform(opened_u[~active] + 0.2 * rng.standard_normal((~active).sum()))
    ended = np.maximum(np.rint(quantile_values(col("DAYS_ENDDATE_FACT"), ended_u)), opened)
    end_u = np.where(active, rng.uniform(0.62, 1.0, n), rng.uniform(0.0, 0.62, n))
    planned_end = np.maximum(np.rint(quantile_values(col("DAYS_CREDIT_ENDDATE"), end_u)), opened)
    update = np.maximum(numeric(col("DAYS_CREDIT_UPDATE"), rng.random(n)), opened)

    overdue_p = calibrated_probability(1.3 * risk + 0.5 * rng.standard_normal(n), 0.03, weights=active)
    overdue = active & (rng.random(n) < overdue_p)
    amount = quantile_values(col("AMT_CREDIT_SUM"), copula_uniform(clients.wealth[client], 0.3, rng))
    amount = np.rint(amount * 100) / 100
    remaining = np.clip(rng.beta(2, 2, n) + 0.15 * risk, 0.0, 1.0)
    debt = np.where(active, np.rint(amount * remaining * 100) / 100, 0.0)
    overdue_amount = np.where(overdue, np.rint(debt * rng.uniform(0.02, 0.3, n) * 100) / 100, 0.0)
    max_overdue = np.fmax(quantile_values(col("AMT_CREDIT_MAX_OVERDUE"), rng.random(n)), overdue_amount)
    given = {
        "SK_ID_CURR": clients.ids[client],
        "SK_ID_BUREAU": unique_ids(rng, n, 5000000, 1843458),
        "CREDIT_ACTIVE": active_col,
        "DAYS_CREDIT": opened,
        "CREDIT_DAY_OVERDUE": np.where(overdue, np.rint(rng.exponential(40, n)) + 1, 0).astype(np.int64),
        "DAYS_CREDIT_ENDDATE": with_nulls(planned_end, rng.random(n) < col("DAYS_CREDIT_ENDDATE").null_rate),
        "DAYS_ENDDATE_FACT": with_nulls(ended, active),
        "AMT_CREDIT_MAX_OVERDUE": with_nulls(max_overdue, ~overdue & (rng.random(n) < 0.7)),
        "AMT_CREDIT_SUM": amount,
        "AMT_CREDIT_SUM_DEBT": with_nulls(debt, ~active & (rng.random(n) < 0.22)),
        "AMT_CREDIT_SUM_OVERDUE": overdue_amount,
        "DAYS_CREDIT_UPDATE": update,
    }
    return fill("bureau", n, rng, given), client


def _balance_chunk(
    rng: np.random.Generator, bureau: Table, parents: np.ndarray, months: np.ndarray, late_p: np.ndarray
) -> tuple[Table, np.ndarray]:
    rows = expand(parents, months[parents])
    month = -rows.offset
    fact = bureau["DAYS_ENDDATE_FACT"][rows.parent]
    closed_month = np.floor(np.nan_to_num(fact, nan=1e9) / DAYS_PER_MONTH)
    unknown = rng.random(month.size) < 0.33 + 0.006 * np.maximum(-month - 24, 0)
    late = ~unknown & (rng.random(month.size) < late_p[rows.parent])
    late_level = _LATE_LEVELS[np.searchsorted(np.cumsum(_LATE_PROBS)[:-1], rng.random(month.size))]
    # codes into ("C", "0", "X", "1".."5"): closed months first, then unknown, late, on time.
    codes = np.where(month > closed_month, 0, np.where(unknown, 2, np.where(late, 2 + late_level, 1)))
    table = {
        "SK_ID_BUREAU": bureau["SK_ID_BUREAU"][rows.parent],
        "MONTHS_BALANCE": month,
        "STATUS": Categorical(codes.astype(np.int16), ("C", "0", "X", "1", "2", "3", "4", "5")),
    }
    return table, rows.parent


def write_bureau(
    clients: Clients, *, scale: float, seed: int, out: Path, history: History, advance: Progress
) -> dict[str, int]:
    """Write bureau.csv and bureau_balance.csv; feed the per-client aggregates into `history`."""
    bureau, client = _bureau(clients, scale, seed)
    with TableWriter(out / file_name("bureau"), "bureau") as writer:
        writer.write(bureau)
    advance("bureau", len(client))
    active = bureau["CREDIT_ACTIVE"].equals("Active")
    history.add("bureau_credits", client)
    history.add("bureau_active", client, active)
    history.add("bureau_overdue_active", client, active & (bureau["CREDIT_DAY_OVERDUE"] > 0))
    history.add(
        "bureau_active_debt", client, np.where(active, np.nan_to_num(bureau["AMT_CREDIT_SUM_DEBT"]), 0)
    )
    history.add("bureau_active_sum", client, np.where(active, bureau["AMT_CREDIT_SUM"], 0))

    rng = stream(seed, "bureau_balance")
    natural = np.minimum(np.floor(-bureau["DAYS_CREDIT"] / DAYS_PER_MONTH), 96).astype(np.int64) + 1
    months = allocate(natural, round(row_count("bureau_balance") * scale), rng, cap=97)
    late_p = calibrated_probability(1.2 * clients.risk[client] + 0.6 * rng.standard_normal(client.size), 0.02)

    def build(chunk_rng: np.random.Generator, positions: np.ndarray) -> tuple[Table, np.ndarray]:
        return _balance_chunk(chunk_rng, bureau, positions, months, late_p)

    def record(table: Table, parent: np.ndarray) -> None:
        status = table["STATUS"].codes
        history.add("bb_months", client[parent], status != 2)
        history.add("bb_late_months", client[parent], status >= 3)
        advance("bureau_balance", parent.size)

    rows = write_children(out, "bureau_balance", seed=seed, counts=months, build=build, on_chunk=record)
    return {"bureau": len(client), "bureau_balance": rows}
