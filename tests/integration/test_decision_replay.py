"""Decision records through the real stack: every decision produced on request, whichever gateway took
it, and replayed from the registry bit for bit, also once its version is no longer the champion;
a tampered record does not replay."""

from __future__ import annotations

import dataclasses
import io
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from pypdf import PdfReader

from credit_common.paths import REPO_ROOT
from credit_model.decision_records import DecisionRecord, find_decision
from credit_model.journal_records import Decision
from credit_model.loading import MlflowRegistry
from credit_model.registry import CHAMPION, MODEL_NAME
from credit_model.served_reasons import ServedReasons
from credit_model.settings import ModelSettings
from gateway.decisions.prediction_log import PredictionLog
from training.model.replay import replay

from .conftest import ADVISOR_KEY, SERVICE_KEY, Service, free_port, start_gateway

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ADVISOR = {"X-API-Key": ADVISOR_KEY}
APPLICATION = {
    "AMT_INCOME_TOTAL": 150_000.0,
    "AMT_CREDIT": 600_000.0,
    "AMT_ANNUITY": 30_000.0,
    "DAYS_BIRTH": -13_880,
    "NAME_CONTRACT_TYPE": "Cash loans",
}


@pytest.fixture(scope="module")
def served(platform, gateway_server: Service, scoring_server: Service, tmp_path_factory) -> dict[str, dict]:
    """Decisions of every kind, taken by two gateway processes sharing one log folder: the session's
    (explained: reasons, the full explanation, a new application) and one whose explain service is down
    (Scoring answers alone)."""
    shared = gateway_server.log.parent / "predictions"
    client_id = int(pd.read_parquet(platform.parquet / "application_train.parquet")["SK_ID_CURR"].iloc[5])
    answers = {
        "reasons": _ok(
            httpx.get(f"{gateway_server.url}/v1/clients/{client_id}/score", headers=ADVISOR, timeout=30)
        ),
        "full": _ok(
            httpx.get(
                f"{gateway_server.url}/v1/clients/{client_id}/score",
                params={"include": "explanation"},
                headers=ADVISOR,
                timeout=30,
            )
        ),
        "application": _ok(
            httpx.post(
                f"{gateway_server.url}/v1/applications",
                json=APPLICATION,
                headers={"X-API-Key": SERVICE_KEY},
                timeout=30,
            ),
            201,
        ),
    }
    other = start_gateway(
        tmp_path_factory.mktemp("other-gateway"),
        scoring_server.target,
        f"127.0.0.1:{free_port()}",
        GATEWAY_PREDICTION_LOG_DIR=str(shared),
        GATEWAY_REUSE_EXPLANATIONS="false",
    )
    try:
        other.wait_ready()
        answers["scored_alone"] = _ok(
            httpx.get(f"{other.url}/v1/clients/{client_id}/score", headers=ADVISOR, timeout=30)
        )
    finally:
        other.stop()
    return answers


def _ok(reply: httpx.Response, status: int = 200) -> dict:
    assert reply.status_code == status, reply.text
    return reply.json()


def _record(gateway: Service, request_id: str) -> DecisionRecord:
    found = find_decision(gateway.log.parent / "predictions", request_id)
    assert found is not None, f"decision {request_id} not in the shared log"
    return found


def test_every_decision_is_produced_on_request_as_it_was_served(
    gateway_server: Service, served: dict
) -> None:
    assert served["scored_alone"]["explanation_available"] is False, "the other gateway's explain is down"
    for kind, answer in served.items():
        # when an advisor asks the session's gateway for the decision, whichever gateway took it
        reply = httpx.get(
            f"{gateway_server.url}/v1/decisions/{answer['request_id']}", headers=ADVISOR, timeout=30
        )
        assert reply.status_code == 200, f"{kind}: {reply.text}"
        record = reply.json()
        # then it is what was answered: id, version, threshold, probability, decision, policy
        for key in (
            "request_id",
            "model_name",
            "model_version",
            "threshold",
            "probability",
            "policy_version",
        ):
            assert record[key] == answer[key], f"{kind}: {key}"
        assert record["decision"] == answer["decision"], kind
        assert [r["rule"] for r in record["policy_reasons"]] == [r["rule"] for r in answer["policy_reasons"]]
        assert len(record["features"]) > 100, "the whole row the model was given"
        reasons = record["reasons"]
        assert reasons["explained"] is answer["explanation_available"], kind
        if not answer["explanation_available"]:
            assert reasons["missing_reason"] == answer["explanation_missing_reason"]
            continue
        # and its reasons are the answer's: the strongest each way, in order, with their values
        listed = reasons["contributions"]
        raising = [(c["feature"], c["shap"]) for c in listed if c["shap"] > 0]
        lowering = [(c["feature"], c["shap"]) for c in listed if c["shap"] < 0]
        shown = answer["reasons"]
        assert [(r["feature"], r["impact"]) for r in shown["raising"]] == raising[: len(shown["raising"])]
        assert [(r["feature"], r["impact"]) for r in shown["lowering"]] == lowering[: len(shown["lowering"])]
        assert [f["family"] for f in reasons["families"]][:3] == [f["family"] for f in shown["families"]][:3]
        assert all(record["features"][c["feature"]] == c["value"] for c in listed), "values from the row"
    full = httpx.get(
        f"{gateway_server.url}/v1/decisions/{served['full']['request_id']}", headers=ADVISOR
    ).json()
    assert full["reasons"]["each_way"] == 0
    assert [c["shap"] for c in full["reasons"]["contributions"]] == [
        c["shap"] for c in served["full"]["explanation"]["contributions"]
    ], "the full explanation, every contribution in its order"


