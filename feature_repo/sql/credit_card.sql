-- Feature view `credit_card`: monthly balances of the client's previous credit cards with us, one row per
-- client with at least one card month.
--
-- Input: `credit_card_balance` (one row per card and month). Utilisation = balance / limit of the month
-- (NULL when the limit is 0). Clients without card history get NULL for every feature.
-- Every output column: `expression AS CC_NAME, -- description` (parsed by training/feature_catalog.py).
WITH months AS (
    SELECT *, AMT_BALANCE / NULLIF(AMT_CREDIT_LIMIT_ACTUAL, 0) AS utilisation
    FROM credit_card_balance
)

SELECT
    SK_ID_CURR,
    count(*) AS CC_COUNT, -- Number of past card months recorded
    count(DISTINCT SK_ID_PREV) AS CC_CARD_COUNT, -- Number of the client's previous credit cards with us
    avg(utilisation) AS CC_UTILISATION_MEAN, -- Average share of the card limit in use
    max(utilisation) AS CC_UTILISATION_MAX, -- Highest share of the card limit ever in use
    avg((SK_DPD > 0)::DOUBLE) AS CC_DPD_MONTH_SHARE, -- Share of card months with a payment past due
    min(AMT_BALANCE) AS CC_AMT_BALANCE_MIN, -- Lowest monthly card balance over the client's past card months
    max(AMT_BALANCE) AS CC_AMT_BALANCE_MAX, -- Highest monthly card balance over the client's past card months
    avg(AMT_BALANCE) AS CC_AMT_BALANCE_MEAN, -- Average monthly card balance over the client's past card months
    sum(AMT_BALANCE) AS CC_AMT_BALANCE_SUM, -- Total monthly card balance over the client's past card months
    var_samp(AMT_BALANCE) AS CC_AMT_BALANCE_VAR, -- Variability (variance) of monthly card balance over the client's past card months
    min(AMT_CREDIT_LIMIT_ACTUAL) AS CC_AMT_CREDIT_LIMIT_ACTUAL_MIN, -- Lowest monthly card credit limit over the client's past card months
    max(AMT_CREDIT_LIMIT_ACTUAL) AS CC_AMT_CREDIT_LIMIT_ACTUAL_MAX, -- Highest monthly card credit limit over the client's past card months
    avg(AMT_CREDIT_LIMIT_ACTUAL) AS CC_AMT_CREDIT_LIMIT_ACTUAL_MEAN, -- Average monthly card credit limit over the client's past card months
    sum(AMT_CREDIT_LIMIT_ACTUAL) AS CC_AMT_CREDIT_LIMIT_ACTUAL_SUM, -- Total monthly card credit limit over the client's past card months
    var_samp(AMT_CREDIT_LIMIT_ACTUAL) AS CC_AMT_CREDIT_LIMIT_ACTUAL_VAR, -- Variability (variance) of monthly card credit limit over the client's past card months
    min(AMT_DRAWINGS_ATM_CURRENT) AS CC_AMT_DRAWINGS_ATM_CURRENT_MIN, -- Lowest monthly cash withdrawn at ATMs over the client's past card months
    max(AMT_DRAWINGS_ATM_CURRENT) AS CC_AMT_DRAWINGS_ATM_CURRENT_MAX, -- Highest monthly cash withdrawn at ATMs over the client's past card months
    avg(AMT_DRAWINGS_ATM_CURRENT) AS CC_AMT_DRAWINGS_ATM_CURRENT_MEAN, -- Average monthly cash withdrawn at ATMs over the client's past card months
    sum(AMT_DRAWINGS_ATM_CURRENT) AS CC_AMT_DRAWINGS_ATM_CURRENT_SUM, -- Total monthly cash withdrawn at ATMs over the client's past card months
    var_samp(AMT_DRAWINGS_ATM_CURRENT) AS CC_AMT_DRAWINGS_ATM_CURRENT_VAR, -- Variability (variance) of monthly cash withdrawn at ATMs over the client's past card months
    min(AMT_DRAWINGS_CURRENT) AS CC_AMT_DRAWINGS_CURRENT_MIN, -- Lowest monthly amount drawn on the card over the client's past card months
    max(AMT_DRAWINGS_CURRENT) AS CC_AMT_DRAWINGS_CURRENT_MAX, -- Highest monthly amount drawn on the card over the client's past card months
    avg(AMT_DRAWINGS_CURRENT) AS CC_AMT_DRAWINGS_CURRENT_MEAN, -- Average monthly amount drawn on the card over the client's past card months
    sum(AMT_DRAWINGS_CURRENT) AS CC_AMT_DRAWINGS_CURRENT_SUM, -- Total monthly amount drawn on the card over the client's past card months
    var_samp(AMT_DRAWINGS_CURRENT) AS CC_AMT_DRAWINGS_CURRENT_VAR, -- Variability (variance) of monthly amount drawn on the card over the client's past card months
    min(AMT_DRAWINGS_OTHER_CURRENT) AS CC_AMT_DRAWINGS_OTHER_CURRENT_MIN, -- Lowest monthly amount of other drawings on the card over the client's past card months
    max(AMT_DRAWINGS_OTHER_CURRENT) AS CC_AMT_DRAWINGS_OTHER_CURRENT_MAX, -- Highest monthly amount of other drawings on the card over the client's past card months
    avg(AMT_DRAWINGS_OTHER_CURRENT) AS CC_AMT_DRAWINGS_OTHER_CURRENT_MEAN, -- Average monthly amount of other drawings on the card over the client's past card months
    sum(AMT_DRAWINGS_OTHER_CURRENT) AS CC_AMT_DRAWINGS_OTHER_CURRENT_SUM, -- Total monthly amount of other drawings on the card over the client's past card months
    var_samp(AMT_DRAWINGS_OTHER_CURRENT) AS CC_AMT_DRAWINGS_OTHER_CURRENT_VAR, -- Variability (variance) of monthly amount of other drawings on the card over the client's past card months
    min(AMT_DRAWINGS_POS_CURRENT) AS CC_AMT_DRAWINGS_POS_CURRENT_MIN, -- Lowest monthly amount of card purchases over the client's past card months
    max(AMT_DRAWINGS_POS_CURRENT) AS CC_AMT_DRAWINGS_POS_CURRENT_MAX, -- Highest monthly amount of card purchases over the client's past card months
    avg(AMT_DRAWINGS_POS_CURRENT) AS CC_AMT_DRAWINGS_POS_CURRENT_MEAN, -- Average monthly amount of card purchases over the client's past card months
    sum(AMT_DRAWINGS_POS_CURRENT) AS CC_AMT_DRAWINGS_POS_CURRENT_SUM, -- Total monthly amount of card purchases over the client's past card months
    var_samp(AMT_DRAWINGS_POS_CURRENT) AS CC_AMT_DRAWINGS_POS_CURRENT_VAR, -- Variability (variance) of monthly amount of card purchases over the client's past card months
    min(AMT_INST_MIN_REGULARITY) AS CC_AMT_INST_MIN_REGULARITY_MIN, -- Lowest monthly minimum instalment due on the card over the client's past card months
    max(AMT_INST_MIN_REGULARITY) AS CC_AMT_INST_MIN_REGULARITY_MAX, -- Highest monthly minimum instalment due on the card over the client's past card months
    avg(AMT_INST_MIN_REGULARITY) AS CC_AMT_INST_MIN_REGULARITY_MEAN, -- Average monthly minimum instalment due on the card over the client's past card months
    sum(AMT_INST_MIN_REGULARITY) AS CC_AMT_INST_MIN_REGULARITY_SUM, -- Total monthly minimum instalment due on the card over the client's past card months
    var_samp(AMT_INST_MIN_REGULARITY) AS CC_AMT_INST_MIN_REGULARITY_VAR, -- Variability (variance) of monthly minimum instalment due on the card over the client's past card months
    min(AMT_PAYMENT_CURRENT) AS CC_AMT_PAYMENT_CURRENT_MIN, -- Lowest monthly card payment over the client's past card months
    max(AMT_PAYMENT_CURRENT) AS CC_AMT_PAYMENT_CURRENT_MAX, -- Highest monthly card payment over the client's past card months
    avg(AMT_PAYMENT_CURRENT) AS CC_AMT_PAYMENT_CURRENT_MEAN, -- Average monthly card payment over the client's past card months
    sum(AMT_PAYMENT_CURRENT) AS CC_AMT_PAYMENT_CURRENT_SUM, -- Total monthly card payment over the client's past card months
    var_samp(AMT_PAYMENT_CURRENT) AS CC_AMT_PAYMENT_CURRENT_VAR, -- Variability (variance) of monthly card payment over the client's past card months
    min(AMT_PAYMENT_TOTAL_CURRENT) AS CC_AMT_PAYMENT_TOTAL_CURRENT_MIN, -- Lowest monthly total card payment over the client's past card months
    max(AMT_PAYMENT_TOTAL_CURRENT) AS CC_AMT_PAYMENT_TOTAL_CURRENT_MAX, -- Highest monthly total card payment over the client's past card months
    avg(AMT_PAYMENT_TOTAL_CURRENT) AS CC_AMT_PAYMENT_TOTAL_CURRENT_MEAN, -- Average monthly total card payment over the client's past card months
    sum(AMT_PAYMENT_TOTAL_CURRENT) AS CC_AMT_PAYMENT_TOTAL_CURRENT_SUM, -- Total monthly total card payment over the client's past card months
    var_samp(AMT_PAYMENT_TOTAL_CURRENT) AS CC_AMT_PAYMENT_TOTAL_CURRENT_VAR, -- Variability (variance) of monthly total card payment over the client's past card months
    min(AMT_RECEIVABLE_PRINCIPAL) AS CC_AMT_RECEIVABLE_PRINCIPAL_MIN, -- Lowest monthly principal still owed on the card over the client's past card months
    max(AMT_RECEIVABLE_PRINCIPAL) AS CC_AMT_RECEIVABLE_PRINCIPAL_MAX, -- Highest monthly principal still owed on the card over the client's past card months
    avg(AMT_RECEIVABLE_PRINCIPAL) AS CC_AMT_RECEIVABLE_PRINCIPAL_MEAN, -- Average monthly principal still owed on the card over the client's past card months
    sum(AMT_RECEIVABLE_PRINCIPAL) AS CC_AMT_RECEIVABLE_PRINCIPAL_SUM, -- Total monthly principal still owed on the card over the client's past card months
    var_samp(AMT_RECEIVABLE_PRINCIPAL) AS CC_AMT_RECEIVABLE_PRINCIPAL_VAR, -- Variability (variance) of monthly principal still owed on the card over the client's past card months
    min(AMT_RECIVABLE) AS CC_AMT_RECIVABLE_MIN, -- Lowest monthly amount receivable on the card over the client's past card months
    max(AMT_RECIVABLE) AS CC_AMT_RECIVABLE_MAX, -- Highest monthly amount receivable on the card over the client's past card months
    avg(AMT_RECIVABLE) AS CC_AMT_RECIVABLE_MEAN, -- Average monthly amount receivable on the card over the client's past card months
    sum(AMT_RECIVABLE) AS CC_AMT_RECIVABLE_SUM, -- Total monthly amount receivable on the card over the client's past card months
    var_samp(AMT_RECIVABLE) AS CC_AMT_RECIVABLE_VAR, -- Variability (variance) of monthly amount receivable on the card over the client's past card months
    min(AMT_TOTAL_RECEIVABLE) AS CC_AMT_TOTAL_RECEIVABLE_MIN, -- Lowest monthly total amount receivable on the card over the client's past card months
    max(AMT_TOTAL_RECEIVABLE) AS CC_AMT_TOTAL_RECEIVABLE_MAX, -- Highest monthly total amount receivable on the card over the client's past card months
    avg(AMT_TOTAL_RECEIVABLE) AS CC_AMT_TOTAL_RECEIVABLE_MEAN, -- Average monthly total amount receivable on the card over the client's past card months
    sum(AMT_TOTAL_RECEIVABLE) AS CC_AMT_TOTAL_RECEIVABLE_SUM, -- Total monthly total amount receivable on the card over the client's past card months
    var_samp(AMT_TOTAL_RECEIVABLE) AS CC_AMT_TOTAL_RECEIVABLE_VAR, -- Variability (variance) of monthly total amount receivable on the card over the client's past card months
    min(CNT_DRAWINGS_ATM_CURRENT) AS CC_CNT_DRAWINGS_ATM_CURRENT_MIN, -- Lowest monthly number of ATM withdrawals over the client's past card months
    max(CNT_DRAWINGS_ATM_CURRENT) AS CC_CNT_DRAWINGS_ATM_CURRENT_MAX, -- Highest monthly number of ATM withdrawals over the client's past card months
    avg(CNT_DRAWINGS_ATM_CURRENT) AS CC_CNT_DRAWINGS_ATM_CURRENT_MEAN, -- Average monthly number of ATM withdrawals over the client's past card months
    sum(CNT_DRAWINGS_ATM_CURRENT) AS CC_CNT_DRAWINGS_ATM_CURRENT_SUM, -- Total monthly number of ATM withdrawals over the client's past card months
    var_samp(CNT_DRAWINGS_ATM_CURRENT) AS CC_CNT_DRAWINGS_ATM_CURRENT_VAR, -- Variability (variance) of monthly number of ATM withdrawals over the client's past card months
    min(CNT_DRAWINGS_CURRENT) AS CC_CNT_DRAWINGS_CURRENT_MIN, -- Lowest monthly number of card drawings over the client's past card months
    max(CNT_DRAWINGS_CURRENT) AS CC_CNT_DRAWINGS_CURRENT_MAX, -- Highest monthly number of card drawings over the client's past card months
    avg(CNT_DRAWINGS_CURRENT) AS CC_CNT_DRAWINGS_CURRENT_MEAN, -- Average monthly number of card drawings over the client's past card months
    sum(CNT_DRAWINGS_CURRENT) AS CC_CNT_DRAWINGS_CURRENT_SUM, -- Total monthly number of card drawings over the client's past card months
    var_samp(CNT_DRAWINGS_CURRENT) AS CC_CNT_DRAWINGS_CURRENT_VAR, -- Variability (variance) of monthly number of card drawings over the client's past card months
    min(CNT_DRAWINGS_OTHER_CURRENT) AS CC_CNT_DRAWINGS_OTHER_CURRENT_MIN, -- Lowest monthly number of other card drawings over the client's past card months
    max(CNT_DRAWINGS_OTHER_CURRENT) AS CC_CNT_DRAWINGS_OTHER_CURRENT_MAX, -- Highest monthly number of other card drawings over the client's past card months
    avg(CNT_DRAWINGS_OTHER_CURRENT) AS CC_CNT_DRAWINGS_OTHER_CURRENT_MEAN, -- Average monthly number of other card drawings over the client's past card months
    sum(CNT_DRAWINGS_OTHER_CURRENT) AS CC_CNT_DRAWINGS_OTHER_CURRENT_SUM, -- Total monthly number of other card drawings over the client's past card months
    var_samp(CNT_DRAWINGS_OTHER_CURRENT) AS CC_CNT_DRAWINGS_OTHER_CURRENT_VAR, -- Variability (variance) of monthly number of other card drawings over the client's past card months
    min(CNT_DRAWINGS_POS_CURRENT) AS CC_CNT_DRAWINGS_POS_CURRENT_MIN, -- Lowest monthly number of card purchases over the client's past card months
    max(CNT_DRAWINGS_POS_CURRENT) AS CC_CNT_DRAWINGS_POS_CURRENT_MAX, -- Highest monthly number of card purchases over the client's past card months
    avg(CNT_DRAWINGS_POS_CURRENT) AS CC_CNT_DRAWINGS_POS_CURRENT_MEAN, -- Average monthly number of card purchases over the client's past card months
    sum(CNT_DRAWINGS_POS_CURRENT) AS CC_CNT_DRAWINGS_POS_CURRENT_SUM, -- Total monthly number of card purchases over the client's past card months
    var_samp(CNT_DRAWINGS_POS_CURRENT) AS CC_CNT_DRAWINGS_POS_CURRENT_VAR, -- Variability (variance) of monthly number of card purchases over the client's past card months
    min(CNT_INSTALMENT_MATURE_CUM) AS CC_CNT_INSTALMENT_MATURE_CUM_MIN, -- Lowest number of card instalments paid so far over the client's past card months
    max(CNT_INSTALMENT_MATURE_CUM) AS CC_CNT_INSTALMENT_MATURE_CUM_MAX, -- Highest number of card instalments paid so far over the client's past card months
    avg(CNT_INSTALMENT_MATURE_CUM) AS CC_CNT_INSTALMENT_MATURE_CUM_MEAN, -- Average number of card instalments paid so far over the client's past card months
    sum(CNT_INSTALMENT_MATURE_CUM) AS CC_CNT_INSTALMENT_MATURE_CUM_SUM, -- Total number of card instalments paid so far over the client's past card months
    var_samp(CNT_INSTALMENT_MATURE_CUM) AS CC_CNT_INSTALMENT_MATURE_CUM_VAR, -- Variability (variance) of number of card instalments paid so far over the client's past card months
    min(SK_DPD) AS CC_SK_DPD_MIN, -- Lowest monthly days past due on the card over the client's past card months
    max(SK_DPD) AS CC_SK_DPD_MAX, -- Highest monthly days past due on the card over the client's past card months
    avg(SK_DPD) AS CC_SK_DPD_MEAN, -- Average monthly days past due on the card over the client's past card months
    sum(SK_DPD) AS CC_SK_DPD_SUM, -- Total monthly days past due on the card over the client's past card months
    var_samp(SK_DPD) AS CC_SK_DPD_VAR, -- Variability (variance) of monthly days past due on the card over the client's past card months
    min(SK_DPD_DEF) AS CC_SK_DPD_DEF_MIN, -- Lowest monthly days past due on the card (small debts tolerated) over the client's past card months
    max(SK_DPD_DEF) AS CC_SK_DPD_DEF_MAX, -- Highest monthly days past due on the card (small debts tolerated) over the client's past card months
    avg(SK_DPD_DEF) AS CC_SK_DPD_DEF_MEAN, -- Average monthly days past due on the card (small debts tolerated) over the client's past card months
    sum(SK_DPD_DEF) AS CC_SK_DPD_DEF_SUM, -- Total monthly days past due on the card (small debts tolerated) over the client's past card months
    var_samp(SK_DPD_DEF) AS CC_SK_DPD_DEF_VAR, -- Variability (variance) of monthly days past due on the card (small debts tolerated) over the client's past card months
    min(MONTHS_BALANCE) AS CC_MONTHS_BALANCE_MIN, -- Lowest month of a card statement (months before the application, negative) over the client's past card months
    max(MONTHS_BALANCE) AS CC_MONTHS_BALANCE_MAX, -- Highest month of a card statement (months before the application, negative) over the client's past card months
    avg(MONTHS_BALANCE) AS CC_MONTHS_BALANCE_MEAN, -- Average month of a card statement (months before the application, negative) over the client's past card months
    sum(MONTHS_BALANCE) AS CC_MONTHS_BALANCE_SUM, -- Total month of a card statement (months before the application, negative) over the client's past card months
    var_samp(MONTHS_BALANCE) AS CC_MONTHS_BALANCE_VAR, -- Variability (variance) of month of a card statement (months before the application, negative) over the client's past card months
FROM months
GROUP BY SK_ID_CURR
