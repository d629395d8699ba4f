"""``Client``'s monitoring methods (docs/monitoring.md): reference profiles, windows, labels, drift, retraining.

Profiles and window counts are computed here, on the caller's machine (``profiling.py``); only the
summaries are sent. ``MonitoringMethods`` is a mixin of ``Client``: it needs only ``graphql``. numpy (and
``profiling``, which needs it) is imported by the methods that compute, not with the client: release pipelines
and the ``modelreg`` release commands import the client to promote or list, and numpy was a tenth of their start.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from modelreg_client.errors import NotFound

_BINS = "name kind edges categories counts missing"
_PROFILE_FIELDS = f"rowCount features {{ {_BINS} }} predictions {{ {_BINS} }}"
_FEATURE = "feature kind status psi jensenShannon wasserstein chiSquared pValue missingShare"
_WINDOW = (
    f"key start end rowCount labeledRows labelCoverage status driftingFeatures performanceStatus "
    f"features {{ {_FEATURE} }} prediction {{ {_FEATURE} }} performance {{ metric realized registered delta degraded }}"
)
_REQUEST = (
    "id state trigger environment reason requestedAt requestedBy acknowledgedAt acknowledgedBy closedAt closedBy "
    "closeReason model { name } window { key } answeredBy { number }"
)

DEPLOYED_PROFILE = f"""
query DeployedProfile($model: String!, $environment: String!) {{
  model(name: $model) {{
    deployment(environment: $environment) {{ version {{ number referenceProfile {{ {_PROFILE_FIELDS} }} }} }}
  }}
}}"""
SET_PROFILE = """
mutation SetProfile($input: SetReferenceProfileInput!) {
  setReferenceProfile(input: $input) { version { number } profile { rowCount } }
}"""
RECORD = f"""
mutation Record($input: RecordWindowInput!) {{
  recordWindow(input: $input) {{ created window {{ {_WINDOW} }} retrainingRequest {{ {_REQUEST} }} }}
}}"""
LABELS = f"""
mutation Labels($input: AddWindowLabelsInput!) {{
  addWindowLabels(input: $input) {{ window {{ {_WINDOW} }} retrainingRequest {{ {_REQUEST} }} }}
}}"""
DRIFT = f"""
query Drift($model: String!, $environment: String!) {{
  model(name: $model) {{
    deployment(environment: $environment) {{
      environment version {{ number }} monitoringPolicy {{ psiWarning psiDrift driftShare metricDrop }}
      latestWindow {{ {_WINDOW} }}
    }}
    openRetrainingRequest {{ {_REQUEST} }}
  }}
}}"""
POLICY = """
mutation Policy($input: SetMonitoringPolicyInput!) {
  setMonitoringPolicy(input: $input) {
    policy {
      environment minRows psiWarning psiDrift chiSquaredPValue driftShare metricDrop minLabelCoverage autoRetrain
    }
  }
}"""
REQUESTS = f"""
query Requests($states: [RetrainingState!], $model: String, $first: Int, $after: String) {{
  retrainingRequests(states: $states, model: $model, first: $first, after: $after) {{
    nodes {{ {_REQUEST} }} pageInfo {{ hasNextPage endCursor }}
  }}
}}"""


def _change(field: str, input_type: str) -> str:
    return f"mutation($input: {input_type}!) {{ {field}(input: $input) {{ retrainingRequest {{ {_REQUEST} }} }} }}"


REQUEST_RETRAINING = _change("requestRetraining", "RequestRetrainingInput")
ACKNOWLEDGE = _change("acknowledgeRetraining", "AcknowledgeRetrainingInput")
COMPLETE = _change("completeRetraining", "CompleteRetrainingInput")
CANCEL = _change("cancelRetraining", "CancelRetrainingInput")


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


class _GraphQL(Protocol):
    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]: ...


def realized_metrics(predictions: Any, labels: Any) -> tuple[dict[str, float], int]:
    """Metrics of ``predictions`` on the rows whose label is known (not None or NaN), and how many rows those are.

    Classes (integers, strings, booleans): accuracy. Numbers: mae and rmse.
    """
    import numpy as np

    predicted = np.asarray(predictions).ravel()
    truth = np.asarray(labels, dtype=object).ravel()
    known = np.array([v is not None and not (isinstance(v, float) and v != v) for v in truth], dtype=bool)
    if not known.any():
        return {}, 0
    predicted, truth = predicted[known], truth[known]
    if predicted.dtype.kind == "f":
        errors = predicted - truth.astype(np.float64)
        metrics = {"mae": float(np.abs(errors).mean()), "rmse": float(np.sqrt((errors**2).mean()))}
    else:
        metrics = {"accuracy": float(np.mean([str(p) == str(t) for p, t in zip(predicted, truth, strict=True)]))}
    return metrics, int(known.sum())


class MonitoringMethods:
    """Monitoring for training and serving pipelines; mixed into ``Client``."""

    @staticmethod
    def reference_profile(data: Any, predictions: Any, *, feature_names: Sequence[str] | None = None) -> dict[str, Any]:
        """The reference profile of training data ``data`` (numpy 2-D array, pandas DataFrame or mapping of columns)
        and the model's ``predictions`` on it: bins, counts, quantiles; never rows."""
        from modelreg_client import profiling

        return profiling.reference_profile(data, predictions, feature_names=feature_names)

    def set_reference_profile(self: _GraphQL, model: str, version: int, profile: Mapping[str, Any]) -> dict[str, Any]:
        """Give a version its reference profile (once: profiles are immutable)."""
        result = self.graphql(SET_PROFILE, {"input": {"model": model, "version": version, "profile": dict(profile)}})
        return dict(result["setReferenceProfile"])

    def deployed_profile(self: _GraphQL, model: str, environment: str = "production") -> dict[str, Any]:
        """The reference profile of the version active in ``environment``; ``NotFound`` if none is or it has none."""
        data = self.graphql(DEPLOYED_PROFILE, {"model": model, "environment": environment})
        deployment = (data["model"] or {}).get("deployment")
        if deployment is None:
            raise NotFound(f"nothing of {model!r} is active in {environment}")
        profile = deployment["version"]["referenceProfile"]
        if profile is None:
            raise NotFound(f"version {deployment['version']['number']} of {model!r} has no reference profile")
        return dict(profile)

    def log_window(
        self: _GraphQL,
        model: str,
        environment: str,
        data: Any,
        predictions: Any,
        start: datetime,
        end: datetime,
        labels: Any = None,
        *,
        key: str | None = None,
        feature_names: Sequence[str] | None = None,
    ) -> dict[str, Any]:
        """Bin a window of production rows on the deployed version's reference profile and record it; with
        ``labels`` (None or NaN where unknown), also its realized metrics. Returns the window with its verdicts."""
        profile = MonitoringMethods.deployed_profile(self, model, environment)
        from modelreg_client import profiling

        counts = profiling.window_counts(profile, data, predictions, feature_names=feature_names)
        payload: dict[str, Any] = {
            "model": model,
            "environment": environment,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "key": key,
            **counts,
        }
        if labels is not None:
            metrics, labeled = realized_metrics(predictions, labels)
            payload["metrics"] = [{"name": name, "value": value} for name, value in metrics.items()]
            payload["labeledRows"] = labeled
        return dict(self.graphql(RECORD, {"input": payload})["recordWindow"])

    def add_window_labels(
        self: _GraphQL, model: str, environment: str, key: str, predictions: Any, labels: Any
    ) -> dict[str, Any]:
        """Late ground truth for the window ``key``: its realized metrics on the rows now labeled."""
        metrics, labeled = realized_metrics(predictions, labels)
        payload = {
            "model": model,
            "environment": environment,
            "key": key,
            "labeledRows": labeled,
            "metrics": [{"name": name, "value": value} for name, value in metrics.items()],
        }
        return dict(self.graphql(LABELS, {"input": payload})["addWindowLabels"])

    def drift(self: _GraphQL, model: str, environment: str = "production") -> dict[str, Any]:
        """The deployment's latest window with its verdicts, its policy, and the model's open retraining request."""
        data = self.graphql(DRIFT, {"model": model, "environment": environment})
        if data["model"] is None or data["model"]["deployment"] is None:
            raise NotFound(f"nothing of {model!r} is active in {environment}")
        return {**data["model"]["deployment"], "openRetrainingRequest": data["model"]["openRetrainingRequest"]}

    def set_monitoring_policy(
        self: _GraphQL, model: str, environment: str = "production", **thresholds: float | bool
    ) -> dict[str, Any]:
        """Change some thresholds (``psi_drift=0.3``, ``drift_share=0.1``, ``auto_retrain=False`` ...;
        docs/monitoring.md, "Policy") of ``model``'s policy in ``environment``; returns the policy now in force."""
        payload = {"model": model, "environment": environment, **{_camel(k): v for k, v in thresholds.items()}}
        return dict(self.graphql(POLICY, {"input": payload})["setMonitoringPolicy"]["policy"])

    def retraining_requests(
        self: _GraphQL, *, model: str | None = None, states: Sequence[str] | None = None
    ) -> list[dict[str, Any]]:
        """Retraining requests newest first: the open ones unless ``states`` says otherwise."""
        found: list[dict[str, Any]] = []
        after = None
        while True:
            variables = {"model": model, "states": list(states) if states else None, "first": 100, "after": after}
            page = self.graphql(REQUESTS, variables)["retrainingRequests"]
            found.extend(page["nodes"])
            if not page["pageInfo"]["hasNextPage"]:
                return found
            after = page["pageInfo"]["endCursor"]

    def request_retraining(
        self: _GraphQL, model: str, *, reason: str | None = None, environment: str | None = None
    ) -> dict[str, Any]:
        payload = {"model": model, "reason": reason, "environment": environment}
        return dict(self.graphql(REQUEST_RETRAINING, {"input": payload})["requestRetraining"]["retrainingRequest"])

    def acknowledge_retraining(self: _GraphQL, model: str, *, reason: str | None = None) -> dict[str, Any]:
        result = self.graphql(ACKNOWLEDGE, {"input": {"model": model, "reason": reason}})
        return dict(result["acknowledgeRetraining"]["retrainingRequest"])

    def complete_retraining(self: _GraphQL, model: str, version: int, *, reason: str | None = None) -> dict[str, Any]:
        result = self.graphql(COMPLETE, {"input": {"model": model, "version": version, "reason": reason}})
        return dict(result["completeRetraining"]["retrainingRequest"])

    def cancel_retraining(self: _GraphQL, model: str, *, reason: str | None = None) -> dict[str, Any]:
        result = self.graphql(CANCEL, {"input": {"model": model, "reason": reason}})
        return dict(result["cancelRetraining"]["retrainingRequest"])
