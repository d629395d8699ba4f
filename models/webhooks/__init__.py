"""Webhooks: receivers of audit events and the worker that sends them their deliveries (which the database's
outbox trigger on ``audit_event`` writes, docs/events.md)."""
