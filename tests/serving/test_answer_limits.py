"""The services' limits (serving_base.limits): the bound of an answer row holds for the largest real
answers of a model with the platform's features, so a batch within it fits a gRPC message; a feature
value is refused when infinite or beyond ±1e15, naming it, and NaN is not; a packed row's length is
the caller's error, its version the served model's change."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from lightgbm import LGBMClassifier

from credit_features.catalog import feature_catalog
from credit_features.protected import allowed
from credit_model.lending_policy import LendingPolicy
from credit_model.native_trees import NativeTrees
from credit_model.scorers import TreeScorer
from explain_service.explainer import ShapExplainer
from explain_service.responses import AnswerSizes, explanation_body, largest_body
from protos.credit.v1 import explain_pb2, scoring_pb2
from scoring_service.servicer import largest_answer
from serving_base.bundle import ModelBundle
from serving_base.errors import FeatureRowMismatchError, InvalidFeaturesError, InvalidRequestError
from serving_base.limits import (
    MAX_BATCH,
    MAX_FEATURE_MAGNITUDE,
    MAX_REQUEST_ID_BYTES,
    MESSAGE_BYTES,
    answer_rows,
    check_feature_values,
    check_request_ids,
    element_bytes,
)
from serving_base.messages import feature_row
from serving_base.requests import packed_row

pytestmark = pytest.mark.unit

LONGEST_ID = "x" * MAX_REQUEST_ID_BYTES


@pytest.fixture(scope="module")
def explainer() -> ShapExplainer:
    """A LightGBM model over the platform's model features (the catalog's, protected ones left out),
    with a lending policy: its answers are as long as the served model's."""
    names = tuple(allowed([spec.name for specs in feature_catalog().values() for spec in specs]))
    rng = np.random.default_rng(5)
    x = rng.normal(size=(600, len(names)))
    x[rng.random(x.shape) < 0.2] = np.nan
    y = (np.nan_to_num(x[:, 0]) + rng.normal(size=600) > 1.0).astype(int)
    # One thread: a second or so, without taking the other core from whatever runs beside.
    model = LGBMClassifier(n_estimators=60, num_leaves=15, verbose=-1, random_state=0, n_jobs=1).fit(x, y)
    bundle = ModelBundle(
        name="credit-default",
        version="12",
        threshold=0.1,
        cost_fn=10.0,
        cost_fp=1.0,
        feature_service="credit_scoring_v1",
        features=names,
        scorer=TreeScorer(NativeTrees(model.booster_.model_to_string()), 0.0),
        policy=LendingPolicy(version="2026-01-01"),
    )
    return ShapExplainer(bundle)


def real_rows(explainer: ShapExplainer) -> np.ndarray:
    """Rows whose answers are long: every value missing (each contribution then writes its value, NaN,
    and `missing`), values everywhere, and a mix."""
    features = len(explainer.bundle.features)
    rng = np.random.default_rng(9)
    mixed = rng.normal(size=(40, features))
    mixed[rng.random(mixed.shape) < 0.3] = np.nan
    return np.vstack([np.full((1, features), np.nan), rng.normal(size=(1, features)), mixed])


def real_answers(explainer: ShapExplainer, each_way: int) -> list[explain_pb2.ExplainResponse]:
    """The service's answers for `real_rows`, with the longest request id and a negative client id."""
    answers = []
    for explanation in explainer.explain(real_rows(explainer)):
        answer = explanation_body(explainer, each_way, explanation)
        answer.request_id, answer.client_id = LONGEST_ID, -1
        answers.append(answer)
    return answers


@pytest.mark.parametrize("each_way", [0, 1, 3, 10, 50])
def test_the_bound_of_an_answer_row_holds_for_the_largest_real_answers(
    explainer: ShapExplainer, each_way: int
) -> None:
    # given the bound of an answer row asking `each_way` reasons each way
    bound = AnswerSizes(explainer).row_bytes(each_way)
    # when real answers of long rows are measured as elements of a batch answer
    largest = max(element_bytes(answer) for answer in real_answers(explainer, each_way))
    # then none exceeds the bound, and the bound of a full answer is close to the real one (a feature
    # no tree uses has a contribution of 0, which takes no byte)
    assert largest <= bound, f"an answer row takes {largest} bytes, over its bound of {bound}"
    if each_way == 0:
        assert bound <= 1.2 * largest, f"a bound of {bound} bytes for answers of {largest} is loose"


