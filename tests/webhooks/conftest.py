from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.settings import Settings
from models.webhooks.destinations import AllowList
from models.webhooks.policy import DeliveryPolicy
from tests.support.receiver import Receiver

#: Retries in fractions of a second instead of hours, so the tests see a whole schedule.
FAST = DeliveryPolicy(
    allow=AllowList.parse(["127.0.0.1"]),
    retry_schedule=(0.1, 0.2, 0.3),
    timeout_seconds=2.0,
    lease_seconds=3.0,
    poll_seconds=0.05,
)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The app with a delivery worker in its lifespan, allowed to send to the loopback receiver."""
    return Settings(database_url=database_url, artifact_root=tmp_path / "artifacts", delivery=FAST)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver().start()
    yield receiver
    receiver.stop()
