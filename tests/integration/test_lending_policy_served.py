"""The lending policy served: "referred" and the knock-outs through REST, gRPC, the log and the letter."""

from __future__ import annotations

import io
import itertools
import math

import grpc
import httpx
import pytest
from pypdf import PdfReader

from bench.offer_scan import scan_offer
from credit_features.application import application_row
from credit_features.protected import EXCLUDED
from credit_model.decision_log import read_log
from credit_model.lending_policy import LendingPolicy
from explain_service.client import ExplainClient
from scoring_service.client import ScoringClient

from .conftest import ADVISOR_KEY, SERVICE_KEY, Service, run_coroutine

pytestmark = [pytest.mark.integration, pytest.mark.slow]
SERVICE = {"X-API-Key": SERVICE_KEY}
ADVISOR = {"X-API-Key": ADVISOR_KEY}
#: The issue's five-field application: income, credit, annuity, age 38, cash loan.
FIVE_FIELDS = {
    "AMT_INCOME_TOTAL": 150_000.0,
    "AMT_CREDIT": 600_000.0,
    "AMT_ANNUITY": 30_000.0,
    "DAYS_BIRTH": -13_880,
    "NAME_CONTRACT_TYPE": "Cash loans",
}
COMPLETE = {**FIVE_FIELDS, "NAME_INCOME_TYPE": "Working", "EXT_SOURCE_2": 0.6, "EXT_SOURCE_3": 0.55}


def post(server: Service, body: dict, lang: str = "en") -> dict:
    reply = httpx.post(
        f"{server.url}/v1/applications", headers=SERVICE, params={"lang": lang}, json=body, timeout=30
    )
    assert reply.status_code == 201, reply.text
    return reply.json()


def test_the_five_field_application_is_referred_and_names_what_is_missing(gateway_server: Service) -> None:
    answer = post(gateway_server, FIVE_FIELDS)
    assert answer["decision"] == "referred"
    (reason,) = answer["policy_reasons"]
    assert reason["rule"] == "missing_information"
    assert reason["fields"] == ["NAME_INCOME_TYPE", "EXT_SOURCE_1, EXT_SOURCE_2 or EXT_SOURCE_3"]
    assert "source of income" in reason["sentence"]
    assert "external credit score" in reason["sentence"]
    assert answer["policy_version"], "the decision names its policy"
    french = post(gateway_server, FIVE_FIELDS, lang="fr")
    assert "source de revenus" in french["policy_reasons"][0]["sentence"]


def test_sixty_million_is_refused_by_the_affordability_rule(gateway_server: Service) -> None:
    answer = post(gateway_server, {**COMPLETE, "AMT_CREDIT": 60_000_000.0, "DAYS_BIRTH": -19 * 365 - 10})
    assert answer["decision"] == "refused"
    rules = [reason["rule"] for reason in answer["policy_reasons"]]
    assert rules[0] == "credit_income", rules
    assert answer["policy_reasons"][0]["value"] == pytest.approx(400.0)


def test_a_complete_new_client_without_history_is_not_referred(gateway_server: Service) -> None:
    answer = post(gateway_server, COMPLETE)
    assert answer["decision"] in {"granted", "refused"}, answer["policy_reasons"]
    assert all(reason["rule"] == "score" for reason in answer["policy_reasons"])


def test_referred_flows_through_grpc_the_log_and_the_letter(
    gateway_server: Service, scoring_server: Service, explain_server: Service
) -> None:
    # given the five-field application, posted and so logged and stored
    answer = post(gateway_server, FIVE_FIELDS)
    client_id = answer["client_id"]
    features = {k: (None if math.isnan(v) else v) for k, v in application_row(FIVE_FIELDS).items()}

    async def both() -> tuple:
        async with (
            grpc.aio.insecure_channel(scoring_server.target) as scoring,
            grpc.aio.insecure_channel(explain_server.target) as explain,
        ):
            info = await ScoringClient(scoring, timeout=5).model_info()
            named = {name: features.get(name) for name in info.features}
            score = await ScoringClient(scoring, timeout=5).score(features=named)
            explained = await ExplainClient(explain, timeout=10).explain(features=named)
            return score, explained

    score, explained = run_coroutine(both())
    # then both services answer "referred", with the same reason
    assert score.outcome == explained.outcome == "referred"
    assert [r.rule for r in score.policy_reasons] == ["missing_information"]
    # and the prediction log keeps the outcome
    logged = read_log(gateway_server.log.parent / "predictions", ["client_id", "outcome", "refused"])
    rows = [row for row in logged.to_pylist() if row["client_id"] == client_id]
    assert rows
    assert rows[-1]["outcome"] == "referred"
    assert rows[-1]["refused"] is False
    # and the client's letter says a person will review the file, with what is missing
    letter = httpx.get(f"{gateway_server.url}/v1/clients/{client_id}/letter", headers=ADVISOR, timeout=30)
    assert letter.status_code == 200, letter.text
    text = " ".join(PdfReader(io.BytesIO(letter.content)).pages[0].extract_text().split())
    assert "an advisor will review your file" in text
    assert "credit score from an outside agency" in text, "what is missing, in plain words"


