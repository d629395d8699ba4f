"""The access matrix (docs/security.md, "Permission matrix"): every operation of the API, for every kind of
caller, on both backends.

The operations are read from the built schema (every Query, Mutation and Subscription root field) and from the
app's routes, so an operation added without a row in ``OPERATIONS`` fails ``test_every_operation_is_in_the_matrix``.
Each row holds a request that succeeds for an authorised caller and the facts that decide who that is: the role
docs/api.md ("Roles and permissions") gives the operation, and how a model or environment scope limits it
(docs/security.md, "Scopes"). ``expected`` turns those facts into one outcome per (operation, caller); it is
written once, and the same rules are compared with the tables in docs/api.md and docs/security.md, which are
written by hand.

``test_access_matrix`` runs every case against one seeded registry per backend and asserts the outcome:
authorised calls succeed (and return what the caller may see, no more), every other call is refused with the
expected code and changes no row. Each caller acts on its own model, environments and blobs (``Target``), so
what one caller's successful mutations change never decides another caller's outcome.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import FieldNode, OperationDefinitionNode, build_schema, parse, validate
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute

from app.server import create_app
from app.settings import Settings
from models.clock import now
from models.db.connection import connection, fetch
from models.deployments.operations import promote
from models.entities import (
    ApiToken,
    AuditEvent,
    DeliveryStatus,
    Deployment,
    Environment,
    RegisteredModel,
    RetrainingRequest,
    Role,
    WebhookDelivery,
)
from models.environments.operations import protect_environment
from models.monitoring.operations import set_reference_profile
from models.monitoring.profiles import FeatureKind, FeatureProfile, Profile
from models.registry.operations import Registration, register_version
from models.tokens.operations import create_token, revoke_token
from models.tokens.secrets import generate
from models.webhooks.operations import create_webhook
from models.webhooks.reads import list_webhooks
from schema.build import schema
from schema.relay import global_id
from tests.support.helpers import declare

REPO = Path(__file__).parents[2]

# --- callers ---------------------------------------------------------------------------------------------------


class Presents(enum.Enum):
    NOTHING = "no Authorization header"
    TOKEN = "a valid token"
    MALFORMED = "a token whose checksum does not match"
    UNKNOWN = "a well-formed token with a valid checksum that was never issued"
    REVOKED = "a revoked admin token"
    EXPIRED = "an expired admin token"


@dataclass(frozen=True)
class Caller:
    """Who calls: ``key`` also names its token (the audit actor) and its ``Target``."""

    key: str
    presents: Presents = Presents.TOKEN
    role: Role | None = None
    #: The server runs with ``--allow-anonymous-read``. Refused tokens are sent there too: they must not fall
    #: back to anonymous reads.
    anonymous_read: bool = False
    models: tuple[str, ...] | None = None
    environments: tuple[str, ...] | None = None


#: Every model name a ``Target`` uses starts with its caller's key; this pattern matches none of them (and
#: matches ``OUTSIDER``, so a filtered list has something in it).
ELSEWHERE = "elsewhere-*"
OUTSIDER = "elsewhere-model"

CALLERS = [
    Caller("anonymous", Presents.NOTHING),
    Caller("anonymous-read", Presents.NOTHING, anonymous_read=True),
    Caller("malformed", Presents.MALFORMED, anonymous_read=True),
    Caller("unknown", Presents.UNKNOWN, anonymous_read=True),
    Caller("revoked", Presents.REVOKED, Role.ADMIN, anonymous_read=True),
    Caller("expired", Presents.EXPIRED, Role.ADMIN, anonymous_read=True),
    *(Caller(role.value, role=role) for role in Role),
    # Scoped callers get a role that allows everything the scope might refuse, so only the scope decides.
    Caller("models-out", role=Role.ADMIN, models=(ELSEWHERE,)),
    Caller("models-in", role=Role.ADMIN, models=("models-in-*",)),
    Caller("envs-out", role=Role.DEPLOYER, environments=("staging",)),
    Caller("envs-in", role=Role.DEPLOYER, environments=("production",)),
]


@dataclass(frozen=True)
class Target:
    """What one caller's requests act on, seeded by ``seed``: ``model`` has versions 1 to 4, version 1 carries
    ``blob``, versions 2 then 3 were promoted to production; ``locked`` is protected, ``gate`` is not."""

    key: str
    version_id: int = 0  # of version 1, for node(id:)
    #: A webhook made within the caller's model scope, and a failed delivery of it (for redeliver).
    webhook_id: int = 0
    delivery_id: int = 0

    @property
    def model(self) -> str:
        return f"{self.key}-model"

    @property
    def new_model(self) -> str:
        return f"{self.key}-new"

    @property
    def gate(self) -> str:
        return f"{self.key}-gate"

    @property
    def locked(self) -> str:
        return f"{self.key}-locked"

    @property
    def new_environment(self) -> str:
        return f"{self.key}-new-env"

    @property
    def spare(self) -> str:
        """Declared and never used: removeEnvironment removes it."""
        return f"{self.key}-spare"

    @property
    def blob(self) -> bytes:
        return f"estimator of {self.key}".encode() * 64

    @property
    def new_blob(self) -> bytes:
        return f"new estimator of {self.key}".encode() * 64

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.blob).hexdigest()


#: Only ``OUTSIDER`` was deployed there: environments lists it only for callers that may see that model.
OUTSIDERS_ONLY = "canary"
#: Protected once for everyone and never unprotected: what environmentProtection reads.
SHARED_PROTECTED = "qa"

# --- operations ------------------------------------------------------------------------------------------------


class Reach(enum.Enum):
    """How a model scope limits an operation (docs/security.md, "Scopes")."""

    NONE = "not limited by model scope"
    NAMED = "names a model: FORBIDDEN outside the scope, whether or not it exists"
    BY_ID = "reaches a model by id: NOT_FOUND outside the scope, as an unknown id"
    LISTED = "lists or counts models: out-of-scope ones are left out"
    EVERY_MODEL = "applies to every model: FORBIDDEN for any model-scoped token"


GraphQLRequest = Callable[[Target], tuple[str, dict[str, Any]]]
HttpRequest = Callable[[Target], tuple[str, bytes | None]]


@dataclass(frozen=True)
class Operation:
    """One row of the matrix. ``name`` is ``query FIELD``, ``mutation FIELD`` (a second request of the same field
    adds ``(what differs)``), or ``METHOD /path`` for an HTTP route."""

    name: str
    needs: Role
    reach: Reach
    graphql: GraphQLRequest | None = None
    http: HttpRequest | None = None
    #: The environment it changes, when environment scopes limit it.
    environment: Callable[[Target], str] | None = None

    @property
    def kind(self) -> str:
        return self.name.split(" ")[0]

    @property
    def field(self) -> str:
        return self.name.split(" ")[1].split("(")[0]


def _query(document: str, make: Callable[[Target], dict[str, Any]] | None = None) -> GraphQLRequest:
    return lambda t: (document, make(t) if make is not None else {})


def _mutation(field: str, input_type: str, make: Callable[[Target], dict[str, Any]]) -> GraphQLRequest:
    """``field(input: ...)`` selecting the audit event's actor, which every mutation's payload carries."""
    document = f"mutation($input: {input_type}!) {{ {field}(input: $input) {{ auditEvent {{ actor }} }} }}"
    return lambda t: (document, {"input": make(t)})


#: The smallest reference profile: one numeric feature ``x`` cut at 0, predictions of one class.
PROFILE = {
    "rowCount": 10,
    "features": [{"name": "x", "kind": "NUMERIC", "edges": [0.0], "counts": [5, 5]}],
    "predictions": {"name": "prediction", "kind": "CATEGORICAL", "categories": ["a"], "counts": [10, 0]},
}
SEEDED_PROFILE = Profile(
    row_count=10,
    features=(FeatureProfile("x", FeatureKind.NUMERIC, (5, 5), edges=(0.0,)),),
    predictions=FeatureProfile("prediction", FeatureKind.CATEGORICAL, (10, 0), categories=("a",)),
)


def _window(target: Target) -> dict[str, Any]:
    """A window of the version active in production (3, seeded with ``SEEDED_PROFILE``)."""
    end = now()  # a window may not end in the future (models/monitoring/operations.py, MAX_CLOCK_SKEW)
    return {
        "model": target.model,
        "key": "matrix",
        "start": (end - timedelta(hours=1)).isoformat(),
        "end": end.isoformat(),
        "rowCount": 10,
        "features": [{"name": "x", "counts": [4, 6]}],
        "predictions": {"counts": [10, 0]},
    }


def _webhook(field: str, input_type: str, selection: str, make: Callable[[Target], dict[str, Any]]) -> GraphQLRequest:
    """A webhook mutation selecting ``selection``: pings and redeliveries only queue a delivery, so their payloads
    carry it instead of an audit event."""
    document = f"mutation($input: {input_type}!) {{ {field}(input: $input) {{ {selection} }} }}"
    return lambda t: (document, {"input": make(t)})


def _webhook_id(target: Target) -> dict[str, Any]:
    return {"id": global_id("Webhook", target.webhook_id)}


def _production(target: Target) -> str:
    return "production"  # what promote, demote and rollback change when the input names no environment


OPERATIONS = [
    Operation(
        "query node",
        Role.READER,
        Reach.BY_ID,
        _query(
            "query($id: ID!) { node(id: $id) { ... on Version { number model { name } } } }",
            lambda t: {"id": global_id("Version", t.version_id)},
        ),
    ),
    Operation(
        "query models", Role.READER, Reach.LISTED, _query("{ models(first: 100) { totalCount nodes { name } } }")
    ),
    Operation(
        "query model",
        Role.READER,
        Reach.NAMED,
        _query("query($n: String!) { model(name: $n) { name } }", lambda t: {"n": t.model}),
    ),
    Operation(
        "query compareVersions",
        Role.READER,
        Reach.NAMED,
        _query("query($n: String!) { compareVersions(model: $n) { model { name } } }", lambda t: {"n": t.model}),
    ),
    Operation(
        "query registryStatistics",
        Role.READER,
        Reach.LISTED,
        _query("{ registryStatistics { modelCount activeDeploymentCount } }"),
    ),
    Operation("query auditEvents", Role.READER, Reach.LISTED, _query("{ auditEvents(first: 1) { totalCount } }")),
    Operation(
        "query auditEvents(filter: {model})",
        Role.READER,
        Reach.NAMED,
        _query(
            "query($n: String!) { auditEvents(first: 100, filter: {model: $n}) { totalCount nodes { modelName } } }",
            lambda t: {"n": t.model},
        ),
    ),
    Operation(
        "query environments", Role.READER, Reach.LISTED, _query("{ environments { name activeDeploymentCount } }")
    ),
    Operation(
        "query environmentProtection",
        Role.READER,
        Reach.NONE,
        _query(f'{{ environmentProtection(environment: "{SHARED_PROTECTED}") {{ rules }} }}'),
    ),
    Operation("query viewer", Role.READER, Reach.NONE, _query("{ viewer { name } }")),
    Operation("query rateLimit", Role.READER, Reach.NONE, _query("{ rateLimit { cost } }")),
    Operation("POST /api/artifacts", Role.WRITER, Reach.NONE, http=lambda t: ("/api/artifacts", t.new_blob)),
    Operation(
        "GET /api/artifacts/{sha256}", Role.READER, Reach.BY_ID, http=lambda t: (f"/api/artifacts/{t.sha256}", None)
    ),
    Operation(
        "HEAD /api/artifacts/{sha256}", Role.READER, Reach.BY_ID, http=lambda t: (f"/api/artifacts/{t.sha256}", None)
    ),
    # Mutations, in an order where each one's request stays valid whether or not the ones before it succeeded.
    Operation(
        "mutation createModel",
        Role.WRITER,
        Reach.NAMED,
        _mutation("createModel", "CreateModelInput", lambda t: {"name": t.new_model}),
    ),
    Operation(
        "mutation updateModel",
        Role.WRITER,
        Reach.NAMED,
        _mutation("updateModel", "UpdateModelInput", lambda t: {"name": t.model, "description": "changed"}),
    ),
    Operation(
        "mutation registerVersion",
        Role.WRITER,
        Reach.NAMED,
        _mutation("registerVersion", "RegisterVersionInput", lambda t: {"model": t.model, "artifactSha256": t.sha256}),
    ),
    Operation(
        "mutation archiveVersion",
        Role.WRITER,
        Reach.NAMED,
        _mutation("archiveVersion", "ArchiveVersionInput", lambda t: {"model": t.model, "version": 1}),
    ),
    Operation(
        "mutation setReferenceProfile",
        Role.WRITER,
        Reach.NAMED,
        _mutation(
            "setReferenceProfile",
            "SetReferenceProfileInput",
            lambda t: {"model": t.model, "version": 1, "profile": PROFILE},
        ),
    ),
    Operation(
        "mutation recordWindow",
        Role.WRITER,
        Reach.NAMED,
        lambda t: (
            "mutation($input: RecordWindowInput!) { recordWindow(input: $input) { window { createdBy } } }",
            {"input": _window(t)},
        ),
    ),
    Operation(
        "mutation addWindowLabels",
        Role.WRITER,
        Reach.NAMED,
        lambda t: (
            "mutation($input: AddWindowLabelsInput!) { addWindowLabels(input: $input) { auditEvents { actor } } }",
            {
                "input": {
                    "model": t.model,
                    "key": "matrix",
                    "labeledRows": 10,
                    "metrics": [{"name": "accuracy", "value": 0.95}],
                }
            },
        ),
    ),
    Operation(
        "mutation setMonitoringPolicy",
        Role.DEPLOYER,
        Reach.NAMED,
        _mutation("setMonitoringPolicy", "SetMonitoringPolicyInput", lambda t: {"model": t.model, "psiDrift": 0.3}),
        environment=_production,
    ),
    Operation(
        "mutation requestRetraining",
        Role.DEPLOYER,
        Reach.NAMED,
        _mutation("requestRetraining", "RequestRetrainingInput", lambda t: {"model": t.model, "reason": "drift"}),
    ),
    Operation(
        "mutation acknowledgeRetraining",
        Role.DEPLOYER,
        Reach.NAMED,
        _mutation("acknowledgeRetraining", "AcknowledgeRetrainingInput", lambda t: {"model": t.model}),
    ),
    Operation(
        "mutation completeRetraining",
        Role.DEPLOYER,
        Reach.NAMED,
        _mutation("completeRetraining", "CompleteRetrainingInput", lambda t: {"model": t.model, "version": 4}),
    ),
    Operation(
        "mutation requestRetraining(once the first is completed)",
        Role.DEPLOYER,
        Reach.NAMED,
        _mutation("requestRetraining", "RequestRetrainingInput", lambda t: {"model": t.model}),
    ),
    Operation(
        "mutation cancelRetraining",
        Role.DEPLOYER,
        Reach.NAMED,
        _mutation("cancelRetraining", "CancelRetrainingInput", lambda t: {"model": t.model}),
    ),
    Operation(
        "query retrainingRequests",
        Role.READER,
        Reach.LISTED,
        _query(
            "{ retrainingRequests(states: [OPEN, ACKNOWLEDGED, COMPLETED, CANCELLED], first: 100) "
            "{ totalCount nodes { model { name } } } }"
        ),
    ),
    Operation(
        "mutation promote",
        Role.DEPLOYER,
        Reach.NAMED,
        _mutation("promote", "PromoteInput", lambda t: {"model": t.model, "version": 4}),
        environment=_production,
    ),
    Operation(
        "mutation rollback",
        Role.DEPLOYER,
        Reach.NAMED,
        _mutation("rollback", "RollbackInput", lambda t: {"model": t.model}),
        environment=_production,
    ),
    Operation(
        "mutation demote",
        Role.DEPLOYER,
        Reach.NAMED,
        _mutation("demote", "DemoteInput", lambda t: {"model": t.model}),
        environment=_production,
    ),
    Operation(
        "mutation protectEnvironment",
        Role.ADMIN,
        Reach.EVERY_MODEL,
        _mutation(
            "protectEnvironment",
            "ProtectEnvironmentInput",
            lambda t: {"environment": t.gate, "metricRules": ["auc>=0.5"]},
        ),
        environment=lambda t: t.gate,
    ),
    Operation(
        "mutation unprotectEnvironment",
        Role.ADMIN,
        Reach.EVERY_MODEL,
        _mutation("unprotectEnvironment", "UnprotectEnvironmentInput", lambda t: {"environment": t.locked}),
        environment=lambda t: t.locked,
    ),
    # Webhooks: admin; a model-scoped admin sees and manages only webhooks made within its scope, and each
    # target's webhook was made with its caller's scope (docs/events.md, "Who may manage webhooks").
    Operation("query webhooks", Role.ADMIN, Reach.LISTED, _query("{ webhooks { id } }")),
    Operation(
        "query webhook",
        Role.ADMIN,
        Reach.NONE,
        _query("query($id: ID!) { webhook(id: $id) { id } }", _webhook_id),
    ),
    Operation(
        "mutation createWebhook",
        Role.ADMIN,
        Reach.NONE,
        _webhook(
            "createWebhook",
            "CreateWebhookInput",
            "secret auditEvent { actor }",
            lambda t: {"url": f"https://{t.key}.example.com/new", "eventTypes": ["PROMOTED"]},
        ),
    ),
    Operation(
        "mutation updateWebhook",
        Role.ADMIN,
        Reach.NONE,
        _webhook(
            "updateWebhook",
            "UpdateWebhookInput",
            "auditEvent { actor }",
            lambda t: {**_webhook_id(t), "enabled": False},
        ),
    ),
    Operation(
        "mutation pingWebhook",
        Role.ADMIN,
        Reach.NONE,
        _webhook("pingWebhook", "WebhookIdInput", "delivery { id }", _webhook_id),
    ),
    Operation(
        "mutation rotateWebhookSecret",
        Role.ADMIN,
        Reach.NONE,
        _webhook("rotateWebhookSecret", "RotateWebhookSecretInput", "auditEvent { actor }", _webhook_id),
    ),
    Operation(
        "mutation redeliver",
        Role.ADMIN,
        Reach.NONE,
        _webhook(
            "redeliver",
            "RedeliverInput",
            "delivery { id }",
            lambda t: {"id": global_id("WebhookDelivery", t.delivery_id)},
        ),
    ),
    Operation(
        "mutation deleteWebhook",
        Role.ADMIN,
        Reach.NONE,
        _webhook("deleteWebhook", "WebhookIdInput", "auditEvent { actor }", _webhook_id),
    ),
    Operation(
        "mutation createEnvironment",
        Role.ADMIN,
        Reach.EVERY_MODEL,
        _mutation("createEnvironment", "CreateEnvironmentInput", lambda t: {"name": t.new_environment}),
        environment=lambda t: t.new_environment,
    ),
    Operation(
        "mutation removeEnvironment",
        Role.ADMIN,
        Reach.EVERY_MODEL,
        _mutation("removeEnvironment", "RemoveEnvironmentInput", lambda t: {"name": t.spare}),
        environment=lambda t: t.spare,
    ),
]
#: Live streams: the subscription and its server-sent-events twin never end, so this suite's one-request cases
#: cannot run them; tests/audit/test_subscriptions.py checks them against a real server (tokens, scopes, caps).
#: They are authorised like ``query auditEvents``.
STREAMS = {"subscription auditEvents", "GET /api/events", "HEAD /api/events"}

#: Routes that need no token, and the GraphQL endpoint, whose operations are the root fields above.
PUBLIC_ROUTES = {
    f"{method} {path}"
    for method in ("GET", "HEAD")
    for path in ("/graphql", "/healthz", "/readyz", "/graphiql/{path:path}")  # GraphiQL's scripts and styles
}
PUBLIC_ROUTES.add("POST /graphql")

# --- the rules -------------------------------------------------------------------------------------------------


class Outcome(enum.Enum):
    OK = "yes"
    #: Succeeds, showing only the models in the token's scope.
    FILTERED = "filtered"
    #: viewer without a token where anonymous reads are allowed.
    NULL = "null"
    UNAUTHENTICATED = "401"
    FORBIDDEN = "403"
    NOT_FOUND = "404"


def _in_scope(caller: Caller, name: str) -> bool:
    return caller.models is None or any(fnmatchcase(name, pattern) for pattern in caller.models)


def expected(op: Operation, caller: Caller) -> Outcome:
    """The outcome of ``op`` for ``caller``: docs/api.md "Roles and permissions", docs/security.md "Tokens"."""
    if caller.presents is not Presents.TOKEN and caller.presents is not Presents.NOTHING:
        return Outcome.UNAUTHENTICATED  # a refused token never falls back to anonymous
    if caller.role is None:
        if op.kind == "query" and caller.anonymous_read and op.needs is Role.READER:
            return Outcome.NULL if op.field == "viewer" else Outcome.OK
        return Outcome.UNAUTHENTICATED
    if not caller.role.includes(op.needs):
        return Outcome.FORBIDDEN  # the role first, then the scopes
    target = Target(caller.key)
    if caller.models is not None:
        inside = _in_scope(caller, target.model)
        if op.reach is Reach.EVERY_MODEL or (op.reach is Reach.NAMED and not inside):
            return Outcome.FORBIDDEN
        if op.reach is Reach.BY_ID and not inside:
            return Outcome.NOT_FOUND
    if caller.environments is not None and op.environment and op.environment(target) not in caller.environments:
        return Outcome.FORBIDDEN
    if op.reach is Reach.LISTED and caller.models is not None:
        return Outcome.FILTERED
    return Outcome.OK


# --- the registry ----------------------------------------------------------------------------------------------


@dataclass
class Registry:
    clients: dict[bool, httpx.AsyncClient]  # by allow_anonymous_read
    secrets: dict[str, str]  # by caller key
    targets: dict[str, Target]

    def headers(self, caller: Caller) -> dict[str, str]:
        secret = self.secrets.get(caller.key)
        return {} if secret is None else {"Authorization": f"Bearer {secret}"}


async def _issue(caller: Caller) -> str | None:
    """The secret ``caller`` presents, with its token made (and spoilt) as ``caller.presents`` says."""
    if caller.presents is Presents.NOTHING:
        return None
    if caller.presents is Presents.UNKNOWN:
        return generate()
    role = caller.role or Role.ADMIN
    token, secret = await create_token(
        name=caller.key, role=role, model_patterns=caller.models, environments=caller.environments
    )
    if caller.presents is Presents.MALFORMED:
        return secret[:-1] + ("0" if secret[-1] != "0" else "1")  # a typo: the checksum no longer matches
    if caller.presents is Presents.REVOKED:
        await revoke_token(name=caller.key)
    if caller.presents is Presents.EXPIRED:
        await ApiToken.filter(id=token.id).update(expires_at=now() - timedelta(seconds=1))
    return secret


async def _seed_target(
    client: httpx.AsyncClient, seeder: dict[str, str], key: str, scope: tuple[str, ...] | None
) -> Target:
    target = Target(key)
    uploaded = await client.post("/api/artifacts", content=target.blob, headers=seeder)
    assert uploaded.status_code == 201, uploaded.text
    first = await register_version(
        model=target.model, registration=Registration(artifact_sha256=target.sha256), actor="seed"
    )
    for _ in range(3):
        await register_version(model=target.model, registration=Registration(metrics=[("accuracy", 0.9)]), actor="seed")
    for number in (2, 3):
        await promote(model=target.model, version=number, actor="seed")
    await set_reference_profile(model=target.model, version=3, profile=SEEDED_PROFILE, actor="seed")
    await declare(target.gate, target.locked, target.spare)
    await protect_environment(environment=target.locked, metric_rules=["auc>=0.5"], actor="seed")
    created = await create_webhook(
        url=f"https://{key}.example.com/hook", event_types=["DEMOTED"], scope=scope, actor="seed"
    )
    webhook = created.webhook
    stamp = now()
    delivery = await WebhookDelivery.create(
        webhook=webhook, event_type="webhook.ping", status=DeliveryStatus.FAILED, attempts=1, created_at=stamp
    )
    return dataclasses.replace(target, version_id=first.version.id, webhook_id=webhook.id, delivery_id=delivery.id)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The suite's settings without the rate limit: 300 requests from one address in a second are this test's
    design, not abuse (tests/app/test_abuse.py covers the limit)."""
    return Settings(
        database_url=database_url,
        artifact_root=tmp_path / "artifacts",
        max_artifact_bytes=5 * 1024**2,
        rate_limit_per_second=0,
        delivery_worker=False,  # the seeded webhooks point nowhere
    )


