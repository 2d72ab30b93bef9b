"""Issue 16 over real HTTP: explanations by family (exact), French throughout, the client's history
read from the raw tables, and the decision letter as a PDF."""

from __future__ import annotations

import io

import httpx
import pandas as pd
import pytest
from pypdf import PdfReader

from credit_features.catalog import feature_catalog
from credit_features.families import FAMILY_BY_KEY, feature_families
from gateway.client_file.history import MAX_ROWS
from gateway.client_file.letter_wording import family_phrase
from gateway.client_file.levels import level_label
from gateway.decisions.labels import feature_labels

from .conftest import ADVISOR_KEY, FIVE_FIELD_APPLICATION, SERVICE_KEY, Service

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ADVISOR = {"X-API-Key": ADVISOR_KEY}
SERVICE = {"X-API-Key": SERVICE_KEY}


def get(server: Service, path: str, headers: dict | None = None, **params) -> httpx.Response:
    return httpx.get(server.url + path, headers=headers or ADVISOR, params=params, timeout=60)


@pytest.fixture(scope="module")
def rich_client(platform) -> int:
    """The client with the most bureau credits who also has earlier applications and instalments."""
    bureau = pd.read_parquet(platform.parquet / "bureau.parquet", columns=["SK_ID_CURR"])
    previous = set(pd.read_parquet(platform.parquet / "previous_application.parquet")["SK_ID_CURR"])
    paid = set(pd.read_parquet(platform.parquet / "installments_payments.parquet")["SK_ID_CURR"])
    counts = bureau["SK_ID_CURR"].value_counts()
    return int(next(c for c in counts.index if c in previous and c in paid))


def test_explanation_by_family_sums_exactly_in_both_languages(
    gateway_server: Service, rich_client: int
) -> None:
    french = get(gateway_server, f"/v1/clients/{rich_client}/explanation", lang="fr").json()
    english = get(gateway_server, f"/v1/clients/{rich_client}/explanation").json()
    families = french["families"]
    assert sum(f["impact"] for f in families) == pytest.approx(
        french["raw_score"] - french["base_value"], abs=1e-9
    ), "the families add up to the client's log-odds minus the base value"
    assert 100 * french["base_probability"] + sum(f["points"] for f in families) == pytest.approx(
        100 * french["probability"], abs=1e-9
    ), "in points, the families go exactly from the model's base probability to the client's"
    for family in families:
        assert sum(c["shap"] for c in family["features"]) == pytest.approx(family["impact"], abs=1e-9), (
            f"{family['family']}: its impact is the sum of its features' contributions"
        )
        assert family["direction"] == ("raises" if family["impact"] > 0 else "lowers")
    impacts = [abs(f["impact"]) for f in families]
    assert impacts == sorted(impacts, reverse=True), "strongest family first"
    catalog = feature_families()
    assert all(c["family"] == catalog[c["feature"]] for c in french["contributions"]), (
        "every contribution carries its catalog family (filled by the explain service)"
    )
    # the catalog's labels, a day count's named as the duration it is shown as (gateway.decisions.labels)
    labels_fr, labels_en = feature_labels("fr"), feature_labels("en")
    assert labels_fr["APP_AMT_CREDIT"] == next(
        s.label("fr") for specs in feature_catalog().values() for s in specs if s.name == "APP_AMT_CREDIT"
    )
    assert all(c["label"] == labels_fr[c["feature"]] for c in french["contributions"]), "French labels"
    assert all(c["label"] == labels_en[c["feature"]] for c in english["contributions"]), "English labels"
    assert {f["label"] for f in families} <= {f.fr for f in FAMILY_BY_KEY.values()}, "French family names"
    assert [f["impact"] for f in english["families"]] == pytest.approx([f["impact"] for f in families])


