"""scripts/ensure_services.sh: a Redis for the tests is used, started, or asked for in one sentence."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import redis

from credit_common.paths import REPO_ROOT
from credit_common.processes import free_port

pytestmark = pytest.mark.integration

SCRIPT = REPO_ROOT / "scripts" / "ensure_services.sh"


def run_script(port: int, path: str, install: str = "0") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REDIS_PORT": str(port), "PATH": path, "REDIS_INSTALL": install}
    return subprocess.run(
        ["/bin/bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def bin_without_redis(folder: Path) -> str:
    """A PATH holding only the tools the script uses, without redis-server (nor apt-get)."""
    folder.mkdir()
    for tool in ("bash", "id", "seq", "sleep"):
        (folder / tool).symlink_to(shutil.which(tool))
    return str(folder)


def test_a_free_port_without_redis_server_fails_with_one_sentence(tmp_path: Path) -> None:
    port = free_port()

    done = run_script(port, bin_without_redis(tmp_path / "bin"))

    assert done.returncode == 1, f"the script must fail when it cannot give a Redis: {done}"
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, f"one sentence, not a wall of errors: {done.stderr}"
    assert f"no Redis answers on 127.0.0.1:{port}" in lines[0], f"the port must be named: {lines[0]}"
    assert "apt-get install redis-server" in lines[0], f"what to install must be said: {lines[0]}"


def test_a_free_port_gets_a_started_redis_then_is_left_as_it_is() -> None:
    # Given a free port and redis-server on the PATH
    port = free_port()
    assert shutil.which("redis-server"), "make test installs redis-server before running the tests"

    # When the script runs twice
    first = run_script(port, os.environ["PATH"])
    try:
        second = run_script(port, os.environ["PATH"])

        # Then the first starts a real Redis there and the second finds it answering
        assert first.returncode == 0, f"starting Redis failed: {first.stderr}"
        assert f"started on 127.0.0.1:{port}" in first.stdout, first.stdout
        assert redis.Redis(port=port).ping(), "the started server answers"
        limit = redis.Redis(port=port).config_get("hash-max-listpack-entries")
        assert limit == {"hash-max-listpack-entries": "512"}, (
            f"a client's 429 fields in one listpack: {limit}"
        )
        assert second.returncode == 0, second.stderr
        assert "already answering" in second.stdout, f"a running Redis is used as it is: {second.stdout}"
    finally:
        redis.Redis(port=port).shutdown(nosave=True)