@pytest.fixture
async def seeded(app: Starlette, settings: Settings) -> AsyncIterator[Registry]:
    """One registry for every caller: a target each, an outsider model, a protected environment, the tokens."""
    # The second app shares the database the first one's lifespan opened (Tortoise's connections are global).
    reading = create_app(dataclasses.replace(settings, allow_anonymous_read=True))
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://registry") as closed,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=reading), base_url="http://registry") as open_,
    ):
        _, seed_secret = await create_token(name="seed", role=Role.ADMIN)
        seeder = {"Authorization": f"Bearer {seed_secret}"}
        targets = {caller.key: await _seed_target(closed, seeder, caller.key, caller.models) for caller in CALLERS}
        await declare(OUTSIDERS_ONLY, SHARED_PROTECTED)
        await register_version(model=OUTSIDER, registration=Registration(), actor="seed")
        await promote(model=OUTSIDER, version=1, actor="seed")
        await promote(model=OUTSIDER, version=1, environment=OUTSIDERS_ONLY, actor="seed")
        await protect_environment(environment=SHARED_PROTECTED, required_role=Role.ADMIN, actor="seed")
        secrets = {caller.key: secret for caller in CALLERS if (secret := await _issue(caller)) is not None}
        yield Registry({False: closed, True: open_}, secrets, targets)


