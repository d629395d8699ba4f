"""The release commands of ``modelreg`` (app/release.py) as real processes against a real ``modelreg serve``.

Each command is a fresh Python process (over a second of imports), so commands that cannot affect each
other run concurrently: first two chains of release steps on different models next to refusals that must
change nothing, then every read command, as a table and as JSON, at once.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelreg_client import Client

from tests.support.server import REPO, create_token, environment, free_port, running_server

ADMIN = "release"
READER = "viewer"
#: Concurrent ``modelreg`` processes (the machine running the suite may have two cores).
WORKERS = 3


@dataclass(frozen=True)
class Run:
    """One finished ``modelreg`` process."""

    args: tuple[str, ...]
    code: int
    out: str
    err: str

    def __str__(self) -> str:
        return f"modelreg {' '.join(self.args)} -> {self.code}\nstdout:\n{self.out}\nstderr:\n{self.err}"

    def json(self) -> Any:
        return json.loads(self.out)

    def rows(self) -> list[str]:
        """Table lines that start with a version (``v3``, ``v3 *``), in printed order."""
        return [line.split()[0] for line in self.out.splitlines() if re.match(r"\s*v\d+\b", line)]


def modelreg(*args: str, url: str, token: str | None) -> Run:
    env = environment() | {"MODELREG_URL": url} | ({"MODELREG_TOKEN": token} if token else {})
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    return Run(tuple(args), result.returncode, result.stdout, result.stderr)


def modelreg_all(commands: list[tuple[str | None, list[str]]], url: str) -> list[Run]:
    """Run (token, args) commands concurrently; results in the order given."""
    with ThreadPoolExecutor(WORKERS) as pool:
        return list(pool.map(lambda command: modelreg(*command[1], url=url, token=command[0]), commands))


def ok(run: Run) -> Run:
    assert run.code == 0, str(run)
    assert run.err == "", str(run)
    return run


def refused(run: Run, code: int, *words: str) -> Run:
    """Exit ``code`` with one line on stderr, ``modelreg: ...``, mentioning ``words``."""
    assert run.code == code, str(run)
    lines = run.err.splitlines()
    assert len(lines) == 1 and re.match(r"[a-z_-]+: ", lines[0]), str(run)
    assert "Traceback" not in run.err, str(run)
    for word in words:
        assert word in lines[0], str(run)
    return run


@dataclass(frozen=True)
class Registry:
    url: str
    admin: str
    reader: str
    client: Client

    def run(self, *args: str) -> Run:
        return modelreg(*args, url=self.url, token=self.admin)


@contextmanager
def registry(database_url: str, tmp_path: Path) -> Iterator[Registry]:
    """A running server with an admin and a reader token."""
    admin, reader = create_token(database_url, ADMIN, "admin"), create_token(database_url, READER, "reader")
    with ExitStack() as stack:
        url = stack.enter_context(running_server(database_url, tmp_path / "artifacts"))
        client = stack.enter_context(Client(url, admin, cache_dir=tmp_path / "cache", retries=1, backoff=0.01))
        yield Registry(url, admin, reader, client)


def test_usage_errors_and_an_unreachable_registry() -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    bad_number, gate_and_expect, unreachable = modelreg_all(
        [
            ("mreg_unused", ["promote", "churn", "notanumber"]),
            ("mreg_unused", ["promote", "churn", "2", "--if-better", "accuracy", "--expect", "1"]),
            ("mreg_unused", ["models"]),
        ],
        nowhere,
    )
    # A usage error is one line too, naming the bad argument.
    refused(bad_number, 2, "usage", "version", "notanumber")
    assert bad_number.out == "", str(bad_number)
    refused(gate_and_expect, 2, "--if-better", "--expect")
    assert gate_and_expect.out == "", str(gate_and_expect)
    refused(unreachable, 6, "unavailable", nowhere)
    assert unreachable.out == "", str(unreachable)


def test_release_commands_tables_json_gates_and_exit_codes(database_url: str, tmp_path: Path) -> None:
    with registry(database_url, tmp_path) as reg:
        client = reg.client
        # Versions with metrics only (no artifacts): cheap, and all the release commands need.
        for accuracy, f1 in ((0.80, 0.70), (0.90, 0.75), (0.85, 0.72), (0.60, None)):
            client.register("churn", metrics={"accuracy": accuracy} | ({"f1": f1} if f1 is not None else {}))
        for accuracy, log_loss in ((0.80, 0.50), (0.90, 0.45), (0.70, 0.30), (0.60, 0.60)):
            client.register("fraud", metrics={"accuracy": accuracy, "log_loss": log_loss})
        client.register("ranker", metrics={"accuracy": 0.80})
        client.register("ranker", metrics={"accuracy": 0.81})
        client.register("quiet")
        client.promote("churn", 1)
        client.promote("churn", 2)
        client.promote("fraud", 1)
        client.promote("ranker", 1)

        # Phase 1: two chains of release steps (on different models) and single refusals, side by side.
        def churn_chain() -> None:
            back = ok(reg.run("rollback", "churn", "--reason", "bad canary"))
            assert back.out.strip() == "rolled churn in production back to version 1 (was version 2)", str(back)
            forth = ok(reg.run("rollback", "churn", "--json")).json()
            assert (forth["deployment"]["version"], forth["deployment"]["active"]) == (2, True)
            assert (forth["previous"]["version"], forth["previous"]["active"]) == (1, False)
            assert (forth["event"]["action"], forth["event"]["actor"]) == ("ROLLED_BACK", ADMIN)
            assert (forth["event"]["version"], forth["event"]["previous_version"]) == (2, 1)
            demoted = ok(reg.run("demote", "churn", "--expect", "2", "--reason", "incident"))
            assert demoted.out.strip() == "demoted churn version 2 from production; nothing is active there now"
            client.promote("churn", 3, reason="release 3")
            retired = ok(reg.run("demote", "churn", "--json")).json()
            assert (retired["retired"]["version"], retired["retired"]["active"]) == (3, False)
            assert (retired["retired"]["retired_by"], retired["retired"]["retired_reason"]) == (ADMIN, None)
            assert (retired["event"]["action"], retired["event"]["version"]) == ("DEMOTED", 3)
            client.promote("churn", 3, reason="release 3 again")
            archived = ok(reg.run("archive", "churn", "4", "--reason", "superseded"))
            assert archived.out.strip() == "archived churn version 4", str(archived)

        def fraud_chain() -> None:
            # The gate, with v1 (accuracy 0.80) in production: v3 (0.70) loses and nothing changes.
            lost = refused(reg.run("promote", "fraud", "3", "--if-better", "accuracy"), 3, "gate", "accuracy")
            assert lost.out == ""
            assert client.deployed("fraud").number == 1
            # v2 (0.90) wins and is promoted.
            won = ok(reg.run("promote", "fraud", "2", "--if-better", "accuracy"))
            assert won.out.strip() == "promoted fraud version 2 to production (was version 1)", str(won)
            assert client.deployed("fraud").number == 2
            # log_loss: v3 (0.30) against v2 (0.45) loses when told higher is better, and wins when lower is (the
            # default for log_loss, by its name: modelreg_client/directions.py).
            refused(
                reg.run("promote", "fraud", "3", "--if-better", "log_loss", "--higher-is-better"), 3, "gate", "log_loss"
            )
            assert client.deployed("fraud").number == 2
            gated = ok(reg.run("promote", "fraud", "3", "--if-better", "log_loss", "--lower-is-better", "--json"))
            decision, promotion = gated.json()["gate"], gated.json()["promotion"]
            assert (decision["passed"], decision["metric"], decision["challenger"]) == (True, "log_loss", 3)
            assert (decision["champion"], decision["champion_value"], decision["challenger_value"]) == (2, 0.45, 0.30)
            assert promotion["changed"] is True
            assert (promotion["deployment"]["version"], promotion["previous"]["version"]) == (3, 2)
            assert promotion["deployment"]["reason"] == decision["reason"]
            assert (promotion["event"]["action"], promotion["event"]["previous_version"]) == ("PROMOTED", 2)
            assert client.deployed("fraud").number == 3
            version = ok(reg.run("archive", "fraud", "4", "--json")).json()
            assert (version["model"], version["number"], version["status"]) == ("fraud", 4, "ARCHIVED")

        refusals: dict[str, tuple[str | None, list[str]]] = {
            # ranker: v1 (accuracy 0.80) in production; v2 gains only 0.01.
            "small gain": (
                reg.admin,
                ["promote", "ranker", "2", "--if-better", "accuracy", "--min-delta", "0.5", "--json"],
            ),
            "stale expect": (reg.admin, ["promote", "ranker", "2", "--expect", "7"]),
            "nothing to demote": (reg.admin, ["demote", "quiet"]),
            "unknown model": (reg.admin, ["promote", "no-such-model", "1"]),
            "no token": (None, ["promote", "ranker", "2"]),
            "reader": (reg.reader, ["promote", "ranker", "2"]),
        }
        with ThreadPoolExecutor(WORKERS) as pool:
            chains = [pool.submit(churn_chain), pool.submit(fraud_chain)]
            refused_runs = {
                name: pool.submit(modelreg, *args, url=reg.url, token=token) for name, (token, args) in refusals.items()
            }
            for chain in chains:
                chain.result()
            runs = {name: future.result() for name, future in refused_runs.items()}

        small_gain = refused(runs["small gain"], 3, "gate", "accuracy")
        gate = small_gain.json()["gate"]
        assert small_gain.json()["promotion"] is None
        assert (gate["passed"], gate["challenger"], gate["champion"]) == (False, 2, 1)
        assert (gate["challenger_value"], gate["champion_value"]) == (0.81, 0.80)
        assert refused(runs["stale expect"], 3, "conflict").out == ""
        refused(runs["nothing to demote"], 3, "conflict")
        refused(runs["unknown model"], 4, "no-such-model")
        refused(runs["no token"], 5, "unauthenticated")
        refused(runs["reader"], 5, "forbidden")
        assert client.deployed("ranker").number == 1
        assert [e.action for e in client.audit(model="ranker", action="PROMOTED")] == ["PROMOTED"]
        assert list(client.history("quiet")) == []

        # Phase 2: every read command, as a table and as JSON, all at once (and a promote that changes nothing).
        audit_before = len(list(client.audit()))
        reads: dict[str, list[str]] = {
            "models": ["models"],
            "models json": ["models", "--json"],
            "versions": ["versions", "churn"],
            "versions by accuracy": ["versions", "churn", "--order-by", "accuracy"],
            "versions by accuracy json": ["versions", "churn", "--order-by", "accuracy", "--json"],
            "compare": ["compare", "churn", "--metric", "accuracy"],
            "compare json": ["compare", "churn", "--metric", "accuracy", "--json"],
            "history": ["history", "churn"],
            "history json": ["history", "churn", "--json"],
            "audit": ["audit", "--model", "churn"],
            "audit json": ["audit", "--model", "churn", "--json"],
            "already active": ["promote", "churn", "3"],
        }
        runs = dict(zip(reads, modelreg_all([(reg.admin, args) for args in reads.values()], reg.url), strict=True))

        lines = ok(runs["models"]).out.splitlines()
        assert lines[0].split()[:3] == ["MODEL", "VERSIONS", "PRODUCTION"], lines
        assert [line.split()[:3] for line in lines[1:] if line.strip()] == [
            ["churn", "4", "v3"],
            ["fraud", "4", "v3"],
            ["quiet", "1", "-"],
            ["ranker", "2", "v1"],
        ], lines

        models = ok(runs["models json"]).json()
        assert [(m["name"], m["version_count"], m["production_version"]) for m in models] == [
            ("churn", 4, 3),
            ("fraud", 4, 3),
            ("quiet", 1, None),
            ("ranker", 2, 1),
        ]

        run = ok(runs["versions"])
        assert run.rows() == ["v4", "v3", "v2", "v1"], run.out
        assert run.out.splitlines()[0].split()[:6] == ["VERSION", "STATUS", "ACTIVE", "IN", "accuracy", "f1"], run.out
        table = {line.split()[0]: line.split() for line in run.out.splitlines()[1:] if line.strip()}
        assert table["v3"][1:5] == ["READY", "production", "0.8500", "0.7200"], run.out
        assert table["v4"][1:4] == ["ARCHIVED", "0.6000", "-"], run.out

        run = ok(runs["versions by accuracy"])
        assert run.rows() == ["v2", "v3", "v1", "v4"], run.out

        versions = ok(runs["versions by accuracy json"]).json()
        assert [(v["number"], v["metrics"]["accuracy"], v["status"]) for v in versions] == [
            (2, 0.90, "READY"),
            (3, 0.85, "READY"),
            (1, 0.80, "READY"),
            (4, 0.60, "ARCHIVED"),
        ]
        assert [v["active_environments"] for v in versions] == [[], ["production"], [], []]
        assert {(v["model"], v["created_by"]) for v in versions} == {("churn", ADMIN)}

        run = ok(runs["compare"])
        assert run.rows() == ["v2", "v3", "v1", "v4"], run.out
        assert run.out.splitlines()[0].split() == ["VERSION", "accuracy", "f1"], run.out
        compared = {line.split()[0]: line for line in run.out.splitlines()[1:] if line.strip()}
        assert compared["v3"].split()[:4] == ["v3", "*", "0.8500", "0.7200"], run.out  # production is marked
        assert "0.9000 (+0.0500 better)" in compared["v2"] and "0.7500 (+0.0300 better)" in compared["v2"], run.out
        assert "0.6000 (-0.2500 worse)" in compared["v4"], run.out
        assert "* in production" in run.out, run.out

        comparison = ok(runs["compare json"]).json()
        assert (comparison["model"], comparison["production_version"]) == ("churn", 3)
        assert comparison["metric_names"] == ["accuracy", "f1"]
        assert [(row["version"], row["values"]) for row in comparison["rows"]] == [
            (2, [0.90, 0.75]),
            (3, [0.85, 0.72]),
            (1, [0.80, 0.70]),
            (4, [0.60, None]),
        ]
        deltas = {row["version"]: row["deltas_from_production"] for row in comparison["rows"]}
        assert deltas[3] == [0.0, 0.0]
        assert deltas[4][1] is None
        assert abs(deltas[2][0] - 0.05) < 1e-9 and abs(deltas[1][1] - (-0.02)) < 1e-9

        lines = ok(runs["history"]).out.splitlines()
        assert lines[0].split()[:4] == ["DEPLOYED", "ENVIRONMENT", "VERSION", "ACTIVE"], lines
        deployed = [line.split() for line in lines[1:] if line.strip()]
        # DEPLOYED is a date and a time, so the environment is the third word.
        assert [(row[2], row[3]) for row in deployed] == [("production", f"v{n}") for n in (3, 3, 2, 1, 2, 1)], lines
        assert deployed[0][4] == "yes" and all("yes" not in row for row in deployed[1:]), lines

        history = ok(runs["history json"]).json()
        assert [(d["version"], d["active"]) for d in history] == [
            (3, True),
            (3, False),
            (2, False),
            (1, False),
            (2, False),
            (1, False),
        ]
        assert [d["reason"] for d in history[:4]] == ["release 3 again", "release 3", None, "bad canary"]
        assert (history[3]["retired_by"], history[3]["retired_reason"]) == (ADMIN, None)
        assert history[2]["retired_reason"] == "incident"

        churn_actions = [
            "VERSION_ARCHIVED",
            "PROMOTED",
            "DEMOTED",
            "PROMOTED",
            "DEMOTED",
            "ROLLED_BACK",
            "ROLLED_BACK",
            "PROMOTED",
            "PROMOTED",
            *["VERSION_REGISTERED"] * 4,
            "MODEL_CREATED",
        ]
        lines = ok(runs["audit"]).out.splitlines()
        assert lines[0].split()[:4] == ["AT", "ACTION", "ACTOR", "MODEL"], lines
        assert [line.split()[2] for line in lines[1:] if line.strip()] == churn_actions, lines

        events = ok(runs["audit json"]).json()
        assert [e["action"] for e in events] == churn_actions
        assert {(e["model"], e["actor"]) for e in events} == {("churn", ADMIN)}
        assert (events[0]["version"], events[0]["reason"]) == (4, "superseded")
        assert (events[1]["version"], events[1]["reason"]) == (3, "release 3 again")
        assert (events[5]["version"], events[5]["previous_version"]) == (2, 1)

        run = ok(runs["already active"])
        assert run.out.strip() == "version 3 of churn is already active in production; nothing changed", run.out

        # Nothing above wrote anything.
        assert len(list(client.audit())) == audit_before
        assert (client.deployed("churn").number, client.deployed("fraud").number) == (3, 3)
