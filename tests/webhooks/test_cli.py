"""``modelreg webhooks ...`` on the database, and ``modelreg events tail --until`` against a real server."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from app.cli import main
from models.db.connection import connected
from models.deployments.operations import promote
from models.entities import Role
from models.registry.operations import Registration, register_version
from models.tokens.operations import create_token
from tests.support.server import REPO, environment, free_port, serving


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_webhook_commands(
    database_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELREG_WEBHOOK_ALLOW_HOSTS", "127.0.0.1")
    db = ["--database-url", database_url]
    code, out, _ = _run(capsys, "webhooks", "create", "--url", "http://127.0.0.1:9/hook", "--events", "PROMOTED", *db)
    assert code == 0 and out.splitlines()[-1].startswith("whsec_")
    code, out, err = _run(capsys, "webhooks", "create", "--url", "http://example.com/", "--events", "PROMOTED", *db)
    assert code == 2 and "https" in err  # bad input (README, "Exit codes")
    code, out, _ = _run(capsys, "webhooks", "list", "--json", *db)
    [listed] = json.loads(out)
    assert (listed["id"], listed["events"], listed["enabled"]) == (1, ["PROMOTED"], True)
    assert "whsec_" not in out
    assert _run(capsys, "webhooks", "update", "1", "--disable", "--models", "churn-*", *db)[0] == 0
    code, out, _ = _run(capsys, "webhooks", "ping", "1", *db)
    assert code == 0 and "queued ping" in out
    code, out, _ = _run(capsys, "webhooks", "deliveries", "1", "--json", *db)
    [delivery] = json.loads(out)
    assert (delivery["event"], delivery["status"], delivery["webhookId"]) == ("webhook.ping", "PENDING", "msg_1")
    assert _run(capsys, "webhooks", "redeliver", "1", *db)[0] == 0
    code, out, _ = _run(capsys, "webhooks", "rotate-secret", "1", "--grace", "1h", *db)
    assert code == 0 and out.splitlines()[-1].startswith("whsec_")
    assert _run(capsys, "webhooks", "delete", "1", *db)[0] == 0
    code, _, err = _run(capsys, "webhooks", "delete", "1", *db)
    assert code == 4 and "no webhook" in err  # not found


async def _seed(database_url: str) -> str:
    async with connected(database_url):
        for _ in range(2):
            await register_version(model="churn", registration=Registration(), actor="setup")
        return (await create_token(name="pipeline", role=Role.READER))[1]


async def _promote(database_url: str, version: int) -> None:
    async with connected(database_url):
        await promote(model="churn", version=version, actor="release")


def test_events_tail_waits_for_a_promotion(database_url: str, tmp_path: Path) -> None:
    token = asyncio.run(_seed(database_url))
    env = {"MODELREG_EVENTS_POLL_SECONDS": "0.05", "MODELREG_WEBHOOK_WORKER": "false"}
    with serving(database_url, "--artifact-root", str(tmp_path / "a"), env=env) as served:
        tail = [sys.executable, "-m", "app.cli", "events", "tail", "--url", served.url, "--token", token]
        waiting = subprocess.Popen(
            [*tail, "--model", "churn", "--until", "PROMOTED", "--version", "2", "--timeout", "30"],
            cwd=REPO,
            env=environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # Connected, it prints the newest event of churn at once (start=last: the registration of version 2) and
        # follows from there: promote only after that line. A fixed 2 s wait lost this race when the machine was
        # busy (the tail's start took longer, and it began with a promotion instead). Its --timeout bounds the wait.
        assert waiting.stdout is not None
        first = waiting.stdout.readline()
        asyncio.run(_promote(database_url, 1))
        asyncio.run(_promote(database_url, 2))
        out, err = waiting.communicate(timeout=30)
        assert waiting.returncode == 0, err
        lines = [line.split()[1:3] for line in (first + out).splitlines()]
        assert lines == [["VERSION_REGISTERED", "churn"], ["PROMOTED", "churn"], ["PROMOTED", "churn"]], out
        # Waiting for what has already happened ends at once: `promote && events tail --until` (docs/events.md).
        done = subprocess.run(
            [
                *tail,
                "--model",
                "churn",
                "--env",
                "production",
                "--until",
                "PROMOTED",
                "--version",
                "2",
                "--timeout",
                "5",
            ],
            cwd=REPO,
            env=environment(),
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert done.returncode == 0 and [line.split()[1:5] for line in done.stdout.splitlines()] == [
            ["PROMOTED", "churn", "v2", "production"]
        ], done
        both = httpx.get(f"{served.url}/api/events?start=last&after=1", headers={"authorization": f"Bearer {token}"})
        assert both.status_code == 400 and "not both" in both.text
        unknown = httpx.get(f"{served.url}/api/events?start=first", headers={"authorization": f"Bearer {token}"})
        assert unknown.status_code == 400 and "start" in unknown.text
        timed_out = subprocess.run(
            [*tail, "--until", "DEMOTED", "--timeout", "1"],
            cwd=REPO,
            env=environment(),
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert timed_out.returncode == 1 and "within 1 s" in timed_out.stderr
        refused = subprocess.run(
            [*tail[:-2], "--token", "mreg_bad"],
            cwd=REPO,
            env=environment(),
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert refused.returncode == 5, refused.stderr
    nowhere = subprocess.run(
        [*tail[:3], "events", "tail", "--url", f"http://127.0.0.1:{free_port()}", "--until", "PROMOTED"],
        cwd=REPO,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert nowhere.returncode == 6 and nowhere.stderr.startswith("modelreg: unavailable"), nowhere.stderr
