"""The Python client: ``from modelreg_client import Client``.

Re-exported here so callers need one import path; each name lives in its own small module.
"""

#: The same version as the server's (``app.__version__``); tests/app/test_packaging.py holds them equal.
__version__ = "0.1.0"

from modelreg_client.client import Client, FrameworkMismatchWarning, TrainingTimer
from modelreg_client.errors import (
    ArtifactIntegrityError,
    Conflict,
    Forbidden,
    InvalidInput,
    NotARegistry,
    NotFound,
    RateLimited,
    RegistryError,
    Timeout,
    Unauthenticated,
    Unavailable,
)
from modelreg_client.records import (
    AuditEvent,
    Comparison,
    ComparisonRow,
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
    "EnvironmentDeclaration",
    "EnvironmentRemoval",
    "Forbidden",
    "FrameworkMismatchWarning",
    "GateDecision",
    "InvalidInput",
    "ModelSummary",
    "NotARegistry",
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
