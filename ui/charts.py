"""Charts as PNG images with a text alternative: gauge, waterfall, histogram, scatter, payments.

Colours follow the Okabe-Ito palette (safe for colour-blind readers) and never carry meaning alone:
zones are also hatched and labelled, markers differ in shape. Figures are built without pyplot so
that no global state grows across requests.
"""

from __future__ import annotations

import base64
import html
import io
import itertools
import math
from collections.abc import Sequence

from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ui.api_models import Distribution, PaymentYear
from ui.texts import Language, number, percent, signed, t

BLUE, VERMILLION, SKY, ORANGE, BLACK, GREY = "#0072B2", "#D55E00", "#56B4E9", "#E69F00", "#000000", "#595959"
GRANTED, REFUSED = BLUE, VERMILLION


def _short(text: str, width: int = 48) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def figure_html(figure: Figure, alt: str, caption: str | None = None, elem_class: str = "chart") -> str:
    """The figure as an <img> whose alt text says what it shows, with the same words as a caption."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    data = base64.b64encode(buffer.getvalue()).decode()
    caption_html = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return (
        f'<figure class="{elem_class}" role="group">'
        f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt, quote=True)}" '
        f'style="max-width:100%;height:auto"/>{caption_html}</figure>'
    )


def gauge(probability: float, threshold: float, lang: Language) -> Figure:
    """Where the probability of default stands against the refusal threshold, on a horizontal bar."""
    top = min(1.0, max(2.5 * threshold, 1.25 * probability, 0.1))
    figure = Figure(figsize=(7.5, 1.9))
    axes = figure.add_subplot()
    axes.barh(0, threshold, height=0.6, color=GRANTED, alpha=0.25, hatch="//", edgecolor=GRANTED)
    axes.barh(
        0,
        top - threshold,
        left=threshold,
        height=0.6,
        color=REFUSED,
        alpha=0.25,
        hatch="xx",
        edgecolor=REFUSED,
    )
    colour = GRANTED if probability < threshold else REFUSED
    axes.barh(-0.15, min(probability, top), height=0.2, color=colour)
    axes.axvline(threshold, color=BLACK, linestyle="--", linewidth=1.5)
    axes.plot([min(probability, top)], [0.42], marker="v", markersize=14, color=BLACK)
    axes.text(
        min(probability, top),
        0.62,
        t("gauge_client", lang, value=percent(probability, lang)),
        ha="center",
        va="bottom",
        fontsize=11,
        fontweight="bold",
    )
    axes.text(
        threshold,
        -0.55,
        t("gauge_threshold", lang, value=percent(threshold, lang)),
        ha="center",
        va="top",
        fontsize=10,
        bbox={"facecolor": "white", "edgecolor": BLACK, "boxstyle": "round,pad=0.25"},
    )
    axes.text(
        threshold / 2,
        0.14,
        "✓ " + t("gauge_granted_zone", lang),
        ha="center",
        va="center",
        fontsize=10,
        color=BLACK,
    )
    axes.text(
        (threshold + top) / 2,
        0.14,
        "✗ " + t("gauge_refused_zone", lang),
        ha="center",
        va="center",
        fontsize=10,
        color=BLACK,
    )
    axes.set_xlim(0, top)
    axes.set_ylim(-0.9, 1.0)
    axes.set_yticks([])
    axes.xaxis.set_major_formatter(lambda value, _: percent(value, lang))
    axes.set_xlabel(t("gauge_axis", lang))
    for side in ("left", "right", "top"):
        axes.spines[side].set_visible(False)
    return figure


def waterfall(
    rows: Sequence[tuple[str, float]],
    start: float,
    *,
    start_label: str,
    end_label: str,
    axis: str,
    lang: Language,
) -> Figure:
    """Bars that move a probability from `start` by each row's impact (percentage points), ending on
    the total."""
    figure = Figure(figsize=(8.0, 0.42 * (len(rows) + 2) + 1.2))
    axes = figure.add_subplot()
    position = start
    labels = [start_label]
    axes.plot([position], [0], marker="D", color=BLACK)
    for index, (label, impact) in enumerate(rows, start=1):
        raises = impact > 0
        axes.barh(
            index,
            impact,
            left=position,
            height=0.65,
            color=VERMILLION if raises else BLUE,
            hatch="///" if raises else None,
            edgecolor=BLACK,
            linewidth=0.6,
        )
        end = position + impact
        axes.text(max(position, end), index, " " + signed(impact, lang), va="center", ha="left", fontsize=9)
        position = end
        labels.append(_short(label))
    last = len(rows) + 1
    axes.plot([position], [last], marker="D", color=BLACK)
    labels.append(end_label)
    axes.axvline(start, color=GREY, linestyle=":", linewidth=1)
    axes.set_yticks(range(last + 1), labels, fontsize=9)
    axes.invert_yaxis()
    axes.xaxis.set_major_formatter(lambda value, _: number(value, lang))
    axes.set_xlabel(axis, labelpad=2)
    axes.legend(
        handles=[
            Patch(facecolor=VERMILLION, hatch="///", edgecolor=BLACK, label=t("legend_raises", lang)),
            Patch(facecolor=BLUE, edgecolor=BLACK, label=t("legend_lowers", lang)),
        ],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.1),
        ncol=2,
        fontsize=9,
        frameon=False,
    )
    left, right = axes.get_xlim()
    axes.set_xlim(left, right + 0.12 * (right - left))  # room for the impact labels
    for side in ("right", "top"):
        axes.spines[side].set_visible(False)
    return figure


def payments(years: Sequence[PaymentYear], lang: Language) -> Figure:
    """Instalment payments per year before the application, the late ones stacked and hatched."""
    figure = Figure(figsize=(6.0, 2.8))
    axes = figure.add_subplot()
    ordered = sorted(years, key=lambda y: y.years_ago, reverse=True)  # oldest on the left
    where = [-y.years_ago for y in ordered]
    on_time = [y.payments - y.late for y in ordered]
    axes.bar(where, on_time, color=BLUE, edgecolor=BLACK, linewidth=0.5, label=t("payments_on_time", lang))
    axes.bar(
        where,
        [y.late for y in ordered],
        bottom=on_time,
        color=VERMILLION,
        hatch="///",
        edgecolor=BLACK,
        linewidth=0.5,
        label=t("payments_late", lang),
    )
    axes.set_xticks(where, [f"{y.years_ago}–{y.years_ago + 1}" for y in ordered])
    axes.set_xlabel(t("payments_axis", lang))
    axes.set_ylabel(t("payments_count", lang))
    axes.yaxis.set_major_formatter(lambda value, _: number(value, lang))
    axes.legend(fontsize=9, framealpha=0.9)
    for side in ("right", "top"):
        axes.spines[side].set_visible(False)
    return figure


def histogram(distribution: Distribution, lang: Language) -> Figure:
    """The group's distribution of one feature, with the client's value and the median marked."""
    figure = Figure(figsize=(7.5, 3.4))
    axes = figure.add_subplot()
    edges, counts = distribution.bin_edges, distribution.counts
    if counts:
        widths = [b - a for a, b in itertools.pairwise(edges)]
        axes.bar(
            edges[:-1],
            counts,
            width=widths,
            align="edge",
            color=SKY,
            edgecolor=BLACK,
            linewidth=0.5,
            label=t("group_marker", lang),
        )
    median = distribution.quantiles.get("0.5")
    if median is not None:
        axes.axvline(
            median,
            color=BLACK,
            linestyle=":",
            linewidth=1.5,
            label=f"{t('hist_median', lang)} ({number(median, lang)})",
        )
    if distribution.client_value is not None and math.isfinite(distribution.client_value):
        axes.axvline(
            distribution.client_value,
            color=VERMILLION,
            linestyle="--",
            linewidth=2.5,
            label=f"{t('client_marker', lang)} ({number(distribution.client_value, lang)})",
        )
        axes.plot(
            [distribution.client_value],
            [max(counts or [1]) * 1.02],
            marker="v",
            markersize=12,
            color=VERMILLION,
            markeredgecolor=BLACK,
        )
    axes.set_title(_short(distribution.label, 80), fontsize=11)
    axes.xaxis.set_major_formatter(lambda value, _: number(value, lang))
    axes.set_ylabel(t("hist_axis_count", lang))
    axes.legend(fontsize=9, framealpha=0.9)
    for side in ("right", "top"):
        axes.spines[side].set_visible(False)
    return figure


def scatter(
    points: Sequence[tuple[float, float]],
    client: tuple[float | None, float | None],
    x_label: str,
    y_label: str,
    lang: Language,
) -> Figure:
    """Two features of the group as dots, the client as a large star (shape, not only colour)."""
    figure = Figure(figsize=(7.5, 5.0))
    axes = figure.add_subplot()
    if points:
        xs, ys = zip(*points, strict=True)
        axes.scatter(xs, ys, s=12, color=SKY, alpha=0.6, edgecolors="none", label=t("group_marker", lang))
    if client[0] is not None and client[1] is not None:
        axes.scatter(
            [client[0]],
            [client[1]],
            s=320,
            marker="*",
            color=VERMILLION,
            edgecolors=BLACK,
            linewidths=1.2,
            zorder=3,
            label=t("client_marker", lang),
        )
        axes.annotate(
            t("client_marker", lang),
            client,
            xytext=(10, 10),
            textcoords="offset points",
            fontsize=10,
            fontweight="bold",
        )
    axes.xaxis.set_major_formatter(lambda value, _: number(value, lang))
    axes.yaxis.set_major_formatter(lambda value, _: number(value, lang))
    axes.set_xlabel(_short(x_label, 70))
    axes.set_ylabel(_short(y_label, 60))
    axes.legend(fontsize=9, framealpha=0.9)
    for side in ("right", "top"):
        axes.spines[side].set_visible(False)
    return figure


def share_at_or_below(values: Sequence[float], value: float | None) -> float | None:
    """Share of `values` at or below `value` (None when unknown or nothing to compare with)."""
    if value is None or not values:
        return None
    return sum(v <= value for v in values) / len(values)


def sigmoid(log_odds: float) -> float:
    """The probability of a log-odds score."""
    return 1 / (1 + math.exp(-log_odds))