def test_the_largest_batch_allowed_fits_a_message_and_one_row_more_would_not(
    explainer: ShapExplainer,
) -> None:
    # given the rows allowed when every contribution is asked for (the outside test's batch)
    sizes = AnswerSizes(explainer)
    rows = sizes.rows(0)
    # when a batch answer of that many of the largest real answers is built
    largest = max(real_answers(explainer, 0), key=element_bytes)
    answer = explain_pb2.ExplainBatchResponse(responses=[largest] * rows)
    # then it fits a gRPC message, the bound of one row more would not, and the limit is some 150 rows
    assert answer.ByteSize() <= MESSAGE_BYTES
    assert (rows + 1) * sizes.row_bytes(0) > MESSAGE_BYTES
    assert 100 < rows < 200, rows
    # and the gateway's 3 reasons each way keep the whole batch limit
    assert sizes.rows(3) == MAX_BATCH


def test_a_batch_over_the_answer_limit_is_refused_naming_the_rows_allowed_each_way(
    explainer: ShapExplainer,
) -> None:
    # given a batch mixing rows asking every contribution and rows asking 3 each way
    sizes = AnswerSizes(explainer)
    each_way = [0] * sizes.rows(0) + [3] * 10
    # when it is checked, then it is refused, naming the limits of both
    with pytest.raises(InvalidRequestError) as caught:
        sizes.check(each_way)
    message = str(caught.value)
    assert f"the answer to {len(each_way):,} rows could take" in message, message
    assert f"over the {MESSAGE_BYTES:,}-byte limit of a gRPC message" in message, message
    expected = f"at most {sizes.rows(0):,} rows with top_each_way 0 (every contribution listed), 1,000 rows"
    assert expected in message, message
    # and the batch at the limit passes
    sizes.check([0] * sizes.rows(0))


@pytest.mark.parametrize(
    "message",
    [
        pytest.param(lambda e: largest_body(e, 3), id="ExplainResponse"),
        pytest.param(lambda e: largest_body(e, 3).contributions[0], id="Contribution"),
        pytest.param(lambda e: largest_body(e, 3).families[0], id="FamilyImpact"),
        pytest.param(lambda e: largest_answer(e.bundle), id="ScoreResponse"),
        pytest.param(lambda e: largest_answer(e.bundle).model, id="ModelRef"),
    ],
)
def test_the_largest_answers_write_every_field_of_their_messages(explainer: ShapExplainer, message) -> None:
    # given a message of the largest answers (a field added to the contract must be counted there too)
    built = message(explainer)
    # then every field of its type is written
    written = {field.name for field, _ in built.ListFields()}
    assert written == set(built.DESCRIPTOR.fields_by_name), set(built.DESCRIPTOR.fields_by_name) - written


def test_the_largest_answers_give_every_policy_rule_and_every_required_field(
    explainer: ShapExplainer,
) -> None:
    reasons = largest_answer(explainer.bundle).policy_reasons
    written = {field.name for reason in reasons for field, _ in reason.ListFields()}
    assert written == set(scoring_pb2.PolicyReason.DESCRIPTOR.fields_by_name)
    assert {r.rule for r in reasons} == {
        "annuity_income",
        "credit_income",
        "age_at_end",
        "missing_information",
        "novelty",
        "score",
    }
    assert explainer.bundle.policy is not None
    assert [f for r in reasons for f in r.fields] == [r.field for r in explainer.bundle.policy.required]


def test_a_score_batch_keeps_its_limit_of_1000_rows(explainer: ShapExplainer) -> None:
    assert answer_rows(element_bytes(largest_answer(explainer.bundle))) == MAX_BATCH


FEATURES = ("AMT_CREDIT", "DAYS_BIRTH", "EXT_SOURCE_1")


