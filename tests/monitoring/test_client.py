"""The Python client and the ``drift`` and ``retrain`` commands against a real server, on both backends."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from sklearn.linear_model import LogisticRegression

from app.cli import main
from models.clock import now
from tests.app.test_client import registry

NAMES = ["age", "income", "tenure"]


def _data(seed: int, rows: int, shift: float = 0.0) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, (rows, 3))
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(np.int64)
    x[:, 0] += shift  # the inputs move, the relation to the label stays: the model's accuracy drops
    x[:, 2] += shift
    return x, y


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_pipeline_profiles_logs_windows_and_answers_a_retraining_request(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with registry(database_url, tmp_path) as reg:
        client = reg.client()
        x_train, y_train = _data(0, 3_000)
        estimator = LogisticRegression().fit(x_train, y_train)
        accuracy = float(estimator.score(x_train, y_train))
        version = client.register_estimator(
            estimator, "churn", metrics={"accuracy": accuracy}, feature_names=NAMES, reference=x_train
        )
        client.promote("churn", version.number)
        profile = client.deployed_profile("churn")
        assert [f["name"] for f in profile["features"]] == NAMES
        assert profile["predictions"]["categories"] == ["0", "1"] or profile["predictions"]["categories"] == ["1", "0"]

        # The server is another process, on the real clock: two windows that end after the promotion and by
        # now, the second later than the first.
        end = now()
        x_calm, y_calm = _data(1, 1_000)
        calm = client.log_window(
            "churn", "production", x_calm, estimator.predict(x_calm), end - timedelta(hours=1), end, labels=y_calm
        )
        assert calm["window"]["status"] == "OK" and calm["window"]["performanceStatus"] == "OK"

        x_moved, y_moved = _data(2, 1_000, shift=1.5)
        later = now()
        unlabeled = [None] * 1_000
        moved = client.log_window(
            "churn",
            "production",
            x_moved,
            estimator.predict(x_moved),
            later - timedelta(hours=1),
            later,
            labels=unlabeled,
            key="day-2",
        )
        by_name = {f["feature"]: f["status"] for f in moved["window"]["features"]}
        assert by_name == {"age": "DRIFT", "income": "OK", "tenure": "DRIFT"}
        assert moved["retrainingRequest"]["trigger"] == "DRIFT"
        labeled = client.add_window_labels("churn", "production", "day-2", estimator.predict(x_moved), y_moved)
        assert labeled["window"]["performanceStatus"] == "DEGRADED"

        code, out, _ = _cli(capsys, "drift", "churn", "--url", reg.url, "--token", reg.admin_token)
        assert code == 1, out  # a check failed: DRIFT (6 is an unreachable registry)
        assert "DRIFT (2 of 3 features drifting)" in out and "accuracy:" in out and "DEGRADED" in out
        for name in NAMES:
            assert name in out
        code, out, _ = _cli(capsys, "drift", "churn", "--json", "--url", reg.url, "--token", reg.admin_token)
        assert code == 1 and json.loads(out)["latestWindow"]["key"] == "day-2"

        auth = ("--url", reg.url, "--token", reg.admin_token)
        code, out, _ = _cli(capsys, "retrain", "list", "--json", *auth)
        assert [(r["model"]["name"], r["state"]) for r in json.loads(out)] == [("churn", "OPEN")]
        code, _, err = _cli(capsys, "retrain", "request", "churn", *auth)
        assert code == 3 and "already has an open retraining request" in err
        assert _cli(capsys, "retrain", "ack", "churn", *auth)[0] == 0
        retrained = client.register_estimator(
            LogisticRegression().fit(*_data(3, 3_000, shift=1.5)), "churn", feature_names=NAMES
        )
        code, out, _ = _cli(capsys, "retrain", "complete", "churn", str(retrained.number), "--json", *auth)
        assert code == 0 and json.loads(out)[0]["answeredBy"] == {"number": 2}
        code, _, err = _cli(capsys, "retrain", "cancel", "churn", *auth)
        assert code == 4 and "no open retraining request" in err
        code, out, _ = _cli(capsys, "retrain", "list", "churn", "--all", *auth)
        assert code == 0 and "COMPLETED" in out and "v2" in out
