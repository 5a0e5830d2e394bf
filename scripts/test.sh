#!/usr/bin/env bash
# The test command: a venv with everything, lint, types, the suite under coverage, and then
# gatekeeper's own coverage gate on this repository (100% lines and branches, or it fails), and
# the internal package's gates on it (its tests run once, there, not in the root suite).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup-venv.sh || exit 2

echo "== ruff"
ruff check .
ruff format --check .
echo "== mypy (strict)"
mypy
(cd packages/corp-recipe-client && mypy)
echo "== pytest under coverage"
rm -f .coverage .coverage.*
status=0
coverage run -m pytest "$@" || status=$?
coverage combine --quiet
if [ "$status" -ne 0 ]; then
  exit "$status"
fi
echo "== gatekeeper check on itself (coverage, config and certs gates)"
gatekeeper check . --gate coverage --gate config --gate certs
echo "== gatekeeper check on packages/corp-recipe-client (its own tests under its own gate)"
gatekeeper check packages/corp-recipe-client --gate coverage --gate sast
