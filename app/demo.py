"""Demo data: real scikit-learn estimators, registered and deployed the way a team would.

Each demo model is trained on a dataset bundled with scikit-learn (no network), one version per
candidate estimator, with metrics measured on a held-out split and the fitted estimator stored as a
joblib artifact. A scripted plan then moves versions through staging and production, including a
rollback and a demote, so history and statistics have something to show.

What is recorded about each estimator comes from ``modelreg_client/estimators.py``, as for the Python client; the
artifact is always the whole fitted estimator (pipeline included).
"""

from __future__ import annotations

import asyncio
import io
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

import joblib
import sklearn
from modelreg_client.directions import lower_is_better
from modelreg_client.estimators import Estimator, describe
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine
from sklearn.ensemble import (
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    log_loss,
    mean_absolute_error,
    precision_score,
    r2_score,
    recall_score,
    roc_auc_score,
    root_mean_squared_error,
)
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from app import demo_monitoring
from app.artifact_store import ArtifactStore
from models.artifacts.operations import record_artifact
from models.clock import shifted
from models.deployments.operations import demote, promote, rollback
from models.entities import RegisteredModel
from models.errors import Conflict
from models.registry.operations import Registration, create_model, register_version

#: Fixed so every run trains the same estimators and measures the same metrics.
SEED = 42
TEST_SIZE = 0.25
ARTIFACT_FORMAT = "joblib"


@dataclass(frozen=True)
class DemoSummary:
    """What one ``seed_demo`` run changed. All zeros, with every model in ``skipped``, on a re-run."""

    models_created: int
    versions_registered: int
    #: Promotions, demotions and rollbacks that changed an environment.
    deployments_changed: int
    #: Demo models left alone because a model of that name already existed.
    skipped: tuple[str, ...]

    def __str__(self) -> str:
        line = (
            f"demo registry: {self.models_created} model(s) created, {self.versions_registered} version(s) "
            f"registered, {self.deployments_changed} deployment change(s)"
        )
        return line + (f"; already there, left as they were: {', '.join(self.skipped)}" if self.skipped else "")


@dataclass(frozen=True)
class _Candidate:
    build: Callable[[], Estimator]
    description: str


@dataclass(frozen=True)
class _Promote:
    version: int
    environment: str


@dataclass(frozen=True)
class _Demote:
    environment: str
    #: The reason compares the demoted version with production's on this metric.
    metric: str


@dataclass(frozen=True)
class _Rollback:
    environment: str
    #: The reason compares the rolled-back version with the restored one on this metric.
    metric: str


_Step: TypeAlias = _Promote | _Demote | _Rollback


@dataclass(frozen=True)
class _Dataset:
    name: str
    load: Callable[[], Any]
    task: Literal["classification", "regression"]


@dataclass(frozen=True)
class _Spec:
    name: str
    description: str
    tags: tuple[tuple[str, str], ...]
    dataset: _Dataset
    #: The metric promotion reasons compare versions on.
    key_metric: str
    candidates: tuple[_Candidate, ...]
    plan: tuple[_Step, ...]


@dataclass(frozen=True)
class _Trained:
    registration: Registration
    metrics: dict[str, float]
    sha256: str
    size_bytes: int


def _scaled_logistic(c: float) -> Estimator:
    # Scaling first lets lbfgs converge well within max_iter on unscaled features (no ConvergenceWarning).
    return make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=1000))


_BREAST_CANCER = _Dataset("breast_cancer", load_breast_cancer, "classification")
_WINE = _Dataset("wine", load_wine, "classification")
_IRIS = _Dataset("iris", load_iris, "classification")
_DIABETES = _Dataset("diabetes", load_diabetes, "regression")

