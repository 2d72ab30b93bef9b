"""The drift job on the session's platform: planted drift is found, none is reported where none was
planted, and a prediction-log window ends in an MLflow run that the methodology note reads."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb
import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from typer.testing import CliRunner

from credit_model.journal_records import Decision
from gateway.decisions.prediction_log import PredictionLog
from training.cli import app, tracking_store
from training.data.datagen import generate
from training.data.ingest import ingest_folder
from training.features.build import build_features
from training.model import tracking
from training.model.dataset import build_dataset
from training.monitoring.drift import EXIT_ALERT, EXIT_OK, DriftOptions, detect_drift
from training.monitoring.drift_stats import compare
from training.reporting.report import _drift_section

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SCALE, SEED = 0.01, 7  # the session platform's (tests/conftest.py): same clients, drift or not
#: What training.data.synthetic.applications._drift moves in the test applications, as features: incomes
#: (and the ratios over them), the revolving-loan share, ages.
PLANTED = {
    "APP_AMT_INCOME_TOTAL",
    "APP_ANNUITY_INCOME_RATIO",
    "APP_CREDIT_INCOME_RATIO",
    "APP_INCOME_PER_FAMILY_MEMBER",
    "APP_REVOLVING_LOAN",
    "APP_DAYS_BIRTH",
    "APP_AGE_YEARS",
}
DIRECT = ["APP_AMT_INCOME_TOTAL", "APP_REVOLVING_LOAN", "APP_DAYS_BIRTH"]
MAX_REPORT_BYTES = 10_000_000


def _test_split_features(root: Path) -> pd.DataFrame:
    """Every feature of the test ('production') applications of a built folder, one row per client.

    Each view file has exactly one row per application (training.features.build), so a join on the id is
    what Feast's point-in-time join returns for a single build.
    """
    frame = duckdb.sql(
        "SELECT SK_ID_CURR FROM read_parquet(?) WHERE SPLIT = 'test'",
        params=[str(root / "parquet" / "application_time.parquet")],
    ).df()
    for view in sorted((root / "features").glob("*.parquet")):
        columns = pd.read_parquet(view).drop(columns=["event_timestamp", "created_timestamp"])
        frame = frame.merge(columns, on="SK_ID_CURR", how="left", validate="one_to_one")
    return frame


@pytest.fixture(scope="module")
def production(platform, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Production features without drift (Feast's test set) and with planted drift (same seed)."""
    folder = tmp_path_factory.mktemp("drift")
    clean = Path(build_dataset(platform.parquet, folder / "clean", "test").path)
    drifted_root = folder / "drifted"
    generate(out=drifted_root / "raw", scale=SCALE, seed=SEED, drift=True)
    ingest_folder(raw=drifted_root / "raw", out=drifted_root / "parquet")
    build_features(parquet_dir=drifted_root / "parquet", out=drifted_root / "features", progress=False)
    drifted = drifted_root / "test.parquet"
    _test_split_features(drifted_root).to_parquet(drifted, index=False)
    return {"clean": clean, "drifted": drifted}


def _verdicts(out: Path) -> dict[str, dict]:
    payload = json.loads((out / "drift.json").read_text())
    return {f["column"]: f for f in payload["features"]}


def test_planted_drift_is_found_on_the_shifted_features(platform, production, tmp_path: Path) -> None:
    # given production applications whose incomes, contract mix and ages were shifted
    # when the job compares them with the training features
    result = detect_drift(
        platform.dataset, production["drifted"], tmp_path, tracking_store(), DriftOptions(progress=False)
    )
    # then every shifted feature among the monitored ones is flagged, and the score moved with them
    verdicts = _verdicts(tmp_path)
    monitored = PLANTED & set(verdicts)
    assert monitored, f"ages and incomes drive risk: some must be in the top 30: {sorted(verdicts)}"
    missed = [f for f in monitored if not verdicts[f]["drifted"]]
    assert not missed, f"planted drift not detected on {missed}: {[verdicts[f] for f in missed]}"
    assert result.drifted_features >= len(monitored), "at least the planted features"
    assert result.current_rows == len(pd.read_parquet(production["drifted"], columns=["SK_ID_CURR"]))


def test_the_shifted_features_drift_only_where_drift_was_planted(platform, production) -> None:
    # given the directly shifted features, whatever their SHAP rank, on both production sets
    reference = pd.read_parquet(platform.dataset, columns=DIRECT)
    # when comparing each set with the training features (the job's default test)
    _, drifted = compare(reference, pd.read_parquet(production["drifted"], columns=DIRECT), DIRECT)
    _, clean = compare(reference, pd.read_parquet(production["clean"], columns=DIRECT), DIRECT)
    # then all three drift in the drifted set, none in the clean one
    assert [c.drifted for c in drifted.features] == [True] * 3, f"drifted set: {drifted.features}"
    assert [c.drifted for c in clean.features] == [False] * 3, f"clean set: {clean.features}"


