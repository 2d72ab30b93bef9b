"""The README's figures table: generated from the stamped result files, and in sync with them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bench.readme_table import END, START, app, generated_readme, load_results, render, splice
from bench.staleness import REPO, changes_since, measured_paths

pytestmark = pytest.mark.unit


def CURRENT(document: dict[str, Any]) -> int:  # noqa: N802 (a constant function)
    """No change since any result (staleness itself is tested on a repository of the test's own)."""
    return 0


def _stamped(name: str, figures: dict[str, dict[str, Any]], *, load_before: float = 0.4) -> dict[str, Any]:
    return {
        "name": name,
        "commit": "0123456789ab",
        "uncommitted_changes": False,
        "date": "2026-11-30T03:13:26+00:00",
        "seconds": 12.0,
        "machine": {
            "cpus": 2,
            "memory_gb": 23.5,
            "load_before": [load_before, 1, 1],
            "load_after": [1.2, 1, 1],
        },
        "config": {},
        "figures": figures,
        "details": {},
    }


def _figure(label: str, value: float, unit: str, goal: str | None, met: bool | None) -> dict[str, Any]:
    return {"label": label, "value": value, "unit": unit, "goal": goal, "met": met}


def _write(folder: Path, name: str, document: dict[str, Any]) -> None:
    (folder / f"{name}.json").write_text(json.dumps(document))


def test_the_readme_table_matches_bench_results() -> None:
    # given the README and the result files as committed together
    current, wanted = generated_readme()
    # then the table is what the results say: a result changed without its table fails here
    assert current == wanted, "README.md figures table is out of date: run python -m bench.readme_table"


def test_a_row_per_figure_beside_its_goal_and_where_it_was_measured(tmp_path: Path) -> None:
    # given one stamped result with a met goal, a missed goal and no goal, measured on a quiet machine
    figures = {
        "p99": _figure("Score p99", 2.006, "ms", "<= 3", True),
        "explain": _figure("Explain p99", 38.43, "ms", "<= 10", False),
        "rate": _figure("throughput", 1045.7, "req/s", None, None),
    }
    _write(tmp_path, "grpc", _stamped("grpc", figures))
    # when the table is rendered
    table = render(*load_results(tmp_path), staleness_of=CURRENT)
    # then each figure is one row, with its unit, its goal, whether it is met and its stamp
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert rows == [
        "| Score p99 | 2.01 ms | ≤ 3 ms | yes | `0123456` 2026-11-30, load 0.4 → 1.2 |",
        "| Explain p99 | 38.4 ms | ≤ 10 ms | **no** | `0123456` 2026-11-30, load 0.4 → 1.2 |",
        "| throughput | 1,046 req/s | — | — | `0123456` 2026-11-30, load 0.4 → 1.2 |",
    ], "one row per figure: value with unit, goal, met, commit/date/load"


def test_capacity_rows_say_how_many_gateway_workers_served(tmp_path: Path) -> None:
    # given the same capacity figure measured with 2 workers and with 1
    figure = {"rps": _figure("capacity where p99 passes 15 ms, cold", 600, "req/s", ">= 800", False)}
    for name, workers in (("capacity", 2), ("capacity-1-workers", 1)):
        document = _stamped(name, figure)
        document["config"] = {"gateway_workers": workers}
        _write(tmp_path, name, document)
    # then each row names its count, the demo's first
    rows = [
        line.split(" | ")[0]
        for line in render(*load_results(tmp_path), staleness_of=CURRENT).splitlines()[2:4]
    ]
    assert rows == [
        "| capacity where p99 passes 15 ms, cold, 2 gateway workers",
        "| capacity where p99 passes 15 ms, cold, 1 gateway worker",
    ]


def test_a_busy_machine_and_uncommitted_changes_are_said(tmp_path: Path) -> None:
    # given a run started at a 1-minute load of 2.6 from a checkout with uncommitted changes
    document = _stamped("datagen", {"s": _figure("datagen time", 66.1, "s", "< 300", True)}, load_before=2.6)
    document["uncommitted_changes"] = True
    _write(tmp_path, "datagen", document)
    # when rendered
    table = render(*load_results(tmp_path), staleness_of=CURRENT)
    # then the row says so
    assert (
        "| datagen time | 66.1 s | < 300 s | yes | `0123456`+changes 2026-11-30, load 2.6 → 1.2 **busy** |"
        in (table)
    ), "a loaded machine and a dirty checkout must show in the row"


def test_results_follow_make_bench_order_and_unstamped_files_are_listed(tmp_path: Path) -> None:
    # given results written in another order and one file in the old unstamped format
    _write(tmp_path, "drift", _stamped("drift", {"d": _figure("drift time", 27, "s", "< 60", True)}))
    _write(tmp_path, "datagen", _stamped("datagen", {"g": _figure("datagen time", 66, "s", None, None)}))
    _write(tmp_path, "train", {"context": {}, "results": {"refit": {"seconds": 11.9}}})
    # when loaded and rendered
    stamped, legacy = load_results(tmp_path)
    table = render(stamped, legacy, staleness_of=CURRENT)
    # then the order is make bench's, and the old file's figures are withheld but named
    assert [d["name"] for d in stamped] == ["datagen", "drift"], "datagen runs before drift in make bench"
    assert legacy == ["train.json"], "a result without stamp is not a figure of the table"
    assert "11.9" not in table, "an unstamped figure cannot say what it measured: never shown"
    assert "`train.json`" in table.splitlines()[-1], "the files to re-run are named"


def test_splice_replaces_only_the_text_between_the_markers() -> None:
    # given a README with an old table between the markers
    readme = f"# Title\n\ntext before\n{START}\n| old |\n{END}\ntext after\n"
    # when the new block is spliced in (twice)
    once = splice(readme, "| new |")
    # then only the block changed, and splicing again changes nothing
    assert once == f"# Title\n\ntext before\n{START}\n| new |\n{END}\ntext after\n", "only the block changes"
    assert splice(once, "| new |") == once, "regenerating an up-to-date table is a no-op"


def test_a_readme_without_markers_is_refused() -> None:
    with pytest.raises(ValueError, match="bench-table:start"):
        splice("# no markers here\n", "| table |")


def test_check_fails_on_a_stale_readme_and_regeneration_fixes_it(tmp_path: Path) -> None:
    # given a README whose table predates a new result
    results = tmp_path / "results"
    results.mkdir()
    document = _stamped("grpc", {"p99": _figure("Score p99", 2.0, "ms", "<= 3", True)})
    # (measured at this checkout's HEAD, of code no commit touches: current)
    document |= {"commit": git(REPO, "rev-parse", "HEAD"), "measures": ["tests/bench/no-such-path"]}
    _write(results, "grpc", document)
    readme = tmp_path / "README.md"
    readme.write_text(f"# Figures\n{START}\n| stale |\n{END}\n")
    runner = CliRunner()
    options = ["--readme", str(readme), "--results", str(results)]
    # when checked, then regenerated, then checked again
    stale = runner.invoke(app, ["--check", *options])
    regenerated = runner.invoke(app, options)
    fresh = runner.invoke(app, ["--check", *options])
    # then the first check fails, the table is rewritten, and the second check passes
    assert stale.exit_code == 1, "--check must fail while the README is out of date"
    assert regenerated.exit_code == 0, regenerated.output
    assert "| Score p99 | 2 ms | ≤ 3 ms | yes |" in readme.read_text(), (
        "the table is rewritten from the results"
    )
    assert fresh.exit_code == 0, "--check passes once regenerated"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout.strip()


def test_a_figure_is_stale_once_the_code_it_measures_changes(tmp_path: Path) -> None:
    # given a repository where a result was measured at the first commit, of the code under served/
    repo = tmp_path / "repo"
    (repo / "served").mkdir(parents=True)
    (repo / "served" / "path.py").write_text("fast = True\n")
    (repo / "docs.md").write_text("words\n")
    git(repo, "init", "-q")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "x", "--allow-empty")
    git(repo, "add", ".")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "measured")
    measured = git(repo, "rev-parse", "HEAD")

    def changes() -> int:
        return changes_since(measured, ("served",), repo)

    def commit(path: str, text: str) -> None:
        (repo / path).write_text(text)
        git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "change")

    # then it is current until the measured code changes: other files do not count
    assert changes() == 0
    commit("docs.md", "more words\n")
    assert changes() == 0, "a change elsewhere leaves it current"
    # an uncommitted change counts, and so does each commit
    (repo / "served" / "path.py").write_text("fast = False\n")
    assert changes() == 1, "uncommitted"
    commit("served/path.py", "fast = False\n")
    commit("served/path.py", "fast = None\n")
    assert changes() == 2, "two commits since"


def test_the_table_marks_a_stale_figure(tmp_path: Path) -> None:
    _write(tmp_path, "grpc", _stamped("grpc", {"p99": _figure("Score p99", 2.0, "ms", "<= 3", True)}))
    table = render(*load_results(tmp_path), staleness_of=lambda document: 3)
    stamp = "`0123456` 2026-11-30, load 0.4 → 1.2"
    assert f"| Score p99 | 2 ms | ≤ 3 ms | yes | {stamp} **stale** (3 changes since) |" in table
    unknown = render(*load_results(tmp_path), staleness_of=lambda document: None)
    assert f"{stamp} **stale** (its commit is not in this history) |" in unknown
    assert changes_since("0123456789ab", ("bench",)) is None, "a commit this history lacks"


def test_every_benchmark_says_what_it_measures() -> None:
    # given every benchmark module that writes results
    writers = {path.stem for path in (REPO / "bench").glob("*.py") if "bench_run(" in path.read_text()}
    writers -= {"stamp"}
    # then each one's paths are known, and exist
    for name in writers:
        for path in measured_paths(name):
            assert (REPO / path).exists(), f"{name} measures {path}, which does not exist"
