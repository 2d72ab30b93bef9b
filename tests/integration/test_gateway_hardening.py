"""The gateway under hostile input and faults: no lost or overwritten application, no hang, no 500.

Each test is a case found by attacking the gateway from outside (real uvicorn, real gRPC services,
real Redis): concurrent and restarted id allocation, rejected applications, non-finite numbers,
lenient ids, absurd values, a stalled or killed Redis, and requests built to stall the event loop.
"""

from __future__ import annotations

import dataclasses
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pandas as pd
import pytest
import redis

from credit_common.client_ids import FIRST_ALLOCATED_ID, MAX_CLIENT_ID, MAX_POSTED_ID
from credit_features.backend import redis_address
from credit_features.redis_layout import connection_options
from credit_features.settings import FeatureSettings
from gateway.intake.application_store import PREFIX

from .conftest import ADVISOR_KEY, SERVICE_KEY, Service, free_port, start_gateway, start_server
from .tcp_fault import FaultyRelay

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ADVISOR, SERVICE = {"X-API-Key": ADVISOR_KEY}, {"X-API-Key": SERVICE_KEY}
#: A value no request of these tests sends for any other reason: it must never reach a log line.
MARKER_AMOUNT = 314159.2653589
MARKER_TEXT = "Zq-marker-7f3a"


def application(credit: float = 600_000.0, **fields: object) -> dict[str, object]:
    """A valid new application; `credit` tells applications apart."""
    return {
        "AMT_INCOME_TOTAL": 150_000.0,
        "AMT_CREDIT": credit,
        "AMT_ANNUITY": 30_000.0,
        "DAYS_BIRTH": -14_000,
        "NAME_CONTRACT_TYPE": "Cash loans",
        "EXT_SOURCE_2": 0.55,
        **fields,
    }


def post(server: Service, body: object, path: str = "/v1/applications") -> httpx.Response:
    return httpx.post(server.url + path, headers=SERVICE, json=body, timeout=60)


def fields_of(server: Service, client_id: int) -> dict[str, object]:
    reply = httpx.get(f"{server.url}/v1/clients/{client_id}", headers=ADVISOR, timeout=60)
    assert reply.status_code == 200, reply.text
    return {field["name"]: field["value"] for field in reply.json()["fields"]}


def assert_no_marker_logged(server: Service) -> None:
    log = server.log.read_text()
    assert str(MARKER_AMOUNT) not in log, "a submitted amount was logged"
    assert MARKER_TEXT not in log, "a submitted text was logged"


@pytest.fixture(scope="module")
def known_client(platform) -> int:
    return int(pd.read_parquet(platform.parquet / "application_train.parquet")["SK_ID_CURR"].iloc[5])


def test_concurrent_applications_without_id_get_distinct_ids_and_none_is_overwritten(
    gateway_server: Service,
) -> None:
    # given 20 different applications posted at once, none with an id
    credits = [500_000.0 + 1_000 * n for n in range(20)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        replies = list(pool.map(lambda credit: post(gateway_server, application(credit)), credits))
    # then each got its own id, and each id opens its own application
    assert [r.status_code for r in replies] == [201] * 20, [r.text for r in replies if r.status_code != 201]
    ids = [r.json()["client_id"] for r in replies]
    assert len(set(ids)) == 20, f"ids handed out twice: {sorted(ids)}"
    for client_id, credit in zip(ids, credits, strict=True):
        assert fields_of(gateway_server, client_id)["AMT_CREDIT"] == credit, f"client {client_id} overwritten"


def test_the_largest_posted_id_leaves_allocated_ids_reachable(gateway_server: Service) -> None:
    # given an application posted with the largest id a caller may post
    posted = post(gateway_server, application(733_000.0, SK_ID_CURR=MAX_POSTED_ID))
    assert posted.status_code == 201, posted.text
    # when the server allocates the next one
    allocated = post(gateway_server, application(744_000.0))
    assert allocated.status_code == 201, allocated.text
    allocated_id = allocated.json()["client_id"]
    # then it comes from the range above, and both open through REST
    assert FIRST_ALLOCATED_ID <= allocated_id <= MAX_CLIENT_ID
    assert fields_of(gateway_server, MAX_POSTED_ID)["AMT_CREDIT"] == 733_000.0
    assert fields_of(gateway_server, allocated_id)["AMT_CREDIT"] == 744_000.0
    score = httpx.get(f"{gateway_server.url}/v1/clients/{allocated_id}/score", headers=ADVISOR, timeout=60)
    assert score.status_code == 200, score.text
    # and an id of the allocated range cannot be posted
    refused = post(gateway_server, application(755_000.0, SK_ID_CURR=FIRST_ALLOCATED_ID))
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "SK_ID_CURR"]