@pytest.mark.parametrize(
    ("value", "said"),
    [
        (math.inf, "is infinite"),
        (-math.inf, "is infinite"),
        (1e308, "is 1e+308"),
        (-2e15, "is -2e+15"),
        (np.nextafter(MAX_FEATURE_MAGNITUDE, math.inf), "is 1e+15"),
    ],
)
def test_an_infinite_or_outsized_value_is_refused_naming_its_feature_and_the_bound(
    value: float, said: str
) -> None:
    # given a row whose second feature is infinite or beyond the bound, its third also beyond it
    matrix = np.array([[0.0, 1.0, 2.0], [1.0, value, 1e300]])
    # when it is checked, then the first such value is named: its row, its feature, and the bound
    with pytest.raises(InvalidFeaturesError) as caught:
        check_feature_values(matrix, FEATURES, lambda row: f"request {row}")
    assert str(caught.value) == (
        f"request 1: feature DAYS_BIRTH {said}; a feature value must be finite and within ±1e+15 "
        "(NaN marks a missing value)"
    )


@pytest.mark.parametrize("value", [math.nan, MAX_FEATURE_MAGNITUDE, -MAX_FEATURE_MAGNITUDE, 365_243.0, 0.0])
def test_a_missing_value_and_values_up_to_the_bound_are_accepted(value: float) -> None:
    check_feature_values(np.array([[value, 1.0, math.nan]]), FEATURES, lambda row: f"request {row}")


def test_checking_a_row_costs_microseconds() -> None:
    # given a row of the served model's size (the gateway's decisions: one row a call, 200 a second)
    row = np.random.default_rng(0).normal(size=(1, 421)) * 1e6
    row[0, ::7] = np.nan
    features = tuple(f"F{i}" for i in range(421))
    # when it is checked many times, then the median check takes well under the 5 ms budget of a call
    timings = []
    for _ in range(2000):
        started = time.perf_counter()
        check_feature_values(row, features, str)
        timings.append(time.perf_counter() - started)
    assert float(np.median(timings)) < 50e-6, f"median {np.median(timings) * 1e6:.1f} µs"


@pytest.mark.parametrize(
    ("request_id", "refused"),
    [
        ("x" * MAX_REQUEST_ID_BYTES, False),
        ("x" * (MAX_REQUEST_ID_BYTES + 1), True),
        ("€" * (MAX_REQUEST_ID_BYTES // 3), False),  # 3 bytes each: 126 bytes
        ("€" * (MAX_REQUEST_ID_BYTES // 3 + 1), True),  # 129 bytes in 43 characters
        ("", False),
    ],
)
def test_a_request_id_is_held_to_its_limit_in_bytes(request_id: str, refused: bool) -> None:
    if not refused:
        check_request_ids(["r-1", request_id])
        return
    with pytest.raises(
        InvalidRequestError, match=rf"^request 1: a request_id of {len(request_id.encode())} bytes"
    ):
        check_request_ids(["r-1", request_id])


def test_a_row_of_the_served_version_with_another_length_is_the_callers_error(
    explainer: ShapExplainer,
) -> None:
    bundle = explainer.bundle
    count = len(bundle.features)
    # given rows stamped with the served version, one value short, and one value over
    for given in (count - 1, count + 1):
        row = feature_row([0.0] * given, bundle.feature_service, bundle.version)
        # then each is invalid, naming both counts
        with pytest.raises(InvalidFeaturesError) as caught:
            packed_row(bundle, row)
        assert f"{given} feature values given; model version 12 (credit_scoring_v1) takes {count}" in str(
            caught.value
        )


def test_a_row_read_for_another_version_or_feature_service_is_the_served_models_change(
    explainer: ShapExplainer,
) -> None:
    bundle = explainer.bundle
    count = len(bundle.features)
    # given rows read for another version (whatever their length) or another feature service
    for values, service, version in (
        ([0.0] * count, bundle.feature_service, "11"),
        ([0.0] * (count - 3), bundle.feature_service, "11"),
        ([0.0] * count, "credit_scoring_v0", bundle.version),
    ):
        # then each is a mismatch (FAILED_PRECONDITION: the gateway re-reads the model)
        with pytest.raises(FeatureRowMismatchError):
            packed_row(bundle, feature_row(values, service, version))
