"""The Python client (``modelreg_client``) against a real ``modelreg serve``, on SQLite and on PostgreSQL.

Estimators are real scikit-learn models, uploaded, loaded back and checked to predict exactly the same.
"""

from __future__ import annotations

import hashlib
import pickle
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import modelreg_client.client as client_module
import numpy as np
import pytest
import sklearn
from modelreg_client import (
    ArtifactIntegrityError,
    Client,
    Conflict,
    Forbidden,
    FrameworkMismatchWarning,
    NotFound,
    RateLimited,
    Unauthenticated,
    Unavailable,
    Version,
    documents,
)
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from tests.support.server import create_token, free_port, running_server

ADMIN = "e2e"
READER = "viewer"


@dataclass(frozen=True)
class Registry:
    """A running server and what a test needs to talk to it."""

    url: str
    admin_token: str
    reader_token: str | None
    artifact_root: Path
    tmp_path: Path
    stack: ExitStack

    def client(self, token: str | None = None, *, cache: str = "cache") -> Client:
        """A client (closed when the test's server stops), admin unless told otherwise."""
        client = Client(self.url, token or self.admin_token, cache_dir=self.tmp_path / cache, retries=1, backoff=0.01)
        return self.stack.enter_context(client)


@contextmanager
def registry(database_url: str, tmp_path: Path, *, reader: bool = False) -> Iterator[Registry]:
    """A running server and an admin token (and a reader token if asked)."""
    artifact_root = tmp_path / "artifacts"
    admin_token = create_token(database_url, ADMIN, "admin")
    reader_token = create_token(database_url, READER, "reader") if reader else None
    with ExitStack() as stack:
        url = stack.enter_context(running_server(database_url, artifact_root))
        yield Registry(url, admin_token, reader_token, artifact_root, tmp_path, stack)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