def test_score_reasons_by_family_in_plain_french(gateway_server: Service, rich_client: int) -> None:
    score = get(gateway_server, f"/v1/clients/{rich_client}/score", lang="fr").json()
    full = get(gateway_server, f"/v1/clients/{rich_client}/explanation").json()
    families = score["reasons"]["families"]
    exact = {f["family"]: f["impact"] for f in full["families"] if f["impact"] != 0}
    assert {f["family"]: f["impact"] for f in families} == pytest.approx(exact, abs=1e-9), (
        "the score's families are the exact sums, although it lists only a few contributions"
    )
    # a feature that contributes nothing is no reason: the drill-down lists the others
    strongest = {
        f["family"]: [c["feature"] for c in f["features"] if c["shap"] != 0][:3] for f in full["families"]
    }
    for family in families:
        assert family["sentence"].startswith(family["label"] + " : "), family["sentence"]
        assert "risque de défaut" in family["sentence"], family["sentence"]
        assert [r["feature"] for r in family["top"]] == strongest[family["family"]], (
            f"{family['family']}: its top features are its strongest of all"
        )
        assert all(r["family"] == family["family"] for r in family["top"])
    english_words = ("risk", "client's", "credit bureau", "Average", "Number of")
    text = str(score["reasons"])
    assert not any(word in text for word in english_words), "no English text in the French reasons"


def test_history_matches_the_raw_tables(gateway_server: Service, platform, rich_client: int) -> None:
    reply = get(gateway_server, f"/v1/clients/{rich_client}/history", lang="fr")
    assert reply.status_code == 200, reply.text
    history = reply.json()
    assert "TARGET" not in reply.text, "never the outcome"
    bureau = pd.read_parquet(platform.parquet / "bureau.parquet")
    mine = bureau[bureau["SK_ID_CURR"] == rich_client]
    assert history["bureau_total"] == len(mine)
    assert len(history["bureau"]) == min(len(mine), MAX_ROWS)
    years = [credit["years_ago"] for credit in history["bureau"]]
    assert years == sorted(years), "most recent first"
    assert years[0] == pytest.approx(-mine["DAYS_CREDIT"].max() / 365.25, abs=0.01)
    french_status = {"Active": "En cours", "Closed": "Clos", "Sold": "Cédé"}
    assert all(c["credit_active_label"] == french_status[c["credit_active"]] for c in history["bureau"])
    previous = pd.read_parquet(platform.parquet / "previous_application.parquet")
    assert history["previous_total"] == int((previous["SK_ID_CURR"] == rich_client).sum())
    # the repayment figures use the feature SQL's definitions: they equal the model's features
    features = pd.read_parquet(platform.features / "installments.parquet").set_index("SK_ID_CURR")
    row = features.loc[rich_client]
    assert history["installments"]["payments"] == int(row["INST_COUNT"])
    assert history["installments"]["late_share"] == pytest.approx(row["INST_LATE_SHARE"], abs=1e-12)
    assert history["installments"]["underpaid_share"] == pytest.approx(row["INST_UNDERPAID_SHARE"], abs=1e-12)
    assert sum(y["payments"] for y in history["installments"]["by_year"]) == int(row["INST_COUNT"])
    english = get(gateway_server, f"/v1/clients/{rich_client}/history").json()
    assert [c["credit_active_label"] for c in english["bureau"]] == [
        c["credit_active"] for c in english["bureau"]
    ]


