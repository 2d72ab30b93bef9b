-- Feature view `bureau`: the client's credits at other institutions (credit bureau) and their monthly
-- statuses, one row per client with at least one bureau credit.
--
-- Inputs: `bureau` (one row per bureau credit) and `bureau_balance` (one row per credit and month).
-- bureau_balance is first reduced to one row per credit (months reported, shares of statuses), then
-- everything is aggregated per client. Clients absent from `bureau` get no row here, so the build's
-- left join gives them NULL for every feature, counts included: the tables cannot tell "no credit
-- elsewhere" from "not known to the bureau". A client with bureau credits but none active gets
-- BURO_ACTIVE_COUNT = 0 (true) and NULL for the other BURO_ACTIVE_* aggregates (nothing to aggregate).
-- Every output column: `expression AS BURO_NAME, -- description` (parsed by training/feature_catalog.py).
WITH balance_per_credit AS (
    SELECT
        SK_ID_BUREAU,
        count(*) AS bb_months,
        min(MONTHS_BALANCE) AS bb_first_month,
        avg((STATUS = '0')::DOUBLE) AS bb_ontime_share,
        avg((STATUS IN ('1', '2', '3', '4', '5'))::DOUBLE) AS bb_late_share,
        avg((STATUS = 'C')::DOUBLE) AS bb_closed_share,
        avg((STATUS = 'X')::DOUBLE) AS bb_unknown_share,
        max(TRY_CAST(STATUS AS INTEGER)) AS bb_worst_status
    FROM bureau_balance
    GROUP BY SK_ID_BUREAU
),

credits AS (
    SELECT bureau.*, balance_per_credit.* EXCLUDE (SK_ID_BUREAU)
    FROM bureau
    LEFT JOIN balance_per_credit USING (SK_ID_BUREAU)
)

