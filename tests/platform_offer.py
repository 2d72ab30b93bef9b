"""One session platform built per test run, copied by the other pytest workers instead of built again.

Why: building it (the pipeline at scale 0.01, from datagen to a registered champion, tests/conftest.py)
is the suite's largest single cost, about 65 s of CPU, and every worker needs a platform of its own: its
own Redis database, and its own registry and data folder, which its tests change. Two workers building
at once took 110 s each on two cores; one building alone takes about 70 s, and a copy about a second.

The first worker to need a platform builds it and offers a snapshot: its data folder and its Redis keys
as they stand once built, before any test changes them. Another worker copies the snapshot into its own
temporary folder, rewrites the first folder's path in every file, and restores the keys into its own
database. The two folders' paths have the same length (`.../popen-gw0/platform0`, `.../popen-gw1/...`),
so files that store lengths stay valid: the Feast registry (protobuf) and MLflow's SQLite database (its
integrity is checked). What cannot be copied so is built instead.
"""

from __future__ import annotations

import fcntl
import json
import os
import pickle
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

#: Redis keys as DUMP gives them: (key, milliseconds left or -1, serialized value).
Keys = list[tuple[bytes, int, bytes]]


@dataclass(frozen=True)
class PlatformOffer:
    """The folder the workers of one test run share to hand a built platform over."""

    folder: Path

    @classmethod
    def of_run(cls, tmp_path_factory: pytest.TempPathFactory) -> PlatformOffer | None:
        """The run's offer; None in a run of one process (nobody to share with)."""
        if "PYTEST_XDIST_WORKER" not in os.environ:
            return None
        folder = tmp_path_factory.getbasetemp().parent / "platform-offer"
        folder.mkdir(exist_ok=True)
        return cls(folder)

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Held while a worker builds or copies: the others wait for the first build, then copy it."""
        with (self.folder / "lock").open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def publish(self, root: Path, client: redis.Redis) -> None:
        """Offer the platform just built in `root`, whose online store is `client`'s database."""
        shutil.copytree(root, self.folder / "platform", symlinks=True)
        keys: Keys = [(key, client.pttl(key), client.dump(key)) for key in client.scan_iter(count=1000)]
        (self.folder / "keys.pickle").write_bytes(pickle.dumps(keys))
        (self.folder / "offer.json").write_text(json.dumps({"root": str(root), "keys": len(keys)}))

    def take(self, root: Path, client: redis.Redis) -> bool:
        """Copy the offered platform into `root` and its keys into `client`'s empty database; False when
        none is offered or this copy could not be exact (the caller then builds its own)."""
        offer = self.folder / "offer.json"
        if not offer.exists():
            return False
        built = json.loads(offer.read_text())
        old, new = built["root"].encode(), str(root).encode()
        if len(old) != len(new):
            return False
        shutil.copytree(self.folder / "platform", root, symlinks=True, dirs_exist_ok=True)
        for path in root.rglob("*"):
            if path.is_file() and not path.is_symlink():
                _replace_in_file(path, old, new)
        if not _intact(root / "mlflow.db"):
            shutil.rmtree(root)
            root.mkdir()
            return False
        keys: Keys = pickle.loads((self.folder / "keys.pickle").read_bytes())
        with client.pipeline(transaction=False) as pipe:
            for key, ttl, value in keys:
                pipe.restore(key, max(ttl, 0), value, replace=True)
            pipe.execute()
        assert client.dbsize() == built["keys"], "every key of the built platform is copied"
        return True


def _replace_in_file(path: Path, old: bytes, new: bytes) -> None:
    """Rewrite the built folder's path, keeping the file's times (the pipeline's digests read them)."""
    data = path.read_bytes()
    if old in data:
        times = path.stat()
        path.write_bytes(data.replace(old, new))
        os.utime(path, ns=(times.st_atime_ns, times.st_mtime_ns))


def _intact(database: Path) -> bool:
    if not database.exists():
        return True
    with closing(sqlite3.connect(database)) as connection:
        return connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
