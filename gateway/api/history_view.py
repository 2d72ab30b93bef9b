"""A client's history as the API answers it, with the data's levels in the asked language."""

from __future__ import annotations

from gateway.api.schemas import (
    BureauCreditOut,
    CardOut,
    HistoryOut,
    PosOut,
    PreviousApplicationOut,
    RepaymentOut,
    RepaymentYearOut,
)
from gateway.client_file.history import History
from gateway.client_file.levels import level_label
from gateway.decisions.reasons import Language


def history_out(client_id: int, history: History, language: Language) -> HistoryOut:
    """A client's history with the data's levels and their names in `language`."""
    return HistoryOut(
        client_id=client_id,
        lang=language,
        bureau=[
            BureauCreditOut(
                **vars(credit),
                credit_active_label=level_label(credit.credit_active, language),
                credit_type_label=level_label(credit.credit_type, language),
            )
            for credit in history.bureau
        ],
        bureau_total=history.bureau_total,
        previous=[
            PreviousApplicationOut(
                **vars(application),
                contract_type_label=level_label(application.contract_type, language),
                status_label=level_label(application.status, language),
            )
            for application in history.previous
        ],
        previous_total=history.previous_total,
        installments=RepaymentOut(
            payments=history.installments.payments,
            late_share=history.installments.late_share,
            underpaid_share=history.installments.underpaid_share,
            mean_days_late=history.installments.mean_days_late,
            by_year=[RepaymentYearOut(**vars(year)) for year in history.installments.by_year],
        ),
        credit_card=CardOut(**vars(history.credit_card)),
        pos_cash=PosOut(**vars(history.pos_cash)),
    )
