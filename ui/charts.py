"""Charts as PNG images with a text alternative: gauge, waterfall, histogram, scatter, payments.

Colours follow the Okabe-Ito palette (safe for colour-blind readers) and never carry meaning alone:
zones are also hatched and labelled, markers differ in shape. Figures are built without pyplot so
that no global state grows across requests.

Text is never smaller than SMALLEST_TEXT_PT: at DPI, and shown at no less than MIN_SHOWN_SCALE of its
width as the app lays charts out at 1,440 px, it reads at 12 px or more (matplotlib's 8-10 pt
defaults read at 9-10 px there).
"""

from __future__ import annotations

import base64
import html
import io
import itertools
import math
import textwrap
from collections.abc import Sequence

import matplotlib
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from ui.api_models import Distribution, PaymentYear
from ui.texts import Language, number, percent, signed, t

BLUE, VERMILLION, SKY, ORANGE, BLACK, GREY = "#0072B2", "#D55E00", "#56B4E9", "#E69F00", "#000000", "#595959"
GRANTED, REFUSED = BLUE, VERMILLION
#: Resolution of the PNGs, and the smallest text they hold, in points (1/72 inch).
DPI = 110
SMALLEST_TEXT_PT = 11
#: The smallest share of its own width a chart is shown at, for SMALLEST_TEXT_PT to read at 12 px.
MIN_SHOWN_SCALE = 12 / (SMALLEST_TEXT_PT * DPI / 72)
# Set once, the same for every figure: ticks, legends and labels default to readable sizes.
matplotlib.rcParams.update(
    {
        "font.size": 12,
        "axes.titlesize": 13,
        "axes.labelsize": 12,
        "xtick.labelsize": SMALLEST_TEXT_PT,
        "ytick.labelsize": SMALLEST_TEXT_PT,
        "legend.fontsize": SMALLEST_TEXT_PT,
    }
)


#: Characters of a waterfall row's label (longer ones end in "…").
ROW_LABEL_WIDTH = 48


def shortened(text: str, width: int = 48) -> str:
    """`text` cut to `width` characters, the cut shown by an ellipsis."""
    return text if len(text) <= width else text[: width - 1] + "…"


def figure_html(figure: Figure, alt: str, caption: str | None = None, elem_class: str = "chart") -> str:
    """The figure as an <img> whose alt text says what it shows, with the same words as a caption."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
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
    figure = Figure(figsize=(6.0, 1.9))
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
        fontsize=SMALLEST_TEXT_PT,
        bbox={"facecolor": "white", "edgecolor": BLACK, "boxstyle": "round,pad=0.25"},
    )
    axes.text(
        threshold / 2,
        0.14,
        "✓ " + t("gauge_granted_zone", lang),
        ha="center",
        va="center",
        fontsize=SMALLEST_TEXT_PT,
        color=BLACK,
    )
    axes.text(
        (threshold + top) / 2,
        0.14,
        "✗ " + t("gauge_refused_zone", lang),
        ha="center",
        va="center",
        fontsize=SMALLEST_TEXT_PT,
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
    figure = Figure(figsize=(4.5, 0.42 * (len(rows) + 2) + 1.2))
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
        axes.text(
            max(position, end),
            index,
            " " + signed(impact, lang),
            va="center",
            ha="left",
            fontsize=SMALLEST_TEXT_PT,
        )
        position = end
        labels.append(shortened(label, ROW_LABEL_WIDTH))
    last = len(rows) + 1
    axes.plot([position], [last], marker="D", color=BLACK)
    labels.append(end_label)
    axes.axvline(start, color=GREY, linestyle=":", linewidth=1)
    axes.set_yticks(range(last + 1), labels, fontsize=SMALLEST_TEXT_PT)
    axes.invert_yaxis()
    axes.xaxis.set_major_formatter(lambda value, _: number(value, lang))
    axes.set_xlabel(textwrap.fill(axis, 48), labelpad=2)  # no wider than the bars
    axes.legend(
        handles=[
            Patch(facecolor=VERMILLION, hatch="///", edgecolor=BLACK, label=t("legend_raises", lang)),
            Patch(facecolor=BLUE, edgecolor=BLACK, label=t("legend_lowers", lang)),
        ],
        loc="lower center",  # above the bars: below, it would overlap the axis label's second line
        bbox_to_anchor=(0.5, 1.0),
        ncol=1,  # two columns would be wider than the bars
        fontsize=SMALLEST_TEXT_PT,
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
    axes.legend(fontsize=SMALLEST_TEXT_PT, framealpha=0.9)
    for side in ("right", "top"):
        axes.spines[side].set_visible(False)
    return figure


def whole_percent(share: float, lang: Language) -> str:
    """A share as a whole percentage for an axis: "42 %" (narrow no-break space) in French, "42%" in
    English."""
    return f"{share * 100:.0f}" + ("\u202f%" if lang == "fr" else "%")


def count_axis(axis: Axis, lang: Language) -> None:
    """An axis of counts of clients: whole numbers only, in the language's number format."""
    axis.set_major_locator(MaxNLocator(integer=True))
    axis.set_major_formatter(lambda value, _: number(value, lang))


def split_counts(distribution: Distribution) -> tuple[list[int], list[int]] | None:
    """Per bin, the past clients who repaid and who defaulted; None when the gateway shows no split."""
    outcome = distribution.outcome
    if outcome is None or not outcome.shown:
        return None
    repaid, defaulted = outcome.repaid_counts, outcome.defaulted_counts
    if repaid is None or defaulted is None or not len(repaid) == len(defaulted) == len(distribution.counts):
        return None
    return repaid, defaulted