# --- checking one case -----------------------------------------------------------------------------------------

_TABLES = (
    "model model_tag artifact version version_tag metric deployment environment_protection audit_event "
    "reference_profile monitoring_window monitoring_policy retraining_request webhook webhook_delivery"
)
ROW_COUNTS = (
    "SELECT "
    + ", ".join(f"(SELECT COUNT(*) FROM {t}) AS {t}" for t in [*_TABLES.split(), "idempotency_record"])
    + ", (SELECT COALESCE(SUM(attempts), 0) FROM webhook_delivery) AS delivery_attempts"
)  # redeliver resets them


async def row_counts() -> dict[str, int]:
    """Rows per table, in one statement. Every change through the API writes an audit event, so an unchanged
    count of audit events also rules out updates (updateModel); ``artifact`` covers uploads, which are not audited."""
    return {name: int(value) for name, value in (await fetch(connection(), ROW_COUNTS))[0].items()}


async def _visible_models(caller: Caller) -> set[str]:
    names = [str(name) for name in await RegisteredModel.all().values_list("name", flat=True)]
    return {name for name in names if _in_scope(caller, name)}


async def _visible_deployments(caller: Caller) -> dict[str, int]:
    """Per environment that a model ``caller`` may see was ever deployed to, how many of those are active."""
    visible = await _visible_models(caller)
    counts: dict[str, int] = {}
    rows = await Deployment.all().values_list("environment", "model__name", "retired_at")
    for environment, model, retired_at in rows:
        if model in visible:
            counts[str(environment)] = counts.get(str(environment), 0) + (retired_at is None)
    return counts