# Candidates are listed in the order a team might have tried them, and the plans tell a story the real
# metrics bear out: each promotion improves the key metric, and each rollback or demote follows a version
# that gained on the key metric but not on another. Reasons are worded from the metrics, never typed in,
# so they stay true if another scikit-learn release measures differently.
_SPECS: tuple[_Spec, ...] = (
    _Spec(
        name="breast-cancer-classifier",
        description=(
            "Flags fine-needle aspirate samples as malignant or benign from 30 cell-nucleus measurements "
            "(Wisconsin diagnostic breast cancer data). Demo model."
        ),
        tags=(
            ("team", "risk"),
            ("dataset", "breast_cancer"),
            ("task", "binary-classification"),
            ("demo", "true"),
        ),
        dataset=_BREAST_CANCER,
        key_metric="f1",
        candidates=(
            _Candidate(lambda: _scaled_logistic(0.01), "Baseline: strongly regularised logistic regression (C=0.01)."),
            _Candidate(
                lambda: RandomForestClassifier(n_estimators=100, max_depth=6, random_state=SEED),
                "Random forest of 100 trees, max depth 6.",
            ),
            _Candidate(
                lambda: GradientBoostingClassifier(n_estimators=100, max_depth=2, random_state=SEED),
                "Gradient boosting, 100 trees of depth 2.",
            ),
            _Candidate(lambda: _scaled_logistic(1.0), "Logistic regression with default regularisation (C=1)."),
        ),
        plan=(
            _Promote(1, "staging"),
            _Promote(1, "production"),
            _Promote(2, "staging"),
            _Promote(2, "production"),
            _Rollback("production", "roc_auc"),
            _Promote(3, "staging"),
            _Promote(4, "staging"),
            _Promote(4, "production"),
        ),
    ),
    _Spec(
        name="wine-classifier",
        description="Identifies the cultivar of an Italian wine from 13 chemical measurements. Demo model.",
        tags=(
            ("team", "quality"),
            ("dataset", "wine"),
            ("task", "multiclass-classification"),
            ("demo", "true"),
        ),
        dataset=_WINE,
        key_metric="log_loss",
        candidates=(
            _Candidate(
                lambda: DecisionTreeClassifier(max_depth=3, random_state=SEED),
                "Baseline: decision tree, depth 3.",
            ),
            _Candidate(
                lambda: _scaled_logistic(0.1),
                "Regularised logistic regression (C=0.1) on standardised features.",
            ),
            _Candidate(
                lambda: RandomForestClassifier(n_estimators=50, random_state=SEED),
                "Random forest of 50 full-depth trees.",
            ),
        ),
        plan=(
            _Promote(1, "staging"),
            _Promote(1, "production"),
            _Promote(2, "staging"),
            _Promote(2, "production"),
            _Promote(3, "staging"),
            _Demote("staging", "f1"),
        ),
    ),
    _Spec(
        name="iris-classifier",
        description="Tells the three iris species apart from sepal and petal measurements. Demo model.",
        tags=(
            ("team", "botany"),
            ("dataset", "iris"),
            ("task", "multiclass-classification"),
            ("demo", "true"),
        ),
        dataset=_IRIS,
        key_metric="accuracy",
        candidates=(
            _Candidate(lambda: _scaled_logistic(0.1), "Baseline: regularised logistic regression (C=0.1)."),
            _Candidate(lambda: DecisionTreeClassifier(max_depth=3, random_state=SEED), "Decision tree, depth 3."),
            _Candidate(
                lambda: make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=15)),
                "15 nearest neighbours on standardised features.",
            ),
        ),
        plan=(
            _Promote(1, "staging"),
            _Promote(1, "production"),
            _Promote(2, "staging"),
            _Promote(2, "production"),
            _Rollback("production", "log_loss"),
            _Promote(3, "staging"),
            _Promote(3, "production"),
        ),
    ),
    _Spec(
        name="diabetes-regressor",
        description=(
            "Predicts disease progression one year after baseline from age, sex, BMI, blood pressure and six "
            "blood serum measurements. Demo model."
        ),
        tags=(("team", "risk"), ("dataset", "diabetes"), ("task", "regression"), ("demo", "true")),
        dataset=_DIABETES,
        key_metric="r2",
        candidates=(
            _Candidate(lambda: Ridge(alpha=1.0), "Baseline: ridge regression (alpha=1)."),
            _Candidate(
                lambda: GradientBoostingRegressor(n_estimators=100, max_depth=2, learning_rate=0.05, random_state=SEED),
                "Gradient boosting, 100 trees of depth 2, learning rate 0.05.",
            ),
            _Candidate(
                lambda: RandomForestRegressor(n_estimators=100, max_depth=5, min_samples_leaf=5, random_state=SEED),
                "Random forest of 100 trees, max depth 5, at least 5 samples per leaf.",
            ),
            _Candidate(lambda: Ridge(alpha=0.1), "Ridge regression with lighter regularisation (alpha=0.1)."),
        ),
        plan=(
            _Promote(1, "staging"),
            _Promote(1, "production"),
            _Promote(2, "staging"),
            _Promote(2, "production"),
            _Promote(3, "staging"),
            _Promote(3, "production"),
            _Rollback("production", "mae"),
            _Promote(4, "staging"),
            _Promote(4, "production"),
        ),
    ),
)

