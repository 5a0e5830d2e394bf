#!/usr/bin/env bash
# gatekeeper check: text to the log, SARIF to $GK_SARIF, annotations and the job summary (the
# github format, added in Actions). Its exit code goes to $GITHUB_OUTPUT as `code=`, so that
# the SARIF upload runs before the verdict step fails the job.
# Env: GK_VENV, GK_PATH, GK_BASE, GK_GATES, GK_SARIF, GK_GITHUB ("true": also --github, which
# reads GITHUB_TOKEN and the Actions variables).
set -uo pipefail
args=(check "${GK_PATH:-.}" --format text --format "sarif=$GK_SARIF")
if [ -n "${GK_BASE:-}" ]; then args+=(--base "$GK_BASE"); fi
for gate in ${GK_GATES:-}; do args+=(--gate "$gate"); done
if [ "${GK_GITHUB:-false}" = "true" ]; then args+=(--github); fi
"$GK_VENV/bin/gatekeeper" "${args[@]}"
code=$?
echo "code=$code" >> "${GITHUB_OUTPUT:-/dev/null}"
exit 0