def test_an_exhausted_id_range_is_a_503_that_says_to_post_an_id(gateway_server: Service) -> None:
    counter = _redis()
    key = f"{PREFIX}:next-id"
    before = counter.get(key)
    counter.set(key, MAX_CLIENT_ID)
    try:
        reply = post(gateway_server, application(766_000.0))
    finally:
        if before is None:
            counter.delete(key)
        else:
            counter.set(key, before)
    assert reply.status_code == 503, reply.text
    assert "post the application with its own SK_ID_CURR" in reply.json()["detail"]
    assert counter.get(key) == before, "the counter never passed the range"


def _redis() -> redis.Redis:
    return redis.Redis(**connection_options(FeatureSettings().redis_connection_string))  # type: ignore[arg-type]


def test_a_restarted_gateway_never_reuses_an_id_and_keeps_the_applications(
    scoring_server: Service, explain_server: Service, tmp_path: Path
) -> None:
    # given an application posted to a gateway that is then restarted
    first = start_gateway(tmp_path / "one", scoring_server.target, explain_server.target)
    first.wait_ready()
    before = post(first, application(711_000.0)).json()
    first.stop()
    second = start_gateway(tmp_path / "two", scoring_server.target, explain_server.target)
    try:
        second.wait_ready()
        # when another application without id is posted after the restart
        after = post(second, application(722_000.0)).json()
        # then it gets a new id, and the earlier client is intact: its file and its score
        assert after["client_id"] > before["client_id"], "ids only grow, across restarts"
        assert fields_of(second, before["client_id"])["AMT_CREDIT"] == 711_000.0, "the application survived"
        rescored = httpx.get(
            f"{second.url}/v1/clients/{before['client_id']}/score", headers=SERVICE, timeout=60
        ).json()
        assert rescored["probability"] == pytest.approx(before["probability"], abs=1e-9), "its features too"
    finally:
        second.stop()


def test_a_rejected_application_leaves_nothing_behind(gateway_server: Service) -> None:
    # given an application refused for an absurd income (which once scored as infinite features)
    client_id = 880_000_001
    refused = post(gateway_server, application(SK_ID_CURR=client_id, AMT_INCOME_TOTAL=1e308))
    assert refused.status_code == 422, refused.text
    assert ["body", "AMT_INCOME_TOTAL"] in [error["loc"] for error in refused.json()["detail"]]
    # when the corrected application is posted with the same id
    corrected = post(gateway_server, application(SK_ID_CURR=client_id))
    # then it is accepted and scored, as if the first never happened
    assert corrected.status_code == 201, corrected.text
    score = httpx.get(f"{gateway_server.url}/v1/clients/{client_id}/score", headers=SERVICE, timeout=60)
    assert score.status_code == 200, score.text