async def _ok(op: Operation, caller: Caller, target: Target, data: Any) -> str | None:
    """Why the successful answer ``data`` (the root field's value) is not what ``caller`` should see; None if it is."""
    field = op.name.removeprefix(f"{op.kind} ")
    if field == "recordWindow":
        actor = data["window"]["createdBy"]
        return None if actor == caller.key else f"recorded by {actor}"
    if field == "addWindowLabels":
        actors = {event["actor"] for event in data["auditEvents"]}
        return None if actors == {caller.key} else f"acted as {actors}"
    if op.kind == "mutation" and "auditEvent" not in data:
        return None if data.get("delivery") else f"queued nothing: {data}"  # pingWebhook, redeliver
    if op.kind == "mutation":
        return None if data["auditEvent"]["actor"] == caller.key else f"acted as {data['auditEvent']['actor']}"
    if field == "webhook":
        return None if data == {"id": global_id("Webhook", target.webhook_id)} else f"webhook is {data}"
    if field == "webhooks":
        shown = {str(global_id("Webhook", w.id)) for w in await list_webhooks(scope=caller.models)}
        listed = {row["id"] for row in data}
        return None if listed == shown and listed else f"listed {sorted(listed)}"
    if field == "node":
        return None if data == {"number": 1, "model": {"name": target.model}} else f"node is {data}"
    if field == "model":
        return None if data == {"name": target.model} else f"model is {data}"
    if field == "compareVersions":
        return None if data["model"] == {"name": target.model} else f"compared {data}"
    if field == "viewer":
        return None if data == {"name": caller.key} else f"viewer is {data}"
    if field == "rateLimit":
        return None if data == {"cost": 1} else f"rateLimit is {data}"
    if field == "environmentProtection":
        return None if data == {"rules": ["role admin"]} else f"rules are {data}"
    if field == "auditEvents(filter: {model})":
        names = {node["modelName"] for node in data["nodes"]}
        return None if names == {target.model} and data["totalCount"] == len(data["nodes"]) else f"events of {names}"
    visible = await _visible_models(caller)
    if field == "models":
        names = {node["name"] for node in data["nodes"]}
        return None if names == visible and data["totalCount"] == len(visible) else f"listed {sorted(names)}"
    active = await _visible_deployments(caller)
    if field == "registryStatistics":
        want = {"modelCount": len(visible), "activeDeploymentCount": sum(active.values())}
        return None if data == want else f"statistics {data}, visible {want}"
    if field == "retrainingRequests":
        requested = await RetrainingRequest.all().values_list("model__name", flat=True)
        want_requests = sum(1 for name in requested if _in_scope(caller, str(name)))
        names = {node["model"]["name"] for node in data["nodes"]}
        good = data["totalCount"] == want_requests and all(_in_scope(caller, name) for name in names)
        return None if good else f"{data['totalCount']} requests of {sorted(names)}, visible {want_requests}"
    if field == "auditEvents":
        event_models = await AuditEvent.all().values_list("model_name", flat=True)
        want_events = sum(1 for name in event_models if _in_scope(caller, str(name)))
        return None if data == {"totalCount": want_events} else f"{data['totalCount']} events, visible {want_events}"
    if field == "environments":
        # Every declared environment, whatever the scope: declarations are registry-wide.
        declared = {str(name) for name in await Environment.all().values_list("name", flat=True)}
        want_envs = {name: active.get(name, 0) for name in declared}
        got = {row["name"]: row["activeDeploymentCount"] for row in data}
        return None if got == want_envs else f"environments {got}, visible {want_envs}"
    raise AssertionError(f"no success check for {op.name}")


