"""The comparison tab: outcome split in aggregate, shares and counts worded per language, whole titles,
and the client's strongest reason as the default feature."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ui import charts, views
from ui.api_models import Bivariate, Comparison, Contribution, Distribution, Explanation, Outcome
from ui.comparing import Comparing, strongest_first

pytestmark = pytest.mark.unit

NNBSP = "\u202f"
EDGES = [0.0, 1.0, 2.0, 3.0, 4.0]


def distribution(
    counts: list[int], outcome: Outcome | None = None, label: str = "Credit to income"
) -> Distribution:
    return Distribution(
        feature="APP_CREDIT_TO_INCOME",
        label=label,
        client_value=1.5,
        client_percentile=0.4,
        quantiles={"0.5": 2.0},
        bin_edges=EDGES,
        counts=counts,
        missing_share=0.0,
        outcome=outcome,
    )


def comparison(size: int) -> Comparison:
    return Comparison(client_id=100002, group="all", group_size=size, filters={}, features=[])


SPLIT = Outcome(
    shown=True,
    minimum=20,
    repaid=5400,
    defaulted=600,
    repaid_counts=[900, 2300, 1800, 400],
    defaulted_counts=[210, 250, 120, 20],
)
HIDDEN = Outcome(shown=False, reason="too_few_defaulted", minimum=20)


def tick_texts(figure: Figure) -> list[list[str]]:
    """Every axes' y tick labels as drawn (the count axis first, the rate axis next when there is one)."""
    FigureCanvasAgg(figure).draw()
    return [
        [label.get_text() for label in axes.get_yticklabels() if label.get_text()] for axes in figure.axes
    ]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_small_group_counts_in_whole_clients(lang: str) -> None:
    counts = tick_texts(charts.histogram(distribution([1, 3, 2, 1]), lang))[0]
    assert counts, "a count axis"
    assert all(text.isdigit() for text in counts), f"whole numbers only: {counts}"


def test_counts_and_rates_are_written_in_each_language_style() -> None:
    # given a big group split by outcome (bins of 1,110, 2,550, 1,920, 420 past clients, then 2,000 unknown)
    shown = distribution([1110, 2550, 1920, 2420], SPLIT)
    # when drawn in French and in English
    french_counts, french_rates = tick_texts(charts.histogram(shown, "fr"))
    english_counts, english_rates = tick_texts(charts.histogram(shown, "en"))
    # then counts take the language's thousands separator, rates are whole percentages (never 0,417)
    assert all(re.fullmatch(rf"\d{{1,3}}({NNBSP}\d{{3}})*", text) for text in french_counts), french_counts
    assert all(re.fullmatch(r"\d{1,3}(,\d{3})*", text) for text in english_counts), english_counts
    assert f"1{NNBSP}200" in french_counts
    assert "1,200" in english_counts
    assert all(text.endswith(f"{NNBSP}%") and "," not in text for text in french_rates), french_rates
    assert all(text.endswith("%") and NNBSP not in text for text in english_rates), english_rates
    assert charts.whole_percent(0.417, "fr") == f"42{NNBSP}%"
    assert charts.whole_percent(0.417, "en") == "42%"


def test_the_split_is_stacked_and_worded_with_the_rate_near_the_client() -> None:
    summary = views.histogram_html(
        distribution([1110, 2550, 1920, 2420], SPLIT), comparison(8000), "Tous", "fr"
    )
    assert f"5{NNBSP}400 ont remboursé, 600 ont fait défaut (taux de défaut 10,0{NNBSP}%)" in summary
    # the client's value 1.5 falls in the second bin: 250 of 2,550 past clients defaulted
    assert f"même tranche que le client : 9,80{NNBSP}% (2{NNBSP}550 anciens clients)" in summary
    assert f"8{NNBSP}000 clients" in summary, "the group's size in the language's number format"


def test_per_bin_rates_skip_bins_of_too_few_past_clients() -> None:
    assert charts.bin_default_rates([30, 5], [10, 1], 20) == [0.25, None]


def test_without_the_split_the_chart_is_undivided_and_says_why() -> None:
    figure = charts.histogram(distribution([40, 30, 20, 10], HIDDEN), "en")
    assert len(figure.axes) == 1, "no default-rate axis"
    assert not any("Past clients" in text.get_text() for text in figure.axes[0].get_legend().get_texts())
    summary = views.histogram_html(distribution([40, 30, 20, 10], HIDDEN), comparison(100), "Similar", "en")
    assert "fewer than 20 past clients of the group defaulted" in summary