def test_an_application_that_could_not_be_scored_is_not_stored(
    gateway_server: Service, tmp_path: Path
) -> None:
    # given a gateway whose scoring services are unreachable
    unreachable = f"127.0.0.1:{free_port()}"
    cut_off = start_gateway(tmp_path, unreachable, unreachable)
    try:
        cut_off.wait_ready()
        # when an application is posted to it, it is refused with 503
        failed = post(cut_off, application(SK_ID_CURR=880_000_002))
        assert failed.status_code == 503, failed.text
        assert failed.headers.get("Retry-After"), "503 says when to retry"
    finally:
        cut_off.stop()
    # then nothing was stored: the same application is accepted once the services answer
    retried = post(gateway_server, application(SK_ID_CURR=880_000_002))
    assert retried.status_code == 201, retried.text


def test_an_existing_client_is_never_overwritten(gateway_server: Service, known_client: int) -> None:
    reply = post(gateway_server, application(SK_ID_CURR=known_client))
    assert reply.status_code == 409, reply.text
    assert str(known_client) in reply.json()["detail"], "the conflict names the client"


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e309"])
@pytest.mark.parametrize("route", ["/v1/applications", "/v1/clients/{id}/simulation"])
def test_non_finite_numbers_are_422_naming_the_field_and_no_value_is_logged(
    gateway_server: Service, known_client: int, token: str, route: str
) -> None:
    # given a body with a non-finite number, beside a recognisable value in another field
    if route == "/v1/applications":
        body = (
            f'{{"AMT_INCOME_TOTAL": {token}, "AMT_CREDIT": {MARKER_AMOUNT}, "AMT_ANNUITY": 30000.0,'
            f' "DAYS_BIRTH": -14000, "NAME_CONTRACT_TYPE": "Cash loans", "NAME_TYPE_SUITE": "{MARKER_TEXT}"}}'
        )
        field = "AMT_INCOME_TOTAL"
    else:
        body = f'{{"credit_amount": {token}, "annuity": {MARKER_AMOUNT}}}'
        field = "credit_amount"
    headers = {**ADVISOR, "Content-Type": "application/json"}
    with httpx.Client(base_url=gateway_server.url, headers=headers, timeout=60) as client:
        reply = client.post(route.format(id=known_client), content=body)
        # then 422 names the field, the connection stays usable, and no value reaches the logs
        assert reply.status_code == 422, reply.text
        assert ["body", field] in [error["loc"] for error in reply.json()["detail"]], reply.text
        assert client.get("/v1/health/live").status_code == 200, "the connection survived"
    assert_no_marker_logged(gateway_server)


@pytest.mark.parametrize(
    "body",
    [
        '{"credit_amount": ' + "9" * 5_000 + "}",  # past Python's limit on the digits of an integer
        '{"credit_amount": ' + "[" * 5_000 + "]" * 5_000 + "}",  # past the parser's nesting depth
        '{"credit_amount": 900000',  # cut short
    ],
    ids=["5000-digit number", "5000-deep nesting", "truncated"],
)
def test_a_body_that_is_not_readable_json_is_the_documented_422(
    gateway_server: Service, known_client: int, body: str
) -> None:
    reply = httpx.post(
        f"{gateway_server.url}/v1/clients/{known_client}/simulation",
        headers={**ADVISOR, "Content-Type": "application/json"},
        content=body,
        timeout=60,
    )
    assert reply.status_code == 422, reply.text
    (error,) = reply.json()["detail"]
    assert error["loc"][0] == "body"
    assert error["type"] == "json_invalid"


def test_a_valid_application_leaves_no_value_in_the_logs(gateway_server: Service) -> None:
    created = post(gateway_server, application(NAME_TYPE_SUITE="Family", AMT_GOODS_PRICE=MARKER_AMOUNT))
    assert created.status_code == 201, created.text
    # and a review's free text (an application has none left: its text fields take levels) neither
    review = {
        "reviewer": "C. D.",
        "client_view": MARKER_TEXT,
        "outcome": "confirmed",
        "reason": "as_assessed",
    }
    reviewed = httpx.post(
        f"{gateway_server.url}/v1/clients/{created.json()['client_id']}/reviews",
        headers=ADVISOR,
        json=review,
        timeout=60,
    )
    assert reviewed.status_code == 201, reviewed.text
    assert_no_marker_logged(gateway_server)


