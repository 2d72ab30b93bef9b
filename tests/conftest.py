"""Session fixture: one small platform built for real by the same pipeline as `make demo`.

data → Parquet → features → Feast apply → materialize (Redis) → training sets → training (Ray Tune,
MLflow registry) → evaluation, at scale 0.01 under a temporary folder, against real services: Redis
(a dedicated database index, flushed first), Feast's DuckDB offline store, a SQLite MLflow store. Built
once per run: the other pytest workers copy it (tests/platform_offer.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
import redis

from credit_common.data_layout import DataLayout

# Fixtures shared by an integration and an e2e module, built once per session: registered here.
from tests.linear_champion import linear_champion, linear_registry, linear_services  # noqa: F401
from tests.platform_offer import PlatformOffer
from tests.session_services import explain_server, mlflow_server, scoring_server  # noqa: F401

#: `make test` runs two pytest workers (xdist, `--dist loadscope`: whole modules to a worker, so that
#: a module's services start once). Each worker has a session platform of its own if it runs a test
#: that needs one (the first built, the others copied), in its own Redis database (15, then 10:
#: integration modules own 11 to 14), set here for every reader.
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
os.environ.setdefault("TEST_REDIS_DB", str(15 - 5 * _WORKER))
TEST_REDIS_DB = int(os.environ["TEST_REDIS_DB"])
SCALE = 0.01


#: Modules that share expensive session fixtures, run by one worker as if they were one module (each
#: worker would otherwise start them for itself), by the start of their path:
#: - the browser tests: Chromium, the e2e gateways and the UI;
#: - the linear champion's integration module, whose champion (fitted, registered, with its MLflow
#:   server and two services: 30-45 s of CPU on this machine) is also the browser tests'.
SHARED_SCOPES = {
    "tests/e2e/": "browser and linear champion",
    "tests/integration/test_linear_champion.py": "browser and linear champion",
}


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """`--dist loadscope`, with the modules of each SHARED_SCOPES entry given to one worker together."""
    if config.getoption("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SharedScopes(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            shared = (scope for start, scope in SHARED_SCOPES.items() if nodeid.startswith(start))
            return next(shared, None) or super()._split_scope(nodeid)

    return SharedScopes(config, log)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Platform:
    """Folders of the session's platform and what its training recorded."""

    root: Path
    raw: Path
    parquet: Path
    features: Path
    dataset: Path
    train_result: SimpleNamespace


def _require_redis(url: str) -> redis.Redis:
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.ConnectionError as error:
        raise RuntimeError(f"the integration tests need Redis at {url}; `make test` starts it") from error
    return client


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """The whole offline platform, built by `training.pipeline` in a temporary data folder."""
    import ray

    from training.cli import pipeline_targets
    from training.model import tracking
    from training.pipeline import PipelineOptions, run_pipeline, step_output

    root = tmp_path_factory.mktemp("platform")
    host = os.environ.get("REDIS_HOST", "127.0.0.1")
    online = _require_redis(f"redis://{host}:6379/{TEST_REDIS_DB}")
    online.flushdb()
    offer = PlatformOffer.of_run(tmp_path_factory)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CREDIT_DATA_DIR", str(root))
        patch.setenv("REDIS_CONNECTION_STRING", f"{host}:6379,db={TEST_REDIS_DB}")
        patch.setenv("FEAST_ONLINE_STORE", "redis")
        patch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{root / 'mlflow.db'}")
        patch.setenv("RAY_AUTH_MODE", "disabled")
        with offer.turn() if offer else nullcontext():  # tests/platform_offer.py: built once per run
            targets = pipeline_targets()
            if offer is not None and offer.take(root, online):
                tracking.configure(targets.tracking)  # MLflow's process-wide settings, as a build leaves them
            else:
                result = run_pipeline(PipelineOptions(scale=SCALE, seed=7, trials=3, folds=2), targets)
                # The search's local Ray is done with: left running, its daemons and idle workers would
                # take about 3% of a core for the rest of the session (tests needing Ray start their own).
                ray.shutdown()
                assert not result.reused, "a fresh folder rebuilds every step"
                if offer is not None:
                    offer.publish(root, online)
        layout = DataLayout(root)
        yield Platform(
            root=root,
            raw=layout.raw,
            parquet=layout.parquet,
            features=layout.features,
            dataset=layout.train_set,
            train_result=SimpleNamespace(**step_output("train", layout)),
        )


@pytest.fixture(scope="session")
def features_platform(platform: Platform) -> Path:
    """The platform's data folder, for tests that only need features and the Feast repo."""
    return platform.root
