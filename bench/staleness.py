"""Which code each benchmark measures, and whether that code changed after a result was measured.

A figure measured at one commit says nothing of a serving path rewritten since. Each result file records
the paths it measures (`measures`, written by bench.stamp; older files fall back on the table below by
benchmark name), and the README's table marks a figure **stale** when a commit after the result's, or
an uncommitted change, touched any of them. Run the benchmark again (`make bench-serving` for the
serving figures) to clear it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

_SERVING = (
    "gateway",
    "scoring_service",
    "explain_service",
    "serving_base",
    "credit_features",
    "credit_model",
    "protos",
    "deploy/Procfile",
)
#: Benchmark (its result's name up to the first "-") -> the paths whose code it measures.
MEASURES: dict[str, tuple[str, ...]] = {
    "datagen": ("training/data/datagen.py", "training/data/synthetic"),
    "features": ("feature_repo/sql", "training/features/build.py", "credit_features"),
    "ingest": ("training/data", "feature_repo/sql", "training/features/build.py"),
    "pipeline": ("training", "credit_features", "credit_model", "feature_repo"),
    "materialize": ("training/features", "credit_features", "feature_repo"),
    "online_memory": ("training/features", "credit_features", "serving_base", "explain_service"),
    "cluster_failover": ("credit_features", "gateway", "scripts/ensure_redis_cluster.sh"),
    "train": ("training/model", "credit_model", "credit_features", "feature_repo/sql"),
    "grpc": ("scoring_service", "explain_service", "serving_base", "credit_model", "protos"),
    "capacity": _SERVING,
    "applications": _SERVING,
    "monotonicity": _SERVING,
    "footprint": _SERVING,
    "prediction_log": ("gateway/decisions", "credit_model"),
    "drift": ("training/monitoring", "credit_features"),
    "history_source": (
        "gateway/client_file",
        "training/data/history_publish.py",
        "training/data/client_file_publish.py",
        "credit_common/history_tables.py",
        "credit_features/client_file_data.py",
        "credit_features/client_file_snapshot.py",
    ),
}


def measured_paths(name: str) -> tuple[str, ...]:
    """The paths a benchmark's results measure (its name up to the first "-": capacity-cluster...)."""
    family = name.split("-", 1)[0]
    if family not in MEASURES:
        raise KeyError(f"bench/staleness.py does not say what {name!r} measures: add it to MEASURES")
    return MEASURES[family]


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True, timeout=30)
    return done.stdout.strip()


def changes_since(commit: str, paths: tuple[str, ...], repo: Path = REPO) -> int | None:
    """How many commits after `commit` touched `paths`, plus one when the working tree changes them;
    None when `commit` is not in this history (work that never landed, a rewritten branch)."""
    try:
        _git(repo, "cat-file", "-e", f"{commit}^{{commit}}")
    except subprocess.CalledProcessError:
        return None
    commits = _git(repo, "rev-list", "--count", f"{commit}..HEAD", "--", *paths)
    uncommitted = _git(repo, "status", "--porcelain", "--untracked-files=no", "--", *paths)
    return int(commits) + (1 if uncommitted else 0)


def staleness(document: dict[str, Any]) -> int | None:
    """Changes to what a result measures since it was measured (0: current; None: unknown commit)."""
    paths = tuple(document.get("measures") or measured_paths(document["name"]))
    return changes_since(document["commit"], paths)