async def _run_graphql(op: Operation, caller: Caller, registry_: Registry, target: Target) -> str | None:
    assert op.graphql is not None
    document, variables = op.graphql(target)
    client = registry_.clients[caller.anonymous_read]
    response = await client.post(
        "/graphql", json={"query": document, "variables": variables}, headers=registry_.headers(caller)
    )
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:200]}"
    body = response.json()
    want = expected(op, caller)
    errors = body.get("errors") or []
    value = (body.get("data") or {}).get(op.field)
    if want in (Outcome.OK, Outcome.FILTERED):
        if errors or value is None:
            return f"refused: {errors}"
        return await _ok(op, caller, target, value)
    if want is Outcome.NULL:
        return None if body == {"data": {op.field: None}} else f"answered {body}"
    codes = [error.get("extensions", {}).get("code") for error in errors]
    if codes != [want.name] or value is not None:
        return f"answered {codes or 'no error'}, {op.field}: {value}"
    return None


async def _run_http(op: Operation, caller: Caller, registry_: Registry, target: Target) -> str | None:
    assert op.http is not None
    path, content = op.http(target)
    client = registry_.clients[caller.anonymous_read]
    response = await client.request(op.kind, path, content=content, headers=registry_.headers(caller))
    want = expected(op, caller)
    if want is Outcome.OK:
        if op.kind == "POST":
            uploaded = {"sha256": hashlib.sha256(target.new_blob).hexdigest(), "sizeBytes": len(target.new_blob)}
            good = response.status_code == 201 and response.json() == uploaded
        else:
            body = b"" if op.kind == "HEAD" else target.blob
            good = response.status_code == 200 and response.content == body
            good = good and response.headers["content-length"] == str(len(target.blob))
            good = good and response.headers["etag"] == f'"{target.sha256}"'
        return None if good else f"HTTP {response.status_code}: {response.content[:200]!r}"
    if target.blob in response.content:
        return "the refusal carries the blob"
    status = int(want.value)
    if response.status_code != status or (op.kind != "HEAD" and response.json()["error"]["code"] != want.name):
        return f"HTTP {response.status_code}: {response.content[:200]!r}"
    return None


