"""Every fenced block of the README and docs/, run as written or accounted for.

Each block is in ``BLOCKS`` (by file and first line; a new or changed block fails
``test_every_block_is_accounted_for`` until it is placed) as one of:

- ``Run``: executed as written, in the order of ``WALK``, against one live ``modelreg serve`` seeded as ``make run``
  seeds it (the demo registry, anonymous reads on, ``MODELREG_HOME`` a temporary folder). The only changes are
  the server's address for ``http://127.0.0.1:8000``, the admin token for ``mreg_...``, and temporary paths for
  folders this machine does not have. ``before`` brings about the state a block's story presumes (a model with
  four versions, say); commands the block documents as failing must fail with the documented exit code.
- ``Covered``: run by the named test, which does exactly what the block says where this test cannot (a clean
  virtualenv, ``make run`` itself).
- ``Shown``: what a command prints, a diagram or a sketch with placeholders; where the server can say it (an
  error message, a payload's fields, a log line, a header), ``check`` compares the block with what it says.

``tests/app/test_docs_examples.py`` also validates every GraphQL document of the docs against the schema.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import joblib
import numpy as np
import pytest
from modelreg_client import Client, NotFound
from sklearn.dummy import DummyClassifier

from tests.app.test_docs_examples import DOCUMENTS, FENCE
from tests.conftest import POSTGRES_URL
from tests.support.receiver import Receiver
from tests.support.server import REPO, environment, serving

MAKE_RUN_ADDRESS = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class Block:
    where: str  # README.md:145
    key: str  # README.md: curl -s http://127.0.0.1:8000/graphql ...
    language: str
    text: str


def _blocks() -> list[Block]:
    found: list[Block] = []
    for path in DOCUMENTS:
        text = path.read_text()
        for match in FENCE.finditer(text):
            name = str(path.relative_to(REPO))
            # The first line that says something ("{" or "mutation {" would not tell blocks apart).
            first = next((line.strip() for line in match[2].splitlines() if len(line.strip()) > 12), "")
            line = text[: match.start()].count("\n") + 1
            found.append(Block(f"{name}:{line}", f"{name}: {first}", match[1], match[2]))
    return found


# ---------------------------------------------------------------------------------------------------------------
# The walk: one registry, the blocks in order.


@dataclass
class Walk:
    """The registry the walk runs against, and what the steps leave for later ones."""

    url: str
    admin: str
    home: Path
    scratch: Path
    client: Client
    server_output: Callable[[], str]
    receiver: Receiver
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def database_url(self) -> str:
        return f"sqlite://{self.home}/modelreg.sqlite3"

    def environment(self) -> dict[str, str]:
        return environment() | {
            "MODELREG_HOME": str(self.home),
            "MODELREG_URL": self.url,
            "MODELREG_TOKEN": self.admin,
            "PATH": f"{REPO / '.venv' / 'bin'}:{environment()['PATH']}",
        }

    def ensure_versions(self, model: str, count: int, **metrics: float) -> None:
        """Register metric-only versions until ``model`` has ``count`` (the story's "version 4")."""
        have = len(list(self.client.versions(model))) if self._exists(model) else 0
        for _ in range(have, count):
            self.client.register(model, metrics=metrics or {"accuracy": 0.9})

    def in_production(self, model: str, number: int, environment: str = "production") -> None:
        try:
            if self.client.deployed(model, environment).number == number:
                return
        except NotFound:  # nothing deployed there yet
            pass
        self.client.promote(model, number, environment=environment, reason="the walk's precondition")

    def _exists(self, model: str) -> bool:
        try:
            self.client.graphql("query($n: String!) { model(name: $n) { name } }", {"n": model})
        except NotFound:
            return False
        return True

    def promote_soon(self, model: str, number: int, environment: str = "production") -> None:
        """A promotion once the block's ``curl -N`` is following the stream (it starts at the newest event)."""

        # This walk's own stream: its server's address is in curl's arguments (another test, or another run
        # of the suite on the same machine, may be following a stream of its own).
        stream = f"{self.url}/api/events".encode()

        def streaming() -> bool:
            for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
                try:
                    words = cmdline.read_bytes().split(b"\0")
                except OSError:  # the process has gone
                    continue
                if words[0].endswith(b"curl") and any(stream in word for word in words):
                    return True
            return False

        def later() -> None:
            deadline = time.monotonic() + 60
            while not streaming() and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(1.0)  # curl has connected and read the stream's first comment by now
            try:
                with Client(self.url, self.admin) as client:
                    client.promote(model, number, environment=environment, reason="an event for the stream")
            except Exception as error:  # reported by the step that waits for the event
                self.notes["stream promotion failed"] = repr(error)

        threading.Thread(target=later, daemon=True).start()


@dataclass(frozen=True)
class Run:
    #: Brings about the state the block presumes; may return text to put before the block (Python: its inputs).
    before: Callable[[Walk], str | None] | None = None
    #: The exit codes of the commands the block documents as failing, in order (ERR traps of the shell).
    failing: tuple[int, ...] = ()
    #: Text the block's output (stdout and stderr) must contain.
    wants: tuple[str, ...] = ()
    #: Extra replacements for paths or synopsis brackets this machine cannot take as written.
    replace: tuple[tuple[str, str], ...] = ()
    #: Checks what the block did, afterwards.
    after: Callable[[Walk, str], None] | None = None
    #: Run in the scratch folder rather than the repository (the block writes files).
    in_scratch: bool = False


@dataclass(frozen=True)
class Covered:
    test: str  # tests/app/test_x.py::test_y
    why: str


@dataclass(frozen=True)
class Shown:
    what: str
    check: Callable[[Walk, Block], None] | None = None


def _model_joblib(walk: Walk) -> None:
    joblib.dump(DummyClassifier().fit([[0], [1]], [0, 1]), walk.scratch / "model.joblib")


def _python_inputs_for_the_client_example(walk: Walk) -> str:
    walk.ensure_versions("digits-classifier", 1)
    return ""


def _monitoring_inputs(walk: Walk) -> str:
    """The arrays the monitoring example names, and the previous cycle it continues: churn's production version
    profiled on the same features, and an open retraining request for the loop to answer."""
    rng = np.random.default_rng(7)
    x_train = rng.normal(size=(600, 3))
    from sklearn.linear_model import LogisticRegression

    champion = LogisticRegression().fit(x_train, (x_train[:, 0] > 0).astype(int))
    version = walk.client.register_estimator(champion, "churn", metrics={"accuracy": 0.9}, reference=x_train)
    walk.in_production("churn", version.number)
    walk.client.request_retraining("churn", reason="the walk: a request for the example's loop")
    return (
        "import numpy as np\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "rng = np.random.default_rng(7)\n"
        "X_train = rng.normal(size=(600, 3)); y_train = (X_train[:, 0] > 0).astype(int)\n"
        "estimator = LogisticRegression().fit(X_train, y_train)\n"
        "X_day = rng.normal(size=(300, 3)); predictions = estimator.predict(X_day)\n"
        "labels = (X_day[:, 0] > 0).astype(int)\n"
        "X_new = rng.normal(size=(600, 3)); y_new = (X_new[:, 0] > 0).astype(int)\n"
        "retrain = lambda model: LogisticRegression().fit(X_new, y_new)\n"
        "from datetime import datetime, timedelta, UTC\n"
        "start = datetime.now(UTC) - timedelta(days=1)  # the day that ends now: churn is in production in it\n"
    )


def _release_story(walk: Walk) -> None:
    """client.md's release commands: digits-classifier version 4 beside production 1, and 4 in staging."""
    walk.ensure_versions("digits-classifier", 4, accuracy=0.99)
    walk.in_production("digits-classifier", 1)
    walk.in_production("digits-classifier", 4, "staging")


def _protection_story(walk: Walk) -> None:
    """client.md's protected production: churn's version 3 with roc_auc 0.71."""
    walk.ensure_versions("churn", 2, roc_auc=0.91)
    walk.ensure_versions("churn", 3, roc_auc=0.71)


def _stream(model: str, number: int, environment: str = "production") -> Callable[[Walk], None]:
    """A promotion while the block's stream is open (the version must not be the one there already)."""

    def before(walk: Walk) -> None:
        walk.ensure_versions(model, number)
        walk.promote_soon(model, number, environment)

    return before


def _webhook_delivery(walk: Walk) -> dict[str, Any]:
    """A real signed delivery to a loopback receiver: what events.md's receivers verify."""
    if "delivery" not in walk.notes:
        created = walk.client.graphql(
            "mutation($u: String!) { createWebhook(input: {url: $u, eventTypes: [PROMOTED], "
            'modelPatterns: ["iris-*"]}) { secret } }',
            {"u": walk.receiver.url},
        )["createWebhook"]
        walk.ensure_versions("iris-receiver", 1)
        walk.client.promote("iris-receiver", 1, environment="staging", reason="an event for the receivers")
        deadline = time.monotonic() + 30
        while not walk.receiver.received and time.monotonic() < deadline:
            time.sleep(0.1)
        assert walk.receiver.received, "no delivery reached the receiver in 30 s"
        received = walk.receiver.received[0]
        walk.notes["delivery"] = {"secret": created["secret"], "headers": received.headers, "body": received.body}
    return dict(walk.notes["delivery"])


def _python_receiver(walk: Walk) -> str:
    delivery = _webhook_delivery(walk)
    (walk.scratch / "body.bin").write_bytes(delivery["body"])
    headers = {k: v for k, v in delivery["headers"].items() if k.startswith("webhook-")}
    return (
        "import os\n"
        f"os.environ['MODELREG_WEBHOOK_SECRET'] = {delivery['secret']!r}\n"
        "seen, deployed = set(), []\n"
        "def already_seen(message_id): return message_id in seen\n"
        "def deploy(model, version): deployed.append((model, version))\n"
    ) + f"#BLOCK\nreceive(open({str(walk.scratch / 'body.bin')!r}, 'rb').read(), {headers!r})\nprint('received')\n"


def _shell_receiver(walk: Walk) -> None:
    delivery = _webhook_delivery(walk)
    (walk.scratch / "body.json").write_bytes(delivery["body"])
    walk.notes["shell receiver env"] = {
        "MODELREG_WEBHOOK_SECRET": delivery["secret"],
        "ID": delivery["headers"]["webhook-id"],
        "TS": delivery["headers"]["webhook-timestamp"],
        "SIG": delivery["headers"]["webhook-signature"],
    }


def _keys(value: Any, prefix: str = "") -> set[str]:
    """The dotted paths of every key of nested objects."""
    if not isinstance(value, dict):
        return set()
    return {f"{prefix}{k}" for k in value} | {key for k, v in value.items() for key in _keys(v, f"{prefix}{k}.")}


def _payload_matches_a_delivery(walk: Walk, block: Block) -> None:
    documented = json.loads(block.text)
    delivered = json.loads(_webhook_delivery(walk)["body"])
    # The documented event is a promotion with a retired deployment; details vary by action.
    assert {k for k in _keys(delivered) if not k.startswith("data.details")} == {
        k for k in _keys(documented) if not k.startswith("data.details")
    }


def _error_message(expected_code: str, environment: str) -> Callable[[Walk, Block], None]:
    def check(walk: Walk, block: Block) -> None:
        answer = httpx.post(
            f"{walk.url}/graphql",
            headers={"Authorization": f"Bearer {walk.admin}"},
            json={
                "query": 'mutation($e: String!) { promote(input: {model: "iris-classifier", version: 1, '
                "environment: $e}) { changed } }",
                "variables": {"e": environment},
            },
        ).json()
        error = answer["errors"][0]
        assert error["extensions"]["code"] == expected_code
        documented = json.loads(block.text)["message"] if block.language == "json" else block.text.strip()
        assert error["message"] == documented, (error["message"], documented)

    return check


def _demo_summary(walk: Walk, block: Block) -> None:
    assert block.text.splitlines()[0] == walk.notes["demo output"], walk.notes["demo output"]


def _token_details(walk: Walk, block: Block) -> None:
    events = walk.client.graphql("{ auditEvents(first: 1, filter: {action: TOKEN_CREATED}) { nodes { details } } }")[
        "auditEvents"
    ]["nodes"]
    details = events[0]["details"]
    details = json.loads(details) if isinstance(details, str) else details
    assert set(json.loads(block.text)) == set(details), (block.text, details)


def _audit_verify_lines(walk: Walk, block: Block) -> None:
    done = subprocess.run(
        ["modelreg", "audit", "verify"], env=walk.environment(), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    shape = re.compile(r"^(intact|TAMPERED) +(model \S+|registry): \d+ events|^\d+ chains, \d+ events: ")
    for lines in (done.stdout.splitlines(), block.text.splitlines()):
        assert lines and all(shape.match(line) for line in lines), lines


def _access_log_line(walk: Walk, block: Block) -> None:
    shape = re.compile(
        r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO modelreg\.access \[request \S+\] POST /graphql 200 "
        r"[\d.]+ms principal=\S+ operation=\S+$"
    )
    assert shape.match(block.text.strip()), block.text
    assert any(shape.match(line) for line in walk.server_output().splitlines())


def _content_security_policy(walk: Walk, block: Block) -> None:
    """The web UI's pages (GraphiQL's page has a policy of its own, app/graphiql.py: its styles are inline)."""
    for page in ("/", "/models/iris-classifier", "/audit"):
        served = httpx.get(f"{walk.url}{page}").headers["content-security-policy"]
        assert " ".join(block.text.split()) == " ".join(served.split()), (page, served)


def _check_iris_back_at(number: int) -> Callable[[Walk], None]:
    def before(walk: Walk) -> None:
        walk.in_production("iris-classifier", number)

    return before


def _not_empty(path: Path) -> None:
    assert path.stat().st_size > 0, path


def _examples_state(walk: Walk) -> None:
    walk.in_production("breast-cancer-classifier", 4)


R = "README.md: "
BLOCKS: dict[str, Run | Covered | Shown] = {
    # README
    f"{R}make run    # creates .venv, installs the locked server dependencies, migrates, seeds a demo registry, "
    "serves on http://127.0.0.1:8000": Covered(
        "tests/app/test_local_run.py::test_the_token_survives_a_second_run_on_a_busy_port_and_a_restart",
        "make run itself needs port 8000 and ./var; its steps run there, and .ci/run runs make test",
    ),
    f"{R}demo registry: 4 model(s) created, 14 version(s) registered, 30 deployment change(s)": Shown(
        "what make run prints", _demo_summary
    ),
    f"{R}pip install --require-hashes -r requirements/client.txt && pip install --no-deps "
    "dist/modelreg_client-*.whl": Covered(
        "tests/app/test_packaging.py::test_the_client_wheel_round_trips_from_a_clean_virtualenv",
        "installs client.txt and the built wheel in a clean virtualenv, then runs modelreg-release models",
    ),
    f"{R}curl -s http://127.0.0.1:8000/graphql -H 'Content-Type: application/json' \\": Run(
        wants=('"name":"iris-classifier"',)
    ),
    f"{R}TOKEN=mreg_...   # printed by make run": Run(wants=('"changed":true', '"action":"PROMOTED"')),
    f"{R}python3 -c 'import json, sys; print(json.dumps({{\"query\": open(sys.argv[1]).read()}}))' "
    "examples/dashboard.graphql \\": Run(wants=('"registryStatistics"',)),
    f'{R}sha=$(curl -s -X POST http://127.0.0.1:8000/api/artifacts -H "Authorization: Bearer $TOKEN" '
    "--data-binary @model.joblib \\": Run(before=_model_joblib, wants=('"number":1',), in_scratch=True),
    f"{R}export MODELREG_URL=http://127.0.0.1:8000 MODELREG_TOKEN=mreg_...": Run(wants=("released",)),
    f"{R}.venv/bin/modelreg drift breast-cancer-classifier      # the demo's drifting model: two features in DRIFT": (
        Run(failing=(1,), wants=("DRIFT",))
    ),
    f"{R}.venv/bin/modelreg webhooks create --url https://ci.example.com/hooks/modelreg --events PROMOTED "
    "--environments production": Run(
        before=_stream("iris-classifier", 1, "staging"),
        replace=(("curl -N", "curl -N --max-time 8"),),
        failing=(28,),  # curl's --max-time: the stream itself never ends
        wants=("PROMOTED",),
    ),
    f"{R}.venv/bin/modelreg tokens create --name ci-release --role deployer   # prints the token once, on the last "
    "line": Run(),
    # docs/api.md
    "docs/api.md: curl -s http://127.0.0.1:8000/graphql \\": Run(wants=('"versionCount"',)),
    "docs/api.md: etag=$(curl -si http://127.0.0.1:8000/graphql -H 'Content-Type: application/json' \\": Run(
        wants=("HTTP/1.1 304",)
    ),
    'docs/api.md: curl -s -X POST http://127.0.0.1:8000/api/artifacts -H "Authorization: Bearer $TOKEN" '
    "--data-binary @model.joblib": Run(before=_model_joblib, wants=('"sha256"',), in_scratch=True),
    'docs/api.md: "message": "input.environment: \'Prod\' is not a valid environment: use 1 to 64 characters of '
    'a-z 0-9 -, starting with a letter",': Shown(
        "an error as the server sends it", _error_message("BAD_USER_INPUT", "Prod")
    ),
    "docs/api.md: rateLimit(dryRun: true) { cost nodeCount maxNodeCount remaining }": Run(),
    "docs/api.md: input.environment: 'prodution' is not a declared environment; did you mean 'production'? "
    "declared: production, staging. An admin declares one with 'modelreg environments create prodution' (or the "
    "createEnvironment mutation)": Shown("the message of a typo", _error_message("BAD_USER_INPUT", "prodution")),
    'docs/api.md: promote(input: {model: "iris-classifier", version: 2, reason: "try v2", expectedCurrentVersion: '
    "3}) {": Run(before=_check_iris_back_at(3)),
    # docs/architecture.md
    "docs/architecture.md: app/      composition root: HTTP app, middleware, plain routes, auth, artifact store, "
    "CLI, demo": Shown("a diagram"),
    "docs/architecture.md: api_token            idempotency_record                 artifact": Shown("a diagram"),
    'docs/architecture.md: SELECT ranked.*, counted.total, t."number" AS "v.number", ...   -- the full rows, of the '
    "pages only": Shown(
        "a sketch with placeholders; tests/db/test_paging_forms.py, test_sql_counts.py and test_query_plans run the SQL"
    ),
    "docs/architecture.md: from tortoise import BaseDBAsyncClient": Shown(
        "a sketch of a migration module; tests/db/test_migrations.py applies every real one"
    ),
    # docs/client.md
    "docs/client.md: pip install --require-hashes -r requirements/client.txt && pip install --no-deps "
    "dist/modelreg_client-*.whl": Covered(
        "tests/app/test_packaging.py::test_the_client_wheel_round_trips_from_a_clean_virtualenv",
        "installs client.txt and the built wheel in a clean virtualenv",
    ),
    "docs/client.md: from sklearn.datasets import load_digits": Run(before=_python_inputs_for_the_client_example),
    "docs/client.md: export MODELREG_URL=http://127.0.0.1:8000 MODELREG_TOKEN=mreg_...   # a deployer token for "
    "promotions": Run(before=_release_story),
    "docs/client.md: modelreg environments protect production --require-role admin --require-metric 'roc_auc>=0.8' "
    "\\": Run(
        before=_protection_story,
        failing=(3,),
        wants=("modelreg: conflict: production requires roc_auc>=0.8, but version 3 of 'churn' has 0.71",),
    ),
    # docs/events.md
    "docs/events.md: createWebhook(input: {": Run(),
    'docs/events.md: "type": "PROMOTED",': Shown("a delivery's payload", _payload_matches_a_delivery),
    "docs/events.md: from standardwebhooks.webhooks import Webhook": Run(before=_python_receiver, wants=("received",)),
    "docs/events.md: # $ID, $TS and $SIG are the three headers, body.json the raw body": Run(
        before=lambda walk: _shell_receiver(walk), wants=("verified",), in_scratch=True
    ),
    "docs/events.md: subscription($after: ID) {": Covered(
        "tests/audit/test_subscriptions.py::test_a_subscription_receives_filtered_scoped_events_and_resumes",
        "a subscription needs a graphql-transport-ws client: that test runs one (gql) with this filter and after",
    ),
    'docs/events.md: curl -N -H "Authorization: Bearer $MODELREG_TOKEN" \\': Run(
        before=_stream("churn-classifier", 1),
        replace=(("curl -N", "curl -N --max-time 8"),),
        failing=(28,),
        wants=("PROMOTED",),
    ),
    "docs/events.md: modelreg promote churn-classifier 7 --env production &&": Run(
        before=lambda walk: walk.ensure_versions("churn-classifier", 7), wants=("PROMOTED",)
    ),
    # docs/monitoring.md
    "docs/monitoring.md: OPEN ──acknowledgeRetraining──> ACKNOWLEDGED ──completeRetraining(version)──> COMPLETED": (
        Shown("a diagram")
    ),
    "docs/monitoring.md: from datetime import datetime, timedelta, UTC": Run(before=_monitoring_inputs),
    # docs/operations.md
    "docs/operations.md: clients (dashboards, release CLI, training pipelines)": Shown("a diagram"),
    "docs/operations.md: make dist                                        # in a clone: "
    "dist/modelreg-0.1.0-py3-none-any.whl and the sdist": Covered(
        "tests/app/test_packaging.py::test_wheel_serves_from_a_clean_virtualenv",
        "builds the wheel with make dist's backend and installs runtime.txt and it in a clean virtualenv",
    ),
    "docs/operations.md: modelreg backup /backups/registry-$(date +%F) --database-url "
    "sqlite:///srv/modelreg/registry.sqlite3 \\": Run(wants=("backed up the registry", "integrity ok")),
    'docs/operations.md: pg_dump --format=custom --file=registry.dump "postgres://modelreg@db:5432/modelreg"': Run(
        in_scratch=True, after=lambda walk, _: _not_empty(walk.scratch / "registry.dump")
    ),
    # docs/performance.md
    "docs/performance.md: make bench         # 100 models x 20 versions on SQLite and PostgreSQL: a few "
    "minutes": Covered(
        "tests/db/test_bench_fixture.py",
        "the benchmark takes minutes; its fixture is tested here and every report in docs/benchmarks/ is a run",
    ),
    "docs/performance.md: .venv/bin/python -m tests.benchmarks.profiling dashboard [--backend postgres] "
    "[--requests 50] [--html out.html]": Run(
        replace=(("[--backend postgres] [--requests 50] [--html out.html]", "--requests 3"),),
        wants=("ms/request",),
    ),
    "docs/performance.md: .venv/bin/python -m tests.benchmarks.side_by_side --against HEAD~1 [--backends sqlite] "
    "[--workload model_page] [--rounds 100]": Run(
        # HEAD: a shallow clone may have no HEAD~1; the build compared with itself runs every step all the same.
        replace=(
            (
                "--against HEAD~1 [--backends sqlite] [--workload model_page] [--rounds 100]",
                "--against HEAD --backends sqlite --workload model_page --rounds 3",
            ),
        ),
        wants=("same answer: True",),
    ),
    # docs/security.md
    "docs/security.md: mreg_ 7Q4cJ2m0aZ...(43 random characters)... 3kF9aB": Shown("the token format"),
    "docs/security.md: # Create: the secret is printed once, alone on the last line.": Run(),
    'docs/security.md: {"token": "churn-ci", "role": "writer", "modelPatterns": ["churn-*"], '
    '"environments": null,': Shown("a token event's details", _token_details),
    "docs/security.md: export MODELREG_TOKEN=mreg_...            # an admin token": Run(),
    "docs/security.md: modelreg audit verify [--model NAME] [--json] [--database-url URL]": Run(
        replace=(("[--model NAME] [--json] [--database-url URL]", "--model iris-classifier --json"),),
        wants=('"intact": true',),
    ),
    "docs/security.md: intact    model churn: 11 events, head 11 5d1c...e0": Shown(
        "what audit verify prints", _audit_verify_lines
    ),
    "docs/security.md: SELECT hash FROM audit_event WHERE model_id = (SELECT id FROM model WHERE name = 'churn') "
    "AND chain_seq = 11;": Run(),
    "docs/security.md: 2026-11-28 07:35:37,103 INFO modelreg.access [request release-42] POST /graphql 200 14.4ms "
    "principal=ci-release operation=mutation:Promote": Shown("an access log line", _access_log_line),
    # docs/ui.md
    "docs/ui.md: default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self';": (
        Shown("the pages' Content-Security-Policy", _content_security_policy)
    ),
}

#: The order the blocks run in, as a reader goes: the README's tour, then the pages of docs/.
WALK = [key for key, use in BLOCKS.items() if isinstance(use, Run)]


def _substitute(walk: Walk, text: str, use: Run) -> str:
    text = text.replace(MAKE_RUN_ADDRESS, walk.url).replace("mreg_...", walk.admin)
    text = text.replace("@model.joblib", f"@{walk.scratch / 'model.joblib'}")
    text = text.replace("/srv/modelreg/registry.sqlite3", f"{walk.home}/modelreg.sqlite3")
    text = text.replace("/srv/modelreg/artifacts", f"{walk.home}/artifacts").replace("/backups/", f"{walk.scratch}/")
    text = text.replace("postgres://modelreg@db:5432/modelreg", POSTGRES_URL)
    for old, new in use.replace:
        assert old in text, f"{old!r} is no longer in the block"
        text = text.replace(old, new)
    return text


def _run_shell(walk: Walk, block: Block, use: Run, script: str) -> str:
    trap = "set -o pipefail; trap 'echo \"::exit $?\" >&2' ERR\n"
    env = walk.environment() | {"TOKEN": walk.admin, "SUSPECT": walk.admin}
    env |= walk.notes.pop("shell receiver env", {})
    done = subprocess.run(
        ["bash", "-c", trap + script],
        cwd=walk.scratch if use.in_scratch else REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    failed = tuple(int(code) for code in re.findall(r"^::exit (\d+)$", done.stderr, re.MULTILINE))
    output = done.stdout + done.stderr
    assert failed == use.failing, f"{block.where}: exit codes {failed}, documented {use.failing}\n{output}\n{script}"
    return output


def _run_python(walk: Walk, block: Block, use: Run, script: str, prelude: str) -> str:
    source = prelude.replace("#BLOCK\n", script + "\n") if "#BLOCK" in prelude else prelude + script
    done = subprocess.run(
        [sys.executable, "-c", source],
        cwd=walk.scratch,
        env=walk.environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"{block.where}:\n{done.stdout}{done.stderr}\n{source}"
    return done.stdout + done.stderr


def _run_graphql(walk: Walk, block: Block, script: str) -> str:
    answer = httpx.post(
        f"{walk.url}/graphql", headers={"Authorization": f"Bearer {walk.admin}"}, json={"query": script}, timeout=60
    ).json()
    assert "errors" not in answer and answer.get("data"), f"{block.where}: {answer}"
    return json.dumps(answer)


def _run_sql(walk: Walk, script: str) -> str:
    with sqlite3.connect(walk.home / "modelreg.sqlite3") as database:
        return repr(database.execute(script).fetchall())


def run_block(walk: Walk, block: Block, use: Run) -> str:
    prelude = (use.before(walk) if use.before else None) or ""
    script = _substitute(walk, block.text, use)
    if block.language == "sh":
        output = _run_shell(walk, block, use, script)
    elif block.language == "python":
        output = _run_python(walk, block, use, script, prelude)
    elif block.language == "graphql":
        output = _run_graphql(walk, block, script)
    elif block.language == "sql":
        output = _run_sql(walk, script)
    else:
        raise AssertionError(f"{block.where}: no way to run a {block.language!r} block")
    for wanted in use.wants:
        assert wanted in output, f"{block.where}: {wanted!r} not in its output:\n{output}"
    if use.after:
        use.after(walk, output)
    return output


@pytest.fixture(scope="module")
def walk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Walk]:
    """``make run``'s registry: the demo seeded by ``modelreg demo``, a local admin token, anonymous reads."""
    home = tmp_path_factory.mktemp("home")
    scratch = tmp_path_factory.mktemp("scratch")
    env = environment() | {"MODELREG_HOME": str(home)}
    seeded = subprocess.run(
        [sys.executable, "-m", "app.cli", "demo"], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    assert seeded.returncode == 0, seeded.stderr
    admin = subprocess.run(
        [sys.executable, "-m", "app.cli", "tokens", "create", "--name", "local-admin", "--role", "admin"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.splitlines()[-1]
    receiver = Receiver().start()
    database_url = f"sqlite://{home}/modelreg.sqlite3"
    served_env = {
        "MODELREG_HOME": str(home),
        "MODELREG_WEBHOOK_ALLOW_HOSTS": "127.0.0.1",
        "MODELREG_WEBHOOK_POLL_SECONDS": "0.1",
    }
    try:
        with (
            serving(database_url, "--allow-anonymous-read", env=served_env) as served,
            Client(served.url, admin, cache_dir=scratch / "cache") as client,
        ):
            yield Walk(
                served.url,
                admin,
                home,
                scratch,
                client,
                served.output.text,
                receiver,
                {"demo output": seeded.stdout.strip().splitlines()[0]},
            )
    finally:
        receiver.stop()


def test_every_block_is_accounted_for() -> None:
    found = _blocks()
    keys = [block.key for block in found]
    assert len(set(keys)) == len(keys), "two blocks of one file begin alike: make their first lines differ"
    unplaced = [f"{block.where}: {block.key!r}" for block in found if block.key not in BLOCKS]
    assert not unplaced, "blocks to place in BLOCKS (run, covered or shown):\n" + "\n".join(unplaced)
    stale = sorted(set(BLOCKS) - set(keys))
    assert not stale, f"BLOCKS names blocks that are gone: {stale}"


def test_the_covering_tests_exist() -> None:
    for use in BLOCKS.values():
        if isinstance(use, Covered):
            path, _, name = use.test.partition("::")
            source = (REPO / path).read_text()
            assert not name or re.search(rf"^(async )?def {name}\(", source, re.MULTILINE), use.test


def test_the_docs_walkthrough_runs_as_written(walk: Walk) -> None:
    """Every runnable block, in order, against one registry; then every shown block the server can say."""
    by_key = {block.key: block for block in _blocks()}
    for key in WALK:
        use = BLOCKS[key]
        assert isinstance(use, Run)
        run_block(walk, by_key[key], use)
    for key, use in BLOCKS.items():
        if isinstance(use, Shown) and use.check is not None:
            use.check(walk, by_key[key])
    # examples/*.graphql, each as pasted into GraphiQL with the admin token (promote.graphql presumes the demo's
    # breast-cancer-classifier version 4 in production).
    _examples_state(walk)
    for document in sorted((REPO / "examples").glob("*.graphql")):
        _run_graphql(walk, Block(str(document.relative_to(REPO)), "", "graphql", ""), document.read_text())
