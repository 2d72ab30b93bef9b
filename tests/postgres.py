"""A PostgreSQL server of a test's own: Debian's initdb and pg_ctl in a temporary folder.

Tests that stop and restart the database start this one, never the machine's shared server. As root
(CI), the server runs as the `postgres` user, which PostgreSQL requires.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    if not found[-1]:
        raise FileNotFoundError(f"PostgreSQL's {name} is not installed (Debian: apt install postgresql)")
    return found[-1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class TemporaryPostgres:
    """initdb in a folder of its own, then start, stop and restart on a free local port, trust
    authentication; `remove` deletes the folder. (Not under pytest's tmp_path: those folders are
    private to root, and the server runs as `postgres`.)"""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="test-postgres-"))
        self.data = self.folder / "data"
        self.port = _free_port()
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run(_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._pg_ctl("start", "-w", "-o", options, "-l", str(self.folder / "server.log"))

    def stop(self) -> None:
        self._pg_ctl("stop", "-w", "-m", "fast")

    def restart(self) -> None:
        self.stop()
        self.start()

    def remove(self) -> None:
        """Stop the server if it runs, and delete its folder."""
        self._pg_ctl("stop", "-w", "-m", "immediate", check=False)
        shutil.rmtree(self.folder, ignore_errors=True)

    def _pg_ctl(self, *args: str, check: bool = True) -> None:
        self._run(_bin("pg_ctl"), "-D", str(self.data), *args, check=check)

    def _run(self, *command: str, check: bool = True) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self._as_postgres else []
        done = subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=120, check=False)
        if check and done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.strip() or done.stdout.strip()}")