async def check(op: Operation, caller: Caller, registry_: Registry) -> str | None:
    """Run one case; None when it went as ``expected`` says, else what went wrong."""
    target = registry_.targets[caller.key]
    before = await row_counts()
    run = _run_graphql if op.graphql is not None else _run_http
    problem = await run(op, caller, registry_, target)
    after = await row_counts()
    refused = expected(op, caller) not in (Outcome.OK, Outcome.FILTERED, Outcome.NULL)
    if problem is None and refused and after != before:
        changed = {table: after[table] - before[table] for table in after if after[table] != before[table]}
        problem = f"refused, but rows changed: {changed}"
    if problem is None and not refused and op.kind in ("mutation", "POST") and after == before:
        problem = "succeeded, but no row changed"
    return problem


# --- the tests -------------------------------------------------------------------------------------------------


def _operations_in_schema() -> set[str]:
    introspected = schema.introspect()["__schema"]
    types = {type_["name"]: type_ for type_ in introspected["types"]}
    found = set()
    for kind in ("query", "mutation", "subscription"):
        root = introspected[f"{kind}Type"]
        if root is not None:
            found |= {f"{kind} {field['name']}" for field in types[root["name"]]["fields"]}
    return found


def _is_web_ui(route: BaseRoute) -> bool:
    """A route of the web UI (``app/ui``): its pages and actions execute GraphQL documents in-process with the
    visitor's principal, so the permissions are the operations' rows above; its static files are public."""
    if isinstance(route, Mount):
        return route.path == "/ui/static"
    endpoint = getattr(route, "endpoint", None)
    function = getattr(endpoint, "func", endpoint)  # the pages' endpoints are functools.partial objects
    return str(getattr(function, "__module__", "")).startswith("app.ui.")


