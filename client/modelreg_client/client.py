"""``Client``: the registry for training pipelines and release tooling, without hand-written GraphQL."""

from __future__ import annotations

import os
import tempfile
import time
import uuid
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from modelreg_client import directions, documents
from modelreg_client._http import Transport
from modelreg_client.artifacts import default_cache_dir, fetch_verified, upload
from modelreg_client.errors import NotFound
from modelreg_client.monitoring import MonitoringMethods
from modelreg_client.records import (
    AuditEvent,
    Comparison,
    Demotion,
    Deployment,
    Environment,
    EnvironmentDeclaration,
    EnvironmentRemoval,
    GateDecision,
    ModelSummary,
    Promotion,
    Protection,
    ProtectionChange,
    ProtectionRemoval,
    Rollback,
    Version,
    directions_of,
)

DEFAULT_URL = "http://127.0.0.1:8000"
PAGE = 100
#: A version with every field may carry 10,650 list items at the registry's caps (10,000 feature names, 500
#: metrics, 100 tags, 50 environments), so a page of 40 stays under the server's default node limit (500,000).
VERSION_PAGE = 40
R = TypeVar("R")
#: scikit-learn and joblib are imported only by the methods that need them: release tooling that never
#: touches an estimator should not pay a second of import time on every command.
Estimator = Any


class FrameworkMismatchWarning(UserWarning):
    """The running scikit-learn differs from the one that trained the estimator being loaded."""


@dataclass
class TrainingTimer:
    """Filled in by ``Client.training()``: how long the timed block (the fit) took."""

    seconds: float | None = None


