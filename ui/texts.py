"""Every word the advisor reads, in French and English, and number formats of each language."""

from __future__ import annotations

import re
import string
from typing import Literal

Language = Literal["fr", "en"]

#: The outcomes of a review and its reasons (the gateway's codes, docs/compliance.md), as advisors read them.
REVIEW_OUTCOMES: dict[str, dict[Language, str]] = {
    "confirmed": {"fr": "Décision confirmée", "en": "Decision confirmed"},
    "granted": {"fr": "Changée : crédit accordé", "en": "Changed: credit granted"},
    "refused": {"fr": "Changée : crédit refusé", "en": "Changed: credit refused"},
}
REVIEW_REASONS: dict[str, dict[Language, str]] = {
    "as_assessed": {"fr": "Dossier correctement évalué", "en": "File assessed correctly"},
    "information_completed": {"fr": "Informations complétées", "en": "Information completed"},
    "income_verified": {"fr": "Revenus ou charges justifiés", "en": "Income or expenses verified"},
    "data_error": {"fr": "Donnée erronée corrigée", "en": "Wrong value corrected"},
    "circumstances_changed": {"fr": "Situation changée", "en": "Circumstances changed"},
    "risk_misjudged": {"fr": "Risque mal évalué", "en": "Risk misjudged"},
    "policy_exception": {"fr": "Dérogation autorisée", "en": "Authorised exception"},
    "other": {"fr": "Autre (préciser)", "en": "Other (say which)"},
}

