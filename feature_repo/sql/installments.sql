-- Feature view `installments`: repayment history of the client's previous credits with us, instalment by
-- instalment, one row per client with at least one instalment.
--
-- Input: `installments_payments` (one row per payment of an instalment; an instalment paid in several
-- parts has several rows, as in the source). Per row: DPD = days paid after the due date (0 if on time),
-- DBD = days paid before it (0 if late), PAYMENT_PERC = paid / due, PAYMENT_DIFF = due - paid. A row
-- with no payment date has NULL DPD/DBD (not 0: an unpaid instalment is not "on time") and is counted
-- in INST_MISSING_PAYMENT_COUNT. Clients without instalments get NULL for every feature.
-- Every output column: `expression AS INST_NAME, -- English description | fr: description en français`
-- (parsed by credit_features/catalog.py; a line without its French description is refused).
WITH payments AS (
    SELECT
        *,
        CASE
            WHEN DAYS_ENTRY_PAYMENT IS NOT NULL THEN greatest(DAYS_ENTRY_PAYMENT - DAYS_INSTALMENT, 0)
        END AS dpd,
        CASE
            WHEN DAYS_ENTRY_PAYMENT IS NOT NULL THEN greatest(DAYS_INSTALMENT - DAYS_ENTRY_PAYMENT, 0)
        END AS dbd,
        AMT_PAYMENT / NULLIF(AMT_INSTALMENT, 0) AS payment_perc,
        AMT_INSTALMENT - AMT_PAYMENT AS payment_diff
    FROM installments_payments
)

