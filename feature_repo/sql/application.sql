-- Feature view `application`: what the client declared in the loan application, one row per application.
--
-- Input relation `application`: train and test applications with the columns of application_test
-- (the label column is never part of it). Row-local only, no window or aggregate over rows: the gateway runs
-- this same file on a single new application (training.features.application_features).
--
-- Cleaning: DAYS_EMPLOYED = 365243 (the "not employed / pensioner" sentinel) -> NULL; 'XNA' -> NULL.
-- Encoding, fixed without looking at the data so that offline and online give the same code:
--   * two-level fields -> 0/1 flags;
--   * other categoricals -> integer code = position in a fixed level list (the order of the real-data
--     profile, most frequent first, 0-based). NULL, 'XNA' and any level not in the list (unseen
--     in the profile sample, e.g. NAME_INCOME_TYPE 'Student') -> NULL, the same as missing; new
--     levels are appended at the end of a list so that existing codes never move.
-- Ratios divide by NULLIF(denominator, 0): a zero denominator gives NULL, never infinity.
-- Every output column: `expression AS APP_NAME, -- English description | fr: description en français`
-- (parsed by credit_features/catalog.py; a line without its French description is refused), ending in
-- `| risk: up` or `| risk: down` where lending sense fixes how the risk moves as the value grows (the
-- model is constrained to it: training.model.candidates.monotone_settings); elsewhere it is left free.
WITH cleaned AS (
    SELECT
        * REPLACE (NULLIF(DAYS_EMPLOYED, 365243) AS DAYS_EMPLOYED),
        [EXT_SOURCE_1, EXT_SOURCE_2, EXT_SOURCE_3] AS ext_sources
    FROM application
)
SELECT
    SK_ID_CURR,
    -- flags
    CASE NAME_CONTRACT_TYPE WHEN 'Revolving loans' THEN 1 WHEN 'Cash loans' THEN 0 END AS APP_REVOLVING_LOAN, -- 1 if the requested credit is a revolving loan (card), 0 if a cash loan | fr: 1 si le crédit demandé est un crédit renouvelable (carte), 0 si c'est un prêt personnel
    CASE CODE_GENDER WHEN 'M' THEN 1 WHEN 'F' THEN 0 END AS APP_GENDER_MALE, -- 1 if the client is a man, 0 if a woman (protected attribute: never a model input, see credit_features/protected.py) | fr: 1 si le client est un homme, 0 si c'est une femme (attribut protégé : jamais une entrée du modèle)
    CASE FLAG_OWN_CAR WHEN 'Y' THEN 1 WHEN 'N' THEN 0 END AS APP_OWNS_CAR, -- 1 if the client owns a car | fr: 1 si le client possède une voiture
    CASE FLAG_OWN_REALTY WHEN 'Y' THEN 1 WHEN 'N' THEN 0 END AS APP_OWNS_REALTY, -- 1 if the client owns a house or flat | fr: 1 si le client possède une maison ou un appartement
    CASE EMERGENCYSTATE_MODE WHEN 'Yes' THEN 1 WHEN 'No' THEN 0 END AS APP_BUILDING_EMERGENCY_STATE, -- 1 if the client's building is in an emergency state | fr: 1 si l'immeuble du client est en état d'urgence
    FLAG_EMP_PHONE AS APP_FLAG_EMP_PHONE, -- 1 if the client gave a work phone | fr: 1 si le client a donné un téléphone professionnel
    FLAG_WORK_PHONE AS APP_FLAG_WORK_PHONE, -- 1 if the client gave a home phone | fr: 1 si le client a donné un téléphone fixe personnel
    FLAG_CONT_MOBILE AS APP_FLAG_CONT_MOBILE, -- 1 if the client's mobile phone was reachable | fr: 1 si le téléphone portable du client était joignable
    FLAG_PHONE AS APP_FLAG_PHONE, -- 1 if the client gave a landline phone | fr: 1 si le client a donné une ligne fixe
    FLAG_EMAIL AS APP_FLAG_EMAIL, -- 1 if the client gave an e-mail address | fr: 1 si le client a donné une adresse électronique
    REG_REGION_NOT_LIVE_REGION AS APP_REG_REGION_NOT_LIVE_REGION, -- 1 if the permanent address is in another region than the contact address | fr: 1 si l'adresse permanente est dans une autre région que l'adresse de contact
    REG_REGION_NOT_WORK_REGION AS APP_REG_REGION_NOT_WORK_REGION, -- 1 if the permanent address is in another region than the work address | fr: 1 si l'adresse permanente est dans une autre région que l'adresse professionnelle
    LIVE_REGION_NOT_WORK_REGION AS APP_LIVE_REGION_NOT_WORK_REGION, -- 1 if the contact address is in another region than the work address | fr: 1 si l'adresse de contact est dans une autre région que l'adresse professionnelle
    REG_CITY_NOT_LIVE_CITY AS APP_REG_CITY_NOT_LIVE_CITY, -- 1 if the permanent address is in another city than the contact address | fr: 1 si l'adresse permanente est dans une autre ville que l'adresse de contact
    REG_CITY_NOT_WORK_CITY AS APP_REG_CITY_NOT_WORK_CITY, -- 1 if the permanent address is in another city than the work address | fr: 1 si l'adresse permanente est dans une autre ville que l'adresse professionnelle
    LIVE_CITY_NOT_WORK_CITY AS APP_LIVE_CITY_NOT_WORK_CITY, -- 1 if the contact address is in another city than the work address | fr: 1 si l'adresse de contact est dans une autre ville que l'adresse professionnelle
    FLAG_DOCUMENT_3 AS APP_FLAG_DOCUMENT_3, -- 1 if the client provided document 3 (the most common one) | fr: 1 si le client a fourni le document 3 (le plus courant)
    FLAG_DOCUMENT_2 + FLAG_DOCUMENT_3 + FLAG_DOCUMENT_4 + FLAG_DOCUMENT_5 + FLAG_DOCUMENT_6 + FLAG_DOCUMENT_7
        + FLAG_DOCUMENT_8 + FLAG_DOCUMENT_9 + FLAG_DOCUMENT_10 + FLAG_DOCUMENT_11 + FLAG_DOCUMENT_12
        + FLAG_DOCUMENT_13 + FLAG_DOCUMENT_14 + FLAG_DOCUMENT_15 + FLAG_DOCUMENT_16 + FLAG_DOCUMENT_17
        + FLAG_DOCUMENT_18 + FLAG_DOCUMENT_19 + FLAG_DOCUMENT_20 + FLAG_DOCUMENT_21 AS APP_DOCUMENT_COUNT, -- Number of optional documents the client provided (NULL if any flag is unknown) | fr: Nombre de documents facultatifs fournis par le client (vide si un indicateur est inconnu)
    -- categorical codes (position in the fixed level list, 0-based)
    list_position([
        'Unaccompanied', 'Family', 'Spouse, partner', 'Children', 'Other_B', 'Other_A', 'Group of people'
    ], NAME_TYPE_SUITE) - 1 AS APP_NAME_TYPE_SUITE_CODE, -- Who accompanied the client when applying (code: 0 alone, 1 family, 2 spouse, ...) | fr: Qui accompagnait le client lors de la demande (code : 0 seul, 1 famille, 2 conjoint, ...)
    list_position([
        'Working', 'Commercial associate', 'Pensioner', 'State servant', 'Unemployed'
    ], NAME_INCOME_TYPE) - 1 AS APP_NAME_INCOME_TYPE_CODE, -- Source of income (code: 0 working, 1 commercial associate, 2 pensioner, 3 state servant, 4 unemployed) | fr: Source de revenus (code : 0 salarié, 1 associé commercial, 2 retraité, 3 fonctionnaire, 4 sans emploi)
    list_position([
        'Secondary / secondary special', 'Higher education', 'Incomplete higher', 'Lower secondary',
        'Academic degree'
    ], NAME_EDUCATION_TYPE) - 1 AS APP_NAME_EDUCATION_TYPE_CODE, -- Highest education (code: 0 secondary, 1 higher, 2 incomplete higher, 3 lower secondary, 4 academic degree) | fr: Niveau d'études le plus élevé (code : 0 secondaire, 1 supérieur, 2 supérieur inachevé, 3 premier cycle du secondaire, 4 doctorat)
    list_position([
        'Married', 'Single / not married', 'Civil marriage', 'Widow', 'Separated'
    ], NAME_FAMILY_STATUS) - 1 AS APP_NAME_FAMILY_STATUS_CODE, -- Family status (code: 0 married, 1 single, 2 civil marriage, 3 widow, 4 separated) | fr: Situation familiale (code : 0 marié, 1 célibataire, 2 union civile, 3 veuf, 4 séparé)
    list_position([
        'House / apartment', 'With parents', 'Municipal apartment', 'Rented apartment', 'Office apartment',
        'Co-op apartment'
    ], NAME_HOUSING_TYPE) - 1 AS APP_NAME_HOUSING_TYPE_CODE, -- Housing situation (code: 0 own house or flat, 1 with parents, 2 municipal, 3 rented, 4 office, 5 co-op) | fr: Situation de logement (code : 0 propriétaire, 1 chez ses parents, 2 logement municipal, 3 locataire, 4 logement de fonction, 5 coopérative)
    list_position([
        'Laborers', 'Sales staff', 'Core staff', 'Managers', 'Drivers', 'High skill tech staff', 'Accountants',
        'Medicine staff', 'Cooking staff', 'Security staff', 'Cleaning staff', 'Private service staff',
        'Low-skill Laborers', 'Secretaries', 'Waiters/barmen staff', 'Realty agents', 'IT staff', 'HR staff'
    ], OCCUPATION_TYPE) - 1 AS APP_OCCUPATION_TYPE_CODE, -- Occupation of the client (code from a fixed list of 18 occupations) | fr: Profession du client (code dans une liste fixe de 18 professions)
    list_position([
        'TUESDAY', 'THURSDAY', 'WEDNESDAY', 'MONDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'
    ], WEEKDAY_APPR_PROCESS_START) - 1 AS APP_WEEKDAY_APPR_PROCESS_START_CODE, -- Weekday of the application (code: 0 Tuesday, 1 Thursday, 2 Wednesday, 3 Monday, 4 Friday, 5 Saturday, 6 Sunday) | fr: Jour de la semaine de la demande (code : 0 mardi, 1 jeudi, 2 mercredi, 3 lundi, 4 vendredi, 5 samedi, 6 dimanche)
    list_position([
        'Business Entity Type 3', 'Self-employed', 'Other', 'Medicine', 'Business Entity Type 2', 'Government',
        'School', 'Kindergarten', 'Trade: type 7', 'Transport: type 4', 'Business Entity Type 1', 'Construction',
        'Trade: type 3', 'Industry: type 3', 'Industry: type 9', 'Industry: type 11', 'Housing', 'Services',
        'Postal', 'Transport: type 2', 'Military', 'Agriculture', 'Security', 'Bank', 'Police',
        'Security Ministries', 'Trade: type 2', 'Transport: type 3', 'University', 'Hotel', 'Industry: type 1',
        'Restaurant', 'Industry: type 7', 'Electricity', 'Trade: type 6', 'Industry: type 5', 'Emergency',
        'Industry: type 4', 'Industry: type 2', 'Industry: type 12', 'Industry: type 13', 'Insurance', 'Mobile',
        'Telecom', 'Culture', 'Transport: type 1', 'Legal Services', 'Trade: type 1', 'Industry: type 10',
        'Advertising', 'Cleaning', 'Religion', 'Trade: type 5', 'Trade: type 4', 'Industry: type 8', 'Realtor',
        'Industry: type 6'
    ], ORGANIZATION_TYPE) - 1 AS APP_ORGANIZATION_TYPE_CODE, -- Type of organisation the client works for (code from a fixed list of 57; none for pensioners and the unemployed) | fr: Type d'organisation employant le client (code dans une liste fixe de 57 ; aucun pour les retraités et les sans-emploi)
    list_position([
        'reg oper account', 'reg oper spec account', 'org spec account', 'not specified'
    ], FONDKAPREMONT_MODE) - 1 AS APP_FONDKAPREMONT_MODE_CODE, -- Repair-fund account type of the client's building (code) | fr: Type de compte de fonds de travaux de l'immeuble du client (code)
    list_position([
        'block of flats', 'specific housing', 'terraced house'
    ], HOUSETYPE_MODE) - 1 AS APP_HOUSETYPE_MODE_CODE, -- Type of the client's building (code: 0 block of flats, 1 specific housing, 2 terraced house) | fr: Type d'immeuble du client (code : 0 immeuble d'appartements, 1 logement spécifique, 2 maison mitoyenne)
    list_position([
        'Stone, brick', 'Panel', 'Block', 'Wooden', 'Mixed', 'Monolithic', 'Others'
    ], WALLSMATERIAL_MODE) - 1 AS APP_WALLSMATERIAL_MODE_CODE, -- Wall material of the client's building (code: 0 stone or brick, 1 panel, 2 block, 3 wooden, ...) | fr: Matériau des murs de l'immeuble du client (code : 0 pierre ou brique, 1 panneaux, 2 blocs, 3 bois, ...)
    -- amounts and ratios
    AMT_INCOME_TOTAL AS APP_AMT_INCOME_TOTAL, -- Declared yearly income of the client | fr: Revenu annuel déclaré du client
    AMT_CREDIT AS APP_AMT_CREDIT, -- Amount of the requested credit | fr: Montant du crédit demandé | risk: up
    AMT_ANNUITY AS APP_AMT_ANNUITY, -- Yearly repayment (annuity) of the requested credit | fr: Remboursement annuel (annuité) du crédit demandé | risk: up
    AMT_GOODS_PRICE AS APP_AMT_GOODS_PRICE, -- Price of the goods the credit pays for | fr: Prix du bien financé par le crédit
    AMT_CREDIT / NULLIF(AMT_INCOME_TOTAL, 0) AS APP_CREDIT_INCOME_RATIO, -- Requested credit as a multiple of yearly income | fr: Crédit demandé en multiple du revenu annuel | risk: up
    AMT_ANNUITY / NULLIF(AMT_INCOME_TOTAL, 0) AS APP_ANNUITY_INCOME_RATIO, -- Share of yearly income that goes to the repayment | fr: Part du revenu annuel consacrée au remboursement | risk: up
    AMT_ANNUITY / NULLIF(AMT_CREDIT, 0) AS APP_PAYMENT_RATE, -- Yearly repayment as a share of the credit (high means a short loan) | fr: Remboursement annuel en part du crédit (élevé pour un prêt court)
    AMT_CREDIT / NULLIF(AMT_GOODS_PRICE, 0) AS APP_CREDIT_GOODS_RATIO, -- Credit amount relative to the price of the goods | fr: Montant du crédit rapporté au prix du bien | risk: up
    AMT_INCOME_TOTAL / NULLIF(CNT_FAM_MEMBERS, 0) AS APP_INCOME_PER_FAMILY_MEMBER, -- Yearly income per family member | fr: Revenu annuel par membre de la famille
    DAYS_EMPLOYED / NULLIF(DAYS_BIRTH, 0) AS APP_EMPLOYED_BIRTH_RATIO, -- Share of the client's life spent in the current job | fr: Part de la vie du client passée dans son emploi actuel
    -- external scores
    EXT_SOURCE_1 AS APP_EXT_SOURCE_1, -- External credit score 1 (0 to 1, higher is safer) | fr: Score de crédit externe 1 (de 0 à 1, plus élevé = plus sûr) | risk: down
    EXT_SOURCE_2 AS APP_EXT_SOURCE_2, -- External credit score 2 (0 to 1, higher is safer) | fr: Score de crédit externe 2 (de 0 à 1, plus élevé = plus sûr) | risk: down
    EXT_SOURCE_3 AS APP_EXT_SOURCE_3, -- External credit score 3 (0 to 1, higher is safer) | fr: Score de crédit externe 3 (de 0 à 1, plus élevé = plus sûr) | risk: down
    list_avg(ext_sources) AS APP_EXT_SOURCE_MEAN, -- Average of the available external credit scores | fr: Moyenne des scores de crédit externes disponibles | risk: down
    list_min(ext_sources) AS APP_EXT_SOURCE_MIN, -- Lowest of the available external credit scores | fr: Plus faible des scores de crédit externes disponibles | risk: down
    list_max(ext_sources) AS APP_EXT_SOURCE_MAX, -- Highest of the available external credit scores | fr: Plus élevé des scores de crédit externes disponibles | risk: down
    list_stddev_samp(ext_sources) AS APP_EXT_SOURCE_STD, -- Disagreement (standard deviation) between the available external credit scores | fr: Désaccord (écart type) entre les scores de crédit externes disponibles
    -- time and people
    -DAYS_BIRTH / 365.25 AS APP_AGE_YEARS, -- Age of the client in years | fr: Âge du client en années
    -DAYS_EMPLOYED / 365.25 AS APP_YEARS_EMPLOYED, -- Years in the current job (missing for pensioners and the unemployed) | fr: Années dans l'emploi actuel (vide pour les retraités et les sans-emploi)
    DAYS_BIRTH AS APP_DAYS_BIRTH, -- Age of the client in days (negative) | fr: Âge du client en jours (négatif)
    DAYS_EMPLOYED AS APP_DAYS_EMPLOYED, -- Days since the client started the current job (negative; missing if not employed) | fr: Jours depuis le début de l'emploi actuel (négatif ; vide sans emploi)
    DAYS_REGISTRATION AS APP_DAYS_REGISTRATION, -- Days since the client last changed registration (negative) | fr: Jours depuis le dernier changement d'enregistrement du client (négatif)
    DAYS_ID_PUBLISH AS APP_DAYS_ID_PUBLISH, -- Days since the client last changed identity document (negative) | fr: Jours depuis le dernier changement de pièce d'identité du client (négatif)
    DAYS_LAST_PHONE_CHANGE AS APP_DAYS_LAST_PHONE_CHANGE, -- Days since the client last changed phone (negative) | fr: Jours depuis le dernier changement de téléphone du client (négatif)
    OWN_CAR_AGE AS APP_OWN_CAR_AGE, -- Age of the client's car in years | fr: Âge de la voiture du client en années
    CNT_CHILDREN AS APP_CNT_CHILDREN, -- Number of children | fr: Nombre d'enfants
    CNT_FAM_MEMBERS AS APP_CNT_FAM_MEMBERS, -- Number of family members | fr: Nombre de membres de la famille
    HOUR_APPR_PROCESS_START AS APP_HOUR_APPR_PROCESS_START, -- Hour of the day the client applied | fr: Heure de la journée à laquelle le client a fait sa demande
    -- region and social circle
    REGION_POPULATION_RELATIVE AS APP_REGION_POPULATION_RELATIVE, -- How populated the client's region is (higher is more populated) | fr: Densité de population de la région du client (plus élevé = plus peuplé)
    REGION_RATING_CLIENT AS APP_REGION_RATING_CLIENT, -- Our rating of the client's region (1 best to 3) | fr: Notre note de la région du client (de 1, la meilleure, à 3)
    REGION_RATING_CLIENT_W_CITY AS APP_REGION_RATING_CLIENT_W_CITY, -- Our rating of the client's region and city (1 best to 3) | fr: Notre note de la région et de la ville du client (de 1, la meilleure, à 3)
    OBS_30_CNT_SOCIAL_CIRCLE AS APP_OBS_30_CNT_SOCIAL_CIRCLE, -- People around the client observed 30 days past due at least once | fr: Personnes de l'entourage du client observées au moins une fois avec 30 jours de retard
    DEF_30_CNT_SOCIAL_CIRCLE AS APP_DEF_30_CNT_SOCIAL_CIRCLE, -- People around the client who defaulted 30 days past due | fr: Personnes de l'entourage du client en défaut à 30 jours de retard
    OBS_60_CNT_SOCIAL_CIRCLE AS APP_OBS_60_CNT_SOCIAL_CIRCLE, -- People around the client observed 60 days past due at least once | fr: Personnes de l'entourage du client observées au moins une fois avec 60 jours de retard
    DEF_60_CNT_SOCIAL_CIRCLE AS APP_DEF_60_CNT_SOCIAL_CIRCLE, -- People around the client who defaulted 60 days past due | fr: Personnes de l'entourage du client en défaut à 60 jours de retard
    -- enquiries to the credit bureau
    AMT_REQ_CREDIT_BUREAU_HOUR AS APP_AMT_REQ_CREDIT_BUREAU_HOUR, -- Credit-bureau enquiries about the client in the hour before applying | fr: Consultations du bureau de crédit au sujet du client dans l'heure précédant la demande
    AMT_REQ_CREDIT_BUREAU_DAY AS APP_AMT_REQ_CREDIT_BUREAU_DAY, -- Credit-bureau enquiries about the client in the day before applying | fr: Consultations du bureau de crédit au sujet du client dans la journée précédant la demande
    AMT_REQ_CREDIT_BUREAU_WEEK AS APP_AMT_REQ_CREDIT_BUREAU_WEEK, -- Credit-bureau enquiries about the client in the week before applying | fr: Consultations du bureau de crédit au sujet du client dans la semaine précédant la demande
    AMT_REQ_CREDIT_BUREAU_MON AS APP_AMT_REQ_CREDIT_BUREAU_MON, -- Credit-bureau enquiries about the client in the month before applying | fr: Consultations du bureau de crédit au sujet du client dans le mois précédant la demande
    AMT_REQ_CREDIT_BUREAU_QRT AS APP_AMT_REQ_CREDIT_BUREAU_QRT, -- Credit-bureau enquiries about the client in the quarter before applying | fr: Consultations du bureau de crédit au sujet du client dans le trimestre précédant la demande
    AMT_REQ_CREDIT_BUREAU_YEAR AS APP_AMT_REQ_CREDIT_BUREAU_YEAR, -- Credit-bureau enquiries about the client in the year before applying | fr: Consultations du bureau de crédit au sujet du client dans l'année précédant la demande
    -- the client's building (normalised medians)
    APARTMENTS_MEDI AS APP_APARTMENTS_MEDI, -- Size of the apartments in the client's building (normalised) | fr: Taille des appartements de l'immeuble du client (normalisée)
    BASEMENTAREA_MEDI AS APP_BASEMENTAREA_MEDI, -- Basement area of the client's building (normalised) | fr: Surface du sous-sol de l'immeuble du client (normalisée)
    YEARS_BEGINEXPLUATATION_MEDI AS APP_YEARS_BEGINEXPLUATATION_MEDI, -- How long the client's building has been in use (normalised) | fr: Ancienneté de mise en service de l'immeuble du client (normalisée)
    YEARS_BUILD_MEDI AS APP_YEARS_BUILD_MEDI, -- Age of the client's building (normalised) | fr: Âge de l'immeuble du client (normalisé)
    ELEVATORS_MEDI AS APP_ELEVATORS_MEDI, -- Elevators in the client's building (normalised) | fr: Ascenseurs de l'immeuble du client (normalisé)
    ENTRANCES_MEDI AS APP_ENTRANCES_MEDI, -- Entrances of the client's building (normalised) | fr: Entrées de l'immeuble du client (normalisé)
    FLOORSMAX_MEDI AS APP_FLOORSMAX_MEDI, -- Floors of the client's building (normalised) | fr: Étages de l'immeuble du client (normalisé)
    LIVINGAREA_MEDI AS APP_LIVINGAREA_MEDI, -- Living area in the client's building (normalised) | fr: Surface habitable de l'immeuble du client (normalisée)
    LANDAREA_MEDI AS APP_LANDAREA_MEDI, -- Land area of the client's building (normalised) | fr: Surface du terrain de l'immeuble du client (normalisée)
    TOTALAREA_MODE AS APP_TOTALAREA_MODE, -- Total area of the client's building (normalised) | fr: Surface totale de l'immeuble du client (normalisée)
FROM cleaned
