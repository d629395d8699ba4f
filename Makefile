# modelreg: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.bench-installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint typecheck unit soak clean fuzz audit-deps audit-deps-if-reachable bench bench-large

# Create the virtualenv and install the project with its test extras; redone when pyproject.toml changes.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Seed the demo registry (idempotent), print an admin token, serve on http://$(HOST):$(PORT) with
# anonymous reads allowed so GraphiQL works at once. Migrations are applied by each command.
run: $(STAMP)
	@$(BIN)/modelreg demo
	@token=$$($(BIN)/modelreg tokens create --name local-admin --role admin --replace | tail -n 1); \
	printf '\n  GraphiQL:     http://%s:%s/graphql\n  Admin token:  %s\n' "$(HOST)" "$(PORT)" "$$token"; \
	printf '  (in GraphiQL, Headers: {"Authorization": "Bearer %s"} for mutations)\n\n' "$$token"
	@exec $(BIN)/modelreg serve --host $(HOST) --port $(PORT) --allow-anonymous-read

# The whole suite: lint, types, then every test on SQLite and PostgreSQL (schemathesis included, with a small
# budget), and the dependency audit when its advisory data can be reached.
test: $(STAMP) lint typecheck unit audit-deps-if-reachable

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest

# schemathesis against a live server on both backends with a larger budget (examples per operation and mode).
FUZZ_EXAMPLES ?= 300
fuzz: $(STAMP)
	MODELREG_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest tests/app/test_fuzz.py -s -q

# Known vulnerabilities in the installed dependencies (pip-audit); fails when they cannot be checked.
audit-deps: $(STAMP)
	$(BIN)/python tools/audit_deps.py

# The same, but only a notice when the advisory data cannot be reached (make test offline).
audit-deps-if-reachable: $(STAMP)
	$(BIN)/python tools/audit_deps.py --if-reachable

# Longer runs of the multi-instance, kill-loop and outage tests (make test runs the short versions).
soak: $(STAMP)
	MODELREG_SOAK_OPERATIONS=3000 MODELREG_SOAK_KILL_ROUNDS=100 MODELREG_SOAK_OUTAGES=10 \
		$(BIN)/pytest -s tests/db/test_multi_instance.py tests/db/test_outage.py

# The benchmark suite (docs/performance.md): `modelreg serve` measured over loopback on a generated registry of
# 100 models x 20 versions, on SQLite and PostgreSQL (a few minutes). Writes docs/benchmarks/<date>-<backend>.json
# and docs/benchmarks/<date>.md, and prints the benchmark targets (docs/performance.md, "Targets") as met or missed.
bench: $(BENCH_STAMP)
	$(BIN)/python -m tests.benchmarks.run --size reference --backends sqlite,postgres

# The same at 10,000 models x 100 versions (1M versions, 6M metric rows), plus the reference size's probes to
# compare with. Needs about 8 GB free under var/bench and in PostgreSQL; both databases are dropped afterwards.
bench-large: $(BENCH_STAMP)
	$(BIN)/python -m tests.benchmarks.run --size large --backends sqlite,postgres

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(BENCH_STAMP)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache *.egg-info