TEXTS: dict[str, dict[Language, str]] = {
    "title": {"fr": "Prêt à dépenser — espace conseiller", "en": "Prêt à dépenser — advisor workspace"},
    "intro": {
        "fr": "Saisissez l'identifiant d'un client pour voir son score, la décision et ses raisons.",
        "en": "Enter a client's ID to see their score, the decision and its reasons.",
    },
    "language": {"fr": "Langue / Language", "en": "Language / Langue"},
    "client_id": {"fr": "Identifiant client", "en": "Client ID"},
    "client_id_placeholder": {"fr": "ex. 100588 (chiffres uniquement)", "en": "e.g. 100588 (digits only)"},
    "suggestions": {"fr": "Clients correspondants", "en": "Matching clients"},
    "open": {"fr": "Afficher le client", "en": "Show client"},
    "tab_score": {"fr": "Score et décision", "en": "Score and decision"},
    "tab_data": {"fr": "Données du client", "en": "Client data"},
    "tab_compare": {"fr": "Comparaison", "en": "Comparison"},
    "tab_whatif": {"fr": "Simulation", "en": "What-if"},
    "tab_review": {"fr": "Réexamen", "en": "Review"},
    "review_intro": {
        "fr": "Le client peut demander qu'une personne réexamine la décision automatisée et faire valoir "
        "son point de vue. Chaque réexamen est conservé tel quel : une correction est un nouveau réexamen.",
        "en": "The client may ask a person to review the automated decision and give their point of view. "
        "Each review is kept as recorded: a correction is a new review.",
    },
    "review_client_view": {"fr": "Point de vue du client", "en": "The client's point of view"},
    "review_outcome": {"fr": "Issue du réexamen", "en": "Outcome of the review"},
    "review_reason": {"fr": "Motif", "en": "Reason"},
    "review_note": {"fr": "Commentaire", "en": "Note"},
    "review_record": {"fr": "Enregistrer le réexamen", "en": "Record the review"},
    "review_history": {"fr": "Réexamens de ce client", "en": "Reviews of this client"},
    "review_none": {"fr": "Aucun réexamen pour ce client.", "en": "No review of this client."},
    "review_recorded": {"fr": "Réexamen enregistré.", "en": "Review recorded."},
    "review_line": {
        "fr": "{day} — {reviewer} : {outcome} (décision revue : {original}, modèle v{version}). Motif : "
        "{reason}.",
        "en": "{day} — {reviewer}: {outcome} (decision reviewed: {original}, model v{version}). Reason: "
        "{reason}.",
    },
    "err_review_reason": {"fr": "Choisissez un motif.", "en": "Choose a reason."},
    "granted": {"fr": "Crédit accordé", "en": "Credit granted"},
    "refused": {"fr": "Crédit refusé", "en": "Credit refused"},
    "referred": {"fr": "Dossier transmis à un conseiller", "en": "Referred to an advisor"},
    "offer_line": {
        "fr": "Montant le plus élevé que nous accorderions sur {years} ans : {amount} "
        "(remboursement annuel {annuity}).",
        "en": "The largest amount we would grant over {years} years: {amount} (yearly repayment {annuity}).",
    },
    "offer_none": {
        "fr": "Aucun montant ne serait accordé sur cette durée.",
        "en": "No amount would be granted over this term.",
    },
    "client_heading": {"fr": "Client {client_id}", "en": "Client {client_id}"},
    "probability_line": {
        "fr": "Probabilité de défaut : **{probability}** — seuil de refus : **{threshold}**.",
        "en": "Probability of default: **{probability}** — refusal threshold: **{threshold}**.",
    },
    "margin_below": {
        "fr": "Marge : {margin} sous le seuil.",
        "en": "Margin: {margin} below the threshold.",
    },
    "margin_above": {
        "fr": "Dépassement : {margin} au-dessus du seuil.",
        "en": "Excess: {margin} above the threshold.",
    },
    "model_line": {"fr": "Modèle {name}, version {version}.", "en": "Model {name}, version {version}."},
    "decision_reference": {
        "fr": "Référence de la décision : {decision} (modèle version {version}).",
        "en": "Decision reference: {decision} (model version {version}).",
    },
    "points": {"fr": "{value} point{value!p}", "en": "{value} percentage point{value!p}"},
    "raising": {"fr": "Ce qui augmente le risque", "en": "What raises the risk"},
    "lowering": {"fr": "Ce qui diminue le risque", "en": "What lowers the risk"},
    "no_reason": {"fr": "Aucun facteur notable.", "en": "No notable factor."},
    "explanation_missing": {
        "fr": "Les raisons ne sont pas disponibles pour le moment ; le score reste valable.",
        "en": "The reasons are not available right now; the score is still valid.",
    },
    "gauge_alt": {
        "fr": "Jauge : probabilité de défaut {probability}, seuil de refus {threshold} ; {decision}.",
        "en": "Gauge: probability of default {probability}, refusal threshold {threshold}; {decision}.",
    },
    "gauge_granted_zone": {"fr": "Accordé", "en": "Granted"},
    "gauge_refused_zone": {"fr": "Refusé", "en": "Refused"},
    "gauge_threshold": {"fr": "Seuil {value}", "en": "Threshold {value}"},
    "gauge_client": {"fr": "Client {value}", "en": "Client {value}"},
    "gauge_axis": {"fr": "Probabilité de défaut", "en": "Probability of default"},
    "waterfall_heading": {"fr": "Le score par famille de facteurs", "en": "The score by family of factors"},
    "waterfall_axis": {
        "fr": "Probabilité de défaut (%) : à droite, plus risqué",
        "en": "Probability of default (%): further right is riskier",
    },
    "waterfall_start": {"fr": "Probabilité de base du modèle", "en": "The model's base probability"},
    "waterfall_end": {"fr": "Ce client", "en": "This client"},
    "waterfall_summary": {
        "fr": "Partant de la probabilité de base du modèle ({start}), les familles de facteurs mènent ce "
        "client à {end}, en points de pourcentage qui s'additionnent exactement (chaque facteur garde sa "
        "part de l'écart en log-cotes). La famille qui augmente le plus le risque : {top_raise}. "
        "Celle qui le diminue le plus : {top_lower}.",
        "en": "Starting from the model's base probability ({start}), the families of factors bring this "
        "client to {end}, in percentage points that add up exactly (each factor keeps its share of the "
        "log-odds change). The family that raises the risk most: {top_raise}. The one that lowers it "
        "most: {top_lower}.",
    },
    "family_pick": {"fr": "Famille à détailler", "en": "Family to look into"},
    "family_choice": {"fr": "{label} ({impact})", "en": "{label} ({impact})"},
    "family_start": {
        "fr": "Départ : aucun facteur de la famille (0 point)",
        "en": "Start: none of the family's factors (0 points)",
    },
    "family_end": {"fr": "Total : {label}", "en": "Total: {label}"},
    "family_axis": {
        "fr": "Effet sur la probabilité de défaut (points de %) : à droite, plus risqué",
        "en": "Effect on the probability of default (percentage points): further right is riskier",
    },
    "family_others": {
        "fr": "{count} autres facteurs de la famille",
        "en": "{count} other factors of the family",
    },
    "family_summary": {
        "fr": "{label} : {impact} point{impact!p} de probabilité de défaut au total ({direction}), "
        "en {count} facteur{count!p}. Le plus fort : {top} ({top_impact}).",
        "en": "{label}: {impact} percentage point{impact!p} of default probability in all ({direction}), "
        "over {count} factor{count!p}. The strongest: {top} ({top_impact}).",
    },
    "raises": {"fr": "augmente le risque", "en": "raises the risk"},
    "lowers": {"fr": "diminue le risque", "en": "lowers the risk"},
    "families_heading": {"fr": "Les raisons, par famille", "en": "The reasons, by family"},
    "features_heading": {"fr": "Les facteurs les plus forts", "en": "The strongest factors"},
    "none": {"fr": "aucun", "en": "none"},
    "legend_raises": {"fr": "augmente le risque (hachuré)", "en": "raises the risk (hatched)"},
    "legend_lowers": {"fr": "diminue le risque (plein)", "en": "lowers the risk (solid)"},
    "groups": {"fr": "Groupes de champs à afficher", "en": "Field groups to show"},
    "field_filter": {"fr": "Filtrer les champs (mot du libellé)", "en": "Filter fields (word in the label)"},
    "col_group": {"fr": "Groupe", "en": "Group"},
    "col_field": {"fr": "Champ", "en": "Field"},
    "col_value": {"fr": "Valeur", "en": "Value"},
    "data_count": {
        "fr": "{shown} champ{shown!p} affiché{shown!p} sur {total}.",
        "en": "{shown} of {total} field{total!p} shown.",
    },
    "compare_group": {"fr": "Comparer avec", "en": "Compare with"},
    "group_all": {"fr": "Tous les clients", "en": "All clients"},
    "group_similar": {"fr": "Clients similaires", "en": "Similar clients"},
    "group_filtered": {"fr": "Groupe choisi par filtres", "en": "Group chosen by filters"},
    "filter_income": {"fr": "Type de revenu", "en": "Income type"},
    "filter_age": {"fr": "Tranche d'âge", "en": "Age band"},
    "filter_contract": {"fr": "Type de contrat", "en": "Contract type"},
    "filter_education": {"fr": "Niveau d'études", "en": "Education"},
    "any": {"fr": "Tous", "en": "Any"},
    "feature": {"fr": "Caractéristique à comparer", "en": "Feature to compare"},
    "compare": {"fr": "Comparer", "en": "Compare"},
    "hist_axis_count": {"fr": "Nombre de clients", "en": "Number of clients"},
    "hist_median": {"fr": "Médiane", "en": "Median"},
    "hist_summary": {
        "fr": "{label} : la valeur du client, {value}, est supérieure ou égale à celle de {percentile} "
        "du groupe ({group} : {size} clients). Médiane du groupe : {median}. Valeur inconnue pour "
        "{missing} du groupe.",
        "en": "{label}: the client's value, {value}, is at or above that of {percentile} of the group "
        "({group}: {size} clients). Group median: {median}. Value unknown for {missing} of the group.",
    },
    "hist_summary_missing": {
        "fr": "{label} : valeur inconnue pour ce client. Médiane du groupe ({group} : {size} clients) : "
        "{median}.",
        "en": "{label}: unknown for this client. Group median ({group}: {size} clients): {median}.",
    },
    "bivariate_heading": {"fr": "Deux caractéristiques ensemble", "en": "Two features together"},
    "feature_x": {"fr": "Caractéristique horizontale (x)", "en": "Horizontal feature (x)"},
    "feature_y": {"fr": "Caractéristique verticale (y)", "en": "Vertical feature (y)"},
    "show_bivariate": {"fr": "Afficher le nuage de points", "en": "Show the scatter plot"},
    "bivariate_summary": {
        "fr": "{count} clients du groupe ({group}) en points ; le client est l'étoile. {x_part} {y_part}",
        "en": "{count} clients of the group ({group}) as dots; the client is the star. {x_part} {y_part}",
    },
    "axis_known": {
        "fr": "{label} : {value}, supérieur ou égal à {share} des points.",
        "en": "{label}: {value}, at or above {share} of the dots.",
    },
    "axis_unknown": {
        "fr": "{label} : inconnu pour ce client (pas d'étoile).",
        "en": "{label}: unknown for this client (no star).",
    },
    "client_marker": {"fr": "Client", "en": "Client"},
    "group_marker": {"fr": "Clients du groupe", "en": "Clients of the group"},
    # Past clients' outcomes in a comparison: in aggregate only, never the open client's own.
    "outcome_repaid": {"fr": "Anciens clients : ont remboursé", "en": "Past clients: repaid"},
    "outcome_defaulted": {"fr": "Anciens clients : en défaut", "en": "Past clients: defaulted"},
    "outcome_unknown": {"fr": "Issue pas encore connue", "en": "Outcome not known yet"},
    "outcome_rate_axis": {"fr": "Taux de défaut", "en": "Default rate"},
    "outcome_rate_marker": {
        "fr": "Taux de défaut (tranches d'au moins {minimum} anciens clients)",
        "en": "Default rate (bins of at least {minimum} past clients)",
    },
    "outcome_summary": {
        "fr": "Anciens clients du groupe, hors ce client : {repaid} ont remboursé, {defaulted} ont fait "
        "défaut (taux de défaut {rate}).",
        "en": "Past clients of the group, this client aside: {repaid} repaid, {defaulted} defaulted "
        "(default rate {rate}).",
    },
    "outcome_near_client": {
        "fr": "Taux de défaut des anciens clients de la même tranche que le client : {rate} ({count} "
        "anciens clients).",
        "en": "Default rate of past clients in the client's bin: {rate} ({count} past clients).",
    },
    "outcome_too_few_defaulted": {
        "fr": "Remboursé / en défaut non affiché : moins de {minimum} anciens clients du groupe ont fait "
        "défaut, trop peu pour ne rien révéler d'une personne.",
        "en": "Repaid / defaulted not shown: fewer than {minimum} past clients of the group defaulted, "
        "too few to reveal nothing about one person.",
    },
    "outcome_too_few_repaid": {
        "fr": "Remboursé / en défaut non affiché : moins de {minimum} anciens clients du groupe ont "
        "remboursé, trop peu pour ne rien révéler d'une personne.",
        "en": "Repaid / defaulted not shown: fewer than {minimum} past clients of the group repaid, "
        "too few to reveal nothing about one person.",
    },
    "outcome_too_few_past_clients": {
        "fr": "Remboursé / en défaut non affiché : moins de {minimum} anciens clients du groupe de chaque "
        "côté, trop peu pour ne rien révéler d'une personne.",
        "en": "Repaid / defaulted not shown: fewer than {minimum} past clients of the group on each "
        "side, too few to reveal nothing about one person.",
    },
    "outcome_points": {
        "fr": "Couleurs des points : {repaid} anciens clients ont remboursé, {defaulted} ont fait défaut "
        "({rate}) ; les autres n'ont pas encore d'issue connue.",
        "en": "Dot colours: {repaid} past clients repaid, {defaulted} defaulted ({rate}); the others have "
        "no known outcome yet.",
    },
    "whatif_intro": {
        "fr": "Changez le montant du crédit (et l'annuité) pour voir le nouveau score. "
        "Simulation seulement : rien n'est enregistré.",
        "en": "Change the credit amount (and the annuity) to see the new score. "
        "Simulation only: nothing is recorded.",
    },
    "credit_amount": {"fr": "Montant du crédit (€)", "en": "Credit amount (€)"},
    "annuity": {
        "fr": "Annuité en € (laisser vide pour garder l'actuelle)",
        "en": "Annuity in € (empty keeps the current one)",
    },
    "simulate": {"fr": "Simuler", "en": "Simulate"},
    "whatif_result": {
        "fr": "Avec un crédit de {amount} sur {term} : probabilité de défaut **{probability}** "
        "(actuellement {before}, {change}).",
        "en": "With a credit of {amount} over {term}: probability of default **{probability}** "
        "(currently {before}, {change}).",
    },
    "whatif_term": {"fr": "{years} ans", "en": "{years} years"},
    "whatif_term_unknown": {"fr": "une durée inconnue", "en": "an unknown term"},
    "whatif_flips": {
        "fr": "La décision change : {before} → {after}.",
        "en": "The decision changes: {before} → {after}.",
    },
    "whatif_same": {"fr": "La décision ne change pas.", "en": "The decision does not change."},
    "tab_history": {"fr": "Historique", "en": "History"},
    "history_intro": {
        "fr": "Le passé de crédit du client tel que le modèle le lit : bureau de crédit, demandes "
        "précédentes, remboursements, carte et prêts en magasin.",
        "en": "The client's credit past as the model reads it: credit bureau, previous applications, "
        "repayments, card and point-of-sale loans.",
    },
    "history_missing": {
        "fr": "L'historique du client n'est pas disponible pour le moment.",
        "en": "The client's history is not available right now.",
    },
    "bureau_heading": {
        "fr": "Crédits connus du bureau de crédit",
        "en": "Credits known to the credit bureau",
    },
    "bureau_empty": {
        "fr": "Aucun crédit connu du bureau de crédit pour ce client.",
        "en": "The credit bureau knows no credit of this client.",
    },
    "previous_heading": {"fr": "Demandes de crédit précédentes", "en": "Previous credit applications"},
    "previous_empty": {
        "fr": "Aucune demande de crédit précédente chez nous.",
        "en": "No previous credit application with us.",
    },
    "col_status": {"fr": "Statut", "en": "Status"},
    "col_type": {"fr": "Type de crédit", "en": "Credit type"},
    "col_when": {"fr": "Quand", "en": "When"},
    "col_amount": {"fr": "Montant", "en": "Amount"},
    "col_debt": {"fr": "Reste dû", "en": "Debt left"},
    "col_overdue_days": {"fr": "Jours de retard", "en": "Days overdue"},
    "col_months_late": {"fr": "Mois en retard", "en": "Months late"},
    "col_contract": {"fr": "Type de contrat", "en": "Contract type"},
    "col_decision": {"fr": "Décision", "en": "Decision"},
    "col_asked": {"fr": "Montant demandé", "en": "Amount asked"},
    "col_granted": {"fr": "Montant accordé", "en": "Amount granted"},
    "years_ago": {"fr": "il y a {value} an{value!p}", "en": "{value} year{value!p} ago"},
    "duration_years": {"fr": "{value} an{value!p}", "en": "{value} year{value!p}"},
    "duration_months": {"fr": "{value} mois", "en": "{value} month{value!p}"},
    "duration_under_month": {"fr": "moins d'un mois", "en": "less than a month"},
    "not_employed": {"fr": "Sans emploi ou retraité", "en": "Not employed or pensioner"},
    "yes": {"fr": "Oui", "en": "Yes"},
    "no": {"fr": "Non", "en": "No"},
    "table_rows": {
        "fr": "{count} sur {total}, du plus récent au plus ancien",
        "en": "{count} of {total}, most recent first",
    },
    "installments_heading": {"fr": "Remboursements des échéances", "en": "Instalment repayments"},
    "installments_empty": {
        "fr": "Aucun remboursement d'échéance connu pour ce client.",
        "en": "No instalment repayment is known for this client.",
    },
    "installments_summary": {
        "fr": "{payments} paiement{payments!p} d'échéance : {late} en retard, {underpaid} payés en partie ; "
        "retard moyen {days} jour{days!p}.",
        "en": "{payments} instalment payment{payments!p}: {late} late, {underpaid} underpaid; "
        "mean delay {days} day{days!p}.",
    },
    "payments_axis": {"fr": "Années avant la demande", "en": "Years before the application"},
    "payments_count": {"fr": "Nombre de paiements", "en": "Number of payments"},
    "payments_on_time": {"fr": "À l'heure (plein)", "en": "On time (solid)"},
    "payments_late": {"fr": "En retard (hachuré)", "en": "Late (hatched)"},
    "payments_year": {
        "fr": "de {start} à {end} an{end!p} avant : {payments} paiement{payments!p} dont {late} en retard",
        "en": "{start} to {end} year{end!p} before: {payments} payment{payments!p}, {late} of them late",
    },
    "payments_alt": {"fr": "Paiements par année — {years}.", "en": "Payments by year — {years}."},
    "card_heading": {"fr": "Carte de crédit", "en": "Credit card"},
    "card_empty": {"fr": "Pas de carte de crédit chez nous.", "en": "No credit card with us."},
    "card_summary": {
        "fr": "{months} mois d'historique ; solde moyen {balance} ; utilisation moyenne du plafond "
        "{utilisation} ; {overdue} mois en retard.",
        "en": "{months} month{months!p} of history; mean balance {balance}; mean use of the limit "
        "{utilisation}; {overdue} month{overdue!p} overdue.",
    },
    "pos_heading": {"fr": "Prêts en magasin et en espèces", "en": "Point-of-sale and cash loans"},
    "pos_empty": {
        "fr": "Aucun prêt en magasin ou en espèces chez nous.",
        "en": "No point-of-sale or cash loan with us.",
    },
    "pos_summary": {
        "fr": "{months} mois d'historique ; {active} prêt{active!p} en cours ; {overdue} mois en retard.",
        "en": "{months} month{months!p} of history; {active} loan{active!p} running; "
        "{overdue} month{overdue!p} overdue.",
    },
    "letter_heading": {"fr": "Lettre au client", "en": "Letter for the client"},
    "letter_intro": {
        "fr": "Une page à remettre au client : la décision, ses raisons principales, les données "
        "utilisées et comment la contester.",
        "en": "One page to hand to the client: the decision, its main reasons, the data it rests on and "
        "how to contest it.",
    },
    "letter_prepare": {"fr": "Préparer la lettre (PDF)", "en": "Prepare the letter (PDF)"},
    "letter_download": {"fr": "Télécharger la lettre (PDF)", "en": "Download the letter (PDF)"},
    "letter_ready": {
        "fr": "Lettre prête pour le client {client_id}, en français.",
        "en": "Letter ready for client {client_id}, in English.",
    },
    "letter_file": {"fr": "lettre-client-{client_id}-fr.pdf", "en": "letter-client-{client_id}-en.pdf"},
    "err_unavailable": {
        "fr": "Le service de scoring est momentanément indisponible. Réessayez dans quelques instants.",
        "en": "The scoring service is temporarily unavailable. Please try again in a moment.",
    },
    "err_unknown_client": {
        "fr": "Client inconnu : aucun client ne porte l'identifiant {client_id}. Vérifiez le numéro.",
        "en": "Unknown client: no client has the ID {client_id}. Please check the number.",
    },
    "err_forbidden": {
        "fr": "L'application n'est pas autorisée par le service de scoring (clé d'accès). "
        "Prévenez l'administrateur.",
        "en": "The app is not authorised by the scoring service (access key). Please tell the administrator.",
    },
    "err_invalid": {"fr": "Valeur refusée : {detail}", "en": "Value refused: {detail}"},
    "err_unexpected": {
        "fr": "Une erreur inattendue est survenue. Réessayez ou prévenez l'administrateur.",
        "en": "An unexpected error occurred. Please try again or tell the administrator.",
    },
    "err_bad_id": {
        "fr": "Saisissez un identifiant client composé de chiffres.",
        "en": "Please enter a client ID made of digits.",
    },
    "err_no_client": {"fr": "Ouvrez d'abord un client.", "en": "Open a client first."},
    "err_not_amount": {
        "fr": "« {field} » : saisissez un montant en euros, par exemple 150 000 ou 11 287,50.",
        "en": "“{field}”: please enter an amount in euros, for example 150,000 or 11,287.50.",
    },
    "err_amount": {
        "fr": "Saisissez un montant de crédit positif.",
        "en": "Please enter a positive credit amount.",
    },
}

