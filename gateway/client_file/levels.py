"""French names of the data's levels (the English is the data's own), for every text the advisor reads.

One table for the whole gateway: the client's file (application fields), the client search and the
history all word a level the same way. Numbered sectors ("Industry: type 3") keep their number; a level
the table does not know is shown as the data has it, never dropped.
"""

from __future__ import annotations

import re

from credit_features.catalog import Language

#: Level as the data has it -> French.
LEVELS_FR: dict[str, str] = {
    # bureau CREDIT_ACTIVE
    "Active": "En cours",
    "Closed": "Clos",
    "Sold": "Cédé",
    "Bad debt": "Créance douteuse",
    # bureau CREDIT_TYPE
    "Consumer credit": "Crédit à la consommation",
    "Credit card": "Carte de crédit",
    "Car loan": "Prêt automobile",
    "Mortgage": "Prêt immobilier",
    "Microloan": "Microcrédit",
    "Loan for business development": "Prêt de développement d'entreprise",
    "Another type of loan": "Autre type de prêt",
    "Unknown type of loan": "Type de prêt inconnu",
    "Loan for working capital replenishment": "Prêt de fonds de roulement",
    "Cash loan (non-earmarked)": "Prêt d'espèces (non affecté)",
    "Real estate loan": "Prêt foncier",
    "Loan for the purchase of equipment": "Prêt d'équipement",
    "Loan for purchase of shares (margin lending)": "Prêt pour achat d'actions",
    "Interbank credit": "Crédit interbancaire",
    "Mobile operator loan": "Prêt d'opérateur mobile",
    # previous NAME_CONTRACT_TYPE
    "Consumer loans": "Prêts à la consommation",
    "Cash loans": "Prêts personnels",
    "Revolving loans": "Crédits renouvelables",
    # previous NAME_CONTRACT_STATUS
    "Approved": "Acceptée",
    "Refused": "Refusée",
    "Canceled": "Annulée",
    "Unused offer": "Offre non utilisée",
    # application NAME_CONTRACT_TYPE (previous applications' "Cash loans", "Revolving loans" above)
    # application CODE_GENDER, FLAG_OWN_CAR, FLAG_OWN_REALTY, EMERGENCYSTATE_MODE
    "F": "Femme",
    "M": "Homme",
    "Y": "Oui",
    "N": "Non",
    "Yes": "Oui",
    "No": "Non",
    # NAME_TYPE_SUITE
    "Unaccompanied": "Seul",
    "Family": "Famille",
    "Spouse, partner": "Conjoint ou partenaire",
    "Children": "Enfants",
    "Other_A": "Autre (A)",
    "Other_B": "Autre (B)",
    "Group of people": "Groupe de personnes",
    # NAME_INCOME_TYPE
    "Working": "Salarié",
    "Commercial associate": "Associé commercial",
    "Pensioner": "Retraité",
    "State servant": "Fonctionnaire",
    "Unemployed": "Sans emploi",
    "Student": "Étudiant",
    "Businessman": "Chef d'entreprise",
    "Maternity leave": "Congé maternité",
    # NAME_EDUCATION_TYPE
    "Secondary / secondary special": "Secondaire ou secondaire spécialisé",
    "Higher education": "Études supérieures",
    "Incomplete higher": "Études supérieures non terminées",
    "Lower secondary": "Premier cycle du secondaire",
    "Academic degree": "Diplôme universitaire",
    # NAME_FAMILY_STATUS
    "Married": "Marié(e)",
    "Single / not married": "Célibataire",
    "Civil marriage": "Union civile",
    "Widow": "Veuf ou veuve",
    "Separated": "Séparé(e)",
    # NAME_HOUSING_TYPE
    "House / apartment": "Maison ou appartement",
    "With parents": "Chez les parents",
    "Municipal apartment": "Logement municipal",
    "Rented apartment": "Appartement loué",
    "Office apartment": "Logement de fonction",
    "Co-op apartment": "Logement coopératif",
    # OCCUPATION_TYPE
    "Laborers": "Ouvriers",
    "Sales staff": "Vente",
    "Core staff": "Personnel permanent",
    "Managers": "Cadres",
    "Drivers": "Chauffeurs",
    "High skill tech staff": "Techniciens qualifiés",
    "Accountants": "Comptables",
    "Medicine staff": "Personnel médical",
    "Cooking staff": "Cuisine",
    "Security staff": "Sécurité",
    "Cleaning staff": "Nettoyage",
    "Private service staff": "Services à la personne",
    "Low-skill Laborers": "Ouvriers non qualifiés",
    "Secretaries": "Secrétariat",
    "Waiters/barmen staff": "Serveurs et barmen",
    "Realty agents": "Agents immobiliers",
    "IT staff": "Informatique",
    "HR staff": "Ressources humaines",
    # WEEKDAY_APPR_PROCESS_START
    "MONDAY": "lundi",
    "TUESDAY": "mardi",
    "WEDNESDAY": "mercredi",
    "THURSDAY": "jeudi",
    "FRIDAY": "vendredi",
    "SATURDAY": "samedi",
    "SUNDAY": "dimanche",
    # ORGANIZATION_TYPE (numbered sectors keep their number)
    "Business Entity Type 1": "Entreprise, type 1",
    "Business Entity Type 2": "Entreprise, type 2",
    "Business Entity Type 3": "Entreprise, type 3",
    "XNA": "Non renseigné",
    "Self-employed": "Indépendant",
    "Other": "Autre",
    "Medicine": "Santé",
    "Government": "Administration",
    "School": "École",
    "Kindergarten": "Crèche ou maternelle",
    "Construction": "Construction",
    "Housing": "Logement",
    "Services": "Services",
    "Postal": "Poste",
    "Military": "Armée",
    "Agriculture": "Agriculture",
    "Security": "Sécurité",
    "Bank": "Banque",
    "Police": "Police",
    "Security Ministries": "Ministères de la sécurité",
    "University": "Université",
    "Hotel": "Hôtellerie",
    "Restaurant": "Restauration",
    "Electricity": "Électricité",
    "Emergency": "Urgences",
    "Insurance": "Assurance",
    "Mobile": "Téléphonie mobile",
    "Telecom": "Télécommunications",
    "Culture": "Culture",
    "Legal Services": "Services juridiques",
    "Advertising": "Publicité",
    "Cleaning": "Nettoyage",
    "Religion": "Religion",
    "Realtor": "Immobilier",
    # FONDKAPREMONT_MODE, HOUSETYPE_MODE, WALLSMATERIAL_MODE (the building's description)
    "reg oper account": "compte d'exploitation courant",
    "reg oper spec account": "compte d'exploitation spécial",
    "org spec account": "compte spécial d'organisme",
    "not specified": "non précisé",
    "block of flats": "immeuble",
    "specific housing": "logement spécifique",
    "terraced house": "maison mitoyenne",
    "Stone, brick": "Pierre, brique",
    "Panel": "Panneaux",
    "Block": "Blocs",
    "Wooden": "Bois",
    "Mixed": "Mixte",
    "Monolithic": "Monolithe",
    "Others": "Autres",
}

_NUMBERED_SECTOR = re.compile(r"^(?P<sector>Industry|Trade|Transport): type (?P<number>\d+)$")
_SECTORS_FR = {"Industry": "Industrie", "Trade": "Commerce", "Transport": "Transport"}


def level_label(level: str, language: Language) -> str:
    """A level of the data in `language` (an unknown level is shown as the data has it)."""
    if language != "fr":
        return level
    if numbered := _NUMBERED_SECTOR.match(level):
        return f"{_SECTORS_FR[numbered['sector']]}, type {numbered['number']}"
    return LEVELS_FR.get(level, level)
