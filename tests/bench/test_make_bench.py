"""`make bench` runs every benchmark, and each accepts the command line the Makefile gives it.

The first line of the old target passed a list option the way its parser refused, so `make bench`
stopped there and the later benchmarks never ran. These tests read what `make -n bench` would run
(the Makefile's own expansion) and parse each command with the command's own parser.
"""

from __future__ import annotations

import importlib
import shlex
import subprocess
from pathlib import Path

import pytest
import typer

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
OURS = ("datagen", "features", "pipeline", "materialize", "train", "grpc", "drift")
SHELL = {"&&", "||", ";", "|", "{", "}"}


def _commands() -> list[list[str]]:
    """Each `python -m MODULE ARGS` that `make -n bench` prints, as [MODULE, *ARGS]."""
    dry = subprocess.run(
        ["make", "--dry-run", "--no-print-directory", "bench"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.replace("\\\n", " ")
    commands = []
    for line in dry.splitlines():
        words = shlex.split(line)
        for at, word in enumerate(words[:-1]):
            if word == "-m" and words[at + 1].startswith(("bench.", "training")):
                rest = words[at + 1 :]
                end = next((k for k, w in enumerate(rest) if w in SHELL), len(rest))
                commands.append(rest[:end])
    return commands


def _parse(module: str, args: list[str]) -> None:
    """Parse `args` with the module's Typer command (a subcommand for `training`); raises on refusal."""
    cli = typer.main.get_command(
        importlib.import_module(f"{module}.cli" if module == "training" else module).app
    )
    if module == "training":
        cli, args = cli.commands[args[0]], args[1:]  # type: ignore[attr-defined]
    cli.make_context(module, list(args))


def test_make_bench_runs_every_benchmark_then_the_readme_table() -> None:
    # given the commands make bench runs
    modules = [command[0] for command in _commands()]
    # then every benchmark is there once, and the table is regenerated last
    wanted = {f"bench.{name}" for name in (*OURS, "capacity", "applications", "monotonicity")}
    assert wanted <= set(modules), f"make bench must run {sorted(wanted - set(modules))}"
    assert modules[-1] == "bench.readme_table", "the README table is regenerated after the benchmarks"


@pytest.mark.parametrize("name", OURS)
def test_each_benchmark_accepts_the_arguments_make_bench_gives_it(name: str) -> None:
    # given the command line make bench gives this benchmark
    command = next(c for c in _commands() if c[0] == f"bench.{name}")
    # when its own parser reads it, then it accepts it (a refusal raises a TyperException)
    _parse(command[0], command[1:])


@pytest.mark.parametrize("name", ["capacity", "applications", "monotonicity"])
def test_the_argparse_benchmarks_accept_the_arguments_make_bench_gives_them(name: str) -> None:
    command = next(c for c in _commands() if c[0] == f"bench.{name}")
    args = importlib.import_module(command[0]).parse_args(command[1:])  # argparse exits on a refusal
    assert args.data.name == "data", "they measure the demo's own data folder"


def test_the_platform_pipelines_accept_their_arguments() -> None:
    # given the pipelines make bench runs to build its platforms (the bench one and the demo one)
    pipelines = [c for c in _commands() if c[0] == "training"]
    assert len(pipelines) == 2, "a scale-0.1 platform for materialize/train/grpc, the demo's for capacity"
    for command in pipelines:
        _parse("training", command[1:])


def test_a_list_option_given_as_one_flag_with_two_values_is_refused() -> None:
    # the old line 2 of make bench, which stopped it: Typer takes one value per --scales flag
    with pytest.raises(typer.TyperException, match="unexpected extra argument"):
        _parse("bench.features", ["--scales", "0.1", "1.0"])
