"""Monthly histories of previous credits: POS_CASH_balance, installments_payments, credit_card_balance.

Each history is derived from its previous application's calendar (first due date, term, annuity);
risky clients pay late, carry days past due and use more of their card limit.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from credit_features.tables import row_count
from training.data.synthetic.applications import Clients
from training.data.synthetic.csvout import write_children
from training.data.synthetic.history import History
from training.data.synthetic.layout import allocate, expand, stream
from training.data.synthetic.marginals import (
    Categorical,
    Table,
    calibrated_probability,
    categorical,
    fill,
    quantile_values,
    sigmoid,
    spec,
    with_nulls,
)
from training.data.synthetic.previous import Previous

Progress = Callable[[str, int], None]
DAYS_PER_MONTH = 30.4375


class _Context:
    """What every history chunk needs: previous applications, client propensities, random streams."""

    def __init__(self, clients: Clients, previous: Previous, seed: int, history: History) -> None:
        self.clients, self.previous, self.seed, self.history = clients, previous, seed, history
        rng = stream(seed, "clients", chunk=2)  # client propensities, apart from the table streams
        risk = clients.risk
        noise = lambda: 0.5 * rng.standard_normal(risk.size)  # noqa: E731
        self.late_p = calibrated_probability(1.3 * risk + noise(), 0.08)
        self.pos_dpd_p = calibrated_probability(1.3 * risk + noise(), 0.02)
        self.card_use = 1.2 * risk + noise()

    def common(self, prev: np.ndarray) -> Table:
        """Keys of the rows whose previous application is `prev`."""
        return {
            "SK_ID_PREV": self.previous.table["SK_ID_PREV"][prev],
            "SK_ID_CURR": self.previous.table["SK_ID_CURR"][prev],
        }


def _dpd(rng: np.random.Generator, p: np.ndarray, mean_days: float) -> tuple[np.ndarray, np.ndarray]:
    """Days past due of each month (0 when on time) and the same with the small-debt tolerance."""
    late = rng.random(p.size) < p
    dpd = np.where(late, np.rint(rng.exponential(mean_days, p.size)) + 1, 0).astype(np.int64)
    return dpd, np.where(rng.random(p.size) < 0.7, dpd, 0)


def _start_month(first_due: np.ndarray) -> np.ndarray:
    return np.maximum(np.floor(first_due / DAYS_PER_MONTH), -96).astype(np.int64)


def _pos(ctx: _Context, parents: np.ndarray, counts: np.ndarray) -> Callable:
    prev = ctx.previous
    col = lambda name: spec("POS_CASH_balance", name)  # noqa: E731

    def build(rng: np.random.Generator, positions: np.ndarray) -> tuple[Table, np.ndarray]:
        rows = expand(parents[positions], counts[positions])
        n = rows.offset.size
        client = prev.client[rows.parent]
        term = prev.term[rows.parent]
        future = np.maximum(term - rows.offset, 0)
        other = categorical(col("NAME_CONTRACT_STATUS"), rng.random(n), exclude=("Active", "Completed"))
        names = (*other.categories, "Active", "Completed")
        status = np.where(future == 0, len(names) - 1, len(names) - 2)
        status = np.where(rng.random(n) < 0.01, other.codes, status)
        dpd, dpd_def = _dpd(rng, ctx.pos_dpd_p[client], 30.0)
        missing = rng.random(n) < col("CNT_INSTALMENT").null_rate
        table = {
            **ctx.common(rows.parent),
            "MONTHS_BALANCE": np.minimum(_start_month(prev.first_due[rows.parent]) + rows.offset, -1),
            "CNT_INSTALMENT": with_nulls(term, missing),
            "CNT_INSTALMENT_FUTURE": with_nulls(future, missing),
            "NAME_CONTRACT_STATUS": Categorical(status.astype(np.int16), names),
            "SK_DPD": dpd,
            "SK_DPD_DEF": dpd_def,
        }
        return table, rows.parent

    return build


def _installments(ctx: _Context, parents: np.ndarray, counts: np.ndarray, natural: np.ndarray) -> Callable:
    prev = ctx.previous
    col = lambda name: spec("installments_payments", name)  # noqa: E731

    def build(rng: np.random.Generator, positions: np.ndarray) -> tuple[Table, np.ndarray]:
        rows = expand(positions, counts[positions])
        p = parents[rows.parent]
        n = p.size
        client = prev.client[p]
        # More rows than due instalments (small scales): the extra rows are split payments.
        number = rows.offset * natural[rows.parent] // np.maximum(rows.count, natural[rows.parent]) + 1
        key = rows.parent.astype(np.int64) * 1000 + number
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        split = np.repeat(np.diff(np.r_[starts, n]), np.diff(np.r_[starts, n]))
        revolving = prev.revolving[p]
        due = np.minimum(prev.first_due[p] + 30 * (number - 1), -1).astype(np.int64)
        late = rng.random(n) < ctx.late_p[client]
        entry = np.where(
            late, due + np.rint(rng.exponential(12, n)) + 1, due - np.rint(rng.exponential(7, n))
        )
        card_amount = quantile_values(col("AMT_INSTALMENT"), rng.random(n))
        instalment = np.rint(np.where(revolving, card_amount, prev.table["AMT_ANNUITY"][p]) * 1000) / 1000
        paid = np.where(late & (rng.random(n) < 0.3), rng.uniform(0.2, 0.95, n), 1.0) / split
        unpaid = rng.random(n) < col("AMT_PAYMENT").null_rate
        version = np.where(revolving, 0, np.where(rng.random(n) < 0.1, 2, 1))
        table = {
            **ctx.common(p),
            "NUM_INSTALMENT_VERSION": version.astype(np.int64),
            "NUM_INSTALMENT_NUMBER": number.astype(np.int64),
            "DAYS_INSTALMENT": due,
            "DAYS_ENTRY_PAYMENT": with_nulls(np.minimum(entry, -1).astype(float), unpaid),
            "AMT_INSTALMENT": instalment,
            "AMT_PAYMENT": with_nulls(np.rint(instalment * paid * 1000) / 1000, unpaid),
        }
        return table, p

    return build


def _cards(ctx: _Context, parents: np.ndarray, counts: np.ndarray) -> Callable:
    prev = ctx.previous
    table_name = "credit_card_balance"
    col = lambda name: spec(table_name, name)  # noqa: E731

    def build(rng: np.random.Generator, positions: np.ndarray) -> tuple[Table, np.ndarray]:
        cards = parents[positions]
        card_limit = np.rint(
            quantile_values(col("AMT_CREDIT_LIMIT_ACTUAL"), rng.uniform(0.08, 1, cards.size)) / 4500
        )
        use_rate = rng.beta(1.2, 1.2, cards.size)
        card_noise = 0.8 * rng.standard_normal(cards.size)
        rows = expand(np.arange(cards.size), counts[positions])
        n, card = rows.offset.size, rows.parent
        client = prev.client[cards[card]]
        limit = (card_limit[card] * 4500).astype(np.int64) * (rng.random(n) > 0.05)
        used = (rng.random(n) < use_rate[card]) & (limit > 0)
        utilisation = sigmoid(-0.3 + ctx.card_use[client] + card_noise[card] + 0.3 * rng.standard_normal(n))
        balance = np.where(used, np.rint(utilisation * limit * 100) / 100, 0.0)
        drawings = np.where(
            used & (rng.random(n) < 0.5), np.rint(limit * rng.uniform(0, 0.3, n) * 100) / 100, 0.0
        )
        atm_share = rng.choice(np.array([0.0, 1.0, 0.5]), n, p=[0.45, 0.4, 0.15])
        atm, pos = np.rint(drawings * atm_share * 100) / 100, np.rint(drawings * (1 - atm_share) * 100) / 100
        atm_count, pos_count = np.ceil(atm / 30000), np.ceil(pos / 6000)
        no_detail = rng.random(n) < col("AMT_DRAWINGS_ATM_CURRENT").null_rate
        no_instalment = rng.random(n) < col("AMT_INST_MIN_REGULARITY").null_rate
        # Most months repay a small share of the balance; near-maxed cards repay less.
        paid_share = rng.beta(0.7, 3.5, n) * np.where(utilisation > 0.8, 0.6, 1.0)
        payment = np.rint(balance * paid_share * 100) / 100
        dpd, dpd_def = _dpd(rng, 0.5 * ctx.pos_dpd_p[client], 40.0)
        given = {
            **ctx.common(cards[card]),
            "MONTHS_BALANCE": -(rows.offset + 1),
            "AMT_BALANCE": balance,
            "AMT_CREDIT_LIMIT_ACTUAL": limit,
            "AMT_DRAWINGS_ATM_CURRENT": with_nulls(atm, no_detail),
            "AMT_DRAWINGS_CURRENT": drawings,
            "AMT_DRAWINGS_OTHER_CURRENT": with_nulls(np.zeros(n), no_detail),
            "AMT_DRAWINGS_POS_CURRENT": with_nulls(pos, no_detail),
            "AMT_INST_MIN_REGULARITY": with_nulls(np.rint(balance * 0.05 * 100) / 100, no_instalment),
            "AMT_PAYMENT_CURRENT": with_nulls(payment, rng.random(n) < col("AMT_PAYMENT_CURRENT").null_rate),
            "AMT_PAYMENT_TOTAL_CURRENT": payment,
            "AMT_RECEIVABLE_PRINCIPAL": np.rint(balance * rng.uniform(0.93, 1.0, n) * 100) / 100,
            "AMT_RECIVABLE": balance,
            "AMT_TOTAL_RECEIVABLE": balance,
            "CNT_DRAWINGS_ATM_CURRENT": with_nulls(atm_count, no_detail),
            "CNT_DRAWINGS_CURRENT": (atm_count + pos_count).astype(np.int64),
            "CNT_DRAWINGS_OTHER_CURRENT": with_nulls(np.zeros(n), no_detail),
            "CNT_DRAWINGS_POS_CURRENT": with_nulls(pos_count, no_detail),
            "CNT_INSTALMENT_MATURE_CUM": with_nulls(
                np.rint((rows.count - rows.offset - 1) * use_rate[card]), no_instalment
            ),
            "SK_DPD": dpd,
            "SK_DPD_DEF": dpd_def,
        }
        return fill(table_name, n, rng, given), cards[card]

    return build


def write_repayments(
    clients: Clients,
    previous: Previous,
    *,
    scale: float,
    seed: int,
    out: Path,
    history: History,
    advance: Progress,
) -> dict[str, int]:
    """Write the three monthly histories; feed late payments, DPD and card utilisation to `history`."""
    ctx = _Context(clients, previous, seed, history)
    prev = previous
    rows: dict[str, int] = {}
    elapsed = np.floor(-prev.first_due / DAYS_PER_MONTH).clip(0, 95).astype(np.int64) + 1

    loans = np.flatnonzero(prev.approved & ~prev.revolving)
    natural = np.minimum(prev.term[loans].astype(np.int64) + 1, elapsed[loans])
    rng = stream(seed, "POS_CASH_balance")
    counts = allocate(natural, round(row_count("POS_CASH_balance") * scale), rng, 96, natural.clip(1) ** -1.5)

    def record_pos(table: Table, parent: np.ndarray) -> None:
        history.add("pos_months", prev.client[parent])
        history.add("pos_dpd_months", prev.client[parent], table["SK_DPD"] > 0)
        advance("POS_CASH_balance", parent.size)

    build = _pos(ctx, loans, counts)
    rows["POS_CASH_balance"] = write_children(
        out, "POS_CASH_balance", seed=seed, counts=counts, build=build, on_chunk=record_pos
    )

    paying = np.flatnonzero(prev.approved)
    due = np.where(
        prev.revolving[paying],
        elapsed[paying],
        np.minimum(prev.term[paying].astype(np.int64), elapsed[paying]),
    )
    rng = stream(seed, "installments_payments", 0)
    counts = allocate(due, round(row_count("installments_payments") * scale), rng, cap=None)

    def record_instalments(table: Table, parent: np.ndarray) -> None:
        client = prev.client[parent]
        paid_late = np.nan_to_num(table["DAYS_ENTRY_PAYMENT"] - table["DAYS_INSTALMENT"]).clip(min=0)
        history.add("inst_count", client)
        history.add("inst_late", client, paid_late > 0)
        history.add("inst_days_late", client, paid_late)
        advance("installments_payments", parent.size)

    build = _installments(ctx, paying, counts, np.maximum(due, 1))
    rows["installments_payments"] = write_children(
        out, "installments_payments", seed=seed, counts=counts, build=build, on_chunk=record_instalments
    )

    cards = np.flatnonzero(prev.approved & prev.revolving)
    months = np.floor(-prev.table["DAYS_DECISION"][cards] / DAYS_PER_MONTH).clip(0, 95).astype(np.int64) + 1
    counts = allocate(
        months, round(row_count("credit_card_balance") * scale), stream(seed, "credit_card_balance"), cap=96
    )

    def record_cards(table: Table, parent: np.ndarray) -> None:
        limit = table["AMT_CREDIT_LIMIT_ACTUAL"]
        utilisation = np.divide(table["AMT_BALANCE"], limit, out=np.zeros(limit.size), where=limit > 0)
        history.add("card_months", prev.client[parent], limit > 0)
        history.add("card_utilisation", prev.client[parent], utilisation)
        advance("credit_card_balance", parent.size)

    build = _cards(ctx, cards, counts)
    rows["credit_card_balance"] = write_children(
        out, "credit_card_balance", seed=seed, counts=counts, build=build, on_chunk=record_cards
    )
    return rows