def test_the_what_if_keeps_the_term_says_the_change_and_whether_the_decision_flips(
    gateway_server: Service, platform
) -> None:
    import pandas as pd

    raw = pd.read_parquet(platform.parquet / "application_train.parquet").dropna(
        subset=["AMT_CREDIT", "AMT_ANNUITY"]
    )
    client = raw.iloc[5]
    url = f"{gateway_server.url}/v1/clients/{int(client['SK_ID_CURR'])}/simulation"
    # when the amount is four times the client's, nothing else said
    reply = httpx.post(url, headers=ADVISOR, json={"credit_amount": 4 * client["AMT_CREDIT"]}, timeout=30)
    assert reply.status_code == 200, reply.text
    answer = reply.json()
    # then the annuity is scaled alike (the term kept), and the answer compares with the current decision
    assert answer["annuity"] == pytest.approx(4 * client["AMT_ANNUITY"])
    assert answer["term_years"] == pytest.approx(client["AMT_CREDIT"] / client["AMT_ANNUITY"])
    assert answer["change_points"] == pytest.approx(
        100 * (answer["probability"] - answer["current_probability"])
    )
    assert answer["flips"] == (answer["decision"] != answer["current_decision"])
    # and a term moves the annuity: credit / term
    by_term = httpx.post(
        url, headers=ADVISOR, json={"credit_amount": client["AMT_CREDIT"], "term_years": 5}, timeout=30
    ).json()
    assert by_term["annuity"] == pytest.approx(client["AMT_CREDIT"] / 5)
    # and an annuity with a term is refused, naming both
    both = httpx.post(
        url, headers=ADVISOR, json={"credit_amount": 1000.0, "annuity": 100.0, "term_years": 5}, timeout=30
    )
    assert both.status_code == 422
    assert "term_years" in both.text


FACTORS = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)


def test_the_served_risk_never_falls_as_the_loan_grows(gateway_server: Service, platform) -> None:
    import pandas as pd

    raw = pd.read_parquet(platform.parquet / "application_train.parquet").dropna(
        subset=["AMT_CREDIT", "AMT_ANNUITY"]
    )
    falls = {}
    for _, client in raw.sample(n=40, random_state=11).iterrows():
        url = f"{gateway_server.url}/v1/clients/{int(client['SK_ID_CURR'])}/simulation"
        curve = [
            httpx.post(
                url, headers=ADVISOR, json={"credit_amount": f * client["AMT_CREDIT"]}, timeout=30
            ).json()["probability"]
            for f in FACTORS
        ]
        worst = max(a - b for a, b in itertools.pairwise(curve))
        if worst > 1e-3:
            falls[int(client["SK_ID_CURR"])] = worst
    assert not falls, f"clients whose risk falls by more than 0.1 point as the amount grows: {falls}"


def test_the_offer_is_granted_and_nothing_above_it_is_up_to_the_affordability_cap(
    gateway_server: Service, scoring_server: Service, platform
) -> None:
    import pandas as pd

    raw = pd.read_parquet(platform.parquet / "application_train.parquet").dropna(
        subset=["AMT_CREDIT", "AMT_ANNUITY", "AMT_INCOME_TOTAL", "EXT_SOURCE_2"]
    )
    offered = 0
    for record in raw.sample(n=4, random_state=3).to_dict(orient="records"):
        client_id = int(record["SK_ID_CURR"])
        reply = httpx.get(f"{gateway_server.url}/v1/clients/{client_id}/offer", headers=ADVISOR, timeout=60)
        assert reply.status_code == 200, reply.text
        found = reply.json()
        assert found["term_years"] == pytest.approx(record["AMT_CREDIT"] / record["AMT_ANNUITY"])
        # every 1,000 from the offer up to the affordability cap (beyond it a knock-out refuses), each
        # candidate the client's stored row with its application features recomputed, decided by Scoring
        scan = run_coroutine(scan_offer(gateway_server.url, ADVISOR, scoring_server.target, record, found))
        assert scan.scanned >= 1
        offered += scan.offered is not None
        assert scan.offer_granted is not False, "the offer itself is granted"
        assert not scan.granted_above, (
            f"client {client_id}: granted above the offer: {scan.granted_above[:5]}"
        )
    assert offered, "some clients get an offer"


def test_the_served_model_takes_no_protected_attribute_and_carries_its_policy(
    scoring_server: Service,
) -> None:
    async def info():
        async with grpc.aio.insecure_channel(scoring_server.target) as channel:
            return await ScoringClient(channel, timeout=30).model_info()

    served = run_coroutine(info())
    assert not set(served.features) & set(EXCLUDED), "no protected attribute among the model's inputs"
    assert "APP_AGE_YEARS" in served.features, "age stays an input, on purpose (credit_features.protected)"
    policy = LendingPolicy.from_json(served.lending_policy)
    assert policy.novelty is not None
    assert not set(policy.features) & set(EXCLUDED), "nor an input of the policy's novelty measure"
