#!/usr/bin/env bash
# Install gatekeeper into its own virtualenv ($GK_VENV), never by name from whatever index the
# runner has (on GitHub's runners that is public PyPI: dependency confusion).
#   default:        every dependency from requirements/action.txt with --require-hashes, then
#                   gatekeeper itself from this checkout ($GK_HOME, the commit the caller
#                   pinned) with --no-deps and no index;
#   GK_INDEX_URL:   the internal index, with GK_REQUIREMENTS (a requirements file with hashes,
#                   corp-gatekeeper included) and --require-hashes.
# Env: GK_PYTHON (the interpreter), GK_HOME, GK_VENV, GK_INDEX_URL, GK_REQUIREMENTS.
set -euo pipefail
: "${GK_PYTHON:?}" "${GK_HOME:?}" "${GK_VENV:?}"
"$GK_PYTHON" -m venv "$GK_VENV"
pip=("$GK_VENV/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary :all:)
if [ -n "${GK_INDEX_URL:-}" ]; then
  if [ -z "${GK_REQUIREMENTS:-}" ] || [ ! -f "$GK_REQUIREMENTS" ]; then
    echo "::error title=gatekeeper::index-url needs requirements: a file with hashes that pins corp-gatekeeper" >&2
    exit 2
  fi
  "${pip[@]}" --require-hashes --no-deps --index-url "$GK_INDEX_URL" -r "$GK_REQUIREMENTS"
else
  "${pip[@]}" --require-hashes --no-deps -r "$GK_HOME/requirements/action.txt"
  "$GK_VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
    --no-build-isolation --no-index "$GK_HOME"
fi
"$GK_VENV/bin/gatekeeper" --version
