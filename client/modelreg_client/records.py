"""Typed records the client returns, built from GraphQL responses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _pairs(items: list[dict[str, Any]], key: str, value: str) -> dict[str, Any]:
    return {item[key]: item[value] for item in items}


@dataclass(frozen=True)
class Version:
    model: str
    number: int
    status: str
    description: str | None
    metrics: dict[str, float]
    tags: dict[str, str]
    hyperparameters: dict[str, Any]
    feature_names: list[str]
    model_type: str | None
    framework: str | None
    dataset_version: str | None
    training_duration_seconds: float | None
    artifact_sha256: str | None
    artifact_size_bytes: int | None
    artifact_format: str | None
    created_at: datetime | None
    created_by: str
    active_environments: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, node: dict[str, Any]) -> Version:
        artifact = node.get("artifact") or {}
        return cls(
            model=node["model"]["name"],
            number=node["number"],
            status=node["status"],
            description=node["description"],
            metrics=_pairs(node["metrics"], "name", "value"),
            tags=_pairs(node["tags"], "key", "value"),
            hyperparameters=node["hyperparameters"],
            feature_names=node["featureNames"],
            model_type=node["modelType"],
            framework=node["framework"],
            dataset_version=node["datasetVersion"],
            training_duration_seconds=node["trainingDurationSeconds"],
            artifact_sha256=artifact.get("sha256"),
            artifact_size_bytes=artifact.get("sizeBytes"),
            artifact_format=artifact.get("format"),
            created_at=_time(node["createdAt"]),
            created_by=node["createdBy"],
            active_environments=node["activeEnvironments"],
        )


@dataclass(frozen=True)
class ModelSummary:
    name: str
    description: str | None
    version_count: int
    tags: dict[str, str]
    #: The version active in production, if any.
    production_version: int | None
    updated_at: datetime | None
    #: Declared metric directions, ``{"log_loss": "lower"}``; an undeclared metric goes by its name.
    metric_directions: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, node: dict[str, Any]) -> ModelSummary:
        production = node.get("production")
        return cls(
            name=node["name"],
            description=node["description"],
            version_count=node["versionCount"],
            tags=_pairs(node["tags"], "key", "value"),
            production_version=production["version"]["number"] if production else None,
            updated_at=_time(node["updatedAt"]),
            metric_directions=directions_of(node.get("metricDirections") or []),
        )


def directions_of(items: list[dict[str, str]]) -> dict[str, str]:
    """GraphQL's ``[{metric, direction: LOWER_IS_BETTER}]`` as ``{metric: "lower"}``."""
    return {item["metric"]: item["direction"].split("_", 1)[0].lower() for item in items}


@dataclass(frozen=True)
class Deployment:
    model: str
    version: int
    environment: str
    active: bool
    deployed_at: datetime | None
    deployed_by: str
    reason: str | None
    retired_at: datetime | None
    retired_by: str | None
    retired_reason: str | None

    @classmethod
    def of(cls, node: dict[str, Any]) -> Deployment:
        return cls(
            model=node["model"]["name"],
            version=node["version"]["number"],
            environment=node["environment"],
            active=node["active"],
            deployed_at=_time(node["deployedAt"]),
            deployed_by=node["deployedBy"],
            reason=node["reason"],
            retired_at=_time(node["retiredAt"]),
            retired_by=node["retiredBy"],
            retired_reason=node["retiredReason"],
        )


@dataclass(frozen=True)
class AuditEvent:
    at: datetime | None
    action: str
    actor: str
    model: str
    version: int | None
    previous_version: int | None
    environment: str | None
    reason: str | None
    request_id: str | None
    details: dict[str, Any]

    @classmethod
    def of(cls, node: dict[str, Any]) -> AuditEvent:
        return cls(
            at=_time(node["at"]),
            action=node["action"],
            actor=node["actor"],
            model=node["modelName"],
            version=(node["version"] or {}).get("number"),
            previous_version=(node["previousVersion"] or {}).get("number"),
            environment=node["environment"],
            reason=node["reason"],
            request_id=node["requestId"],
            details=node["details"],
        )


