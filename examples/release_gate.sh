#!/usr/bin/env bash
# The release step a CI job pastes after training: register the new version, compare it with production,
# promote it only if it beats the champion (compare-and-set on the champion it was compared with), smoke-check
# what is now live, and roll back if the smoke check fails.
#
#   MODELREG_URL=http://127.0.0.1:8000 MODELREG_TOKEN=mreg_... examples/release_gate.sh
#
# Needs a deployer (or admin) token. Exit 0 when released or when the challenger lost; non-zero otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

MODEL=${MODEL:-digits-classifier}
METRIC=${METRIC:-accuracy}
MODELREG=${MODELREG:-.venv/bin/modelreg}
PYTHON=${PYTHON:-.venv/bin/python}
: "${MODELREG_TOKEN:?set MODELREG_TOKEN to a deployer token}"
export MODELREG_URL=${MODELREG_URL:-http://127.0.0.1:8000} MODELREG_TOKEN

version=$("$PYTHON" examples/train_and_register.py --model "$MODEL" --print-number "$@")
echo "registered $MODEL version $version"
"$MODELREG" compare "$MODEL" --metric "$METRIC" --limit 5

# The idempotency key makes a retried CI job safe: the same release is never applied twice.
if "$MODELREG" promote "$MODEL" "$version" --if-better "$METRIC" --idempotency-key "release-$MODEL-$version" \
    --reason "CI release gate on $METRIC"; then
  if ! "$PYTHON" examples/load_production.py --model "$MODEL" --smoke --min-accuracy 0.9; then
    "$MODELREG" rollback "$MODEL" --reason "smoke check failed for version $version"
    echo "rolled back: version $version failed the smoke check" >&2
    exit 1
  fi
  echo "released $MODEL version $version"
else
  status=$?
  if [ "$status" -eq 3 ]; then
    echo "not released: version $version did not pass the gate (or production changed meanwhile)"
    exit 0
  fi
  exit "$status"
fi