GROUP_NAMES: dict[str, dict[Language, str]] = {
    "Loan": {"fr": "Prêt", "en": "Loan"},
    "Identity and family": {"fr": "Identité et famille", "en": "Identity and family"},
    "Income and work": {"fr": "Revenus et emploi", "en": "Income and work"},
    "Housing and assets": {"fr": "Logement et biens", "en": "Housing and assets"},
    "External scores": {"fr": "Scores externes", "en": "External scores"},
    "Other": {"fr": "Autres", "en": "Other"},
}

#: Filter codes of the gateway's comparison groups, worded per language.
INCOME_TYPES: dict[str, dict[Language, str]] = {
    "0": {"fr": "Salarié", "en": "Working"},
    "1": {"fr": "Commercial associé", "en": "Commercial associate"},
    "2": {"fr": "Retraité", "en": "Pensioner"},
    "3": {"fr": "Fonctionnaire", "en": "State servant"},
    "4": {"fr": "Sans emploi", "en": "Unemployed"},
}
EDUCATIONS: dict[str, dict[Language, str]] = {
    "0": {"fr": "Secondaire", "en": "Secondary"},
    "1": {"fr": "Supérieur", "en": "Higher education"},
    "2": {"fr": "Supérieur non terminé", "en": "Incomplete higher"},
    "3": {"fr": "Premier cycle du secondaire", "en": "Lower secondary"},
    "4": {"fr": "Diplôme universitaire", "en": "Academic degree"},
}
CONTRACTS: dict[str, dict[Language, str]] = {
    "0": {"fr": "Prêt en espèces", "en": "Cash loan"},
    "1": {"fr": "Crédit renouvelable", "en": "Revolving loan"},
}
AGE_BANDS: dict[str, dict[Language, str]] = {
    "<30": {"fr": "Moins de 30 ans", "en": "Under 30"},
    "30-40": {"fr": "30 à 40 ans", "en": "30 to 40"},
    "40-50": {"fr": "40 à 50 ans", "en": "40 to 50"},
    "50-60": {"fr": "50 à 60 ans", "en": "50 to 60"},
    "60+": {"fr": "60 ans et plus", "en": "60 and over"},
}