SELECT
    SK_ID_CURR,
    -- counts and shares
    count(*) AS BURO_COUNT, -- Number of credits the client has at other institutions (credit bureau)
    count(*) FILTER (WHERE CREDIT_ACTIVE = 'Active') AS BURO_ACTIVE_COUNT, -- Number of the client's bureau credits still running
    count(*) FILTER (WHERE CREDIT_ACTIVE = 'Closed') AS BURO_CLOSED_COUNT, -- Number of the client's bureau credits already closed
    count(*) FILTER (WHERE CREDIT_ACTIVE = 'Sold') AS BURO_SOLD_COUNT, -- Number of the client's bureau credits sold to a third party (often bad debt)
    avg((CREDIT_ACTIVE = 'Active')::DOUBLE) AS BURO_ACTIVE_SHARE, -- Share of the client's bureau credits still running
    count(DISTINCT CREDIT_TYPE) AS BURO_CREDIT_TYPE_NUNIQUE, -- Number of different kinds of bureau credit (card, car loan, mortgage, ...)
    avg((CREDIT_TYPE = 'Credit card')::DOUBLE) AS BURO_CREDIT_CARD_SHARE, -- Share of the client's bureau credits that are credit cards
    sum(AMT_CREDIT_SUM_DEBT) / NULLIF(sum(AMT_CREDIT_SUM), 0) AS BURO_DEBT_CREDIT_RATIO, -- Debt still owed as a share of all bureau credit amounts
    sum(AMT_CREDIT_SUM_OVERDUE) / NULLIF(sum(AMT_CREDIT_SUM_DEBT), 0) AS BURO_OVERDUE_DEBT_RATIO, -- Amount overdue as a share of the debt still owed on bureau credits
    sum(AMT_CREDIT_SUM_DEBT) FILTER (WHERE CREDIT_ACTIVE = 'Active')
        / NULLIF(sum(AMT_CREDIT_SUM) FILTER (WHERE CREDIT_ACTIVE = 'Active'), 0) AS BURO_ACTIVE_DEBT_CREDIT_RATIO, -- Debt still owed as a share of the amounts of running bureau credits
    -- monthly statuses (bureau_balance), first per credit then over the client's credits
    sum(bb_months) AS BURO_BB_MONTHS_SUM, -- Months of bureau history reported over all the client's credits
    avg(bb_months) AS BURO_BB_MONTHS_MEAN, -- Average months of bureau history reported per credit
    min(bb_first_month) AS BURO_BB_FIRST_MONTH_MIN, -- Oldest month reported to the bureau (months before the application, negative)
    avg(bb_ontime_share) AS BURO_BB_ONTIME_SHARE_MEAN, -- Average share of months paid on time per bureau credit
    avg(bb_late_share) AS BURO_BB_LATE_SHARE_MEAN, -- Average share of months paid late (any delay) per bureau credit
    avg(bb_closed_share) AS BURO_BB_CLOSED_SHARE_MEAN, -- Average share of months reported closed per bureau credit
    avg(bb_unknown_share) AS BURO_BB_UNKNOWN_SHARE_MEAN, -- Average share of months with unknown status per bureau credit
    max(bb_worst_status) AS BURO_BB_WORST_STATUS_MAX, -- Worst monthly delay class ever reported (0 on time, 1 up to 30 days late, ..., 5 over 120 days or written off)
    -- numeric columns over all credits
    min(DAYS_CREDIT) AS BURO_DAYS_CREDIT_MIN, -- Lowest days before the application a bureau credit was opened (negative) over the client's credit-bureau credits
    max(DAYS_CREDIT) AS BURO_DAYS_CREDIT_MAX, -- Highest days before the application a bureau credit was opened (negative) over the client's credit-bureau credits
    avg(DAYS_CREDIT) AS BURO_DAYS_CREDIT_MEAN, -- Average days before the application a bureau credit was opened (negative) over the client's credit-bureau credits
    sum(DAYS_CREDIT) AS BURO_DAYS_CREDIT_SUM, -- Total days before the application a bureau credit was opened (negative) over the client's credit-bureau credits
    var_samp(DAYS_CREDIT) AS BURO_DAYS_CREDIT_VAR, -- Variability (variance) of days before the application a bureau credit was opened (negative) over the client's credit-bureau credits
    min(DAYS_CREDIT_ENDDATE) AS BURO_DAYS_CREDIT_ENDDATE_MIN, -- Lowest days until a bureau credit's planned end (negative if past) over the client's credit-bureau credits
    max(DAYS_CREDIT_ENDDATE) AS BURO_DAYS_CREDIT_ENDDATE_MAX, -- Highest days until a bureau credit's planned end (negative if past) over the client's credit-bureau credits
    avg(DAYS_CREDIT_ENDDATE) AS BURO_DAYS_CREDIT_ENDDATE_MEAN, -- Average days until a bureau credit's planned end (negative if past) over the client's credit-bureau credits
    sum(DAYS_CREDIT_ENDDATE) AS BURO_DAYS_CREDIT_ENDDATE_SUM, -- Total days until a bureau credit's planned end (negative if past) over the client's credit-bureau credits
    min(DAYS_CREDIT_UPDATE) AS BURO_DAYS_CREDIT_UPDATE_MIN, -- Lowest days since a bureau credit's last update (negative) over the client's credit-bureau credits
    max(DAYS_CREDIT_UPDATE) AS BURO_DAYS_CREDIT_UPDATE_MAX, -- Highest days since a bureau credit's last update (negative) over the client's credit-bureau credits
    avg(DAYS_CREDIT_UPDATE) AS BURO_DAYS_CREDIT_UPDATE_MEAN, -- Average days since a bureau credit's last update (negative) over the client's credit-bureau credits
    sum(DAYS_CREDIT_UPDATE) AS BURO_DAYS_CREDIT_UPDATE_SUM, -- Total days since a bureau credit's last update (negative) over the client's credit-bureau credits
    min(CREDIT_DAY_OVERDUE) AS BURO_CREDIT_DAY_OVERDUE_MIN, -- Lowest days overdue on a bureau credit over the client's credit-bureau credits
    max(CREDIT_DAY_OVERDUE) AS BURO_CREDIT_DAY_OVERDUE_MAX, -- Highest days overdue on a bureau credit over the client's credit-bureau credits
    avg(CREDIT_DAY_OVERDUE) AS BURO_CREDIT_DAY_OVERDUE_MEAN, -- Average days overdue on a bureau credit over the client's credit-bureau credits
    sum(CREDIT_DAY_OVERDUE) AS BURO_CREDIT_DAY_OVERDUE_SUM, -- Total days overdue on a bureau credit over the client's credit-bureau credits
    min(AMT_CREDIT_MAX_OVERDUE) AS BURO_AMT_CREDIT_MAX_OVERDUE_MIN, -- Lowest largest amount ever overdue on a bureau credit over the client's credit-bureau credits
    max(AMT_CREDIT_MAX_OVERDUE) AS BURO_AMT_CREDIT_MAX_OVERDUE_MAX, -- Highest largest amount ever overdue on a bureau credit over the client's credit-bureau credits
    avg(AMT_CREDIT_MAX_OVERDUE) AS BURO_AMT_CREDIT_MAX_OVERDUE_MEAN, -- Average largest amount ever overdue on a bureau credit over the client's credit-bureau credits
    sum(AMT_CREDIT_MAX_OVERDUE) AS BURO_AMT_CREDIT_MAX_OVERDUE_SUM, -- Total largest amount ever overdue on a bureau credit over the client's credit-bureau credits
    min(AMT_CREDIT_SUM) AS BURO_AMT_CREDIT_SUM_MIN, -- Lowest amount of a bureau credit over the client's credit-bureau credits
    max(AMT_CREDIT_SUM) AS BURO_AMT_CREDIT_SUM_MAX, -- Highest amount of a bureau credit over the client's credit-bureau credits
    avg(AMT_CREDIT_SUM) AS BURO_AMT_CREDIT_SUM_MEAN, -- Average amount of a bureau credit over the client's credit-bureau credits
    sum(AMT_CREDIT_SUM) AS BURO_AMT_CREDIT_SUM_SUM, -- Total amount of a bureau credit over the client's credit-bureau credits
    min(AMT_CREDIT_SUM_DEBT) AS BURO_AMT_CREDIT_SUM_DEBT_MIN, -- Lowest debt still owed on a bureau credit over the client's credit-bureau credits
    max(AMT_CREDIT_SUM_DEBT) AS BURO_AMT_CREDIT_SUM_DEBT_MAX, -- Highest debt still owed on a bureau credit over the client's credit-bureau credits
    avg(AMT_CREDIT_SUM_DEBT) AS BURO_AMT_CREDIT_SUM_DEBT_MEAN, -- Average debt still owed on a bureau credit over the client's credit-bureau credits
    sum(AMT_CREDIT_SUM_DEBT) AS BURO_AMT_CREDIT_SUM_DEBT_SUM, -- Total debt still owed on a bureau credit over the client's credit-bureau credits
    min(AMT_CREDIT_SUM_OVERDUE) AS BURO_AMT_CREDIT_SUM_OVERDUE_MIN, -- Lowest amount currently overdue on a bureau credit over the client's credit-bureau credits
    max(AMT_CREDIT_SUM_OVERDUE) AS BURO_AMT_CREDIT_SUM_OVERDUE_MAX, -- Highest amount currently overdue on a bureau credit over the client's credit-bureau credits
    avg(AMT_CREDIT_SUM_OVERDUE) AS BURO_AMT_CREDIT_SUM_OVERDUE_MEAN, -- Average amount currently overdue on a bureau credit over the client's credit-bureau credits
    sum(AMT_CREDIT_SUM_OVERDUE) AS BURO_AMT_CREDIT_SUM_OVERDUE_SUM, -- Total amount currently overdue on a bureau credit over the client's credit-bureau credits
    min(AMT_CREDIT_SUM_LIMIT) AS BURO_AMT_CREDIT_SUM_LIMIT_MIN, -- Lowest credit-card limit of a bureau credit over the client's credit-bureau credits
    max(AMT_CREDIT_SUM_LIMIT) AS BURO_AMT_CREDIT_SUM_LIMIT_MAX, -- Highest credit-card limit of a bureau credit over the client's credit-bureau credits
    avg(AMT_CREDIT_SUM_LIMIT) AS BURO_AMT_CREDIT_SUM_LIMIT_MEAN, -- Average credit-card limit of a bureau credit over the client's credit-bureau credits
    sum(AMT_CREDIT_SUM_LIMIT) AS BURO_AMT_CREDIT_SUM_LIMIT_SUM, -- Total credit-card limit of a bureau credit over the client's credit-bureau credits
    min(AMT_ANNUITY) AS BURO_AMT_ANNUITY_MIN, -- Lowest annuity of a bureau credit over the client's credit-bureau credits
    max(AMT_ANNUITY) AS BURO_AMT_ANNUITY_MAX, -- Highest annuity of a bureau credit over the client's credit-bureau credits
    avg(AMT_ANNUITY) AS BURO_AMT_ANNUITY_MEAN, -- Average annuity of a bureau credit over the client's credit-bureau credits
    sum(AMT_ANNUITY) AS BURO_AMT_ANNUITY_SUM, -- Total annuity of a bureau credit over the client's credit-bureau credits
    min(CNT_CREDIT_PROLONG) AS BURO_CNT_CREDIT_PROLONG_MIN, -- Lowest number of times a bureau credit was prolonged over the client's credit-bureau credits
    max(CNT_CREDIT_PROLONG) AS BURO_CNT_CREDIT_PROLONG_MAX, -- Highest number of times a bureau credit was prolonged over the client's credit-bureau credits
    avg(CNT_CREDIT_PROLONG) AS BURO_CNT_CREDIT_PROLONG_MEAN, -- Average number of times a bureau credit was prolonged over the client's credit-bureau credits
    sum(CNT_CREDIT_PROLONG) AS BURO_CNT_CREDIT_PROLONG_SUM, -- Total number of times a bureau credit was prolonged over the client's credit-bureau credits
    -- active credits only
    min(DAYS_CREDIT) FILTER (WHERE CREDIT_ACTIVE = 'Active') AS BURO_ACTIVE_DAYS_CREDIT_MIN, -- Lowest days before the application a bureau credit was opened over the client's active bureau credits
    max(DAYS_CREDIT) FILTER (WHERE CREDIT_ACTIVE = 'Active') AS BURO_ACTIVE_DAYS_CREDIT_MAX, -- Highest days before the application a bureau credit was opened over the client's active bureau credits
    avg(DAYS_CREDIT) FILTER (WHERE CREDIT_ACTIVE = 'Active') AS BURO_ACTIVE_DAYS_CREDIT_MEAN, -- Average days before the application a bureau credit was opened over the client's active bureau credits
    min(DAYS_CREDIT_ENDDATE) FILTER (WHERE CREDIT_ACTIVE = 'Active') AS BURO_ACTIVE_DAYS_CREDIT_ENDDATE_MIN, -- Lowest days until a bureau credit's planned end over the client's active bureau credits
    max(DAYS_CREDIT_ENDDATE) FILTER (WHERE CREDIT_ACTIVE = 'Active') AS BURO_ACTIVE_DAYS_CREDIT_ENDDATE_MAX, -- Highest days until a bureau credit's planned end over the client's active bureau credits
    avg(DAYS_CREDIT_ENDDATE) FILTER (WHERE CREDIT_ACTIVE = 'Active') AS BURO_ACTIVE_DAYS_CREDIT_ENDDATE_MEAN, -- Average days until a bureau credit's planned end over the client's active bureau credits
    avg(DAYS_CREDIT_UPDATE) FILTER (WHERE CREDIT_ACTIVE = 'Active') AS BURO_ACTIVE_DAYS_CREDIT_UPDATE_MEAN, -- Average days since a bureau credit's last update over the client's active bureau credits
    max(CREDIT_DAY_OVERDUE) FILTER (WHERE CREDIT_ACTIVE = 'Active') AS BURO_ACTIVE_CREDIT_DAY_OVERDUE_MAX, -- Highest days overdue on a bureau credit over the client's active bureau credits
    avg(CREDIT_DAY_OVERDUE) FILTER (WHERE CREDIT_ACTIVE = 'Active') AS BURO_ACTIVE_CREDIT_DAY_OVERDUE_MEAN, -- Average days overdue on a bureau credit over the client's active bureau credits
    max(AMT_CREDIT_MAX_OVERDUE) FILTER (WHERE CREDIT_ACTIVE = 'Active') AS BURO_ACTIVE_AMT_CREDIT_MAX_OVERDUE_MAX, -- Highest largest amount ever overdue on a bureau credit over the client's active bureau credits
    avg(AMT_CREDIT_MAX_OVERDUE) FILTER (WHERE CREDIT_ACTIVE = 'Active') AS BURO_ACTIVE_AMT_CREDIT_MAX_OVERDUE_MEAN, -- Average largest amount ever overdue on a bureau credit over the client's active bureau credits
    max(AMT_CREDIT_SUM) FILTER (WHERE CREDIT_ACTIVE = 'Active') AS BURO_ACTIVE_AMT_CREDIT_SUM_MAX, -- Highest amount of a bureau credit over the client's active bureau credits
    avg(AMT_CREDIT_SUM) FILTER (WHERE CREDIT_ACTIVE = 'Active') AS BURO_ACTIVE_AMT_CREDIT_SUM_MEAN, -- Average amount of a bureau credit over the client's active bureau credits
    sum(AMT_CREDIT_SUM) FILTER (WHERE CREDIT_ACTIVE = 'Active') AS BURO_ACTIVE_AMT_CREDIT_SUM_SUM, -- Total amount of a bureau credit over the client's active bureau credits
    max(AMT_CREDIT_SUM_DEBT) FILTER (WHERE CREDIT_ACTIVE = 'Active') AS BURO_ACTIVE_AMT_CREDIT_SUM_DEBT_MAX, -- Highest debt still owed on a bureau credit over the client's active bureau credits
    avg(AMT_CREDIT_SUM_DEBT) FILTER (WHERE CREDIT_ACTIVE = 'Active') AS BURO_ACTIVE_AMT_CREDIT_SUM_DEBT_MEAN, -- Average debt still owed on a bureau credit over the client's active bureau credits
    sum(AMT_CREDIT_SUM_DEBT) FILTER (WHERE CREDIT_ACTIVE = 'Active') AS BURO_ACTIVE_AMT_CREDIT_SUM_DEBT_SUM, -- Total debt still owed on a bureau credit over the client's active bureau credits
    avg(AMT_CREDIT_SUM_OVERDUE) FILTER (WHERE CREDIT_ACTIVE = 'Active') AS BURO_ACTIVE_AMT_CREDIT_SUM_OVERDUE_MEAN, -- Average amount currently overdue on a bureau credit over the client's active bureau credits
    sum(AMT_CREDIT_SUM_OVERDUE) FILTER (WHERE CREDIT_ACTIVE = 'Active') AS BURO_ACTIVE_AMT_CREDIT_SUM_OVERDUE_SUM, -- Total amount currently overdue on a bureau credit over the client's active bureau credits
    avg(AMT_CREDIT_SUM_LIMIT) FILTER (WHERE CREDIT_ACTIVE = 'Active') AS BURO_ACTIVE_AMT_CREDIT_SUM_LIMIT_MEAN, -- Average credit-card limit of a bureau credit over the client's active bureau credits
    sum(AMT_CREDIT_SUM_LIMIT) FILTER (WHERE CREDIT_ACTIVE = 'Active') AS BURO_ACTIVE_AMT_CREDIT_SUM_LIMIT_SUM, -- Total credit-card limit of a bureau credit over the client's active bureau credits
    max(AMT_ANNUITY) FILTER (WHERE CREDIT_ACTIVE = 'Active') AS BURO_ACTIVE_AMT_ANNUITY_MAX, -- Highest annuity of a bureau credit over the client's active bureau credits
    avg(AMT_ANNUITY) FILTER (WHERE CREDIT_ACTIVE = 'Active') AS BURO_ACTIVE_AMT_ANNUITY_MEAN, -- Average annuity of a bureau credit over the client's active bureau credits
    sum(CNT_CREDIT_PROLONG) FILTER (WHERE CREDIT_ACTIVE = 'Active') AS BURO_ACTIVE_CNT_CREDIT_PROLONG_SUM, -- Total number of times a bureau credit was prolonged over the client's active bureau credits
    avg(bb_months) FILTER (WHERE CREDIT_ACTIVE = 'Active') AS BURO_ACTIVE_BB_MONTHS_MEAN, -- Average months of bureau history of a credit over the client's active bureau credits
    avg(bb_late_share) FILTER (WHERE CREDIT_ACTIVE = 'Active') AS BURO_ACTIVE_BB_LATE_SHARE_MEAN, -- Average share of months paid late on a credit over the client's active bureau credits
    -- closed credits only
    min(DAYS_CREDIT) FILTER (WHERE CREDIT_ACTIVE = 'Closed') AS BURO_CLOSED_DAYS_CREDIT_MIN, -- Lowest days before the application a bureau credit was opened over the client's closed bureau credits
    max(DAYS_CREDIT) FILTER (WHERE CREDIT_ACTIVE = 'Closed') AS BURO_CLOSED_DAYS_CREDIT_MAX, -- Highest days before the application a bureau credit was opened over the client's closed bureau credits
    avg(DAYS_CREDIT) FILTER (WHERE CREDIT_ACTIVE = 'Closed') AS BURO_CLOSED_DAYS_CREDIT_MEAN, -- Average days before the application a bureau credit was opened over the client's closed bureau credits
    min(DAYS_CREDIT_ENDDATE) FILTER (WHERE CREDIT_ACTIVE = 'Closed') AS BURO_CLOSED_DAYS_CREDIT_ENDDATE_MIN, -- Lowest days until a bureau credit's planned end over the client's closed bureau credits
    max(DAYS_CREDIT_ENDDATE) FILTER (WHERE CREDIT_ACTIVE = 'Closed') AS BURO_CLOSED_DAYS_CREDIT_ENDDATE_MAX, -- Highest days until a bureau credit's planned end over the client's closed bureau credits
    avg(DAYS_CREDIT_ENDDATE) FILTER (WHERE CREDIT_ACTIVE = 'Closed') AS BURO_CLOSED_DAYS_CREDIT_ENDDATE_MEAN, -- Average days until a bureau credit's planned end over the client's closed bureau credits
    avg(DAYS_CREDIT_UPDATE) FILTER (WHERE CREDIT_ACTIVE = 'Closed') AS BURO_CLOSED_DAYS_CREDIT_UPDATE_MEAN, -- Average days since a bureau credit's last update over the client's closed bureau credits
    max(CREDIT_DAY_OVERDUE) FILTER (WHERE CREDIT_ACTIVE = 'Closed') AS BURO_CLOSED_CREDIT_DAY_OVERDUE_MAX, -- Highest days overdue on a bureau credit over the client's closed bureau credits
    avg(CREDIT_DAY_OVERDUE) FILTER (WHERE CREDIT_ACTIVE = 'Closed') AS BURO_CLOSED_CREDIT_DAY_OVERDUE_MEAN, -- Average days overdue on a bureau credit over the client's closed bureau credits
    max(AMT_CREDIT_MAX_OVERDUE) FILTER (WHERE CREDIT_ACTIVE = 'Closed') AS BURO_CLOSED_AMT_CREDIT_MAX_OVERDUE_MAX, -- Highest largest amount ever overdue on a bureau credit over the client's closed bureau credits
    avg(AMT_CREDIT_MAX_OVERDUE) FILTER (WHERE CREDIT_ACTIVE = 'Closed') AS BURO_CLOSED_AMT_CREDIT_MAX_OVERDUE_MEAN, -- Average largest amount ever overdue on a bureau credit over the client's closed bureau credits
    max(AMT_CREDIT_SUM) FILTER (WHERE CREDIT_ACTIVE = 'Closed') AS BURO_CLOSED_AMT_CREDIT_SUM_MAX, -- Highest amount of a bureau credit over the client's closed bureau credits
    avg(AMT_CREDIT_SUM) FILTER (WHERE CREDIT_ACTIVE = 'Closed') AS BURO_CLOSED_AMT_CREDIT_SUM_MEAN, -- Average amount of a bureau credit over the client's closed bureau credits
    sum(AMT_CREDIT_SUM) FILTER (WHERE CREDIT_ACTIVE = 'Closed') AS BURO_CLOSED_AMT_CREDIT_SUM_SUM, -- Total amount of a bureau credit over the client's closed bureau credits
    max(AMT_CREDIT_SUM_DEBT) FILTER (WHERE CREDIT_ACTIVE = 'Closed') AS BURO_CLOSED_AMT_CREDIT_SUM_DEBT_MAX, -- Highest debt still owed on a bureau credit over the client's closed bureau credits
    avg(AMT_CREDIT_SUM_DEBT) FILTER (WHERE CREDIT_ACTIVE = 'Closed') AS BURO_CLOSED_AMT_CREDIT_SUM_DEBT_MEAN, -- Average debt still owed on a bureau credit over the client's closed bureau credits
    sum(AMT_CREDIT_SUM_DEBT) FILTER (WHERE CREDIT_ACTIVE = 'Closed') AS BURO_CLOSED_AMT_CREDIT_SUM_DEBT_SUM, -- Total debt still owed on a bureau credit over the client's closed bureau credits
    avg(AMT_CREDIT_SUM_OVERDUE) FILTER (WHERE CREDIT_ACTIVE = 'Closed') AS BURO_CLOSED_AMT_CREDIT_SUM_OVERDUE_MEAN, -- Average amount currently overdue on a bureau credit over the client's closed bureau credits
    sum(AMT_CREDIT_SUM_OVERDUE) FILTER (WHERE CREDIT_ACTIVE = 'Closed') AS BURO_CLOSED_AMT_CREDIT_SUM_OVERDUE_SUM, -- Total amount currently overdue on a bureau credit over the client's closed bureau credits
    avg(AMT_CREDIT_SUM_LIMIT) FILTER (WHERE CREDIT_ACTIVE = 'Closed') AS BURO_CLOSED_AMT_CREDIT_SUM_LIMIT_MEAN, -- Average credit-card limit of a bureau credit over the client's closed bureau credits
    sum(AMT_CREDIT_SUM_LIMIT) FILTER (WHERE CREDIT_ACTIVE = 'Closed') AS BURO_CLOSED_AMT_CREDIT_SUM_LIMIT_SUM, -- Total credit-card limit of a bureau credit over the client's closed bureau credits
    max(AMT_ANNUITY) FILTER (WHERE CREDIT_ACTIVE = 'Closed') AS BURO_CLOSED_AMT_ANNUITY_MAX, -- Highest annuity of a bureau credit over the client's closed bureau credits
    avg(AMT_ANNUITY) FILTER (WHERE CREDIT_ACTIVE = 'Closed') AS BURO_CLOSED_AMT_ANNUITY_MEAN, -- Average annuity of a bureau credit over the client's closed bureau credits
    sum(CNT_CREDIT_PROLONG) FILTER (WHERE CREDIT_ACTIVE = 'Closed') AS BURO_CLOSED_CNT_CREDIT_PROLONG_SUM, -- Total number of times a bureau credit was prolonged over the client's closed bureau credits
    avg(bb_months) FILTER (WHERE CREDIT_ACTIVE = 'Closed') AS BURO_CLOSED_BB_MONTHS_MEAN, -- Average months of bureau history of a credit over the client's closed bureau credits
    avg(bb_late_share) FILTER (WHERE CREDIT_ACTIVE = 'Closed') AS BURO_CLOSED_BB_LATE_SHARE_MEAN, -- Average share of months paid late on a credit over the client's closed bureau credits
FROM credits
GROUP BY SK_ID_CURR
