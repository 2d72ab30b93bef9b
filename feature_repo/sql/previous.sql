-- Feature view `previous`: the client's previous applications at Prêt à dépenser, one row per client
-- with at least one previous application.
--
-- Input: `previous_application`. DAYS_* = 365243 (the "no date" sentinel) -> NULL before aggregating.
-- Clients without previous applications get NULL for every feature (counts included) through the
-- build's left join; a client with previous applications but none refused gets PREV_REFUSED_COUNT = 0
-- and NULL for the other PREV_REFUSED_* aggregates.
-- Every output column: `expression AS PREV_NAME, -- description` (parsed by training/feature_catalog.py).
WITH applications AS (
    SELECT
        * REPLACE (
            NULLIF(DAYS_FIRST_DRAWING, 365243) AS DAYS_FIRST_DRAWING,
            NULLIF(DAYS_FIRST_DUE, 365243) AS DAYS_FIRST_DUE,
            NULLIF(DAYS_LAST_DUE_1ST_VERSION, 365243) AS DAYS_LAST_DUE_1ST_VERSION,
            NULLIF(DAYS_LAST_DUE, 365243) AS DAYS_LAST_DUE,
            NULLIF(DAYS_TERMINATION, 365243) AS DAYS_TERMINATION
        ),
        AMT_APPLICATION / NULLIF(AMT_CREDIT, 0) AS app_credit_perc
    FROM previous_application
)