def test_a_text_field_outside_the_real_levels_is_422_listing_them(gateway_server: Service) -> None:
    reply = post(gateway_server, application(NAME_CONTRACT_TYPE="<script>alert(1)</script>"))
    assert reply.status_code == 422, reply.text
    (error,) = reply.json()["detail"]
    assert error["loc"] == ["body", "NAME_CONTRACT_TYPE"]
    assert "'Cash loans' or 'Revolving loans'" in error["msg"]
    assert "script" not in reply.text, "the value sent is not echoed"


@pytest.mark.parametrize("raw_id", [" {id}", "+{id}", "{id}.0", "0{id}", "{head}_{tail}"])
def test_a_client_id_in_a_path_is_digits_only(
    gateway_server: Service, known_client: int, raw_id: str
) -> None:
    text = str(known_client)
    path = "/v1/clients/" + raw_id.format(id=text, head=text[:3], tail=text[3:]) + "/score"
    reply = httpx.get(gateway_server.url + path, headers=SERVICE, timeout=60)
    assert reply.status_code == 422, f"{path!r} resolved to a client: {reply.status_code}"
    assert ["path", "client_id"] in [error["loc"] for error in reply.json()["detail"]], reply.text


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("DAYS_BIRTH", 2**62),
        ("DAYS_BIRTH", -1),  # a newborn
        ("AMT_CREDIT", 0.0),
        ("AMT_INCOME_TOTAL", 1e308),
        ("EXT_SOURCE_2", 1.5),
        ("DAYS_EMPLOYED", 5),  # only 365243 ("not employed") may be positive
        ("CNT_CHILDREN", "2"),  # a number as text
        ("NAME_TYPE_SUITE", "x" * 65),
    ],
)
def test_an_absurd_application_is_refused_naming_the_field(
    gateway_server: Service, field: str, value: object
) -> None:
    reply = post(gateway_server, application(**{field: value}))
    assert reply.status_code == 422, reply.text
    assert {error["loc"][1] for error in reply.json()["detail"]} == {field}, reply.text


def test_the_not_employed_code_is_accepted(gateway_server: Service) -> None:
    assert post(gateway_server, application(DAYS_EMPLOYED=365243)).status_code == 201


def test_a_comparison_cannot_ask_for_thousands_of_features(
    gateway_server: Service, known_client: int
) -> None:
    url = f"{gateway_server.url}/v1/clients/{known_client}/comparison"
    offered = httpx.get(url, headers=ADVISOR, timeout=60).json()["features"][0]["feature"]
    # a name repeated is compared once
    repeated = httpx.get(url, headers=ADVISOR, params={"features": ",".join([offered] * 50)}, timeout=60)
    assert repeated.status_code == 200, repeated.text
    assert [f["feature"] for f in repeated.json()["features"]] == [offered], "each feature once"
    # too many names, a name not offered, or a list past the length limit: refused before any work
    for features in (",".join(f"F{n}" for n in range(21)), "NOT_A_FEATURE", ",".join([offered] * 2000)):
        reply = httpx.get(url, headers=ADVISOR, params={"features": features}, timeout=60)
        assert reply.status_code == 422, reply.text
        assert reply.json()["detail"][0]["loc"] == ["query", "features"], "names the parameter"


def _timed(call) -> tuple[httpx.Response, float]:  # type: ignore[no-untyped-def]
    start = time.monotonic()
    reply = call()
    return reply, time.monotonic() - start


