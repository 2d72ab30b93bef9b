"""The native scorer and the explain service's TreeSHAP equal LightGBM's Python package and shap."""

from __future__ import annotations

import numpy as np
import pytest
import shap
from lightgbm import LGBMClassifier
from sklearn.pipeline import Pipeline

from credit_features.families import family_key
from credit_model.estimators import UndersampledClassifier, unwrap_lightgbm
from credit_model.native_trees import NativeTrees
from credit_model.scorers import PipelineScorer, TreeScorer
from explain_service.explainer import TreeExplainer
from serving_base.bundle import ModelBundle

pytestmark = pytest.mark.unit


def _bundle(model: object, features: int, names: tuple[str, ...] | None = None) -> ModelBundle:
    pipeline = Pipeline([("model", model)])
    unwrapped = unwrap_lightgbm(pipeline)
    names = names or tuple(f"F{i}" for i in range(features))
    if unwrapped is None:
        scorer = PipelineScorer(pipeline, names)
    else:
        scorer = TreeScorer(NativeTrees(unwrapped[0].booster_.model_to_string()), unwrapped[1])
    return ModelBundle(
        name="credit-default",
        version="1",
        threshold=0.1,
        cost_fn=10.0,
        cost_fp=1.0,
        feature_service="credit_scoring_v1",
        features=names,
        scorer=scorer,
    )


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(600, 12))
    x[rng.random(x.shape) < 0.1] = np.nan  # missing values take LightGBM's default branches
    y = (np.nan_to_num(x[:, 0]) + 0.5 * np.nan_to_num(x[:, 3]) + rng.normal(size=600) > 1.2).astype(int)
    return x, y


@pytest.mark.parametrize("undersample", [False, True], ids=["class-weight", "undersampled"])
def test_contributions_equal_shaps_tree_explainer_and_add_up(data, undersample: bool) -> None:
    # given a fitted LightGBM, plain or undersampled (its log-odds offset belongs to the base value)
    x, y = data
    lgbm = LGBMClassifier(n_estimators=60, num_leaves=15, verbose=-1, random_state=0)
    model = UndersampledClassifier(lgbm, ratio=1.0) if undersample else lgbm
    model.fit(x, y)
    bundle = _bundle(model, x.shape[1])
    inner = model.estimator_ if undersample else model
    offset = np.log(model.keep_) if undersample else 0.0
    # when explaining rows both ways
    rows = x[:40]
    ours = TreeExplainer(bundle).explain(rows)
    reference = shap.TreeExplainer(inner)
    expected = np.asarray(reference.shap_values(rows))
    expected = expected[..., -1] if expected.ndim == 3 else expected
    # then contributions and base value are shap's, and they add up to the served probability
    np.testing.assert_allclose(np.vstack([e.contributions for e in ours]), expected, atol=1e-9)
    base = float(np.atleast_1d(reference.expected_value)[-1]) + offset
    assert ours[0].base_value == pytest.approx(base, abs=1e-9)
    np.testing.assert_allclose([e.probability for e in ours], bundle.predict(rows), atol=1e-9)
    np.testing.assert_allclose(bundle.predict(rows), model.predict_proba(rows)[:, 1], atol=1e-12)


def test_a_model_without_trees_is_refused_with_its_version() -> None:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression().fit(np.eye(4), [0, 1, 0, 1])
    with pytest.raises(TypeError, match="version 1 is not a tree model"):
        TreeExplainer(_bundle(model, 4))


def test_the_strongest_factors_each_way_keep_their_order_by_impact() -> None:
    from credit_model.contributions import Explanation, FeatureFamilies

    contributions = np.array([0.5, -0.1, 0.0, -0.7, 0.2, 0.3, -0.05, 0.01])
    features = tuple("abcdefgh")  # unknown to the catalog: one family, "other"
    explanation = Explanation(
        0.0,
        0.0,
        0.5,
        features,
        np.zeros(8),
        contributions,
        FeatureFamilies.of([family_key(name) for name in features]),
    )
    assert explanation.by_impact() == [3, 0, 5, 4, 1, 6, 7, 2], "every feature, strongest first"
    assert explanation.by_impact(2) == [3, 0, 5, 1], "two raising (a, f) and two lowering (d, b)"
    assert explanation.by_impact(10) == [3, 0, 5, 4, 1, 6, 7], "a zero contribution is neither way"


def test_each_family_keeps_its_strongest_features_and_its_exact_sum() -> None:
    from credit_model.contributions import Explanation, FeatureFamilies

    # given two bureau features, one external score and two loan features
    features = ("BURO_COUNT", "APP_EXT_SOURCE_1", "BURO_ACTIVE_COUNT", "APP_AMT_CREDIT", "APP_AMT_ANNUITY")
    contributions = np.array([0.01, -0.9, 0.02, 0.5, -0.4])
    explanation = Explanation(
        -2.0,
        -2.77,
        0.06,
        features,
        np.zeros(5),
        contributions,
        FeatureFamilies.of([family_key(name) for name in features]),
    )
    # when one reason each way is asked for
    listed = explanation.by_impact(1)
    # then the top each way (ext 1, credit) and each family's strongest (bureau: active count) are listed
    assert listed == [1, 3, 2], "each way's strongest, then each family's strongest"
    impacts = {key: (impact, size) for key, impact, size in explanation.family_impacts()}
    assert impacts["bureau"] == (pytest.approx(0.03), 2), "a family sums every feature, listed or not"
    assert impacts["loan"] == (pytest.approx(0.1), 2), "the loan: 0.5 - 0.4"
    assert [key for key, _, _ in explanation.family_impacts()] == ["external_scores", "loan", "bureau"]
    total = sum(impact for _, impact, _ in explanation.family_impacts())
    assert total == pytest.approx(contributions.sum(), abs=1e-12), "families add up to every contribution"


def test_a_real_explanation_sums_exactly_by_family(data) -> None:
    # given a LightGBM whose 12 features are catalog features of four families
    from credit_features.catalog import feature_catalog
    from credit_features.families import feature_families
    from explain_service.responses import explanation_body

    catalog = feature_catalog()
    names = tuple(
        spec.name for view in ("application", "bureau", "installments") for spec in catalog[view][:4]
    )
    x, y = data
    model = LGBMClassifier(n_estimators=60, num_leaves=15, verbose=-1, random_state=0).fit(x, y)
    explainer = TreeExplainer(_bundle(model, x.shape[1], names))
    for explanation in explainer.explain(x[:20]):
        # when the service answers with three reasons each way
        body = explanation_body(explainer, 3, explanation)
        # then the families add up to the log-odds minus the base value, every feature counted
        total = sum(f.impact for f in body.families)
        assert total == pytest.approx(body.raw_score - body.base_value, abs=1e-9), "exact by family"
        assert sum(f.features for f in body.families) == len(names), "every feature in one family"
        listed = {c.feature: c.family for c in body.contributions}
        assert all(family == feature_families()[name] for name, family in listed.items()), "catalog family"
        impacts = [abs(f.impact) for f in body.families]
        assert impacts == sorted(impacts, reverse=True), "strongest family first"
        for family in body.families:
            members = [i for i, name in enumerate(names) if feature_families()[name] == family.family]
            exact = float(explanation.contributions[members].sum())
            assert family.impact == pytest.approx(exact, abs=1e-12), f"{family.family}: sum of its features"