def _routes(tmp_path: Path) -> set[str]:
    app = create_app(Settings(database_url="sqlite://:memory:", artifact_root=tmp_path))
    found = set()
    for route in app.routes:
        if isinstance(route, WebSocketRoute) and route.path == "/graphql":
            continue  # GraphQL's own endpoint: its operations are the schema's subscriptions
        if _is_web_ui(route):
            continue  # pages that run the API's own documents as the visitor: tests/app/ui checks them
        assert isinstance(route, Route), f"{route!r}: add its operations to the access matrix"
        found |= {f"{method} {route.path}" for method in route.methods or ()}
    return found


def test_every_operation_is_in_the_matrix(tmp_path: Path) -> None:
    """A root field or route without a row (and a request) in OPERATIONS fails here, as does a stale row."""
    in_matrix = {op.name.split("(")[0] for op in OPERATIONS} | STREAMS
    assert _operations_in_schema() - in_matrix == set(), "operations missing from OPERATIONS"
    routes = _routes(tmp_path) - PUBLIC_ROUTES
    assert routes - in_matrix == set(), "routes missing from OPERATIONS (or, if public, from PUBLIC_ROUTES)"
    assert in_matrix == _operations_in_schema() | routes, "rows for operations that no longer exist"
    # Each request is valid against the schema and calls the field its row names.
    sdl = build_schema(schema.as_str())
    for op in OPERATIONS:
        if op.graphql is None:
            assert op.http is not None and op.kind in ("GET", "HEAD", "POST"), op.name
            continue
        document = parse(op.graphql(Target("x", version_id=1))[0])
        assert validate(sdl, document) == [], op.name
        (definition,) = document.definitions
        assert isinstance(definition, OperationDefinitionNode) and definition.operation.value == op.kind, op.name
        fields = [selection for selection in definition.selection_set.selections if isinstance(selection, FieldNode)]
        assert [field.name.value for field in fields] == [op.field], op.name


