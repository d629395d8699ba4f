"""Monitoring: reference profiles of versions, production windows of deployments, drift and performance verdicts
under a policy per model and environment, and retraining requests (docs/monitoring.md)."""