class _TouchWhenUnpickled:
    """Unpickling this creates a file: proof of whether anything was deserialized."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[()]]:
        return (self.marker.touch, ())


def _lacking_last(versions: Iterator[Version], ranked: int) -> list[object]:
    """The first ``ranked`` version numbers in order, then the rest as a set."""
    numbers = [v.number for v in versions]
    return [*numbers[:ranked], set(numbers[ranked:])]


def _plain_params(estimator: object) -> dict[str, object]:
    params: dict[str, object] = estimator.get_params(deep=False)  # type: ignore[attr-defined]
    assert all(value is None or isinstance(value, bool | int | float | str) for value in params.values()), params
    return params


def test_unreachable_registry_raises_unavailable(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with Client(url, "mreg_unused", cache_dir=tmp_path / "cache", retries=2, backoff=0.01) as client:
        started = time.monotonic()
        with pytest.raises(Unavailable) as raised:
            list(client.models())
        assert time.monotonic() - started < 10
        assert "after 3 attempts" in str(raised.value), str(raised.value)
        with pytest.raises(Unavailable):
            client.promote("anything", 1)


def test_estimators_round_trip_with_verified_artifacts(database_url: str, tmp_path: Path) -> None:
    iris = load_iris()
    X, y = iris.data, iris.target
    feature_names = [str(name) for name in iris.feature_names]

    with registry(database_url, tmp_path) as reg:
        client = reg.client()
        estimator = LogisticRegression(max_iter=1000)
        with client.training() as fit:
            estimator.fit(X, y)
        accuracy = float(estimator.score(X, y))
        version = client.register_estimator(
            estimator,
            "iris-logreg",
            metrics={"accuracy": accuracy},
            dataset_version="iris-2024-01",
            description="baseline logistic regression",
            tags={"team": "risk", "stage": "candidate"},
            feature_names=feature_names,
            training=fit,
        )

        # What the registry recorded about the estimator.
        assert isinstance(version, Version)
        assert version.model == "iris-logreg"
        assert version.number == 1
        assert version.status == "READY"
        assert version.model_type == "sklearn.linear_model.LogisticRegression"
        assert version.framework == f"scikit-learn {sklearn.__version__}"
        assert version.hyperparameters == _plain_params(estimator)
        assert version.hyperparameters["C"] == 1.0
        assert version.hyperparameters["max_iter"] == 1000
        assert fit.seconds is not None and fit.seconds > 0
        assert version.training_duration_seconds == pytest.approx(fit.seconds)
        assert version.training_duration_seconds is not None and version.training_duration_seconds > 0
        assert version.metrics == {"accuracy": accuracy}
        assert version.dataset_version == "iris-2024-01"
        assert version.description == "baseline logistic regression"
        assert version.tags == {"team": "risk", "stage": "candidate"}
        assert version.feature_names == feature_names
        assert version.created_by == ADMIN
        assert version.active_environments == []
        sha = version.artifact_sha256
        assert sha is not None and len(sha) == 64
        assert version.artifact_size_bytes is not None and version.artifact_size_bytes > 0
        blob = reg.artifact_root / sha[:2] / sha
        assert blob.is_file() and _sha256(blob) == sha
        assert client.version("iris-logreg", 1) == version

        # Loading a number gives back an estimator that predicts exactly the same; the artifact is cached.
        loaded = client.load_estimator("iris-logreg", version=1)
        assert type(loaded) is LogisticRegression
        assert np.array_equal(loaded.predict(X), estimator.predict(X))
        assert np.array_equal(loaded.predict_proba(X), estimator.predict_proba(X))
        cached = tmp_path / "cache" / sha
        assert cached.is_file() and _sha256(cached) == sha

        # Nothing is in production yet; after promoting, the default (production) load works.
        with pytest.raises(NotFound):
            client.load_estimator("iris-logreg")
        client.promote("iris-logreg", 1, reason="first release")
        production = client.load_estimator("iris-logreg")
        assert np.array_equal(production.predict(X), estimator.predict(X))

        # The same bytes registered as trained by another scikit-learn: loading warns.
        older = client.register(
            "iris-logreg",
            artifact_sha256=sha,
            framework="scikit-learn 0.20.0",
            model_type="sklearn.linear_model.LogisticRegression",
        )
        assert (older.number, older.framework, older.artifact_sha256) == (2, "scikit-learn 0.20.0", sha)
        with pytest.warns(FrameworkMismatchWarning, match=r"0\.20\.0"):
            mismatched = client.load_estimator("iris-logreg", version=2)
        assert np.array_equal(mismatched.predict(X), estimator.predict(X))

        # A tampered cached copy is detected, discarded and downloaded again.
        cached.write_bytes(b"\x00" * cached.stat().st_size)
        again = client.load_estimator("iris-logreg", version=1)
        assert np.array_equal(again.predict(X), estimator.predict(X))
        assert _sha256(cached) == sha

        # Tamper with the server's copy: same size, and the bytes would run code if deserialized.
        marker = tmp_path / "deserialized"
        payload = pickle.dumps(_TouchWhenUnpickled(marker))
        size = blob.stat().st_size
        assert len(payload) < size
        blob.chmod(0o644)
        blob.write_bytes(payload + b"\x00" * (size - len(payload)))
        assert _sha256(blob) != sha

        # With an empty cache, the download is refused before anything is deserialized, and nothing stays.
        fresh = reg.client(cache="fresh-cache")
        with pytest.raises(ArtifactIntegrityError):
            fresh.load_estimator("iris-logreg", version=1)
        assert not marker.exists()
        assert _files(tmp_path / "fresh-cache") == []
        with pytest.raises(ArtifactIntegrityError):
            fresh.load_estimator("iris-logreg")
        assert not marker.exists()

        # A verified cached copy is still used; once it is tampered too, loading is refused and it is gone.
        assert np.array_equal(client.load_estimator("iris-logreg", version=1).predict(X), estimator.predict(X))
        cached.write_bytes(payload + b"\x00" * (size - len(payload)))
        with pytest.raises(ArtifactIntegrityError):
            client.load_estimator("iris-logreg", version=1)
        assert not marker.exists()
        assert sha not in _files(tmp_path / "cache")

        # A random forest and a pipeline (model type: the final step; step-prefixed parameters).
        cancer = load_breast_cancer()
        Xc, yc = cancer.data, cancer.target
        forest = RandomForestClassifier(n_estimators=20, random_state=0)
        with client.training() as fit:
            forest.fit(Xc, yc)
        recorded = client.register_estimator(
            forest, "cancer-forest", metrics={"accuracy": float(forest.score(Xc, yc))}, training=fit
        )
        assert recorded.number == 1
        assert recorded.model_type == "sklearn.ensemble.RandomForestClassifier"
        assert recorded.hyperparameters == _plain_params(forest)
        assert (recorded.hyperparameters["n_estimators"], recorded.hyperparameters["random_state"]) == (20, 0)
        assert recorded.feature_names == []  # fitted on a plain array: no feature names
        assert recorded.training_duration_seconds is not None and recorded.training_duration_seconds > 0
        loaded_forest = client.load_estimator("cancer-forest", version=1)
        assert np.array_equal(loaded_forest.predict_proba(Xc), forest.predict_proba(Xc))

        pipeline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        pipeline.fit(Xc, yc)
        piped = client.register_estimator(pipeline, "cancer-forest", training_duration_seconds=0.25)
        assert piped.number == 2
        assert piped.model_type == "sklearn.linear_model.LogisticRegression"
        assert piped.training_duration_seconds == 0.25
        assert piped.hyperparameters["logisticregression__max_iter"] == 1000
        assert piped.hyperparameters["standardscaler__with_mean"] is True
        assert all("__" in key for key in piped.hyperparameters), sorted(piped.hyperparameters)
        loaded_pipeline = client.load_estimator("cancer-forest", version=2)
        assert isinstance(loaded_pipeline, Pipeline)
        assert np.array_equal(loaded_pipeline.predict_proba(Xc), pipeline.predict_proba(Xc))


def test_release_operations_errors_and_the_gate_race(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MODELREG_TOKEN", raising=False)
    model = "churn"
    with registry(database_url, tmp_path, reader=True) as reg:
        client = reg.client()
        for accuracy, log_loss in ((0.80, 0.50), (0.90, 0.40), (0.85, 0.30), (0.70, None)):
            metrics = {"accuracy": accuracy} | ({"log_loss": log_loss} if log_loss is not None else {})
            client.register(model, metrics=metrics)

        # promote: a typed record of the new deployment and its audit event.
        first = client.promote(model, 1, reason="first release")
        assert first.changed is True
        assert first.previous is None
        deployment = first.deployment
        assert (deployment.model, deployment.version, deployment.environment) == (model, 1, "production")
        assert (deployment.active, deployment.deployed_by, deployment.reason) == (True, ADMIN, "first release")
        assert deployment.deployed_at is not None
        assert (deployment.retired_at, deployment.retired_by, deployment.retired_reason) == (None, None, None)
        event = first.event
        assert event is not None
        assert (event.action, event.actor, event.model, event.version) == ("PROMOTED", ADMIN, model, 1)
        assert (event.previous_version, event.environment, event.reason) == (None, "production", "first release")
        assert event.request_id

        # Promoting the active version again writes nothing.
        same = client.promote(model, 1)
        assert same.changed is False
        assert same.event is None
        assert same.deployment.version == 1 and same.deployment.deployed_at == deployment.deployed_at

        second = client.promote(model, 2, reason="better accuracy", expected_current_version=1)
        assert second.changed is True
        assert second.deployment.version == 2 and second.deployment.active
        assert second.previous is not None
        assert (second.previous.version, second.previous.active) == (1, False)
        assert (second.previous.retired_by, second.previous.retired_reason) == (ADMIN, "better accuracy")
        assert second.previous.retired_at is not None
        assert second.event is not None and (second.event.version, second.event.previous_version) == (2, 1)

        # Compare-and-set: a stale expectation is a Conflict and changes nothing.
        with pytest.raises(Conflict):
            client.promote(model, 3, expected_current_version=1)
        with pytest.raises(Conflict):
            client.demote(model, expected_current_version=1)
        assert client.deployed(model).number == 2

        # rollback toggles between the last two versions, like `kubectl rollout undo`.
        back = client.rollback(model, reason="regression")
        assert back.deployment.version == 1 and back.deployment.active
        assert back.previous is not None and (back.previous.version, back.previous.active) == (2, False)
        assert (back.event.action, back.event.version, back.event.previous_version) == ("ROLLED_BACK", 1, 2)
        assert back.event.reason == "regression"
        forth = client.rollback(model)
        assert forth.deployment.version == 2
        assert forth.previous is not None and forth.previous.version == 1

        # demote leaves nothing active; a second demote has nothing to act on.
        demoted = client.demote(model, expected_current_version=2, reason="incident")
        assert (demoted.retired.version, demoted.retired.active) == (2, False)
        assert (demoted.retired.retired_by, demoted.retired.retired_reason) == (ADMIN, "incident")
        assert (demoted.event.action, demoted.event.version, demoted.event.actor) == ("DEMOTED", 2, ADMIN)
        with pytest.raises(Conflict):
            client.demote(model)
        with pytest.raises(NotFound):
            client.deployed(model)
        # With nothing active, rollback re-deploys the most recently retired version.
        restored = client.rollback(model)
        assert restored.deployment.version == 2 and restored.previous is None

        # archive: ARCHIVED versions cannot be promoted; the active version cannot be archived.
        archived = client.archive(model, 4, reason="stale")
        assert (archived.number, archived.status) == (4, "ARCHIVED")
        assert client.version(model, 4).status == "ARCHIVED"
        with pytest.raises(Conflict):
            client.promote(model, 4)
        with pytest.raises(Conflict):
            client.archive(model, 2)

        # Unknown models and versions.
        with pytest.raises(NotFound):
            client.promote("no-such-model", 1)
        with pytest.raises(NotFound):
            client.version(model, 99)
        with pytest.raises(NotFound):
            client.promote(model, 99)
        with pytest.raises(NotFound):
            list(client.versions("no-such-model"))

        # A reader may read but not release; no token or a bad token is refused outright.
        assert reg.reader_token is not None
        reader = reg.client(reg.reader_token)
        assert reader.deployed(model).number == 2
        with pytest.raises(Forbidden):
            reader.promote(model, 3)
        with pytest.raises(Forbidden):
            reader.rollback(model)
        with pytest.raises(Forbidden):
            reader.register(model, metrics={"accuracy": 0.99})
        anonymous = reg.stack.enter_context(
            Client(reg.url, None, cache_dir=tmp_path / "anonymous-cache", retries=1, backoff=0.01)
        )
        with pytest.raises(Unauthenticated):
            anonymous.promote(model, 3)
        with pytest.raises(Unauthenticated):
            anonymous.deployed(model)
        with pytest.raises(Unauthenticated):
            reg.client("mreg_" + "x" * 43).promote(model, 3)
        assert client.deployed(model).number == 2
        assert [v.number for v in client.versions(model)] == [4, 3, 2, 1]

        # Idempotency: the same key and input return the first result; the same key with other input conflicts.
        promoted_before = len(list(client.audit(model=model, action="PROMOTED")))
        keyed = client.promote(model, 3, reason="keyed", idempotency_key="k1")
        assert keyed.changed is True and keyed.deployment.version == 3
        replayed = client.promote(model, 3, reason="keyed", idempotency_key="k1")
        assert replayed.changed is True
        assert replayed.deployment == keyed.deployment
        assert replayed.event == keyed.event
        assert len(list(client.audit(model=model, action="PROMOTED"))) == promoted_before + 1
        with pytest.raises(Conflict):
            client.promote(model, 1, reason="keyed", idempotency_key="k1")
        assert client.deployed(model).number == 3

        # The gate race: a decision taken against v1 must not promote over a v3 another client put in meanwhile.
        client.promote(model, 1, reason="reset for the gate")
        decision = client.challenge(model, 2, metric="accuracy")
        assert decision.passed is True
        assert (decision.metric, decision.challenger, decision.champion) == ("accuracy", 2, 1)
        assert (decision.challenger_value, decision.champion_value) == (0.90, 0.80)
        other = reg.client(cache="other-cache")
        other.promote(model, 3, reason="someone else")
        with pytest.raises(Conflict):
            client.promote(model, 2, expected_current_version=decision.champion)
        assert client.deployed(model).number == 3
        # Re-deciding against the new champion and promoting with it works.
        decision = client.challenge(model, 2, metric="accuracy")
        assert (decision.passed, decision.champion, decision.champion_value) == (True, 3, 0.85)
        assert client.promote(model, 2, expected_current_version=decision.champion).deployment.version == 2

        # Other verdicts: worse, not better by min_delta, lower-is-better, lacking the metric.
        assert client.challenge(model, 1, metric="accuracy").passed is False
        assert client.challenge(model, 3, metric="accuracy").passed is False
        assert client.challenge(model, 3, metric="log_loss", lower_is_better=True).passed is True
        assert client.challenge(model, 3, metric="log_loss", lower_is_better=True, min_delta=0.2).passed is False
        # By its name, log_loss is better lower (modelreg_client/directions.py); higher only when told so.
        assert client.challenge(model, 3, metric="log_loss").passed is True
        assert client.challenge(model, 3, metric="log_loss", lower_is_better=False).passed is False
        lacking = client.challenge(model, 4, metric="log_loss", lower_is_better=True)
        assert (lacking.passed, lacking.challenger_value) == (False, None)


def test_listings_page_in_documented_order(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with registry(database_url, tmp_path) as reg:
        client = reg.client()
        # Created out of name order; metrics chosen so metric order differs from number order.
        client.register("gamma", metrics={"accuracy": 0.5})
        for accuracy, f1 in ((0.81, 0.70), (0.93, None), (0.87, 0.75)):
            metrics = {"accuracy": accuracy} | ({"f1": f1} if f1 is not None else {})
            client.register("alpha", metrics=metrics, description=f"alpha at {accuracy}")
        client.register("beta")
        client.register("gamma", metrics={"accuracy": 0.6})
        client.register("alpha")  # v4: no metrics at all
        client.promote("alpha", 1)
        client.promote("alpha", 2)
        client.promote("alpha", 3)
        client.promote("alpha", 1, environment="staging")
        client.promote("gamma", 2)

        def listings() -> dict[str, list[object]]:
            return {
                "models": [(m.name, m.version_count, m.production_version) for m in client.models()],
                "versions": [v.number for v in client.versions("alpha")],
                "oldest first": [v.number for v in client.versions("alpha", descending=False)],
                "by accuracy": [v.number for v in client.versions("alpha", order_by="accuracy")],
                # Versions lacking the metric come last (in an order the docs leave open).
                "by f1 ascending": _lacking_last(client.versions("alpha", order_by="f1", descending=False), 2),
                "history": [(d.environment, d.version, d.active) for d in client.history("alpha")],
                "production history": [d.version for d in client.history("alpha", environment="production")],
                "audit": [(e.action, e.model, e.version, e.environment) for e in client.audit(model="alpha")],
                "promotions": [(e.model, e.version) for e in client.audit(action="PROMOTED")],
                "by actor": [e.actor for e in client.audit(actor=ADMIN)],
            }

        expected: dict[str, list[object]] = {
            "models": [("alpha", 4, 3), ("beta", 1, None), ("gamma", 2, 2)],
            "versions": [4, 3, 2, 1],
            "oldest first": [1, 2, 3, 4],
            "by accuracy": [2, 3, 1, 4],
            "by f1 ascending": [1, 3, {2, 4}],
            "history": [
                ("staging", 1, True),
                ("production", 3, True),
                ("production", 2, False),
                ("production", 1, False),
            ],
            "production history": [3, 2, 1],
            "audit": [
                ("PROMOTED", "alpha", 1, "staging"),
                ("PROMOTED", "alpha", 3, "production"),
                ("PROMOTED", "alpha", 2, "production"),
                ("PROMOTED", "alpha", 1, "production"),
                ("VERSION_REGISTERED", "alpha", 4, None),
                ("VERSION_REGISTERED", "alpha", 3, None),
                ("VERSION_REGISTERED", "alpha", 2, None),
                ("VERSION_REGISTERED", "alpha", 1, None),
                ("MODEL_CREATED", "alpha", None, None),
            ],
            "promotions": [("gamma", 2), ("alpha", 1), ("alpha", 3), ("alpha", 2), ("alpha", 1)],
            "by actor": [ADMIN] * 15,
        }
        assert listings() == expected

        # The same lists when every page holds two items: the iterators follow the cursors.
        monkeypatch.setattr(client_module, "PAGE", 2)
        monkeypatch.setattr(client_module, "VERSION_PAGE", 2)
        first_page = client.graphql(documents.MODELS, {"first": client_module.PAGE})["models"]
        assert len(first_page["nodes"]) == 2 and first_page["pageInfo"]["hasNextPage"] is True
        assert listings() == expected

        # compare: the union of metric names, values per row, and deltas from the production version (v3).
        comparison = client.compare("alpha", metric="accuracy")
        assert comparison.model == "alpha"
        assert comparison.production_version == 3
        assert comparison.metric_names == ["accuracy", "f1"]
        assert [row.version for row in comparison.rows] == [2, 3, 1, 4]
        rows = {row.version: row for row in comparison.rows}
        assert rows[1].values == [0.81, 0.70]
        assert rows[2].values == [0.93, None]
        assert rows[4].values == [None, None]
        assert rows[1].deltas_from_production == [pytest.approx(0.81 - 0.87), pytest.approx(0.70 - 0.75)]
        assert rows[2].deltas_from_production == [pytest.approx(0.93 - 0.87), None]
        assert rows[3].deltas_from_production == [0.0, 0.0]
        assert rows[4].deltas_from_production == [None, None]
        chosen = client.compare("alpha", numbers=[1, 2])
        assert [row.version for row in chosen.rows] == [2, 1]
        assert chosen.metric_names == ["accuracy", "f1"]
        assert [row.version for row in client.compare("alpha", limit=2).rows] == [4, 3]
        unreleased = client.compare("beta")
        assert (unreleased.production_version, unreleased.metric_names) == (None, [])
        assert [(row.version, row.values, row.deltas_from_production) for row in unreleased.rows] == [(1, [], [])]


def test_rate_limited_requests_wait_for_retry_after_then_give_up(database_url: str, tmp_path: Path) -> None:
    # Refills 1 unit a second up to 5: one mutation (5 units) empties the bucket.
    limits = {"MODELREG_RATE_LIMIT": "1", "MODELREG_RATE_BURST": "5"}
    admin_token = create_token(database_url, ADMIN, "admin")
    with running_server(database_url, tmp_path / "artifacts", env=limits) as url:
        with Client(url, admin_token, cache_dir=tmp_path / "cache", retries=0) as impatient:
            impatient.register("churn")
            with pytest.raises(RateLimited) as raised:
                impatient.register("churn")
            assert "rate limit" in raised.value.message and raised.value.request_id
        with Client(url, admin_token, cache_dir=tmp_path / "cache", retries=2, backoff=0.01) as patient:
            # Refused with Retry-After, waited, then accepted: one new version, not two.
            assert patient.register("churn").number == 2
            assert [v.number for v in patient.versions("churn")] == [2, 1]