def test_a_long_title_is_wrapped_whole() -> None:
    label = (
        "Mean of the external credit scores weighted by the age of each score, with the missing ones left out"
    )
    title = charts.histogram(distribution([1, 2, 3, 4], label=label), "en").axes[0].get_title()
    assert "…" not in title
    assert title.replace("\n", " ") == label


def bivariate(outcome: Outcome | None, outcomes: list | None) -> Bivariate:
    points = [(float(i), float(i % 7)) for i in range(60)]
    return Bivariate(
        x="A",
        y="B",
        x_label="A",
        y_label="B",
        client=(3.0, 2.0),
        points=points,
        outcomes=outcomes,
        outcome=outcome,
    )


def test_the_scatter_is_coloured_by_outcome_only_when_shown() -> None:
    sides = ["repaid"] * 30 + ["defaulted"] * 20 + [None] * 10
    shown = bivariate(Outcome(shown=True, minimum=20, repaid=30, defaulted=20), sides)
    html = views.scatter_html(shown, "All clients", "en")
    assert "30 past clients repaid, 20 defaulted (40.0%)" in html
    figure = charts.scatter(shown.points, shown.client, "A", "B", "en", outcomes=sides)
    legend = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    assert legend[:3] == [
        "Past clients: repaid (30)",
        "Past clients: defaulted (20)",
        "Outcome not known yet (10)",
    ]
    # a side below the minimum: the gateway sends no outcomes, and the words say why
    hidden = bivariate(Outcome(shown=False, reason="too_few_repaid", minimum=20), None)
    assert "fewer than 20 past clients of the group repaid" in views.scatter_html(hidden, "Similar", "en")
    # outcomes without the gateway's "shown" are never drawn
    stray = bivariate(Outcome(shown=False, reason="too_few_repaid", minimum=20), sides)
    assert "Dot colours" not in views.scatter_html(stray, "Similar", "en")


def explanation(client_id: int, impacts: dict[str, float]) -> Explanation:
    contributions = [
        Contribution(feature=name, label=name.title(), value=1.0, shap=impact / 3, points=impact)
        for name, impact in sorted(impacts.items(), key=lambda item: -abs(item[1]))
    ]
    return Explanation(
        client_id=client_id,
        model_version="1",
        probability=0.1,
        base_value=-2.0,
        base_probability=0.12,
        raw_score=-2.2,
        contributions=contributions,
    )


class FakeGateway:
    """The two calls the offer makes: the comparable features, and the default histogram."""

    def __init__(self) -> None:
        self.histograms: list[str] = []

    def comparable_features(self, client_id: int, candidates: list[str]) -> list[str]:
        return [c for c in candidates if c != "NOT_OFFERED"]

    def comparison(self, client_id: int, group: str, features: list[str], filters: dict) -> Comparison:
        self.histograms.append(features[0])
        found = distribution([1, 2, 3, 4]).model_copy(update={"feature": features[0]})
        return comparison(100).model_copy(update={"features": [found]})


def test_the_default_feature_is_each_clients_strongest_reason() -> None:
    page = SimpleNamespace(feature="feature", x="x", y="y", histogram="histogram", scatter="scatter")
    gateway = FakeGateway()
    comparing = Comparing(page, gateway)  # type: ignore[arg-type]
    offered = comparison(100).model_copy(
        update={"features": [distribution([1]).model_copy(update={"feature": f}) for f in ("A", "B", "C")]}
    )
    first = explanation(1, {"NOT_OFFERED": 9.0, "A": 0.5, "C": -3.0, "B": 1.0})
    second = explanation(2, {"A": 2.5, "B": -0.2, "C": 0.1})
    chosen = [
        comparing.offer(client, offered, explained, labels={}, lang="en", feature=None)
        for client, explained in ((1, first), (2, second))
    ]
    assert [c["feature"]["value"] for c in chosen] == ["C", "A"], "the strongest offered reason, per client"
    assert gateway.histograms == ["C", "A"], "its histogram drawn"
    assert (chosen[0]["x"]["value"], chosen[0]["y"]["value"]) == ("C", "B")


def test_features_without_a_client_value_come_after() -> None:
    ranked = strongest_first(
        ["A", "B", "C", "D"], explanation(1, {"A": 0.1, "B": -5.0, "C": 1.0}), {"A", "C", "D"}
    )
    assert ranked == ["C", "A", "D", "B"]
