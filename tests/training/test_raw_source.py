"""Tests of training.data.raw_source: the Kaggle folder or zip as given, and the digest of its files."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from credit_features.tables import TABLE_NAMES, file_name
from training.data.ingest import IngestError, ingest_folder
from training.data.raw_source import RawSourceError, folder_digest, resolve

pytestmark = pytest.mark.unit

EXTRAS = ("HomeCredit_columns_description.csv", "sample_submission.csv")


def zip_folder(folder: Path, archive: Path, prefix: str = "", skip: tuple[str, ...] = ()) -> Path:
    """Zip the table files as Kaggle ships them, with the two extra files of the download."""
    with zipfile.ZipFile(archive, "w") as bundle:
        for table in TABLE_NAMES:
            if table not in skip:
                bundle.write(folder / file_name(table), prefix + file_name(table))
        for extra in EXTRAS:
            bundle.writestr(prefix + extra, "SK_ID_CURR,TARGET\n100001,0.5\n")
    return archive


def test_digest_is_stable_and_changes_when_a_file_is_rewritten(tiny_raw_folder: Path):
    # Given a folder's digest, read twice
    first = folder_digest(tiny_raw_folder)
    assert folder_digest(tiny_raw_folder) == first, "the same files must give the same digest"

    # When an unrelated file is added, then a table is rewritten with the same size and time
    (tiny_raw_folder / "notes.txt").write_text("not a table")
    assert folder_digest(tiny_raw_folder) == first, "files other than the tables must not count"
    path = tiny_raw_folder / "bureau.csv"
    stat = path.stat()
    text = path.read_bytes()
    path.write_bytes(text.replace(b"100002", b"100003", 1))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    # Then the digest changes (the change is in the hashed first MiB)
    assert path.stat().st_size == stat.st_size, "the rewrite must keep the size for this test to mean much"
    assert folder_digest(tiny_raw_folder) != first, "a rewritten table must change the digest"


def test_a_zip_is_unpacked_once_without_its_extra_files(tiny_raw_folder: Path, tmp_path: Path):
    # Given the Kaggle zip (tables in a sub-folder, plus the description and sample submission files)
    archive = zip_folder(tiny_raw_folder, tmp_path / "home-credit-default-risk.zip", prefix="download/")

    # When it is resolved twice
    first = resolve(archive, tmp_path / "unpacked")
    second = resolve(archive, tmp_path / "unpacked")

    # Then the tables are unpacked and ingestible, the extras ignored, and the second time is the same
    names = sorted(p.name for p in first.folder.glob("*.csv"))
    assert names == sorted(file_name(t) for t in TABLE_NAMES), f"only the 8 tables unpacked: {names}"
    assert second.digest == first.digest, "resolving the same zip again must give the same digest"
    assert first.origin == str(archive.resolve()), "the source names the zip it came from"
    assert not first.synthetic, "a download without a truth file has no planted truth"
    result = ingest_folder(raw=first.folder, out=tmp_path / "parquet")
    assert result.rows["application_train"] == 4, "the unpacked tables ingest like the folder's"


def test_a_zip_without_a_table_is_refused_naming_the_table(tiny_raw_folder: Path, tmp_path: Path):
    archive = zip_folder(tiny_raw_folder, tmp_path / "partial.zip", skip=("bureau_balance",))

    source = resolve(archive, tmp_path / "unpacked")
    with pytest.raises(IngestError) as caught:
        ingest_folder(raw=source.folder, out=tmp_path / "parquet")

    assert "bureau_balance.csv: missing file (table bureau_balance is required)" in str(caught.value), (
        f"the missing table must be named: {caught.value}"
    )


@pytest.mark.parametrize("kind", ["missing", "not a zip"])
def test_a_source_that_is_neither_folder_nor_zip_is_refused(tmp_path: Path, kind: str):
    given = tmp_path / "download.zip"
    if kind == "not a zip":
        given.write_text("SK_ID_CURR\n")

    with pytest.raises(RawSourceError) as caught:
        resolve(given, tmp_path / "unpacked")

    assert str(given) in str(caught.value), f"the path must be named: {caught.value}"
