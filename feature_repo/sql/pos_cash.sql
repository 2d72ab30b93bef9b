-- Feature view `pos_cash`: monthly snapshots of the client's previous point-of-sale and cash loans with
-- us, one row per client with at least one such month.
--
-- Input: `POS_CASH_balance` (one row per loan and month). Clients without history get NULL for every
-- feature, counts included.
-- Every output column: `expression AS POS_NAME, -- English description | fr: description en français`
-- (parsed by credit_features/catalog.py; a line without its French description is refused).
WITH per_loan AS (
    SELECT
        SK_ID_CURR,
        SK_ID_PREV,
        arg_max(CNT_INSTALMENT_FUTURE, MONTHS_BALANCE) AS instalments_left,
        bool_or(NAME_CONTRACT_STATUS = 'Completed') AS completed
    FROM POS_CASH_balance
    GROUP BY SK_ID_CURR, SK_ID_PREV
),

-- Loans are counted here, on one row per loan, rather than by count(DISTINCT SK_ID_PREV) over the
-- monthly rows: the same counts (NULL ids left out), for a third of this view's time at full size.
per_client_loans AS (
    SELECT
        SK_ID_CURR,
        count(SK_ID_PREV) AS loans,
        count(SK_ID_PREV) FILTER (WHERE completed) AS completed_loans,
        sum(instalments_left) AS instalments_left
    FROM per_loan
    GROUP BY SK_ID_CURR
)

SELECT
    SK_ID_CURR,
    count(*) AS POS_MONTHS_COUNT, -- Number of past monthly snapshots of point-of-sale and cash loans | fr: Nombre de relevés mensuels passés de prêts en magasin et de prêts personnels
    any_value(per_client_loans.loans) AS POS_LOAN_COUNT, -- Number of previous point-of-sale and cash loans with us | fr: Nombre de prêts en magasin et de prêts personnels précédents chez nous
    any_value(per_client_loans.completed_loans) AS POS_COMPLETED_COUNT, -- Number of previous point-of-sale and cash loans completed | fr: Nombre de prêts en magasin et de prêts personnels précédents remboursés
    max(MONTHS_BALANCE) AS POS_MONTHS_BALANCE_MAX, -- Most recent month of a loan snapshot (months before the application, negative) | fr: Mois le plus récent d'un relevé de prêt (mois avant la demande, négatif)
    avg(MONTHS_BALANCE) AS POS_MONTHS_BALANCE_MEAN, -- Average month of the loan snapshots (months before the application, negative) | fr: Mois moyen des relevés de prêt (mois avant la demande, négatif)
    max(SK_DPD) AS POS_SK_DPD_MAX, -- Most days past due on a previous loan in any month | fr: Plus grand nombre de jours de retard sur un prêt précédent en un mois | risk: up
    avg(SK_DPD) AS POS_SK_DPD_MEAN, -- Average days past due on previous loans per month | fr: Nombre moyen de jours de retard par mois sur les prêts précédents | risk: up
    max(SK_DPD_DEF) AS POS_SK_DPD_DEF_MAX, -- Most days past due in any month, small debts tolerated | fr: Plus grand nombre de jours de retard en un mois, petites dettes tolérées | risk: up
    avg(SK_DPD_DEF) AS POS_SK_DPD_DEF_MEAN, -- Average days past due per month, small debts tolerated | fr: Nombre moyen de jours de retard par mois, petites dettes tolérées | risk: up
    avg((SK_DPD > 0)::DOUBLE) AS POS_DPD_MONTH_SHARE, -- Share of loan months with a payment past due | fr: Part des mois de prêt avec un paiement en retard | risk: up
    avg(CNT_INSTALMENT) AS POS_CNT_INSTALMENT_MEAN, -- Average term (number of instalments) of previous loans | fr: Durée moyenne (nombre d'échéances) des prêts précédents
    avg(CNT_INSTALMENT_FUTURE) AS POS_CNT_INSTALMENT_FUTURE_MEAN, -- Average number of instalments left to pay per loan month | fr: Nombre moyen d'échéances restant à payer par mois de prêt
    any_value(per_client_loans.instalments_left) AS POS_INSTALMENTS_LEFT_SUM, -- Instalments still to pay on previous loans at their latest snapshot | fr: Échéances restant à payer sur les prêts précédents à leur dernier relevé
FROM POS_CASH_balance
LEFT JOIN per_client_loans USING (SK_ID_CURR)
GROUP BY SK_ID_CURR
