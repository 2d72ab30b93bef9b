"""The README's figures table, generated from bench/results/*.json: never typed by hand.

`python -m bench.readme_table` rewrites the part of README.md between the two marker comments: one
row per headline figure of every stamped result file, the figure beside its goal, whether it is met,
and where it was measured (commit, date, 1-minute load before → after, flagged when the machine was
busy). Result files from before the stamped format are listed, not shown: their figures cannot say
what they measured. `--check` changes nothing and exits 1 when the README is out of date (a test
runs the same check, so a result committed without its README table fails `make test`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from bench.staleness import staleness
from bench.stamp import RESULTS

README = RESULTS.parent.parent / "README.md"
START = "<!-- bench-table:start -->"
END = "<!-- bench-table:end -->"
#: The order of `make bench`; result files not named here follow, alphabetically.
ORDER = (
    "datagen",
    "features",
    "ingest",
    "pipeline",
    "materialize",
    "online_memory",
    "online_memory-1",
    "cluster_failover",
    "train",
    "grpc",
    "capacity",
    "capacity-1-workers",
    "capacity-cluster",
    "applications",
    "monotonicity",
    "drift",
    "footprint",
)
#: A 1-minute load average above this before a run means other work shared the cores.
BUSY_LOAD = 1.0
_SYMBOLS = {"<=": "≤", ">=": "≥", "==": "="}
app = typer.Typer(add_completion=False)


def load_results(folder: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """(stamped result documents in table order, names of files in an older unstamped format)."""
    stamped, legacy = [], []
    for path in sorted(folder.glob("*.json")):
        document = json.loads(path.read_text())
        if "figures" in document and "commit" in document:
            stamped.append(document)
        else:
            legacy.append(path.name)
    rank = {name: position for position, name in enumerate(ORDER)}
    stamped.sort(key=lambda d: (rank.get(d["name"], len(ORDER)), d["name"]))
    return stamped, legacy


def number(value: float) -> str:
    """Three significant digits, thousands grouped (2.01, 10.6, 329, 3,060)."""
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def quantity(value: float | str, unit: str) -> str:
    """A value (or goal threshold) with its unit: "2.01 ms", "25×", "0.988"."""
    text = number(float(value))
    if not unit:
        return text
    return f"{text}{unit}" if unit == "×" else f"{text} {unit}"


def goal_text(goal: str | None, unit: str) -> str:
    """ "<= 3" in ms → "≤ 3 ms"; no goal → "—"."""
    if goal is None:
        return "—"
    operator, threshold = goal.split()
    return f"{_SYMBOLS.get(operator, operator)} {quantity(threshold, unit)}"


def met_text(met: bool | None) -> str:
    if met is None:
        return "—"
    return "yes" if met else "**no**"


def measured_at(document: dict[str, Any], changes: int | None) -> str:
    """`commit` (+ uncommitted changes), date, 1-minute load before → after, "busy" when it was, and
    "stale" when the code it measures changed since (`changes`: commits, plus one for the tree)."""
    commit = f"`{document['commit'][:7]}`" + ("+changes" if document["uncommitted_changes"] else "")
    before, after = document["machine"]["load_before"][0], document["machine"]["load_after"][0]
    busy = " **busy**" if before > BUSY_LOAD else ""
    if changes is None:
        stale = " **stale** (its commit is not in this history)"
    else:
        stale = f" **stale** ({changes} change{'s' if changes > 1 else ''} since)" if changes else ""
    return f"{commit} {document['date'][:10]}, load {before:.1f} → {after:.1f}{busy}{stale}"


def _processes(config: dict[str, Any]) -> str:
    """ ", 2 gateway workers" for a run that says how many gateway processes it ran (capacity), and
    ", on a Redis Cluster" for one whose online store was not one Redis."""
    workers = config.get("gateway_workers")
    if workers is None:
        return ""
    store = config.get("online_store", "one Redis")
    where = "" if store in ("one Redis", "auto", "redis") else f", online store: {store}"
    return f", {workers} gateway worker{'s' if workers > 1 else ''}{where}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render(
    stamped: list[dict[str, Any]],
    legacy: list[str],
    staleness_of: Callable[[dict[str, Any]], int | None] = staleness,
) -> str:
    """The generated block: the table, then the legend and the files still to re-run (`staleness_of`:
    how many changes to what a result measures came after it)."""
    lines = [
        "| what | figure | goal | met | measured at |",
        "|---|---|---|---|---|",
    ]
    for document in stamped:
        where = measured_at(document, staleness_of(document))
        for figure in document["figures"].values():
            unit = figure["unit"]
            cells = (
                figure["label"] + _processes(document["config"]),
                quantity(figure["value"], unit),
                goal_text(figure["goal"], unit),
                met_text(figure["met"]),
                where,
            )
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    lines += [
        "",
        "Load: the 1-minute load average before → after the run; **busy** when it was above "
        f"{BUSY_LOAD:g} before (other work shared the cores, so the figures are pessimistic). "
        "`+changes`: measured from a checkout with uncommitted changes. **stale**: commits (or "
        "uncommitted changes) since then touched the code the figure measures (bench/staleness.py); "
        "`make bench-serving` re-measures the serving figures.",
    ]
    if legacy:
        names = ", ".join(f"`{name}`" for name in legacy)
        lines += [
            "",
            f"Not yet re-measured in the stamped format (figures withheld, run `make bench`): {names}.",
        ]
    return "\n".join(lines)


def splice(readme: str, block: str) -> str:
    """`readme` with the text between the markers replaced by `block`; ValueError without markers."""
    head, start, rest = readme.partition(START)
    _, end, tail = rest.partition(END)
    if not start or not end:
        raise ValueError(f"README.md lacks the markers {START} ... {END}")
    return f"{head}{START}\n{block}\n{END}{tail}"


def generated_readme(readme: Path = README, results: Path = RESULTS) -> tuple[str, str]:
    """(the README as it is, the README as the results say it should be)."""
    current = readme.read_text(encoding="utf-8")
    return current, splice(current, render(*load_results(results)))


@app.command()
def main(
    check: Annotated[
        bool, typer.Option(help="Change nothing; exit 1 when the README is out of date.")
    ] = False,
    readme: Annotated[Path, typer.Option(help="The README holding the markers.")] = README,
    results: Annotated[Path, typer.Option(help="The folder of result files.")] = RESULTS,
) -> None:
    """Regenerate the README's figures table from bench/results (or check that it is up to date)."""
    current, wanted = generated_readme(readme, results)
    if check:
        if current != wanted:
            typer.echo(
                f"{readme.name} figures table is out of date: run python -m bench.readme_table", err=True
            )
            raise typer.Exit(1)
        typer.echo(f"{readme.name} figures table matches {results}")
        return
    if current == wanted:
        typer.echo(f"{readme.name} figures table already matches {results}")
        return
    readme.write_text(wanted, encoding="utf-8")
    typer.echo(f"{readme.name} figures table regenerated from {results}")


if __name__ == "__main__":
    app()
