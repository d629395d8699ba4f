"""Webhooks: receivers of audit events, the outbox that owes them deliveries, and the worker that sends them."""
