"""Relay's ``node(id:)``: any persisted entity by its global id, within the token's scope."""

from __future__ import annotations

import strawberry

from models.errors import InvalidInput, NotFound
from schema.context import Info
from schema.monitoring_types import MonitoringWindow, RetrainingRequest
from schema.permissions import CanRead, node_visible
from schema.relay import NOT_A_GLOBAL_ID, Node, parse_global_id
from schema.types import AuditEvent, Deployment, Model, Version

_NODE_TYPES = {"Model", "Version", "Deployment", "AuditEvent", "MonitoringWindow", "RetrainingRequest"}


@strawberry.type
class NodeQueries:
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
        elif type_name == "MonitoringWindow" and (window := await loaders.window.load(pk)):
            found = MonitoringWindow.of(window)
        elif type_name == "RetrainingRequest" and (request := await loaders.retraining_request.load(pk)):
            found = RetrainingRequest.of(request)
        elif type_name not in _NODE_TYPES:
            raise InvalidInput("id", NOT_A_GLOBAL_ID)
        # A node of a model outside the token's scope reads as absent, as an unknown id does.
        if found is None or not await node_visible(info, found):
            raise NotFound(f"no {type_name} with id {id}")
        return found