class Client(MonitoringMethods):
    """A synchronous client for one registry.

    ``url`` and ``token`` default to ``MODELREG_URL`` and ``MODELREG_TOKEN``. Connection failures and
    502/503/504 are retried with exponential backoff; failures raise subclasses of ``RegistryError``
    (``NotFound``, ``Conflict``, ``Forbidden``, ``Unauthenticated``, ``InvalidInput``, ``Unavailable``).
    Mutations that take an idempotency key get a fresh one when none is given, so retries never apply twice.
    """

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.5,
        cache_dir: Path | str | None = None,
    ) -> None:
        self.url = url or os.environ.get("MODELREG_URL") or DEFAULT_URL
        self.transport = Transport(
            self.url, token or os.environ.get("MODELREG_TOKEN"), timeout=timeout, retries=retries, backoff=backoff
        )
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.transport.close()

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run any GraphQL document; returns ``data`` or raises the first error's exception."""
        return self.transport.graphql(query, variables)

    # Reading

    def models(self) -> Iterator[ModelSummary]:
        yield from self._pages(documents.MODELS, {}, lambda d: d["models"], ModelSummary.of)

    def versions(self, model: str, *, order_by: str | None = None, descending: bool = True) -> Iterator[Version]:
        """Versions newest first, or ordered by the metric ``order_by`` (versions lacking it last)."""
        direction = "DESC" if descending else "ASC"
        order = {"field": "METRIC", "metric": order_by, "direction": direction} if order_by else None
        order = order or {"field": "NUMBER", "direction": direction}
        variables = {"model": model, "orderBy": order}
        pages = self._pages(documents.VERSIONS, variables, lambda d: d["model"]["versions"], Version.of, VERSION_PAGE)
        yield from pages

    def version(self, model: str, number: int) -> Version:
        found = self.graphql(documents.VERSION_BY_NUMBER, {"model": model, "number": number})["model"]["version"]
        if found is None:
            raise NotFound(f"model {model!r} has no version {number}")
        return Version.of(found)

    def deployed(self, model: str, environment: str = "production") -> Version:
        """The version active in ``environment``; ``NotFound`` when nothing is."""
        data = self.graphql(documents.DEPLOYED_VERSION, {"model": model, "environment": environment})
        deployment = data["model"]["deployment"]
        if deployment is None:
            raise NotFound(f"nothing of {model!r} is active in {environment}")
        return Version.of(deployment["version"])

    def history(self, model: str, *, environment: str | None = None) -> Iterator[Deployment]:
        """Deployments newest first, active and retired."""
        variables = {"model": model, "environment": environment}
        yield from self._pages(documents.HISTORY, variables, lambda d: d["model"]["deploymentHistory"], Deployment.of)

    def audit(
        self, *, model: str | None = None, actor: str | None = None, action: str | None = None
    ) -> Iterator[AuditEvent]:
        """Audit events newest first."""
        found = {"model": model, "actor": actor, "action": action}
        variables = {"filter": {key: value for key, value in found.items() if value is not None}}
        yield from self._pages(documents.AUDIT, variables, lambda d: d["auditEvents"], AuditEvent.of)

    def compare(
        self,
        model: str,
        *,
        numbers: list[int] | None = None,
        metric: str | None = None,
        descending: bool = True,
        limit: int | None = None,
    ) -> Comparison:
        variables = {
            "model": model,
            "numbers": numbers,
            "sortBy": metric,
            "limit": limit,
            "direction": "DESC" if descending else "ASC",
        }
        return Comparison.of(self.graphql(documents.COMPARE, variables)["compareVersions"])

    def metric_directions(self, model: str) -> dict[str, str]:
        """The metric directions ``model`` declares: ``{"log_loss": "lower", "gain": "higher"}``."""
        found = self.graphql(documents.METRIC_DIRECTIONS, {"name": model})["model"]
        if found is None:
            raise NotFound(f"no model named {model!r}")
        return directions_of(found["metricDirections"])

    def set_metric_directions(self, model: str, declared: Mapping[str, str]) -> dict[str, str]:
        """Replace the directions ``model`` declares (``{metric: "higher" | "lower"}``; ``{}`` removes them all);
        returns them as stored. A writer token or above."""
        items = [{"metric": name, "direction": f"{way.upper()}_IS_BETTER"} for name, way in declared.items()]
        result = self._mutate(documents.SET_METRIC_DIRECTIONS, "updateModel", name=model, metricDirections=items)
        return directions_of(result["model"]["metricDirections"])

    # Registering

    @contextmanager
    def training(self) -> Iterator[TrainingTimer]:
        """Time the fit: ``with client.training() as fit: estimator.fit(X, y)``, then pass ``training=fit``."""
        timer = TrainingTimer()
        started = time.perf_counter()
        try:
            yield timer
        finally:
            timer.seconds = time.perf_counter() - started

    def register_estimator(
        self,
        estimator: Estimator,
        model: str,
        *,
        metrics: Mapping[str, float] | None = None,
        dataset_version: str | None = None,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
        feature_names: list[str] | None = None,
        training: TrainingTimer | None = None,
        training_duration_seconds: float | None = None,
        idempotency_key: str | None = None,
        reference: Any = None,
        answers_retraining: bool = False,
    ) -> Version:
        """Serialize ``estimator`` with joblib, upload it, and register it as the next version of ``model``.

        Records the estimator's class (``modelType``), scikit-learn version (``framework``), parameters
        (``hyperparameters``) and ``feature_names_in_`` when it has them. The model is created if needed.
        With ``reference`` (the training data), the version also gets the reference profile of that data and the
        estimator's predictions on it; with ``answers_retraining``, it completes the model's open retraining request
        (docs/monitoring.md).
        """
        import joblib

        from modelreg_client.estimators import describe

        facts = describe(estimator)
        with tempfile.TemporaryDirectory(prefix="modelreg-") as folder:
            path = Path(folder) / "estimator.joblib"
            joblib.dump(estimator, path, compress=3)
            sha256, _ = upload(self.transport, path)
        duration = training_duration_seconds
        if duration is None and training is not None:
            duration = training.seconds
        names = feature_names if feature_names is not None else facts.feature_names
        profile = None
        if reference is not None:  # registered with the version, in its transaction
            profile = self.reference_profile(reference, estimator.predict(reference), feature_names=names)
        return self.register(
            model,
            artifact_sha256=sha256,
            metrics=metrics,
            dataset_version=dataset_version,
            description=description,
            tags=tags,
            hyperparameters=facts.hyperparameters,
            feature_names=names,
            model_type=facts.model_type,
            framework=facts.framework,
            training_duration_seconds=duration,
            idempotency_key=idempotency_key,
            reference_profile=profile,
            answers_retraining=answers_retraining or None,
        )

    def register(
        self,
        model: str,
        *,
        artifact_sha256: str | None = None,
        metrics: Mapping[str, float] | None = None,
        tags: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        **fields: Any,
    ) -> Version:
        """Register a version from its parts (``fields`` are RegisterVersionInput's, in snake_case)."""
        payload: dict[str, Any] = {
            "model": model,
            "artifactSha256": artifact_sha256,
            "metrics": [{"name": k, "value": v} for k, v in (metrics or {}).items()],
            "tags": [{"key": k, "value": v} for k, v in (tags or {}).items()],
            "idempotencyKey": idempotency_key or _fresh_key(),
            **{_camel(name): value for name, value in fields.items() if value is not None},
        }
        return Version.of(self.graphql(documents.REGISTER, {"input": payload})["registerVersion"]["version"])

    # Loading

    def load_estimator(self, model: str, *, version: int | None = None, environment: str = "production") -> Any:
        """The estimator of ``version``, or of the version active in ``environment`` (default production).

        **joblib files execute code when loaded.** Load only from a registry you trust: this checks that
        the bytes are exactly those registered (sha256, before anything deserializes them), not that
        whoever registered them meant well. Verified artifacts are cached on disk by sha256.
        """
        import joblib
        import sklearn

        from modelreg_client.estimators import trained_with

        record = self.version(model, version) if version is not None else self.deployed(model, environment)
        if record.artifact_sha256 is None:
            raise NotFound(f"version {record.number} of {model!r} has no artifact")
        path = fetch_verified(self.transport, record.artifact_sha256, self.cache_dir)
        trained = trained_with(record.framework)
        if trained is not None and trained != sklearn.__version__:
            warnings.warn(
                f"version {record.number} of {model!r} was trained with scikit-learn {trained}; this is "
                f"{sklearn.__version__}, and estimators may not load or predict the same across versions",
                FrameworkMismatchWarning,
                stacklevel=2,
            )
        return joblib.load(path)

    # Releasing

    def promote(
        self,
        model: str,
        version: int,
        *,
        environment: str = "production",
        reason: str | None = None,
        expected_current_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Promotion:
        result = self._mutate(
            documents.PROMOTE,
            "promote",
            model=model,
            version=version,
            environment=environment,
            reason=reason,
            expectedCurrentVersion=expected_current_version,
            idempotencyKey=idempotency_key or _fresh_key(),
        )
        return Promotion(
            deployment=Deployment.of(result["deployment"]),
            previous=Deployment.of(result["previous"]) if result["previous"] else None,
            changed=result["changed"],
            event=AuditEvent.of(result["auditEvent"]) if result["auditEvent"] else None,
        )

    def demote(
        self,
        model: str,
        *,
        environment: str = "production",
        reason: str | None = None,
        expected_current_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Demotion:
        result = self._mutate(
            documents.DEMOTE,
            "demote",
            model=model,
            environment=environment,
            reason=reason,
            expectedCurrentVersion=expected_current_version,
            idempotencyKey=idempotency_key or _fresh_key(),
        )
        return Demotion(retired=Deployment.of(result["retired"]), event=AuditEvent.of(result["auditEvent"]))

    def rollback(
        self,
        model: str,
        *,
        environment: str = "production",
        reason: str | None = None,
        idempotency_key: str | None = None,
    ) -> Rollback:
        result = self._mutate(
            documents.ROLLBACK,
            "rollback",
            model=model,
            environment=environment,
            reason=reason,
            idempotencyKey=idempotency_key or _fresh_key(),
        )
        return Rollback(
            deployment=Deployment.of(result["deployment"]),
            previous=Deployment.of(result["previous"]) if result["previous"] else None,
            event=AuditEvent.of(result["auditEvent"]),
        )

    def archive(self, model: str, version: int, *, reason: str | None = None) -> Version:
        result = self._mutate(documents.ARCHIVE, "archiveVersion", model=model, version=version, reason=reason)
        return Version.of(result["version"])

    def challenge(
        self,
        model: str,
        version: int,
        *,
        metric: str,
        environment: str = "production",
        min_delta: float = 0.0,
        lower_is_better: bool | None = None,
    ) -> GateDecision:
        """Champion/challenger: does ``version`` beat what is active in ``environment`` on ``metric``?

        ``lower_is_better`` None: as ``modelreg compare`` marks it: the model's declared direction, else by the
        metric's name (``directions.py``: losses and errors are better lower, everything else higher).

        Promote a passing challenger with ``expected_current_version=decision.champion``, so the promotion
        fails with ``Conflict`` if the champion changed after this comparison.
        """
        if lower_is_better is None:
            lower_is_better = directions.lower_is_better(metric, self.metric_directions(model))
        challenger = self.version(model, version).metrics.get(metric)
        try:
            current = self.deployed(model, environment)
        except NotFound:
            current = None
        champion = current.number if current else 0
        champion_value = current.metrics.get(metric) if current else None

        def verdict(passed: bool, reason: str) -> GateDecision:
            return GateDecision(metric, version, challenger, champion, champion_value, passed, reason)

        if challenger is None:
            return verdict(False, f"version {version} has no {metric} metric")
        if current is None:
            return verdict(True, f"nothing is active in {environment}")
        if champion == version:
            return verdict(True, f"version {version} is already active in {environment}")
        if champion_value is None:
            return verdict(True, f"the active version {champion} has no {metric} metric")
        gain = champion_value - challenger if lower_is_better else challenger - champion_value
        better = "lower" if lower_is_better else "higher"
        if gain >= min_delta and gain > 0:
            return verdict(
                True,
                f"{metric} {challenger:.6g} beats {champion_value:.6g} of version {champion} "
                f"by {gain:.6g} ({better} is better)",
            )
        return verdict(
            False,
            f"{metric} {challenger:.6g} does not beat {champion_value:.6g} of version "
            f"{champion} by at least {min_delta:.6g} ({better} is better)",
        )

    # Protected environments

    def environments(self) -> list[Environment]:
        """Every environment that has had a deployment or is protected, by name, with its rules."""
        return [Environment.of(node) for node in self.graphql(documents.ENVIRONMENTS)["environments"]]

    def protection(self, environment: str) -> Protection | None:
        """The rules of ``environment``; None when it is unprotected."""
        found = self.graphql(documents.ENVIRONMENT_PROTECTION, {"environment": environment})["environmentProtection"]
        return Protection.of(found) if found else None

    def protect_environment(
        self,
        environment: str,
        *,
        required_role: str | None = None,
        metric_rules: Sequence[str] = (),
        tag_rules: Sequence[str] = (),
        prior_environments: Sequence[str] = (),
        reason: str | None = None,
        idempotency_key: str | None = None,
    ) -> ProtectionChange:
        """Set the rules of ``environment`` (admin token), replacing any it had.

        ``required_role``: "deployer" or "admin"; ``metric_rules``: e.g. ``["roc_auc>=0.8"]``; ``tag_rules``:
        e.g. ``["approved=true"]``; ``prior_environments``: e.g. ``["staging"]``.
        """
        result = self._mutate(
            documents.PROTECT,
            "protectEnvironment",
            environment=environment,
            requiredRole=required_role.upper() if required_role else None,
            metricRules=list(metric_rules),
            tagRules=list(tag_rules),
            priorEnvironments=list(prior_environments),
            reason=reason,
            idempotencyKey=idempotency_key or _fresh_key(),
        )
        return ProtectionChange(
            protection=Protection.of(result["protection"]),
            previous=Protection.of(result["previous"]) if result["previous"] else None,
            event=AuditEvent.of(result["auditEvent"]),
        )

    def unprotect_environment(
        self, environment: str, *, reason: str | None = None, idempotency_key: str | None = None
    ) -> ProtectionRemoval:
        """Remove every rule of ``environment`` (admin token); ``Conflict`` when it is not protected."""
        result = self._mutate(
            documents.UNPROTECT,
            "unprotectEnvironment",
            environment=environment,
            reason=reason,
            idempotencyKey=idempotency_key or _fresh_key(),
        )
        return ProtectionRemoval(previous=Protection.of(result["previous"]), event=AuditEvent.of(result["auditEvent"]))

    def create_environment(self, name: str, *, description: str | None = None) -> EnvironmentDeclaration:
        """Declare an environment (admin token) so versions can be promoted there; ``Conflict`` if it exists."""
        result = self._mutate(documents.CREATE_ENVIRONMENT, "createEnvironment", name=name, description=description)
        return EnvironmentDeclaration(Environment.of(result["environment"]), AuditEvent.of(result["auditEvent"]))

    def remove_environment(self, name: str, *, reason: str | None = None) -> EnvironmentRemoval:
        """Remove a declared environment nothing uses (admin token); ``Conflict`` naming the use otherwise."""
        result = self._mutate(documents.REMOVE_ENVIRONMENT, "removeEnvironment", name=name, reason=reason)
        return EnvironmentRemoval(result["name"], AuditEvent.of(result["auditEvent"]))

    # Plumbing

    def _mutate(self, document: str, field: str, **fields: Any) -> dict[str, Any]:
        payload = {name: value for name, value in fields.items() if value is not None}
        result: dict[str, Any] = self.graphql(document, {"input": payload})[field]
        return result

    def _pages(
        self,
        document: str,
        variables: dict[str, Any],
        connection: Callable[[dict[str, Any]], dict[str, Any]],
        convert: Callable[[dict[str, Any]], R],
        size: int | None = None,
    ) -> Iterator[R]:
        after: str | None = None
        while True:
            page = connection(self.graphql(document, {**variables, "first": size or PAGE, "after": after}))
            for node in page["nodes"]:
                yield convert(node)
            if not page["pageInfo"]["hasNextPage"]:
                return
            after = page["pageInfo"]["endCursor"]


def _fresh_key() -> str:
    return f"client-{uuid.uuid4()}"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