def test_a_stalled_or_killed_redis_gives_prompt_503s_and_health_answers_within_a_second(
    scoring_server: Service, explain_server: Service, known_client: int, tmp_path: Path
) -> None:
    host, port = redis_address(FeatureSettings())
    db = FeatureSettings().redis_connection_string.split("db=")[1].split(",")[0]
    with FaultyRelay(host, port) as relay:
        gateway = start_gateway(
            tmp_path,
            scoring_server.target,
            explain_server.target,
            REDIS_CONNECTION_STRING=f"127.0.0.1:{relay.port},db={db}",
        )
        try:
            gateway.wait_ready()
            score = f"{gateway.url}/v1/clients/{known_client}/score"
            assert httpx.get(score, headers=SERVICE, timeout=60).status_code == 200, "healthy first"
            for fault in (relay.stall, relay.drop):
                # when Redis stops answering (stalled), or is gone (killed)
                fault()
                for call in (
                    lambda: httpx.get(score, headers=SERVICE, timeout=10),
                    lambda: post(gateway, application()),
                    lambda: httpx.get(gateway.url + "/v1/health", timeout=10),
                ):
                    reply, seconds = _timed(call)
                    # then every request answers 503 with Retry-After at once, health within a second
                    assert reply.status_code == 503, f"{fault.__name__}: {reply.status_code} {reply.text}"
                    assert reply.headers.get("Retry-After"), "503 says when to retry"
                    assert seconds < 1.0, f"{fault.__name__}: answered after {seconds:.2f} s"
                relay.heal()
                assert httpx.get(score, headers=SERVICE, timeout=60).status_code == 200, "recovers"
        finally:
            gateway.stop()


def _explain_on(port: int, folder: Path, registry: Service) -> Service:
    """An explain service on `port` (start_server picks a free port; the later --port flag wins)."""
    service = start_server(
        "explain_service",
        folder,
        "--port",
        str(port),
        "--poll-seconds",
        "1",
        env={"MLFLOW_TRACKING_URI": registry.url, "EXPLAIN_WARM_POPULATION": "false"},
    )
    return dataclasses.replace(service, port=port)


def test_explanations_come_back_within_2_s_of_a_restarted_explain_service_serving_under_load(
    mlflow_server: Service, scoring_server: Service, known_client: int, tmp_path: Path
) -> None:
    # given a gateway under steady load (30 requests/s), its explain service a process of its own
    port = free_port()
    explain = _explain_on(port, tmp_path / "explain-1", mlflow_server)
    explain.wait_serving()
    gateway = start_gateway(
        tmp_path / "gateway", scoring_server.target, explain.target, GATEWAY_REUSE_EXPLANATIONS="false"
    )
    answers: list[tuple[float, int, bool]] = []
    stop = threading.Event()

    def load() -> None:
        with httpx.Client(headers=SERVICE, timeout=10) as client:
            while not stop.wait(1 / 30):
                reply = client.get(f"{gateway.url}/v1/clients/{known_client}/score")
                explained = reply.status_code == 200 and reply.json()["explanation_available"]
                answers.append((time.monotonic(), reply.status_code, explained))

    loader = threading.Thread(target=load)
    try:
        gateway.wait_ready()
        loader.start()
        time.sleep(2)
        # when the explain service is killed, stays down a few seconds, and is restarted
        explain.stop(signal.SIGKILL)
        time.sleep(5)
        explain = _explain_on(port, tmp_path / "explain-2", mlflow_server)
        explain.wait_serving()
        serving_at = time.monotonic()
        time.sleep(4)
    finally:
        stop.set()
        if loader.is_alive():
            loader.join()
        gateway.stop()
        explain.stop()
    # then every request was answered (the score alone while Explain was down)
    assert {status for _, status, _ in answers} == {200}, "no request failed during the outage"
    assert not all(explained for _, _, explained in answers), "the outage was seen (score alone)"
    # and explanations were back within 2 s of the restarted service reporting SERVING
    back = [at for at, _, explained in answers if explained and at >= serving_at]
    assert back, "explanations came back"
    assert back[0] - serving_at <= 2.0, f"explanations back {back[0] - serving_at:.2f} s after SERVING"