class _Plurals(string.Formatter):
    """`{name!p}` writes the plural ending of the value `name` ("s" or nothing): "{n} paiement{n!p}".
    French takes the plural from 2 on (0, 1 and 1,5 are singular), English for all but exactly 1."""

    def __init__(self, lang: Language) -> None:
        super().__init__()
        self.lang = lang

    def convert_field(self, value: object, conversion: str | None) -> object:
        if conversion != "p":
            return super().convert_field(value, conversion)
        count = _count(value)
        plural = count >= 2 if self.lang == "fr" else count != 1
        return "s" if plural else ""


def _count(value: object) -> float:
    """The number a value shows, as shown ("1,5", "1 234", "12,5 %" or a number)."""
    if isinstance(value, int | float):
        return abs(float(value))
    digits = re.sub(r"[^0-9,.]", "", str(value).replace("\u202f", "")).replace(",", ".")
    try:
        return abs(float(digits))
    except ValueError:
        return 2.0  # not a number: the plural reads right for "several"


def t(key: str, lang: Language, **values: object) -> str:
    """The text `key` in `lang`, with `values` filled in (`{name!p}`: its plural ending)."""
    text = TEXTS[key][lang]
    return _Plurals(lang).format(text, **values) if values else text


def group_name(group: str, lang: Language) -> str:
    """A field group's name in `lang` (unknown groups are shown as the gateway names them)."""
    return GROUP_NAMES.get(group, {}).get(lang, group)