SELECT
    SK_ID_CURR,
    count(*) AS INST_COUNT, -- Number of past instalment payments recorded | fr: Nombre de paiements d'échéances passés enregistrés
    count(DISTINCT SK_ID_PREV) AS INST_CREDIT_COUNT, -- Number of previous credits with an instalment history | fr: Nombre de crédits précédents avec un historique d'échéances
    count(DISTINCT NUM_INSTALMENT_VERSION) AS INST_NUM_INSTALMENT_VERSION_NUNIQUE, -- Number of different repayment calendars (a change means a renegotiated schedule) | fr: Nombre de calendriers de remboursement différents (un changement signale un échéancier renégocié)
    avg((dpd > 0)::DOUBLE) AS INST_LATE_SHARE, -- Share of past instalments paid late | fr: Part des échéances passées payées en retard | risk: up
    avg((AMT_PAYMENT < AMT_INSTALMENT)::DOUBLE) AS INST_UNDERPAID_SHARE, -- Share of past instalments paid less than due | fr: Part des échéances passées payées en dessous du montant dû | risk: up
    count(*) FILTER (WHERE DAYS_ENTRY_PAYMENT IS NULL) AS INST_MISSING_PAYMENT_COUNT, -- Number of past instalments with no payment recorded | fr: Nombre d'échéances passées sans paiement enregistré
    max(dpd) AS INST_DPD_MAX, -- Highest days an instalment was paid after its due date over the client's past instalments | fr: Maximum des jours de retard d'un paiement d'échéance sur les échéances passées du client | risk: up
    avg(dpd) AS INST_DPD_MEAN, -- Average days an instalment was paid after its due date over the client's past instalments | fr: Moyenne des jours de retard d'un paiement d'échéance sur les échéances passées du client | risk: up
    sum(dpd) AS INST_DPD_SUM, -- Total days an instalment was paid after its due date over the client's past instalments | fr: Total des jours de retard d'un paiement d'échéance sur les échéances passées du client | risk: up
    var_samp(dpd) AS INST_DPD_VAR, -- Variability (variance) of days an instalment was paid after its due date over the client's past instalments | fr: Variabilité (variance) des jours de retard d'un paiement d'échéance sur les échéances passées du client
    max(dbd) AS INST_DBD_MAX, -- Highest days an instalment was paid before its due date over the client's past instalments | fr: Maximum des jours d'avance d'un paiement d'échéance sur les échéances passées du client
    avg(dbd) AS INST_DBD_MEAN, -- Average days an instalment was paid before its due date over the client's past instalments | fr: Moyenne des jours d'avance d'un paiement d'échéance sur les échéances passées du client
    sum(dbd) AS INST_DBD_SUM, -- Total days an instalment was paid before its due date over the client's past instalments | fr: Total des jours d'avance d'un paiement d'échéance sur les échéances passées du client
    var_samp(dbd) AS INST_DBD_VAR, -- Variability (variance) of days an instalment was paid before its due date over the client's past instalments | fr: Variabilité (variance) des jours d'avance d'un paiement d'échéance sur les échéances passées du client
    min(payment_perc) AS INST_PAYMENT_PERC_MIN, -- Lowest share of an instalment actually paid over the client's past instalments | fr: Minimum de la part d'une échéance réellement payée sur les échéances passées du client
    max(payment_perc) AS INST_PAYMENT_PERC_MAX, -- Highest share of an instalment actually paid over the client's past instalments | fr: Maximum de la part d'une échéance réellement payée sur les échéances passées du client
    avg(payment_perc) AS INST_PAYMENT_PERC_MEAN, -- Average share of an instalment actually paid over the client's past instalments | fr: Moyenne de la part d'une échéance réellement payée sur les échéances passées du client
    sum(payment_perc) AS INST_PAYMENT_PERC_SUM, -- Total share of an instalment actually paid over the client's past instalments | fr: Total de la part d'une échéance réellement payée sur les échéances passées du client
    var_samp(payment_perc) AS INST_PAYMENT_PERC_VAR, -- Variability (variance) of share of an instalment actually paid over the client's past instalments | fr: Variabilité (variance) de la part d'une échéance réellement payée sur les échéances passées du client
    max(payment_diff) AS INST_PAYMENT_DIFF_MAX, -- Highest amount of an instalment left unpaid (negative if overpaid) over the client's past instalments | fr: Maximum du montant d'une échéance resté impayé (négatif si payé en trop) sur les échéances passées du client
    avg(payment_diff) AS INST_PAYMENT_DIFF_MEAN, -- Average amount of an instalment left unpaid (negative if overpaid) over the client's past instalments | fr: Moyenne du montant d'une échéance resté impayé (négatif si payé en trop) sur les échéances passées du client
    sum(payment_diff) AS INST_PAYMENT_DIFF_SUM, -- Total amount of an instalment left unpaid (negative if overpaid) over the client's past instalments | fr: Total du montant d'une échéance resté impayé (négatif si payé en trop) sur les échéances passées du client
    var_samp(payment_diff) AS INST_PAYMENT_DIFF_VAR, -- Variability (variance) of amount of an instalment left unpaid (negative if overpaid) over the client's past instalments | fr: Variabilité (variance) du montant d'une échéance resté impayé (négatif si payé en trop) sur les échéances passées du client
    max(AMT_INSTALMENT) AS INST_AMT_INSTALMENT_MAX, -- Highest instalment amount due over the client's past instalments | fr: Maximum du montant d'échéance dû sur les échéances passées du client
    avg(AMT_INSTALMENT) AS INST_AMT_INSTALMENT_MEAN, -- Average instalment amount due over the client's past instalments | fr: Moyenne du montant d'échéance dû sur les échéances passées du client
    sum(AMT_INSTALMENT) AS INST_AMT_INSTALMENT_SUM, -- Total instalment amount due over the client's past instalments | fr: Total du montant d'échéance dû sur les échéances passées du client
    min(AMT_PAYMENT) AS INST_AMT_PAYMENT_MIN, -- Lowest amount paid for an instalment over the client's past instalments | fr: Minimum du montant payé pour une échéance sur les échéances passées du client
    max(AMT_PAYMENT) AS INST_AMT_PAYMENT_MAX, -- Highest amount paid for an instalment over the client's past instalments | fr: Maximum du montant payé pour une échéance sur les échéances passées du client
    avg(AMT_PAYMENT) AS INST_AMT_PAYMENT_MEAN, -- Average amount paid for an instalment over the client's past instalments | fr: Moyenne du montant payé pour une échéance sur les échéances passées du client
    sum(AMT_PAYMENT) AS INST_AMT_PAYMENT_SUM, -- Total amount paid for an instalment over the client's past instalments | fr: Total du montant payé pour une échéance sur les échéances passées du client
    max(DAYS_ENTRY_PAYMENT) AS INST_DAYS_ENTRY_PAYMENT_MAX, -- Highest days before the application an instalment was paid (negative) over the client's past instalments | fr: Maximum des jours entre le paiement d'une échéance et la demande (négatif) sur les échéances passées du client
    avg(DAYS_ENTRY_PAYMENT) AS INST_DAYS_ENTRY_PAYMENT_MEAN, -- Average days before the application an instalment was paid (negative) over the client's past instalments | fr: Moyenne des jours entre le paiement d'une échéance et la demande (négatif) sur les échéances passées du client
    sum(DAYS_ENTRY_PAYMENT) AS INST_DAYS_ENTRY_PAYMENT_SUM, -- Total days before the application an instalment was paid (negative) over the client's past instalments | fr: Total des jours entre le paiement d'une échéance et la demande (négatif) sur les échéances passées du client
FROM payments
GROUP BY SK_ID_CURR