@dataclass(frozen=True)
class Promotion:
    deployment: Deployment
    previous: Deployment | None
    #: False when the version was already active: nothing was written.
    changed: bool
    event: AuditEvent | None


@dataclass(frozen=True)
class Demotion:
    retired: Deployment
    event: AuditEvent


@dataclass(frozen=True)
class Rollback:
    deployment: Deployment
    previous: Deployment | None
    event: AuditEvent


@dataclass(frozen=True)
class ComparisonRow:
    version: int
    values: list[float | None]
    deltas_from_production: list[float | None]


@dataclass(frozen=True)
class Comparison:
    model: str
    production_version: int | None
    metric_names: list[str]
    rows: list[ComparisonRow]
    #: The model's declared metric directions (``{"log_loss": "lower"}``).
    metric_directions: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, node: dict[str, Any]) -> Comparison:
        production = node["model"]["production"]
        return cls(
            model=node["model"]["name"],
            production_version=production["version"]["number"] if production else None,
            metric_names=node["metricNames"],
            rows=[
                ComparisonRow(row["version"]["number"], row["values"], row["deltasFromProduction"])
                for row in node["rows"]
            ],
            metric_directions=directions_of(node["model"].get("metricDirections") or []),
        )


@dataclass(frozen=True)
class GateDecision:
    """The champion/challenger verdict of ``Client.challenge``."""

    metric: str
    challenger: int
    challenger_value: float | None
    #: The version active when compared (0: nothing active); promote with it as expected_current_version.
    champion: int
    champion_value: float | None
    passed: bool
    reason: str


@dataclass(frozen=True)
class Protection:
    """The rules of a protected environment, in the syntax ``protect_environment`` takes."""

    environment: str
    #: "deployer" or "admin": promote, rollback and demote there need at least this role.
    required_role: str | None
    metric_rules: list[str]
    tag_rules: list[str]
    prior_environments: list[str]
    #: Every rule as a phrase, e.g. ["role admin", "roc_auc>=0.8", "tag approved=true", "prior staging"].
    rules: list[str]
    reason: str | None
    created_at: datetime | None
    created_by: str
    updated_at: datetime | None
    updated_by: str

    @classmethod
    def of(cls, node: dict[str, Any]) -> Protection:
        role = node["requiredRole"]
        return cls(
            environment=node["environment"],
            required_role=role.lower() if role else None,
            metric_rules=[rule["rule"] for rule in node["metricRules"]],
            tag_rules=[f"{tag['key']}={tag['value']}" for tag in node["tagRules"]],
            prior_environments=node["priorEnvironments"],
            rules=node["rules"],
            reason=node["reason"],
            created_at=_time(node["createdAt"]),
            created_by=node["createdBy"],
            updated_at=_time(node["updatedAt"]),
            updated_by=node["updatedBy"],
        )


@dataclass(frozen=True)
class Environment:
    name: str
    active_deployment_count: int
    protection: Protection | None
    description: str | None = None
    declared_at: datetime | None = None
    declared_by: str | None = None

    @classmethod
    def of(cls, node: dict[str, Any]) -> Environment:
        protection = node["protection"]
        return cls(
            node["name"],
            node["activeDeploymentCount"],
            Protection.of(protection) if protection else None,
            description=node.get("description"),
            declared_at=_time(node.get("declaredAt")),
            declared_by=node.get("declaredBy"),
        )


@dataclass(frozen=True)
class EnvironmentDeclaration:
    environment: Environment
    event: AuditEvent


@dataclass(frozen=True)
class EnvironmentRemoval:
    name: str
    event: AuditEvent


@dataclass(frozen=True)
class ProtectionChange:
    protection: Protection
    #: The rules replaced; None when the environment was unprotected.
    previous: Protection | None
    event: AuditEvent


@dataclass(frozen=True)
class ProtectionRemoval:
    previous: Protection
    event: AuditEvent
