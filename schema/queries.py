"""Root queries. Each checks the reader role, translates its arguments and delegates to ``models``."""

from __future__ import annotations

from datetime import datetime

import strawberry

from models import comparison, listing, statistics, validation
from models.audit import now
from models.entities import Role as DomainRole
from models.errors import InvalidInput, NotFound
from schema.context import Info
from schema.environments import EnvironmentQueries
from schema.inputs import (
    AuditEventFilter,
    ModelFilter,
    ModelOrder,
    Role,
    SortDirection,
    audit_query,
    model_query,
)
from schema.permissions import CanCompare, CanRead, CanReadAudit, CanReadModel, model_scope, node_visible, require
from schema.relay import NOT_A_GLOBAL_ID, Connection, Node, connection, parse_global_id
from schema.types import AuditEvent, Deployment, Metric, Model, Version


@strawberry.type
class VersionComparisonRow:
    version: Version
    values: list[float | None] = strawberry.field(
        description="Aligned with VersionComparison.metricNames; null where the version lacks that metric."
    )
    deltas_from_production: list[float | None] = strawberry.field(
        description="Value minus the production version's value for the same metric; null where either lacks it or "
        "nothing is in production."
    )


@strawberry.type
class VersionComparison:
    model: Model
    metric_names: list[str] = strawberry.field(description="Union of the compared versions' metric names, sorted.")
    rows: list[VersionComparisonRow]


@strawberry.type
class RegistryStatistics:
    """Each field is computed only when the document selects it; the counts share one statement."""

    at: strawberry.Private[datetime]

    @strawberry.field
    async def model_count(self, info: Info) -> int:
        return await info.context.loaders.statistic.load(statistics.Count.MODELS)

    @strawberry.field
    async def version_count(self, info: Info) -> int:
        return await info.context.loaders.statistic.load(statistics.Count.VERSIONS)

    @strawberry.field(description="Models with an active production deployment.")
    async def models_in_production(self, info: Info) -> int:
        return await info.context.loaders.statistic.load(statistics.Count.MODELS_IN_PRODUCTION)

    @strawberry.field
    async def active_deployment_count(self, info: Info) -> int:
        return await info.context.loaders.statistic.load(statistics.Count.ACTIVE_DEPLOYMENTS)

    @strawberry.field(description="PROMOTED and ROLLED_BACK events ever recorded.")
    async def promotion_count(self, info: Info) -> int:
        return await info.context.loaders.statistic.load(statistics.Count.PROMOTIONS)

    @strawberry.field(description="Per metric name, the mean over production versions that report it, sorted by name.")
    async def average_production_metrics(self, info: Info) -> list[Metric]:
        averages = await info.context.loaders.average_production_metrics.load(None)
        return [Metric(name=name, value=value) for name, value in averages]

    @strawberry.field
    def generated_at(self) -> datetime:
        return self.at


@strawberry.type(description="Who the request is authenticated as.")
class Principal:
    name: str
    role: Role
    model_patterns: list[str] | None = strawberry.field(
        description="Model-name patterns (* and ? wildcards) this token is limited to; null: every model."
    )
    environments: list[str] | None = strawberry.field(
        description="Environments this token may promote, demote and roll back in; null: every environment."
    )
    expires_at: datetime | None = strawberry.field(description="When this token stops working; null: never.")


_NODE_TYPES = {"Model", "Version", "Deployment", "AuditEvent"}


@strawberry.type
class Query(EnvironmentQueries):
    @strawberry.field(permission_classes=[CanRead])
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        type_name, pk = parse_global_id(id)
        loaders = info.context.loaders
        found: Node | None = None
        if type_name == "Model" and (model := await loaders.model.load(pk)):
            found = Model.of(model)
        elif type_name == "Version" and (version := await loaders.version.load(pk)):
            found = Version.of(version)
        elif type_name == "Deployment" and (deployment := await loaders.deployment.load(pk)):
            found = Deployment.of(deployment)
        elif type_name == "AuditEvent" and (event := await loaders.audit_event.load(pk)):
            found = AuditEvent.of(event)
        elif type_name not in _NODE_TYPES:
            raise InvalidInput("id", NOT_A_GLOBAL_ID)
        # A node of a model outside the token's scope reads as absent, as an unknown id does.
        if found is None or not await node_visible(info, found):
            raise NotFound(f"no {type_name} with id {id}")
        return found

    @strawberry.field(
        permission_classes=[CanRead], description="Ordered by name ascending unless orderBy says otherwise."
    )
    async def models(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: ModelFilter | None = None,
        order_by: ModelOrder | None = None,
    ) -> Connection[Model]:
        query, size = model_query(filter, order_by), validation.page_size(first)
        page = await info.context.loaders.batcher.call(
            listing.list_models(query=query, first=size, after=after, within=model_scope(info))
        )
        return connection(page, Model.of)

    @strawberry.field(permission_classes=[CanReadModel])
    async def model(self, info: Info, name: str) -> Model | None:
        row = await info.context.loaders.model_by_name.load(validation.model_name(name, "name"))
        if row is None:
            raise NotFound(f"no model named {name!r}")
        return Model.of(row)

    @strawberry.field(
        permission_classes=[CanCompare],
        description="Metrics of several versions side by side. numbers: the versions to compare (default: the newest "
        "`limit`).\nsortBy: a metric name to order rows by (default: version number); rows lacking it come last.",
    )
    async def compare_versions(
        self,
        info: Info,
        model: str,
        numbers: list[int] | None = None,
        sort_by: str | None = None,
        direction: SortDirection | None = None,
        limit: int | None = None,
    ) -> VersionComparison:
        result = await info.context.loaders.batcher.call(
            comparison.compare_versions(
                model=model, numbers=numbers, sort_by=sort_by, descending=direction != SortDirection.ASC, limit=limit
            )
        )
        return VersionComparison(
            model=Model.of(result.model),
            metric_names=result.metric_names,
            rows=[
                VersionComparisonRow(
                    version=Version.of(row.version),
                    values=row.values,
                    deltas_from_production=row.deltas_from_production,
                )
                for row in result.rows
            ],
        )

    @strawberry.field(permission_classes=[CanRead])
    def registry_statistics(self) -> RegistryStatistics:
        return RegistryStatistics(at=now())

    @strawberry.field(permission_classes=[CanReadAudit], description="Newest first.")
    async def audit_events(
        self, info: Info, first: int | None = None, after: str | None = None, filter: AuditEventFilter | None = None
    ) -> Connection[AuditEvent]:
        query, size = audit_query(filter), validation.page_size(first)
        page = await info.context.loaders.batcher.call(
            listing.list_audit_events(query=query, first=size, after=after, within=model_scope(info))
        )
        return connection(page, AuditEvent.of)

    @strawberry.field(description="The authenticated principal, or null for an anonymous request.")
    def viewer(self, info: Info) -> Principal | None:
        principal = info.context.principal
        if principal is None:
            require(info, DomainRole.READER, anonymous_ok=True)  # anonymous: allowed only with anonymous reads
            return None
        return Principal(
            name=principal.name,
            role=Role[principal.role.name],
            model_patterns=list(principal.model_patterns) if principal.model_patterns is not None else None,
            environments=list(principal.environments) if principal.environments is not None else None,
            expires_at=principal.expires_at,
        )