def group_key(name: str) -> str:
    """The stable key of a field group the gateway names in either language (unknown: the name)."""
    return next((key for key, words in GROUP_NAMES.items() if name in (key, *words.values())), name)


def _localise(text: str, lang: Language) -> str:
    # French: decimal comma, narrow no-break space as thousands separator.
    return text.replace(",", "\u202f").replace(".", ",") if lang == "fr" else text


def percent(share: float | None, lang: Language) -> str:
    """A probability or share as a percentage; two decimals under 10% so small risks stay distinct."""
    if share is None:
        return "—"
    value = share * 100
    digits = 2 if abs(value) < 10 else 1
    text = f"{value:,.{digits}f}"
    return _localise(text, lang) + ("\u202f%" if lang == "fr" else "%")


def points(share: float, lang: Language) -> str:
    """A difference of probabilities in percentage points."""
    return t("points", lang, value=_localise(f"{abs(share) * 100:.2f}", lang))


def number(value: float | None, lang: Language) -> str:
    """A feature value: whole amounts with thousands separators, small values with 3 significant digits."""
    if value is None or value != value:  # noqa: PLR0124 (NaN test)
        return "—"
    if abs(value) >= 1000 or float(value).is_integer():
        return _localise(f"{value:,.0f}", lang)
    return _localise(f"{value:.3g}", lang)


