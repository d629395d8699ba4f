"""The Python client: ``from app.client import Client``.

Re-exported here so callers need one import path; each name lives in its own small module.
"""

from app.client.client import Client, FrameworkMismatchWarning, TrainingTimer
from app.client.errors import (
    ArtifactIntegrityError,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    RegistryError,
    Timeout,
    Unauthenticated,
    Unavailable,
)
from app.client.records import (
    AuditEvent,
    Comparison,
    ComparisonRow,
    Demotion,
    Deployment,
    Environment,
    GateDecision,
    ModelSummary,
    Promotion,
    Protection,
    ProtectionChange,
    ProtectionRemoval,
    Rollback,
    Version,
)

__all__ = [
    "ArtifactIntegrityError",
    "AuditEvent",
    "Client",
    "Comparison",
    "ComparisonRow",
    "Conflict",
    "Demotion",
    "Deployment",
    "Environment",
    "Forbidden",
    "FrameworkMismatchWarning",
    "GateDecision",
    "InvalidInput",
    "ModelSummary",
    "NotFound",
    "Promotion",
    "Protection",
    "ProtectionChange",
    "ProtectionRemoval",
    "RateLimited",
    "RegistryError",
    "Rollback",
    "Timeout",
    "TrainingTimer",
    "Unauthenticated",
    "Unavailable",
    "Version",
]