#: The names ``seed_demo`` creates, in order.
DEMO_MODELS: tuple[str, ...] = tuple(spec.name for spec in _SPECS)


async def seed_demo(*, store: ArtifactStore, actor: str = "demo") -> DemoSummary:
    """Create the demo models, versions, artifacts and deployments; skip any model that already exists.

    Needs Tortoise initialised on a migrated database (``models.db.connection.connected``). Training and writing
    artifacts run in a worker thread so a server seeding at startup keeps answering. Each model is trained
    before anything is written for it, but its writes are several transactions: a run that fails partway
    leaves that model incomplete, and a re-run skips it like any existing model.
    """
    created = registered = changed = 0
    skipped: list[str] = []
    fresh: list[_Spec] = []
    # The history happens weeks ago, so the monitoring windows seeded after it have a past to cover.
    with shifted(-demo_monitoring.HISTORY):
        created, registered, changed = await _seed_models(store, actor, skipped, fresh)
    for spec in fresh:
        await _seed_monitoring(spec, store, actor)
    return DemoSummary(
        models_created=created,
        versions_registered=registered,
        deployments_changed=changed,
        skipped=tuple(skipped),
    )


async def _seed_monitoring(spec: _Spec, store: ArtifactStore, actor: str) -> None:
    data = spec.dataset.load()
    classification = spec.dataset.task == "classification"
    # The split ``_train`` made: the reference profile summarises the rows the estimators were fitted on.
    x_train, _, y_train, _ = train_test_split(
        data.data, data.target, test_size=TEST_SIZE, random_state=SEED, stratify=data.target if classification else None
    )
    await demo_monitoring.seed_monitoring(
        model=spec.name,
        features=[str(name) for name in data.feature_names],
        train=(x_train, y_train),
        metrics=_classifier_metrics if classification else _regressor_metrics,
        store=store,
        actor=actor,
    )


async def _seed_models(
    store: ArtifactStore, actor: str, skipped: list[str], fresh: list[_Spec]
) -> tuple[int, int, int]:
    created = registered = changed = 0
    for spec in _SPECS:
        # Skipping whole models keeps a re-run from adding anything, without comparing versions one by one.
        if await RegisteredModel.exists(name=spec.name):
            skipped.append(spec.name)
            continue
        trained = await asyncio.to_thread(_train, spec, store)
        try:
            await create_model(name=spec.name, actor=actor, description=spec.description, tags=list(spec.tags))
        except Conflict:  # another seeder created it since the check above; its run owns this model
            skipped.append(spec.name)
            continue
        created += 1
        for result in trained:
            await record_artifact(sha256=result.sha256, size_bytes=result.size_bytes, actor=actor)
            await register_version(model=spec.name, registration=result.registration, actor=actor, create_model=False)
            registered += 1
        changed += await _deploy(spec, [result.metrics for result in trained], actor=actor)
        fresh.append(spec)
    return created, registered, changed


async def _deploy(spec: _Spec, metrics: list[dict[str, float]], *, actor: str) -> int:
    """Run the spec's plan; returns how many steps changed an environment."""
    changed = 0
    # Versions the plan has deployed per environment, newest last; a demote appends 0 (nothing active).
    # Reasons are worded before each call, so the plan tracks what is active instead of asking the database.
    history: dict[str, list[int]] = {}

    def value(version: int, metric: str) -> float:
        return metrics[version - 1][metric]

    for step in spec.plan:
        env = step.environment
        deployed = history.setdefault(env, [])
        current = deployed[-1] if deployed else 0
        if isinstance(step, _Promote):
            new = value(step.version, spec.key_metric)
            if current:
                old = value(current, spec.key_metric)
                verdict = _compare(spec.key_metric, new, old)
                reason = f"{spec.key_metric} {new:.4f} {verdict} {old:.4f} of v{current} in {env}"
            else:
                reason = f"first version in {env}: {spec.key_metric} {new:.4f} on the held-out split"
            promotion = await promote(
                model=spec.name,
                version=step.version,
                actor=actor,
                environment=env,
                reason=reason,
                expected_current_version=current,
            )
            changed += int(promotion.changed)
            deployed.append(step.version)
        elif isinstance(step, _Demote):
            serving = history["production"][-1]  # plans only demote once production has a version
            new, old = value(current, step.metric), value(serving, step.metric)
            verdict = _compare(step.metric, new, old)
            reason = (
                f"v{current} {verdict} v{serving} in production on {step.metric} ({new:.4f} vs {old:.4f}); "
                f"retiring it from {env}"
            )
            await demote(model=spec.name, actor=actor, environment=env, reason=reason, expected_current_version=current)
            changed += 1
            deployed.append(0)
        else:
            # The version rollback restores: the newest earlier deployment of a different version.
            restored = next(number for number in reversed(deployed) if number not in (0, current))
            new, old = value(current, step.metric), value(restored, step.metric)
            verdict = _compare(step.metric, new, old)
            reason = (
                f"v{current} {verdict} v{restored} on {step.metric} ({new:.4f} vs {old:.4f}); restoring v{restored}"
            )
            await rollback(model=spec.name, actor=actor, environment=env, reason=reason)
            changed += 1
            deployed.append(restored)
    return changed