def test_the_decisions_route_is_for_advisors_and_names_what_is_wrong(
    gateway_server: Service, served: dict
) -> None:
    url = f"{gateway_server.url}/v1/decisions"
    request_id = served["reasons"]["request_id"]
    assert httpx.get(f"{url}/{request_id}", headers={"X-API-Key": SERVICE_KEY}).status_code == 403
    assert httpx.get(f"{url}/{request_id}").status_code == 401
    unknown = httpx.get(f"{url}/{'0' * 12}7{'0' * 19}", headers=ADVISOR)
    assert unknown.status_code == 404
    assert "no decision" in unknown.json()["detail"]
    malformed = httpx.get(f"{url}/{request_id.upper()}", headers=ADVISOR)
    assert malformed.status_code == 422
    assert malformed.json()["detail"][0]["loc"] == ["path", "decision_id"]


def test_the_letter_quotes_the_decision_it_communicates(platform, gateway_server: Service) -> None:
    client_id = int(pd.read_parquet(platform.parquet / "application_train.parquet")["SK_ID_CURR"].iloc[6])
    letter = httpx.get(f"{gateway_server.url}/v1/clients/{client_id}/letter", headers=ADVISOR, timeout=60)
    assert letter.status_code == 200, letter.text
    text = " ".join(PdfReader(io.BytesIO(letter.content)).pages[0].extract_text().split())
    quoted = re.search(r"decision ([0-9a-f]{32})", text)
    assert quoted is not None, text[:300]
    record = httpx.get(f"{gateway_server.url}/v1/decisions/{quoted[1]}", headers=ADVISOR, timeout=30)
    assert record.status_code == 200, "the id a client quotes produces the decision"
    assert record.json()["client_id"] == client_id


def test_every_logged_decision_replays_bit_for_bit(gateway_server: Service, served: dict) -> None:
    registry = MlflowRegistry(ModelSettings())
    for kind, answer in served.items():
        replayed = replay(_record(gateway_server, answer["request_id"]), registry)
        assert replayed.differences == (), kind
        assert replayed.probability == answer["probability"], f"{kind}: to the bit, through JSON too"


@pytest.fixture
def registry_moved_on(tmp_path: Path, served: dict, gateway_server: Service) -> str:
    """A copy of the session's registry where the champion has moved to a newer version since."""
    session = ModelSettings().tracking_uri.removeprefix("sqlite:///")
    copy = tmp_path / "registry.db"
    with sqlite3.connect(session) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    uri = f"sqlite:///{copy}"
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    served_version = _record(gateway_server, served["reasons"]["request_id"]).model_version
    before = client.get_model_version(MODEL_NAME, served_version)
    newer = client.create_model_version(
        MODEL_NAME, source=before.source, run_id=before.run_id, tags=before.tags
    )
    client.set_registered_model_alias(MODEL_NAME, CHAMPION, newer.version)
    assert client.get_model_version_by_alias(MODEL_NAME, CHAMPION).version != served_version
    return uri


def _replay_command(decision_id: str, log_dir: Path, registry: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "training", "replay", decision_id, "--log-dir", str(log_dir)],
        cwd=REPO_ROOT,
        env={**os.environ, "MLFLOW_TRACKING_URI": registry, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_a_decision_replays_once_its_version_is_no_longer_the_champion(
    gateway_server: Service, served: dict, registry_moved_on: str
) -> None:
    request_id = served["reasons"]["request_id"]
    done = _replay_command(request_id, gateway_server.log.parent / "predictions", registry_moved_on)
    assert done.returncode == 0, done.stderr
    assert "replay matches bit for bit" in done.stderr


def test_a_tampered_record_does_not_replay(gateway_server: Service, served: dict, tmp_path: Path) -> None:
    # given the served decision, and copies of it each changed after the fact in one way
    record = _record(gateway_server, served["reasons"]["request_id"])
    assert record.reasons is not None
    first, *rest = record.reasons.contributions
    values = record.values.copy()  # the strongest reason's feature, made missing (or known, if it was not)
    strongest = record.features.index(first[0])
    values[strongest] = 0.0 if np.isnan(values[strongest]) else np.nan
    tampered = {
        "probability": dataclasses.replace(record, probability=float(np.nextafter(record.probability, 1.0))),
        "a value of the row": dataclasses.replace(record, values=values),
        "the reasons' order": dataclasses.replace(
            record, reasons=dataclasses.replace(record.reasons, contributions=(*rest[:1], first, *rest[1:]))
        ),
        "a reason's value": dataclasses.replace(
            record,
            reasons=dataclasses.replace(record.reasons, contributions=((first[0], first[1] * 1.01), *rest)),
        ),
    }
    registry = MlflowRegistry(ModelSettings())
    for change, copy in tampered.items():
        # then the replay of each differs, and says where
        replayed = replay(copy, registry)
        assert not replayed.matches, change
        assert replayed.differences, change
    # and through the command, from a log holding the tampered record: exit 1, the field named
    log = PredictionLog(tmp_path / "log")
    copy = tampered["probability"]
    log.append(_decision(copy))
    log.close()
    done = _replay_command(copy.request_id, tmp_path / "log", ModelSettings().tracking_uri)
    assert done.returncode == 1, done.stderr
    assert "differs: probability" in done.stderr


def _decision(record: DecisionRecord) -> Decision:
    assert isinstance(record.reasons, ServedReasons)
    return Decision(
        request_id=record.request_id,
        time=record.time,
        client_id=record.client_id,
        model_version=record.model_version,
        probability=record.probability,
        outcome=record.outcome,
        threshold=record.threshold,
        features=record.features,
        values=record.values,
        model_name=record.model_name,
        policy_version=record.policy_version,
        reasons=record.reasons.to_json(),
    )