async def test_access_matrix(seeded: Registry) -> None:
    problems = []
    for caller in CALLERS:
        for op in OPERATIONS:
            problem = await check(op, caller, seeded)
            if problem is not None:
                problems.append(f"{caller.key} x {op.name}: expected {expected(op, caller).name}; {problem}")
    assert not problems, f"{len(problems)} of {len(CALLERS) * len(OPERATIONS)} cases failed:\n" + "\n".join(problems)


# --- the documents agree -----------------------------------------------------------------------------------------

#: Column headings of the hand-written tables, and the callers each column stands for.
COLUMNS = {
    "anonymous": ["anonymous"],
    "no token": ["anonymous"],
    "anonymous, --allow-anonymous-read": ["anonymous-read"],
    "no token, --allow-anonymous-read": ["anonymous-read"],
    "malformed, unknown, revoked or expired token": ["malformed", "unknown", "revoked", "expired"],
    "reader": ["reader"],
    "writer": ["writer"],
    "deployer": ["deployer", "envs-in"],
    "admin": ["admin"],
    "--models excludes the model": ["models-out"],
    "--models includes it": ["models-in"],
    "--environments excludes the environment": ["envs-out"],
}
#: How the tables write each outcome.
CELLS = {
    "yes": Outcome.OK,
    "own principal and scopes": Outcome.OK,
    "filtered": Outcome.FILTERED,
    "null": Outcome.NULL,
    **{word: outcome for outcome in Outcome for word in (outcome.value, outcome.name)},
}
IGNORED_ROWS = ("GET /graphql",)  # the public routes' row


def _table(path: Path, heading: str) -> list[list[str]]:
    """The first Markdown table after ``heading``, as rows of cells without backticks (header row first)."""
    text = path.read_text().split(f"\n{heading}\n", 1)[1]
    lines = re.search(r"^\|.*?(?=\n[^|]|\Z)", text, re.MULTILINE | re.DOTALL)
    assert lines is not None, f"no table after {heading} in {path}"
    rows = [
        [cell.strip().replace("`", "") for cell in line.strip().strip("|").split("|")] for line in lines[0].splitlines()
    ]
    return [rows[0], *rows[2:]]


def _operations_of(label: str, labels: set[str]) -> list[Operation]:
    """The operations a row label stands for: ``GET/HEAD /path`` is two; ``query auditEvents`` also stands for
    its variants such as ``query auditEvents(filter: {model})``, unless the table has a row of their own."""
    methods, _, rest = label.partition(" ")
    names = [f"{method} {rest}" for method in methods.split("/")] if "/" in methods else [label]
    return [op for op in OPERATIONS if op.name in names or (op.name.split("(")[0] in names and op.name not in labels)]


@pytest.mark.parametrize(
    ("document", "heading"),
    [("docs/api.md", "## Roles and permissions"), ("docs/security.md", "## Permission matrix")],
)
def test_the_documented_matrix_is_the_tested_one(document: str, heading: str) -> None:
    header, *rows = _table(REPO / document, heading)
    callers = {caller.key: caller for caller in CALLERS}
    covered = set()
    mismatches = []
    labels = {row[0] for row in rows}
    for row in rows:
        label, cells = row[0], row[1:]
        operations = _operations_of(label, labels)
        if not operations:
            assert label.startswith(IGNORED_ROWS), f"{document}: {label!r} is no operation of the matrix"
            continue
        covered |= {op.name for op in operations}
        for column, cell in zip(header[1:], cells, strict=True):
            assert column in COLUMNS and cell in CELLS, f"{document}: unknown column {column!r} or cell {cell!r}"
            for op in operations:
                for key in COLUMNS[column]:
                    if expected(op, callers[key]) is not CELLS[cell]:
                        mismatches.append(f"{label} / {column}: says {cell}, tested {expected(op, callers[key]).name}")
    assert not mismatches, "\n".join(mismatches)
    assert covered == {op.name for op in OPERATIONS}, f"{document} lacks rows for some operations"