def test_history_auth_unknown_and_new_application(gateway_server: Service) -> None:
    assert get(gateway_server, "/v1/clients/999999999/history").status_code == 404, "unknown client"
    assert get(gateway_server, "/v1/clients/1/history", headers=SERVICE).status_code == 403, "advisors only"
    assert httpx.get(gateway_server.url + "/v1/clients/1/history", timeout=10).status_code == 401
    created = httpx.post(
        gateway_server.url + "/v1/applications", headers=SERVICE, json=FIVE_FIELD_APPLICATION, timeout=20
    )
    assert created.status_code == 201, created.text
    empty = get(gateway_server, f"/v1/clients/{created.json()['client_id']}/history").json()
    assert (empty["bureau"], empty["previous"], empty["bureau_total"]) == ([], [], 0), "no history rows"
    assert empty["installments"] == {
        "payments": 0,
        "late_share": None,
        "underpaid_share": None,
        "mean_days_late": None,
        "by_year": [],
    }
    assert (empty["credit_card"]["months"], empty["pos_cash"]["months"]) == (0, 0)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_letter_is_a_one_page_pdf_in_the_language(
    gateway_server: Service, rich_client: int, lang: str
) -> None:
    reply = get(gateway_server, f"/v1/clients/{rich_client}/letter", lang=lang)
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == "application/pdf"
    assert reply.headers["content-disposition"] == f'attachment; filename="decision-{rich_client}-{lang}.pdf"'
    pdf = PdfReader(io.BytesIO(reply.content))
    assert len(pdf.pages) == 1, "one page"
    text = " ".join(pdf.pages[0].extract_text().split())
    score = get(gateway_server, f"/v1/clients/{rich_client}/score", lang=lang).json()
    top = family_phrase(score["reasons"]["families"][0]["family"], lang).replace("[[bureau]]", "")
    assert " ".join(top.split()) in text, f"the strongest family ({top}) is named, in the client's words"
    assert "the client" not in text.lower(), "the client is spoken to, not of"
    assert "du client" not in text
    if lang == "fr":
        decision = {"granted": "acceptée", "refused": "ne pouvons pas accepter", "referred": "un conseiller"}[
            score["decision"]
        ]
        assert "Comment contester cette décision" in text, "French accents survive"
        assert "réexaminée" in text
    else:
        decision = {"granted": "is granted", "refused": "cannot grant", "referred": "an advisor will review"}[
            score["decision"]
        ]
        assert "How to contest this decision" in text
    assert decision in text, "the decision is stated"
    assert score["model_version"] in text, "the model version is stated"
    assert f"{score['probability']:.3f}" not in text, "no probability for the client"


def test_history_and_letter_are_documented(gateway_server: Service) -> None:
    paths = httpx.get(gateway_server.url + "/openapi.json", timeout=10).json()["paths"]
    history = paths["/v1/clients/{client_id}/history"]["get"]
    letter = paths["/v1/clients/{client_id}/letter"]["get"]
    assert {"200", "401", "403", "404", "429", "503"} <= set(history["responses"])
    assert "application/pdf" in letter["responses"]["200"]["content"]
    assert {"lang"} <= {p["name"] for p in letter["parameters"]}


def test_the_clients_file_and_the_search_read_in_french(gateway_server: Service, rich_client: int) -> None:
    # when the advisor opens the client's file and searches for it on a French page
    french = {
        f["name"]: f for f in get(gateway_server, f"/v1/clients/{rich_client}", lang="fr").json()["fields"]
    }
    english = {
        f["name"]: f for f in get(gateway_server, f"/v1/clients/{rich_client}", lang="en").json()["fields"]
    }
    found = get(gateway_server, "/v1/clients", search=str(rich_client), lang="fr").json()
    # then every text value has its French words beside the data's own value, which stays as it is
    contract = french["NAME_CONTRACT_TYPE"]
    assert contract["value"] in {"Cash loans", "Revolving loans"}, "the value is the data's, for round trips"
    assert (
        contract["value_label"]
        == {"Cash loans": "Prêts personnels", "Revolving loans": "Crédits renouvelables"}[contract["value"]]
    )
    assert english["NAME_CONTRACT_TYPE"]["value_label"] == contract["value"], "English is the data's own"
    texts = {name: field for name, field in french.items() if isinstance(field["value"], str)}
    assert texts, "the file has text fields"
    assert all(field["value_label"] for field in texts.values()), "every text value is worded"
    assert french["AMT_CREDIT"]["value_label"] is None, "numbers are formatted by the app, not worded"
    row = next(row for row in found if row["client_id"] == rich_client)
    assert row["income_type_label"] == level_label(row["income_type"], "fr") != row["income_type"]