def money(value: float | None, lang: Language, *, cents: bool = False) -> str:
    """An amount in euros as each language writes it: 1 234 € in French, €1,234 in English (the letter
    and the offer lend in euros); with `cents`, to the cent as a client's file records it (1 234,56 €,
    €1,234.56)."""
    shown = number(value, lang)
    if shown == "—":
        return shown
    if cents:
        shown = _localise(f"{value:,.2f}", lang)
    return f"{shown}\u00a0€" if lang == "fr" else f"€{shown}"


def number_text(value: float, lang: Language) -> str:
    """An amount as an advisor types it: thousands separated, cents only when there are any
    ("11 287,50", "600 000"; "11,287.50", "600,000")."""
    return _localise(f"{value:,.2f}".removesuffix(".00"), lang)


def _tenths(value: float, lang: Language) -> str:
    """A value to one decimal, without a trailing zero decimal ("2,5", "1")."""
    return _localise(f"{value:.1f}", lang).removesuffix(",0").removesuffix(".0")


def years_ago(value: float | None, lang: Language) -> str:
    """How long ago something happened, in years to one decimal ("il y a 2,5 ans")."""
    if value is None:
        return "—"
    return t("years_ago", lang, value=_tenths(value, lang))


#: Days in a year on average (the data counts days; advisors read years and months).
DAYS_PER_YEAR = 365.25


def duration(days: float | None, lang: Language) -> str:
    """A number of days (either sign) as a duration: in years to one decimal ("30,9 ans", "1 year"), in
    months under a year ("5 mois", "1 month"), "less than a month" under half a month."""
    if days is None or days != days:  # noqa: PLR0124 (NaN test)
        return "—"
    years = abs(days) / DAYS_PER_YEAR
    months = round(years * 12)
    if months < 1:
        return t("duration_under_month", lang)
    if months < 12:
        return t("duration_months", lang, value=months)
    return t("duration_years", lang, value=_tenths(years, lang))


def signed(value: float, lang: Language) -> str:
    """A contribution with its sign (a true minus sign, readable by screen readers)."""
    return ("+" if value >= 0 else "−") + _localise(f"{abs(value):.2f}", lang)