def bin_default_rates(repaid: Sequence[int], defaulted: Sequence[int], minimum: int) -> list[float | None]:
    """Each bin's share of defaults among its past clients (None for bins of fewer than `minimum`: a rate
    of a handful of people says little, and of one says too much)."""
    return [d / (r + d) if r + d >= minimum else None for r, d in zip(repaid, defaulted, strict=True)]


def histogram(distribution: Distribution, lang: Language) -> Figure:
    """The group's distribution of one feature, with the client's value and the median marked.

    When the gateway shows the group's outcome split, each bar is stacked: past clients who repaid, who
    defaulted, and clients whose outcome is not known yet, with each bin's default rate on a second axis.
    """
    figure = Figure(figsize=(7.5, 3.8))
    axes = figure.add_subplot()
    edges, counts = distribution.bin_edges, distribution.counts
    split = split_counts(distribution)
    if counts:
        widths = [b - a for a, b in itertools.pairwise(edges)]
        bars = {"width": widths, "align": "edge", "edgecolor": BLACK, "linewidth": 0.5}
        if split:
            repaid, defaulted = split
            unknown = [max(c - r - d, 0) for c, r, d in zip(counts, repaid, defaulted, strict=True)]
            below = [r + d for r, d in zip(repaid, defaulted, strict=True)]
            axes.bar(edges[:-1], repaid, color=BLUE, label=t("outcome_repaid", lang), **bars)
            axes.bar(
                edges[:-1],
                defaulted,
                bottom=repaid,
                color=ORANGE,
                hatch="///",
                label=t("outcome_defaulted", lang),
                **bars,
            )
            if any(unknown):
                axes.bar(
                    edges[:-1],
                    unknown,
                    bottom=below,
                    color="#DDDDDD",
                    label=t("outcome_unknown", lang),
                    **bars,
                )
        else:
            axes.bar(edges[:-1], counts, color=SKY, label=t("group_marker", lang), **bars)
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
    # The whole label, wrapped: a title cut short could name another feature.
    axes.set_title(textwrap.fill(distribution.label, 70), fontsize=12)
    axes.xaxis.set_major_formatter(lambda value, _: number(value, lang))
    axes.set_ylabel(t("hist_axis_count", lang))
    count_axis(axes.yaxis, lang)
    handles, labels = axes.get_legend_handles_labels()
    minimum = distribution.outcome.minimum if distribution.outcome else 0
    rates = bin_default_rates(*split, minimum) if split else []
    if any(rate is not None for rate in rates):
        middles = [(a + b) / 2 for a, b in itertools.pairwise(edges)]
        shown = [(m, r) for m, r in zip(middles, rates, strict=True) if r is not None]
        rate_axes = axes.twinx()
        rate_axes.plot(
            [m for m, _ in shown],
            [r for _, r in shown],
            marker="D",
            markersize=5,
            linestyle="-",
            linewidth=1,
            color=BLACK,
            label=t("outcome_rate_marker", lang, minimum=minimum),
        )
        rate_axes.set_ylim(0, max(0.1, 1.15 * max(r for _, r in shown)))
        rate_axes.yaxis.set_major_formatter(lambda value, _: whole_percent(value, lang))
        rate_axes.set_ylabel(t("outcome_rate_axis", lang))
        rate_axes.spines["top"].set_visible(False)
        more_handles, more_labels = rate_axes.get_legend_handles_labels()
        handles, labels = handles + more_handles, labels + more_labels
    if split:
        axes.legend(
            handles,
            labels,
            fontsize=SMALLEST_TEXT_PT,
            framealpha=0.9,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.15),
            ncol=2,
            frameon=False,
        )
    else:
        axes.legend(handles, labels, fontsize=SMALLEST_TEXT_PT, framealpha=0.9)
    for side in ("right", "top"):
        axes.spines[side].set_visible(False)
    return figure


#: Each side of a scatter plot split by outcome: colour, marker (shape, not only colour) and its words.
_SCATTER_SIDES = (
    ("repaid", BLUE, "o", "outcome_repaid"),
    ("defaulted", ORANGE, "^", "outcome_defaulted"),
    (None, GREY, ".", "outcome_unknown"),
)


def scatter(
    points: Sequence[tuple[float, float]],
    client: tuple[float | None, float | None],
    x_label: str,
    y_label: str,
    lang: Language,
    *,
    outcomes: Sequence[str | None] | None = None,
) -> Figure:
    """Two features of the group as dots, the client as a large star (shape, not only colour); the dots
    coloured and shaped by outcome when `outcomes` (one per point, given by the gateway only when each
    side holds enough past clients)."""
    figure = Figure(figsize=(7.5, 5.0))
    axes = figure.add_subplot()
    if points and outcomes is not None and len(outcomes) == len(points):
        for side, colour, marker, key in _SCATTER_SIDES:
            chosen = [p for p, o in zip(points, outcomes, strict=True) if o == side]
            if chosen:
                xs, ys = zip(*chosen, strict=True)
                axes.scatter(
                    xs,
                    ys,
                    s=14,
                    marker=marker,
                    color=colour,
                    alpha=0.6,
                    edgecolors="none",
                    label=f"{t(key, lang)} ({number(len(chosen), lang)})",
                )
    elif points:
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
            fontsize=SMALLEST_TEXT_PT,
            fontweight="bold",
        )
    axes.xaxis.set_major_formatter(lambda value, _: number(value, lang))
    axes.yaxis.set_major_formatter(lambda value, _: number(value, lang))
    axes.set_xlabel(shortened(x_label, 70))
    axes.set_ylabel(shortened(y_label, 60))
    axes.legend(fontsize=SMALLEST_TEXT_PT, framealpha=0.9)
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
