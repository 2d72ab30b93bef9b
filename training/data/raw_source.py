"""Where the pipeline's raw files come from, and a cheap digest that says which files they are.

A user brings the Kaggle download as its folder or as the competition's zip itself
(home-credit-default-risk.zip: the 7 tables' 8 CSV files beside HomeCredit_columns_description.csv
and sample_submission.csv). A zip is unpacked once into the data folder, only the table files (and
a synthetic truth file if one was zipped with them); anything else in the zip is ignored.

The digest identifies the raw files so that every later step can tell whether it was built from
them. Hashing the whole download (2.5 GB at full size) would cost seconds of disk reads on every
run, so each file contributes its name, size, modification time and a hash of its first and last
MiB: rewriting, truncating, appending to or replacing a file changes at least one of them (a
generator run rewrites every file, a new Kaggle download has new times). A change in the middle of
a file of the same size and time, the one case it misses, takes a deliberate effort to produce.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from credit_features.tables import TABLE_NAMES, TRUTH_FILE, file_name

logger = logging.getLogger(__name__)

#: Bytes hashed at each end of a file.
EDGE_BYTES = 1 << 20
#: The files that make a raw folder what it is; any other file in it is ignored.
RAW_FILES = (*(file_name(table) for table in TABLE_NAMES), TRUTH_FILE)
#: Beside the unpacked files: the digest of the zip they came from (unpacked again when it changes).
UNPACKED_FROM = ".unpacked_from.json"


class RawSourceError(ValueError):
    """The raw source given cannot be used; the message names the path and why."""


@dataclass(frozen=True)
class RawSource:
    """The raw folder a pipeline reads, what it was given as, and whether it carries a planted truth."""

    folder: Path
    origin: str
    digest: str

    @property
    def synthetic(self) -> bool:
        """Only the generator writes a truth file: without one there is no planted probability."""
        return (self.folder / TRUTH_FILE).is_file()

    def describe(self) -> str:
        """One line for logs, the evaluation and the methodology note."""
        kind = (
            "synthetic (generator, planted truth)"
            if self.synthetic
            else "real-format files, no planted truth"
        )
        return f"{kind} from {self.origin}, digest {self.digest[:16]}"


def file_digest(path: Path) -> str:
    """Name, size, modification time and the hash of the first and last MiB of one file."""
    stat = path.stat()
    sha = hashlib.sha256(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    with path.open("rb") as handle:
        sha.update(handle.read(EDGE_BYTES))
        if stat.st_size > EDGE_BYTES:
            handle.seek(max(EDGE_BYTES, stat.st_size - EDGE_BYTES))
            sha.update(handle.read(EDGE_BYTES))
    return sha.hexdigest()


def folder_digest(folder: Path) -> str:
    """The digest of a raw folder: its table files and truth file (those present), in a fixed order."""
    sha = hashlib.sha256()
    for name in RAW_FILES:
        path = folder / name
        if path.is_file():
            sha.update(f"{name}:{file_digest(path)}\n".encode())
    return sha.hexdigest()


def resolve(raw: Path, unpack_dir: Path) -> RawSource:
    """The raw folder to ingest for `raw` (a folder, or a zip unpacked into `unpack_dir` when needed)."""
    raw = Path(raw).expanduser().resolve()
    if raw.is_dir():
        return RawSource(raw, str(raw), folder_digest(raw))
    if raw.is_file() and zipfile.is_zipfile(raw):
        unpack(raw, unpack_dir)
        return RawSource(unpack_dir.resolve(), str(raw), folder_digest(unpack_dir))
    if raw.exists():
        raise RawSourceError(f"raw source {raw} is neither a folder nor a zip file")
    raise RawSourceError(f"raw source {raw} does not exist")


def unpack(archive: Path, out: Path) -> Path:
    """Unpack the raw files of `archive` into `out` unless `out` already holds this very zip's files.

    Members are matched by file name wherever they sit in the zip (Kaggle's is flat, a re-zipped
    folder is not); each keeps its time from the zip, so unpacking the same zip twice gives the same
    folder digest. The folder is written beside `out` and renamed, never left half-unpacked.
    """
    source = file_digest(archive)
    stamp = out / UNPACKED_FROM
    if stamp.is_file() and json.loads(stamp.read_text()).get("digest") == source:
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        with zipfile.ZipFile(archive) as bundle:
            members = {Path(info.filename).name: info for info in bundle.infolist() if not info.is_dir()}
            kept = [name for name in RAW_FILES if name in members]
            ignored = sorted(set(members) - set(kept))
            for name in kept:
                info = members[name]
                with bundle.open(info) as reader, (staging / name).open("wb") as writer:
                    shutil.copyfileobj(reader, writer, 1 << 22)
                moment = datetime(*info.date_time).timestamp()
                os.utime(staging / name, (moment, moment))
        (staging / UNPACKED_FROM).write_text(json.dumps({"zip": str(archive), "digest": source}))
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    logger.info("raw zip unpacked", extra={"zip": str(archive), "files": kept, "ignored": ignored})
    return out
