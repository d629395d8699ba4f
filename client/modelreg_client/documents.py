"""The GraphQL documents the client sends. Fragments keep every record's fields in one place."""

from __future__ import annotations

VERSION = """
fragment VersionFields on Version {
  model { name } number status description metrics { name value } tags { key value } hyperparameters
  featureNames modelType framework datasetVersion trainingDurationSeconds artifact { sha256 sizeBytes format }
  createdAt createdBy activeEnvironments
}"""
DEPLOYMENT = """
fragment DeploymentFields on Deployment {
  model { name } version { number } environment active deployedAt deployedBy reason retiredAt retiredBy retiredReason
}"""
EVENT = """
fragment EventFields on AuditEvent {
  at action actor modelName version { number } previousVersion { number } environment reason requestId details
}"""
PAGE_INFO = "pageInfo { hasNextPage endCursor }"

MODELS = f"""
query Models($first: Int, $after: String) {{
  models(first: $first, after: $after) {{
    nodes {{
      name description versionCount tags {{ key value }} updatedAt production {{ version {{ number }} }}
      metricDirections {{ metric direction }}
    }}
    {PAGE_INFO}
  }}
}}"""

VERSIONS = f"""
query Versions($model: String!, $first: Int, $after: String, $orderBy: VersionOrder) {{
  model(name: $model) {{
    versions(first: $first, after: $after, orderBy: $orderBy) {{ nodes {{ ...VersionFields }} {PAGE_INFO} }}
  }}
}}{VERSION}"""

VERSION_BY_NUMBER = f"""
query Version($model: String!, $number: Int!) {{
  model(name: $model) {{ version(number: $number) {{ ...VersionFields }} }}
}}{VERSION}"""

DEPLOYED_VERSION = f"""
query Deployed($model: String!, $environment: String!) {{
  model(name: $model) {{ deployment(environment: $environment) {{ version {{ ...VersionFields }} }} }}
}}{VERSION}"""

HISTORY = f"""
query History($model: String!, $environment: String, $first: Int, $after: String) {{
  model(name: $model) {{
    deploymentHistory(environment: $environment, first: $first, after: $after) {{
      nodes {{ ...DeploymentFields }} {PAGE_INFO}
    }}
  }}
}}{DEPLOYMENT}"""

AUDIT = f"""
query Audit($first: Int, $after: String, $filter: AuditEventFilter) {{
  auditEvents(first: $first, after: $after, filter: $filter) {{ nodes {{ ...EventFields }} {PAGE_INFO} }}
}}{EVENT}"""

COMPARE = """
query Compare($model: String!, $numbers: [Int!], $sortBy: String, $direction: SortDirection, $limit: Int) {
  compareVersions(model: $model, numbers: $numbers, sortBy: $sortBy, direction: $direction, limit: $limit) {
    model { name production { version { number } } metricDirections { metric direction } }
    metricNames
    rows { version { number } values deltasFromProduction }
  }
}"""

REGISTER = f"""
mutation Register($input: RegisterVersionInput!) {{
  registerVersion(input: $input) {{ version {{ ...VersionFields }} }}
}}{VERSION}"""

ARCHIVE = f"""
mutation Archive($input: ArchiveVersionInput!) {{
  archiveVersion(input: $input) {{ version {{ ...VersionFields }} }}
}}{VERSION}"""

PROMOTE = f"""
mutation Promote($input: PromoteInput!) {{
  promote(input: $input) {{
    changed deployment {{ ...DeploymentFields }} previous {{ ...DeploymentFields }} auditEvent {{ ...EventFields }}
  }}
}}{DEPLOYMENT}{EVENT}"""

DEMOTE = f"""
mutation Demote($input: DemoteInput!) {{
  demote(input: $input) {{ retired {{ ...DeploymentFields }} auditEvent {{ ...EventFields }} }}
}}{DEPLOYMENT}{EVENT}"""

ROLLBACK = f"""
mutation Rollback($input: RollbackInput!) {{
  rollback(input: $input) {{
    deployment {{ ...DeploymentFields }} previous {{ ...DeploymentFields }} auditEvent {{ ...EventFields }}
  }}
}}{DEPLOYMENT}{EVENT}"""

PROTECTION = """
fragment ProtectionFields on EnvironmentProtection {
  environment requiredRole metricRules { rule } tagRules { key value } priorEnvironments rules reason
  createdAt createdBy updatedAt updatedBy
}"""

ENVIRONMENT_FIELDS = "name activeDeploymentCount description declaredAt declaredBy protection { ...ProtectionFields }"

ENVIRONMENTS = f"""
query Environments {{
  environments {{ {ENVIRONMENT_FIELDS} }}
}}{PROTECTION}"""

CREATE_ENVIRONMENT = f"""
mutation CreateEnvironment($input: CreateEnvironmentInput!) {{
  createEnvironment(input: $input) {{ environment {{ {ENVIRONMENT_FIELDS} }} auditEvent {{ ...EventFields }} }}
}}{PROTECTION}{EVENT}"""

REMOVE_ENVIRONMENT = f"""
mutation RemoveEnvironment($input: RemoveEnvironmentInput!) {{
  removeEnvironment(input: $input) {{ name auditEvent {{ ...EventFields }} }}
}}{EVENT}"""

ENVIRONMENT_PROTECTION = f"""
query EnvironmentProtection($environment: String!) {{
  environmentProtection(environment: $environment) {{ ...ProtectionFields }}
}}{PROTECTION}"""

PROTECT = f"""
mutation Protect($input: ProtectEnvironmentInput!) {{
  protectEnvironment(input: $input) {{
    protection {{ ...ProtectionFields }} previous {{ ...ProtectionFields }} auditEvent {{ ...EventFields }}
  }}
}}{PROTECTION}{EVENT}"""

UNPROTECT = f"""
mutation Unprotect($input: UnprotectEnvironmentInput!) {{
  unprotectEnvironment(input: $input) {{ previous {{ ...ProtectionFields }} auditEvent {{ ...EventFields }} }}
}}{PROTECTION}{EVENT}"""

METRIC_DIRECTIONS = """
query MetricDirections($name: String!) { model(name: $name) { metricDirections { metric direction } } }"""

SET_METRIC_DIRECTIONS = """
mutation SetMetricDirections($input: UpdateModelInput!) {
  updateModel(input: $input) { model { metricDirections { metric direction } } auditEvent { action } }
}"""
