"""The score tab's words and charts built from an explanation by family, without a browser."""

from __future__ import annotations

import random
import re

import pytest

from tests.ui.conftest import family
from ui import charts, views
from ui.api_models import Explanation, FamilyReason, Reason, Reasons, Score

pytestmark = pytest.mark.unit


def _score(reasons: Reasons | None) -> Score:
    return Score(
        request_id="019af4c2a1b07c3e9d2f41a6b8c0d1e2", client_id=100002, probability=0.31, decision="refused",
        threshold=0.2, margin=-0.11,
        model_name="credit-default", model_version="3", explanation_available=reasons is not None,
        reasons=reasons,
    )  # fmt: skip


def _reason(label: str, impact: float, sentence: str) -> Reason:
    direction = "raises" if impact > 0 else "lowers"
    return Reason(
        feature=label,
        label=label,
        display_value="1",
        impact=impact,
        points=3 * impact,
        direction=direction,
        sentence=sentence,
    )


def test_the_waterfall_shows_every_family_from_the_average_client_to_this_one(explanation: Explanation):
    # given an explanation whose family impacts sum to raw_score - base_value
    # when its waterfall is built in French
    html = views.waterfall_html(explanation, "fr")
    # then its text names the strongest family each way and both ends, in French
    caption = re.search(r"<figcaption>(.*)</figcaption>", html).group(1)
    assert "Partant de la probabilité de base du modèle" in caption, caption
    assert "points de pourcentage qui s&#x27;additionnent exactement" in caption, "the rule is said"
    assert "History with other lenders" in caption, "the family raising the risk most is named"
    assert "External credit scores" in caption, "the family lowering the risk most is named"
    assert caption.count("%") == 2, f"start and end risks are percentages: {caption}"
    assert '<img src="data:image/png;base64,' in html, "the chart is an inline image"


def test_families_are_offered_strongest_first_with_their_signed_points(explanation: Explanation):
    choices = views.family_choices(explanation, "fr")
    assert [key for _, key in choices] == ["bureau", "external_scores", "loan"], choices
    bureau, scores = explanation.families[0], explanation.families[1]
    assert bureau.points > 0 > scores.points
    assert choices[0][0] == f"History with other lenders (+{bureau.points:.2f})".replace(".", ",")
    assert choices[1][0] == f"External credit scores (−{-scores.points:.2f})".replace(".", ","), "true minus"


def test_other_factors_is_never_the_largest_bar_of_a_family(explanation: Explanation):
    # given a family of 30 small factors that sum to more than its largest one
    bureau = explanation.families[0]
    # when its drill-down rows are chosen
    rows = views.feature_rows(bureau.features, "en")
    # then the rows still add up to the family's points and "other factors" is smaller than a named bar
    assert sum(points for _, points in rows) == pytest.approx(bureau.points, abs=1e-12)
    others = [impact for label, impact in rows if "other factors" in label]
    named = [impact for label, impact in rows if "other factors" not in label]
    assert others, "30 factors cannot all be named in a readable chart"
    assert abs(others[0]) < max(abs(i) for i in named), f"other factors is the largest bar: {rows}"


def test_other_factors_is_never_the_largest_bar_whatever_the_contributions():
    generator = random.Random(16)
    for trial in range(300):
        shaps = [generator.gauss(0.02, 0.05) for _ in range(generator.randint(1, 120))]
        rows = views.feature_rows(family("f", "F", shaps).features, "en")
        largest = max(abs(impact) for label, impact in rows if "other factors" not in label)
        for label, impact in rows:
            if "other factors" in label:
                assert abs(impact) < largest, f"trial {trial}: {label} {impact} >= {largest}"
        assert sum(i for _, i in rows) == pytest.approx(3 * sum(shaps), abs=1e-9), f"trial {trial}"


def test_a_small_family_shows_every_feature_without_other_factors(explanation: Explanation):
    loan = next(f for f in explanation.families if f.family == "loan")
    rows = views.feature_rows(loan.features, "fr")
    assert [label for label, _ in rows] == [
        "The loan applied for factor 0 = 0",
        "The loan applied for factor 1 = 1",
    ]


