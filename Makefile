# modelreg: the two commands a newcomer needs are `make run` and `make test`.
# The lowest supported Python installed here (requires-python is >=3.11); PYTHON=/path/to/python to choose.
PYTHON ?= $(shell for p in python3.11 python3.12 python3.13 python3; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
RUNTIME_STAMP := $(VENV)/.runtime-installed
TEST_STAMP := $(VENV)/.test-installed
# Folders holding the pyproject.toml of each distribution: make dist builds them, make lock locks their
# dependencies together, .venv holds them (editable). A second distribution is one more word here.
DISTRIBUTIONS := . client
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint typecheck unit soak clean fuzz audit-deps audit-deps-if-reachable bench bench-large \
	lock lock-upgrade lock-check dist schema assets assets-check

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "make: no Python 3.11 or later found; set PYTHON=/path/to/python3.11" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

# uv resolves the locks and installs from them; pip installs uv itself, pinned by hash.
$(UV): requirements/uv.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/uv.txt
	touch $@

# pyproject.toml and the locks in requirements/ must agree (offline, milliseconds).
lock-check: | $(BIN)/python
	@$(BIN)/python tools/locks.py check $(DISTRIBUTIONS)

# The runtime lock, exactly (sync removes what it does not list), then the distributions themselves,
# editable and without dependencies; redone when pyproject.toml or a lock changes. Bytecode is compiled at
# install, as pip does: where PYTHONDONTWRITEBYTECODE is set, each server process would compile its imports.
$(RUNTIME_STAMP): pyproject.toml requirements/runtime.txt requirements/build.txt $(UV) | lock-check
	$(UV) pip sync --quiet --python $(BIN)/python --require-hashes --compile-bytecode requirements/runtime.txt
	$(UV) pip install --quiet --python $(BIN)/python --no-deps --build-constraints requirements/build.txt \
		$(addprefix -e ,$(DISTRIBUTIONS))
	touch $@

# The test lock: the runtime lock's pins plus the test and benchmark tools.
$(TEST_STAMP): requirements/test.txt $(RUNTIME_STAMP)
	$(UV) pip sync --quiet --python $(BIN)/python --require-hashes --compile-bytecode requirements/test.txt
	$(UV) pip install --quiet --python $(BIN)/python --no-deps --build-constraints requirements/build.txt \
		$(addprefix -e ,$(DISTRIBUTIONS))
	touch $@

# Resolve the locks again after a change to pyproject.toml, keeping every pin it still allows; lock-upgrade
# moves every pin to the newest release allowed. Both need the package index; commit requirements/ after.
lock: $(UV)
	$(BIN)/python tools/locks.py compile $(DISTRIBUTIONS)

lock-upgrade: $(UV)
	$(BIN)/python tools/locks.py compile --upgrade $(DISTRIBUTIONS)

# Wheels and sdists in dist/, built with the locked build backend. setuptools would add the file list of a
# leftover *.egg-info (from an earlier build or the editable install) to the sdist: each build starts without.
dist: lock-check $(UV)
	rm -rf dist
	for folder in $(DISTRIBUTIONS); do \
		rm -rf $$folder/*.egg-info && \
		$(UV) build --quiet --build-constraints requirements/build.txt --require-hashes --out-dir dist $$folder || exit 1; \
	done
	@ls -l dist

# Check the port (a busy one is one line, and nothing changes), seed the demo registry (idempotent), print the
# local admin token (kept in var/local-admin.token and reused while it works), serve on http://$(HOST):$(PORT)
# with anonymous reads allowed so GraphiQL works at once (app/local_run.py). Migrations are applied by each command.
run: lock-check $(RUNTIME_STAMP)
	@exec $(BIN)/python -m app.local_run --host $(HOST) --port $(PORT)

# The whole suite: lint, types, then every test on SQLite and PostgreSQL (schemathesis and the built wheel's
# smoke check included), and the dependency audit when its advisory data can be reached.
test: lock-check $(TEST_STAMP) lint typecheck unit audit-deps-if-reachable

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(TEST_STAMP)
	$(BIN)/mypy

# pytest on TEST_WORKERS processes (pytest-xdist): most of the suite's time is spent waiting on `modelreg serve`,
# PostgreSQL, builds and a browser, so two workers gain even on two cores. Each test file runs whole on one worker
# (--dist loadfile), so a module's server, browser or wheel build is made once; files start in collection order
# (--no-loadscope-reorder), not largest first, which would leave the long few-test files (the docs walkthrough,
# the release commands) to run alone at the end. --durations names the slowest tests in CI's log. TEST_WORKERS=0
# runs serially; `.venv/bin/pytest tests/x.py` is always serial (no -n in pyproject.toml's addopts).
TEST_WORKERS ?= 2
unit: $(TEST_STAMP)
	@$(BIN)/python -c 'import sys; print(f"pytest on Python {sys.version.split()[0]} ({sys.executable})")'
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=40

# schemathesis against a live server on both backends with a larger budget (examples per operation and mode).
FUZZ_EXAMPLES ?= 300
fuzz: $(TEST_STAMP)
	MODELREG_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest tests/app/test_fuzz.py -s -q

# Known vulnerabilities in the locked dependencies (pip-audit); fails when they cannot be checked.
audit-deps: $(TEST_STAMP)
	$(BIN)/python tools/audit_deps.py

# The same, but only a notice when the advisory data cannot be reached (make test offline).
audit-deps-if-reachable: $(TEST_STAMP)
	$(BIN)/python tools/audit_deps.py --if-reachable

# Longer runs of the multi-instance, kill-loop and outage tests (make test runs the short versions).
soak: $(TEST_STAMP)
	MODELREG_SOAK_OPERATIONS=3000 MODELREG_SOAK_KILL_ROUNDS=100 MODELREG_SOAK_OUTAGES=10 \
		$(BIN)/pytest -s tests/db/test_multi_instance.py tests/db/test_outage.py

# The benchmark suite (docs/performance.md): `modelreg serve` measured over loopback on a generated registry of
# 100 models x 20 versions, on SQLite and PostgreSQL (a few minutes). Writes docs/benchmarks/<date>-<backend>.json
# and docs/benchmarks/<date>.md, and prints the benchmark targets (docs/performance.md, "Targets") as met or missed.
bench: $(TEST_STAMP)
	$(BIN)/python -m tests.benchmarks.run --size reference --backends sqlite,postgres

# The same at 10,000 models x 100 versions (1M versions, 6M metric rows), plus the reference size's probes to
# compare with. Needs about 8 GB free under var/bench and in PostgreSQL; both databases are dropped afterwards.
bench-large: $(TEST_STAMP)
	$(BIN)/python -m tests.benchmarks.run --size large --backends sqlite,postgres

# The published schema (docs/schema.graphql), which a test compares with what the server serves.
schema: $(RUNTIME_STAMP)
	$(BIN)/modelreg schema > docs/schema.graphql

# GraphiQL's and the web UI's scripts and styles, and the UI tests' axe-core (each folder's pins.json, see
# tools/assets.py): fetched again from the npm registry with npm, each file checked against its pin.
# assets-check verifies the committed files offline.
assets: | $(BIN)/python
	$(BIN)/python tools/assets.py fetch

assets-check: | $(BIN)/python
	@$(BIN)/python tools/assets.py check

clean:
	rm -rf $(VENV) var dist build .pytest_cache .mypy_cache .ruff_cache *.egg-info
