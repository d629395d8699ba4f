"""The MODELREG_WEBHOOK_* and live-stream settings: read once, malformed values refused with the variable's name."""

from __future__ import annotations

import pytest

from app.settings import Settings
from models.errors import InvalidInput


def test_webhook_settings_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELREG_WEBHOOK_ALLOW_HOSTS", "hooks.internal, 10.2.0.0/16")
    monkeypatch.setenv("MODELREG_WEBHOOK_RETRY_SCHEDULE", "1,2.5,60")
    monkeypatch.setenv("MODELREG_WEBHOOK_WORKER", "false")
    monkeypatch.setenv("MODELREG_STREAMS_PER_TOKEN", "3")
    settings = Settings.from_env()
    assert settings.delivery.retry_schedule == (1.0, 2.5, 60.0)
    assert settings.delivery.allow.allows_host("hooks.internal") and settings.delivery.allow.allows_host("10.2.3.4")
    assert not settings.delivery.allow.allows_host("10.3.0.1")
    assert (settings.delivery_worker, settings.streams_per_token) == (False, 3)
    assert Settings().delivery.retry_schedule == (5, 300, 1800, 7200, 18000, 36000, 36000)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("MODELREG_WEBHOOK_RETRY_SCHEDULE", "5,soon"),
        ("MODELREG_WEBHOOK_RETRY_SCHEDULE", "-1"),
        ("MODELREG_WEBHOOK_TIMEOUT_SECONDS", "0"),
        ("MODELREG_WEBHOOK_ALLOW_HOSTS", "http://x/"),
        ("MODELREG_EVENTS_POLL_SECONDS", "never"),
    ],
)
def test_malformed_settings_name_the_variable(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(InvalidInput) as refused:
        Settings.from_env()
    assert refused.value.field == variable