SELECT
    SK_ID_CURR,
    -- counts and shares of decisions
    count(*) AS PREV_COUNT, -- Number of the client's previous applications with us
    count(*) FILTER (WHERE NAME_CONTRACT_STATUS = 'Approved') AS PREV_APPROVED_COUNT, -- Number of the client's previous applications that were approved
    count(*) FILTER (WHERE NAME_CONTRACT_STATUS = 'Refused') AS PREV_REFUSED_COUNT, -- Number of the client's previous applications that were refused
    avg((NAME_CONTRACT_STATUS = 'Approved')::DOUBLE) AS PREV_APPROVED_SHARE, -- Share of the client's previous applications that were approved
    avg((NAME_CONTRACT_STATUS = 'Refused')::DOUBLE) AS PREV_REFUSED_SHARE, -- Share of the client's previous applications that were refused
    avg((NAME_CONTRACT_STATUS = 'Canceled')::DOUBLE) AS PREV_CANCELED_SHARE, -- Share of the client's previous applications that were cancelled
    avg((NAME_CONTRACT_STATUS = 'Unused offer')::DOUBLE) AS PREV_UNUSED_OFFER_SHARE, -- Share of the client's previous applications approved but not taken up
    avg(NFLAG_INSURED_ON_APPROVAL) AS PREV_INSURED_SHARE, -- Share of the client's previous credits with an insurance requested
    -- numeric columns over all previous applications
    min(AMT_ANNUITY) AS PREV_AMT_ANNUITY_MIN, -- Lowest annuity of a previous application over the client's previous applications
    max(AMT_ANNUITY) AS PREV_AMT_ANNUITY_MAX, -- Highest annuity of a previous application over the client's previous applications
    avg(AMT_ANNUITY) AS PREV_AMT_ANNUITY_MEAN, -- Average annuity of a previous application over the client's previous applications
    min(AMT_APPLICATION) AS PREV_AMT_APPLICATION_MIN, -- Lowest amount asked for in a previous application over the client's previous applications
    max(AMT_APPLICATION) AS PREV_AMT_APPLICATION_MAX, -- Highest amount asked for in a previous application over the client's previous applications
    avg(AMT_APPLICATION) AS PREV_AMT_APPLICATION_MEAN, -- Average amount asked for in a previous application over the client's previous applications
    min(AMT_CREDIT) AS PREV_AMT_CREDIT_MIN, -- Lowest credit amount granted on a previous application over the client's previous applications
    max(AMT_CREDIT) AS PREV_AMT_CREDIT_MAX, -- Highest credit amount granted on a previous application over the client's previous applications
    avg(AMT_CREDIT) AS PREV_AMT_CREDIT_MEAN, -- Average credit amount granted on a previous application over the client's previous applications
    min(app_credit_perc) AS PREV_APP_CREDIT_PERC_MIN, -- Lowest ratio of amount asked to amount granted on a previous application over the client's previous applications
    max(app_credit_perc) AS PREV_APP_CREDIT_PERC_MAX, -- Highest ratio of amount asked to amount granted on a previous application over the client's previous applications
    avg(app_credit_perc) AS PREV_APP_CREDIT_PERC_MEAN, -- Average ratio of amount asked to amount granted on a previous application over the client's previous applications
    var_samp(app_credit_perc) AS PREV_APP_CREDIT_PERC_VAR, -- Variability (variance) of ratio of amount asked to amount granted on a previous application over the client's previous applications
    min(AMT_DOWN_PAYMENT) AS PREV_AMT_DOWN_PAYMENT_MIN, -- Lowest down payment on a previous application over the client's previous applications
    max(AMT_DOWN_PAYMENT) AS PREV_AMT_DOWN_PAYMENT_MAX, -- Highest down payment on a previous application over the client's previous applications
    avg(AMT_DOWN_PAYMENT) AS PREV_AMT_DOWN_PAYMENT_MEAN, -- Average down payment on a previous application over the client's previous applications
    min(AMT_GOODS_PRICE) AS PREV_AMT_GOODS_PRICE_MIN, -- Lowest goods price of a previous application over the client's previous applications
    max(AMT_GOODS_PRICE) AS PREV_AMT_GOODS_PRICE_MAX, -- Highest goods price of a previous application over the client's previous applications
    avg(AMT_GOODS_PRICE) AS PREV_AMT_GOODS_PRICE_MEAN, -- Average goods price of a previous application over the client's previous applications
    min(HOUR_APPR_PROCESS_START) AS PREV_HOUR_APPR_PROCESS_START_MIN, -- Lowest hour of day of a previous application over the client's previous applications
    max(HOUR_APPR_PROCESS_START) AS PREV_HOUR_APPR_PROCESS_START_MAX, -- Highest hour of day of a previous application over the client's previous applications
    avg(HOUR_APPR_PROCESS_START) AS PREV_HOUR_APPR_PROCESS_START_MEAN, -- Average hour of day of a previous application over the client's previous applications
    min(RATE_DOWN_PAYMENT) AS PREV_RATE_DOWN_PAYMENT_MIN, -- Lowest down-payment rate of a previous application over the client's previous applications
    max(RATE_DOWN_PAYMENT) AS PREV_RATE_DOWN_PAYMENT_MAX, -- Highest down-payment rate of a previous application over the client's previous applications
    avg(RATE_DOWN_PAYMENT) AS PREV_RATE_DOWN_PAYMENT_MEAN, -- Average down-payment rate of a previous application over the client's previous applications
    min(DAYS_DECISION) AS PREV_DAYS_DECISION_MIN, -- Lowest days before the application a previous application was decided (negative) over the client's previous applications
    max(DAYS_DECISION) AS PREV_DAYS_DECISION_MAX, -- Highest days before the application a previous application was decided (negative) over the client's previous applications
    avg(DAYS_DECISION) AS PREV_DAYS_DECISION_MEAN, -- Average days before the application a previous application was decided (negative) over the client's previous applications
    avg(CNT_PAYMENT) AS PREV_CNT_PAYMENT_MEAN, -- Average number of payments (term) of a previous application over the client's previous applications
    sum(CNT_PAYMENT) AS PREV_CNT_PAYMENT_SUM, -- Total number of payments (term) of a previous application over the client's previous applications
    min(DAYS_LAST_DUE_1ST_VERSION) AS PREV_DAYS_LAST_DUE_1ST_VERSION_MIN, -- Lowest days until the originally planned last due date of a previous credit over the client's previous applications
    max(DAYS_LAST_DUE_1ST_VERSION) AS PREV_DAYS_LAST_DUE_1ST_VERSION_MAX, -- Highest days until the originally planned last due date of a previous credit over the client's previous applications
    avg(DAYS_LAST_DUE_1ST_VERSION) AS PREV_DAYS_LAST_DUE_1ST_VERSION_MEAN, -- Average days until the originally planned last due date of a previous credit over the client's previous applications
    max(DAYS_TERMINATION) AS PREV_DAYS_TERMINATION_MAX, -- Highest days until the expected end of a previous credit over the client's previous applications
    avg(DAYS_TERMINATION) AS PREV_DAYS_TERMINATION_MEAN, -- Average days until the expected end of a previous credit over the client's previous applications
    -- approved applications only
    max(AMT_ANNUITY) FILTER (WHERE NAME_CONTRACT_STATUS = 'Approved') AS PREV_APPROVED_AMT_ANNUITY_MAX, -- Highest annuity over the client's approved previous applications
    avg(AMT_ANNUITY) FILTER (WHERE NAME_CONTRACT_STATUS = 'Approved') AS PREV_APPROVED_AMT_ANNUITY_MEAN, -- Average annuity over the client's approved previous applications
    max(AMT_APPLICATION) FILTER (WHERE NAME_CONTRACT_STATUS = 'Approved') AS PREV_APPROVED_AMT_APPLICATION_MAX, -- Highest amount asked for over the client's approved previous applications
    avg(AMT_APPLICATION) FILTER (WHERE NAME_CONTRACT_STATUS = 'Approved') AS PREV_APPROVED_AMT_APPLICATION_MEAN, -- Average amount asked for over the client's approved previous applications
    max(AMT_CREDIT) FILTER (WHERE NAME_CONTRACT_STATUS = 'Approved') AS PREV_APPROVED_AMT_CREDIT_MAX, -- Highest credit amount over the client's approved previous applications
    avg(AMT_CREDIT) FILTER (WHERE NAME_CONTRACT_STATUS = 'Approved') AS PREV_APPROVED_AMT_CREDIT_MEAN, -- Average credit amount over the client's approved previous applications
    min(app_credit_perc) FILTER (WHERE NAME_CONTRACT_STATUS = 'Approved') AS PREV_APPROVED_APP_CREDIT_PERC_MIN, -- Lowest ratio of amount asked to amount granted over the client's approved previous applications
    max(app_credit_perc) FILTER (WHERE NAME_CONTRACT_STATUS = 'Approved') AS PREV_APPROVED_APP_CREDIT_PERC_MAX, -- Highest ratio of amount asked to amount granted over the client's approved previous applications
    avg(app_credit_perc) FILTER (WHERE NAME_CONTRACT_STATUS = 'Approved') AS PREV_APPROVED_APP_CREDIT_PERC_MEAN, -- Average ratio of amount asked to amount granted over the client's approved previous applications
    avg(AMT_DOWN_PAYMENT) FILTER (WHERE NAME_CONTRACT_STATUS = 'Approved') AS PREV_APPROVED_AMT_DOWN_PAYMENT_MEAN, -- Average down payment over the client's approved previous applications
    avg(AMT_GOODS_PRICE) FILTER (WHERE NAME_CONTRACT_STATUS = 'Approved') AS PREV_APPROVED_AMT_GOODS_PRICE_MEAN, -- Average goods price over the client's approved previous applications
    avg(RATE_DOWN_PAYMENT) FILTER (WHERE NAME_CONTRACT_STATUS = 'Approved') AS PREV_APPROVED_RATE_DOWN_PAYMENT_MEAN, -- Average down-payment rate over the client's approved previous applications
    min(DAYS_DECISION) FILTER (WHERE NAME_CONTRACT_STATUS = 'Approved') AS PREV_APPROVED_DAYS_DECISION_MIN, -- Lowest days before the application of the decision over the client's approved previous applications
    max(DAYS_DECISION) FILTER (WHERE NAME_CONTRACT_STATUS = 'Approved') AS PREV_APPROVED_DAYS_DECISION_MAX, -- Highest days before the application of the decision over the client's approved previous applications
    avg(DAYS_DECISION) FILTER (WHERE NAME_CONTRACT_STATUS = 'Approved') AS PREV_APPROVED_DAYS_DECISION_MEAN, -- Average days before the application of the decision over the client's approved previous applications
    avg(CNT_PAYMENT) FILTER (WHERE NAME_CONTRACT_STATUS = 'Approved') AS PREV_APPROVED_CNT_PAYMENT_MEAN, -- Average number of payments (term) over the client's approved previous applications
    sum(CNT_PAYMENT) FILTER (WHERE NAME_CONTRACT_STATUS = 'Approved') AS PREV_APPROVED_CNT_PAYMENT_SUM, -- Total number of payments (term) over the client's approved previous applications
    -- refused applications only
    max(AMT_ANNUITY) FILTER (WHERE NAME_CONTRACT_STATUS = 'Refused') AS PREV_REFUSED_AMT_ANNUITY_MAX, -- Highest annuity over the client's refused previous applications
    avg(AMT_ANNUITY) FILTER (WHERE NAME_CONTRACT_STATUS = 'Refused') AS PREV_REFUSED_AMT_ANNUITY_MEAN, -- Average annuity over the client's refused previous applications
    max(AMT_APPLICATION) FILTER (WHERE NAME_CONTRACT_STATUS = 'Refused') AS PREV_REFUSED_AMT_APPLICATION_MAX, -- Highest amount asked for over the client's refused previous applications
    avg(AMT_APPLICATION) FILTER (WHERE NAME_CONTRACT_STATUS = 'Refused') AS PREV_REFUSED_AMT_APPLICATION_MEAN, -- Average amount asked for over the client's refused previous applications
    max(AMT_CREDIT) FILTER (WHERE NAME_CONTRACT_STATUS = 'Refused') AS PREV_REFUSED_AMT_CREDIT_MAX, -- Highest credit amount over the client's refused previous applications
    avg(AMT_CREDIT) FILTER (WHERE NAME_CONTRACT_STATUS = 'Refused') AS PREV_REFUSED_AMT_CREDIT_MEAN, -- Average credit amount over the client's refused previous applications
    min(app_credit_perc) FILTER (WHERE NAME_CONTRACT_STATUS = 'Refused') AS PREV_REFUSED_APP_CREDIT_PERC_MIN, -- Lowest ratio of amount asked to amount granted over the client's refused previous applications
    max(app_credit_perc) FILTER (WHERE NAME_CONTRACT_STATUS = 'Refused') AS PREV_REFUSED_APP_CREDIT_PERC_MAX, -- Highest ratio of amount asked to amount granted over the client's refused previous applications
    avg(app_credit_perc) FILTER (WHERE NAME_CONTRACT_STATUS = 'Refused') AS PREV_REFUSED_APP_CREDIT_PERC_MEAN, -- Average ratio of amount asked to amount granted over the client's refused previous applications
    avg(AMT_DOWN_PAYMENT) FILTER (WHERE NAME_CONTRACT_STATUS = 'Refused') AS PREV_REFUSED_AMT_DOWN_PAYMENT_MEAN, -- Average down payment over the client's refused previous applications
    avg(AMT_GOODS_PRICE) FILTER (WHERE NAME_CONTRACT_STATUS = 'Refused') AS PREV_REFUSED_AMT_GOODS_PRICE_MEAN, -- Average goods price over the client's refused previous applications
    avg(RATE_DOWN_PAYMENT) FILTER (WHERE NAME_CONTRACT_STATUS = 'Refused') AS PREV_REFUSED_RATE_DOWN_PAYMENT_MEAN, -- Average down-payment rate over the client's refused previous applications
    min(DAYS_DECISION) FILTER (WHERE NAME_CONTRACT_STATUS = 'Refused') AS PREV_REFUSED_DAYS_DECISION_MIN, -- Lowest days before the application of the decision over the client's refused previous applications
    max(DAYS_DECISION) FILTER (WHERE NAME_CONTRACT_STATUS = 'Refused') AS PREV_REFUSED_DAYS_DECISION_MAX, -- Highest days before the application of the decision over the client's refused previous applications
    avg(DAYS_DECISION) FILTER (WHERE NAME_CONTRACT_STATUS = 'Refused') AS PREV_REFUSED_DAYS_DECISION_MEAN, -- Average days before the application of the decision over the client's refused previous applications
    avg(CNT_PAYMENT) FILTER (WHERE NAME_CONTRACT_STATUS = 'Refused') AS PREV_REFUSED_CNT_PAYMENT_MEAN, -- Average number of payments (term) over the client's refused previous applications
    sum(CNT_PAYMENT) FILTER (WHERE NAME_CONTRACT_STATUS = 'Refused') AS PREV_REFUSED_CNT_PAYMENT_SUM, -- Total number of payments (term) over the client's refused previous applications
FROM applications
GROUP BY SK_ID_CURR