def test_a_family_drill_down_says_its_total_and_strongest_factor(explanation: Explanation):
    scores = next(f for f in explanation.families if f.family == "external_scores")
    html = views.family_html(scores, "fr")
    caption = re.search(r"<figcaption>(.*)</figcaption>", html).group(1)
    total = f"−{-scores.points:.2f}".replace(".", ",")
    assert caption.startswith(f"External credit scores : {total} points de probabilité de défaut"), caption
    assert "diminue le risque" in caption, caption
    assert "en 3 facteurs" in caption, caption
    strongest = next(c for c in scores.features if c.feature == "external_scores_0")
    assert f"External credit scores factor 0 (−{-strongest.points:.2f})".replace(".", ",") in caption, caption


def test_the_reasons_list_family_sentences_before_the_strongest_factors():
    reasons = Reasons(
        raising=[_reason("Debt", 0.4, "Debt raises the risk.")],
        lowering=[_reason("Score", -0.5, "Score lowers the risk.")],
        families=[
            FamilyReason(family="bureau", label="Bureau", impact=0.9, points=2.7, direction="raises",
                         sentence="Bureau history raises the risk."),
            FamilyReason(family="external_scores", label="Scores", impact=-0.7, points=-2.1,
                         direction="lowers",
                         sentence="External scores lower the risk."),
        ],
    )  # fmt: skip
    text = views.reasons_markdown(_score(reasons), "en")
    order = [text.index(s) for s in ("The reasons, by family", "▲ Bureau history", "▼ External scores",
                                     "The strongest factors", "Debt raises", "Score lowers")]  # fmt: skip
    assert order == sorted(order), text


def test_missing_reasons_are_worded_in_the_chosen_language():
    assert views.reasons_markdown(_score(None), "fr") == (
        "ℹ Les raisons ne sont pas disponibles pour le moment ; le score reste valable."
    )


def test_drill_down_rows_cut_long_labels_but_keep_each_value():
    # given two factors whose long labels differ only after the row's width, with different values
    common = "Nombre de demandes de crédit refusées auprès d'autres établissements au cours des"
    drill = family("bureau", "unused", [0.3, 0.2]).features
    drill = [
        drill[0].model_copy(update={"label": f"{common} 12 derniers mois", "value": 3.0}),
        drill[1].model_copy(update={"label": f"{common} 24 derniers mois", "value": 5.0}),
    ]
    # when the drill-down rows are worded
    rows = [label for label, _ in views.feature_rows(drill, "fr")]
    # then each row fits the chart's width, ends with its own value, and the two rows differ
    assert all(len(label) <= charts.ROW_LABEL_WIDTH for label in rows), rows
    assert [label.rsplit(" = ", 1)[1] for label in rows] == ["3", "5"], rows
    assert len(set(rows)) == 2, rows


def test_a_drill_down_starts_from_zero_points_in_words(
    explanation: Explanation, monkeypatch: pytest.MonkeyPatch
):
    built = []
    monkeypatch.setattr(charts, "figure_html", lambda figure, *_: built.append(figure) or "")
    views.family_html(next(f for f in explanation.families if f.family == "external_scores"), "fr")
    (figure,) = built
    first = figure.axes[0].get_yticklabels()[0].get_text()
    assert first == "Départ : aucun facteur de la famille (0 point)"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_no_chart_text_is_smaller_than_the_readable_size(explanation: Explanation, lang: str):
    figures = [
        charts.waterfall([("a", 1.0), ("b", -0.5)], 8.0, start_label="s", end_label="e", axis="x", lang=lang),
        charts.gauge(0.12, 0.09, lang),
    ]
    for figure in figures:
        sizes = [text.get_fontsize() for text in figure.findobj(match=lambda a: hasattr(a, "get_fontsize"))]
        assert sizes, "the figure holds text"
        assert min(sizes) >= charts.SMALLEST_TEXT_PT, sorted(set(sizes))


def test_drill_down_rows_show_values_in_the_advisors_units_when_the_gateway_words_them():
    days, share = family("previous_applications", "unused", [0.3, 0.2]).features
    days = days.model_copy(
        update={"label": "Temps depuis la décision", "value": -1535.0, "display_value": "4,2 ans"}
    )
    share = share.model_copy(
        update={"label": "Part des demandes refusées", "value": 0.286, "display_value": "29 %"}
    )
    rows = [label for label, _ in views.feature_rows([days, share], "fr")]
    assert rows == ["Temps depuis la décision = 4,2 ans", "Part des demandes refusées = 29 %"]
