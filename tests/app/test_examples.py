"""The Python examples as a user runs them against a live server: results, and one-line failures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sklearn.datasets import load_diabetes
from sklearn.linear_model import Ridge

from tests.app.test_release_cli import Run, refused, registry
from tests.support.server import REPO, environment


def example(name: str, *args: str, url: str, token: str) -> Run:
    result = subprocess.run(
        [sys.executable, f"examples/{name}", *args],
        cwd=REPO,
        env=environment() | {"MODELREG_URL": url, "MODELREG_TOKEN": token},
        capture_output=True,
        text=True,
        timeout=300,
    )
    return Run((name, *args), result.returncode, result.stdout, result.stderr)


def test_the_smoke_check_scores_a_regressor_by_r2(database_url: str, tmp_path: Path) -> None:
    with registry(database_url, tmp_path) as reg:
        data = load_diabetes()
        estimator = Ridge(alpha=0.1).fit(data.data, data.target)
        version = reg.client.register_estimator(estimator, "diabetes-regressor", dataset_version="sklearn/diabetes")
        reg.client.promote("diabetes-regressor", version.number)
        smoke = example("load_production.py", "--model", "diabetes-regressor", "--smoke", url=reg.url, token=reg.admin)
        assert smoke.code == 0, smoke
        assert "smoke check: R² 0.5" in smoke.out, smoke
        strict = example(
            "load_production.py",
            "--model",
            "diabetes-regressor",
            "--smoke",
            "--min-r2",
            "0.99",
            url=reg.url,
            token=reg.admin,
        )
        assert strict.code == 1 and "minimum 0.99" in strict.out, strict


def test_the_examples_fail_in_one_line(database_url: str, tmp_path: Path) -> None:
    with registry(database_url, tmp_path) as reg:
        bad_token = "mreg_" + "0" * 49
        refused_train = example("train_and_register.py", url=reg.url, token=bad_token)
        refused(refused_train, 5, "train_and_register: unauthenticated")
        missing = example("load_production.py", "--model", "nothing-here", url=reg.url, token=reg.reader)
        refused(missing, 4, "load_production: not found", "nothing-here")
        reader = example("train_and_register.py", url=reg.url, token=reg.reader)
        refused(reader, 5, "forbidden")