def test_no_alert_when_no_drift_was_planted(platform, production, tmp_path: Path) -> None:
    # when the CLI compares the clean production set with the training features
    done = CliRunner().invoke(
        app,
        ["drift", "--reference", str(platform.dataset), "--current", str(production["clean"]),
         "--out", str(tmp_path)],
    )  # fmt: skip
    # then it exits 0 (no alert). Some features may still be flagged by chance: each is flagged only
    # when KS rejects at 5 %, so under no drift the count of false alarms among 30 features is about
    # Binomial(30, 0.05): mean 1.5, P(>= 9, the 30 % alert) ~ 1e-5 for independent features; correlated
    # features (EXT_SOURCE mean/min/max, age in days/years) cluster false alarms but do not reach 9.
    assert done.exit_code == EXIT_OK, done.output
    payload = json.loads((tmp_path / "drift.json").read_text())
    assert payload["drift_share"] < 0.3, f"false alarms beyond the bound: {payload['features']}"
    flagged = [f["column"] for f in payload["features"] if f["drifted"]]
    assert not PLANTED & set(flagged), f"no planted feature may drift here: {flagged}"


def _write_log(folder: Path, rows: pd.DataFrame, day: str, version: str) -> None:
    """Decisions of `rows` on `day`, as the gateway writes them (the model's row, missing as NaN), then
    compacted to a part by the writer's close."""
    uri = f"models:/{tracking.MODEL_NAME}/{version}"
    order = tuple(tracking.feature_order(uri))
    values = rows[list(order)].to_numpy(dtype=np.float64)
    proba = mlflow.sklearn.load_model(uri).predict_proba(rows[list(order)].astype(float))[:, 1]
    log = PredictionLog(folder, sync_seconds=60)
    try:
        for client, row, probability in zip(rows["SK_ID_CURR"], values, proba, strict=True):
            log.append(
                Decision(
                    request_id=f"{day}-{client}",
                    time=datetime.fromisoformat(f"{day}T12:00:00+00:00"),
                    client_id=int(client),
                    model_version=version,
                    probability=float(probability),
                    outcome="granted",
                    threshold=0.5,
                    features=order,
                    values=row,
                )
            )
    finally:
        log.close()


def test_a_prediction_log_window_alerts_and_is_logged_to_mlflow(platform, production, tmp_path: Path) -> None:
    # given a prediction log: drifted applications on March 1st, clean ones on March 2nd
    tracking.configure(tracking_store())
    champion = tracking.champion(MlflowClient())
    assert champion is not None, "the session platform trains a champion"
    version = str(champion.version)
    log = tmp_path / "predictions"
    _write_log(log, pd.read_parquet(production["drifted"]), "2025-03-01", version)
    _write_log(log, pd.read_parquet(production["clean"]), "2025-03-02", version)
    assert {p.suffix for p in log.rglob("part-*")} == {".parquet"}, "each day compacted to a part"
    runner = CliRunner()
    common = ["drift", "--reference", str(platform.dataset), "--current", str(log)]
    # when checking each day; a 5 % alert share = 2 of 30 features (ages alone drift in 2)
    first = runner.invoke(
        app, [*common, "--since", "2025-03-01", "--until", "2025-03-02", "--alert-share", "0.05",
              "--out", str(tmp_path / "day1")],
    )  # fmt: skip
    experiment = tracking.configure(tracking_store())
    client = MlflowClient()
    run = client.search_runs(
        [experiment], "tags.kind = 'drift'", max_results=1, order_by=["attributes.start_time DESC"]
    )[0]
    second = runner.invoke(app, [*common, "--since", "2025-03-02", "--out", str(tmp_path / "day2")])
    # then the drifted day alerts (exit 1) and the clean day does not (exit 0)
    assert first.exit_code == EXIT_ALERT, first.output
    assert second.exit_code == EXIT_OK, second.output
    day1 = json.loads((tmp_path / "day1" / "drift.json").read_text())
    assert day1["params"]["current_rows"] == len(
        pd.read_parquet(production["drifted"], columns=["SK_ID_CURR"])
    )
    assert day1["current_model_versions"] == [version], "the versions that decided that day"
    # and the alerting run carries what report.py and operators read, as a top-level run
    assert run.info.run_name.startswith("drift-"), run.info.run_name
    assert run.data.tags["alert"] == "true", run.data.tags
    assert run.data.tags["model_version"] == version, run.data.tags
    assert "mlflow.parentRunId" not in run.data.tags, "a run of its own, not nested"
    params = run.data.params
    assert params["current_source"] == "prediction_log", params
    assert {"alert_share", "top_n", "reference_rows", "current_rows"} <= set(params), params
    metrics = run.data.metrics
    assert metrics["features_checked"] == 30, metrics
    assert metrics["drift_share"] == pytest.approx(metrics["drifted_features"] / 30), metrics
    assert any(k.startswith("drift_score.") for k in metrics), "per-feature drift scores"
    artifacts = {a.path: a.file_size for a in client.list_artifacts(run.info.run_id)}
    assert {"drift_report.html", "drift.json"} <= set(artifacts), artifacts
    assert artifacts["drift_report.html"] < MAX_REPORT_BYTES, "the report opens in a browser"
    section = _drift_section(client, experiment)
    assert "alert: false" in section, f"the note reads the latest drift run (day 2): {section}"


def test_a_set_compared_with_itself_does_not_drift(platform, tmp_path: Path) -> None:
    # both sides are scored by the champion: the same rows give the same scores and no drift at all
    detect_drift(
        platform.dataset,
        platform.dataset,
        tmp_path,
        tracking_store(),
        DriftOptions(progress=False, max_rows=0),
    )
    payload = json.loads((tmp_path / "drift.json").read_text())
    assert payload["drifted_features"] == 0, "a set never drifts from itself"
    assert payload["score"]["drift_score"] == pytest.approx(0.0, abs=1e-12), payload["score"]