def _compare(metric: str, new: float, old: float) -> str:
    if math.isclose(new, old, rel_tol=1e-9, abs_tol=1e-12):
        return "matches"
    better = new < old if lower_is_better(metric) else new > old
    return "beats" if better else "trails"


def _train(spec: _Spec, store: ArtifactStore) -> list[_Trained]:
    """Fit every candidate on one split, measure it on the held-out part, and store its artifact."""
    data = spec.dataset.load()
    features = [str(name) for name in data.feature_names]
    classification = spec.dataset.task == "classification"
    x_train, x_test, y_train, y_test = train_test_split(
        data.data,
        data.target,
        test_size=TEST_SIZE,
        random_state=SEED,
        # Stratified so every class is in the test split and per-class metrics are defined.
        stratify=data.target if classification else None,
    )
    results = []
    for number, candidate in enumerate(spec.candidates, start=1):
        estimator = candidate.build()
        started = time.perf_counter()
        estimator.fit(x_train, y_train)
        duration = time.perf_counter() - started
        metrics = (
            _classifier_metrics(estimator, x_test, y_test)
            if classification
            else _regressor_metrics(estimator, x_test, y_test)
        )
        buffer = io.BytesIO()
        # Light zlib compression shrinks the forests several-fold for a few milliseconds.
        joblib.dump(estimator, buffer, compress=3)
        blob = store.put_bytes(buffer.getvalue())
        facts = describe(estimator)
        registration = Registration(
            description=candidate.description,
            tags=[
                ("estimator", facts.model_type.rsplit(".", 1)[-1]),
                ("dataset", spec.dataset.name),
                ("split", f"holdout-{TEST_SIZE:.0%}-seed-{SEED}"),
                ("candidate", f"v{number}"),
            ],
            metrics=list(metrics.items()),
            hyperparameters=facts.hyperparameters,
            feature_names=features,
            model_type=facts.model_type,
            framework=facts.framework,
            dataset_version=f"sklearn-{sklearn.__version__}/{spec.dataset.name}",
            training_duration_seconds=duration,
            artifact_sha256=blob.sha256,
            artifact_format=ARTIFACT_FORMAT,
        )
        results.append(_Trained(registration, metrics, blob.sha256, blob.size_bytes))
    return results


def _classifier_metrics(estimator: Estimator, x_test: Any, y_test: Any) -> dict[str, float]:
    predicted = estimator.predict(x_test)
    probabilities = estimator.predict_proba(x_test)
    classes = estimator.classes_
    binary = len(classes) == 2
    # Macro averages weigh every class equally and read the same for binary and multiclass models.
    return {
        "accuracy": float(accuracy_score(y_test, predicted)),
        "f1": float(f1_score(y_test, predicted, average="macro", zero_division=0)),
        "precision": float(precision_score(y_test, predicted, average="macro", zero_division=0)),
        "recall": float(recall_score(y_test, predicted, average="macro", zero_division=0)),
        "roc_auc": float(
            roc_auc_score(y_test, probabilities[:, 1])
            if binary
            else roc_auc_score(y_test, probabilities, multi_class="ovr", average="macro", labels=classes)
        ),
        "log_loss": float(log_loss(y_test, probabilities, labels=classes)),
    }


def _regressor_metrics(estimator: Estimator, x_test: Any, y_test: Any) -> dict[str, float]:
    predicted = estimator.predict(x_test)
    return {
        "r2": float(r2_score(y_test, predicted)),
        "mae": float(mean_absolute_error(y_test, predicted)),
        "rmse": float(root_mean_squared_error(y_test, predicted)),
    }
