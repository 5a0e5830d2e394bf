#!/usr/bin/env bash
# PR mode's base: GK_BASE when given, else origin/<base branch> on pull_request events, else
# none (a full run). The base commit is fetched when it is missing; if it is still missing the
# step fails: a shallow clone never silently turns PR mode into a full run.
# Env: GK_PATH, GK_BASE, GK_TOKEN (to fetch from a private repository; never printed).
# Writes `base=` to $GITHUB_OUTPUT.
set -euo pipefail
cd "${GK_PATH:-.}"
base="${GK_BASE:-}"
branch=""
case "${GITHUB_EVENT_NAME:-}" in
  pull_request | pull_request_target | merge_group)
    if [ -z "$base" ] && [ -n "${GITHUB_BASE_REF:-}" ]; then base="origin/$GITHUB_BASE_REF"; fi
    ;;
esac
if [ -n "$base" ] && ! git rev-parse --verify --quiet "$base^{commit}" >/dev/null; then
  branch="${base#origin/}"
  if [ -n "${GK_TOKEN:-}" ]; then
    header="AUTHORIZATION: basic $(printf 'x-access-token:%s' "$GK_TOKEN" | base64 -w0)"
    # Mask the encoded form too (Actions masks the token itself); never print it elsewhere.
    if [ "${GITHUB_ACTIONS:-}" = "true" ]; then echo "::add-mask::$header"; fi
    export GIT_CONFIG_COUNT=1
    export GIT_CONFIG_KEY_0="http.${GITHUB_SERVER_URL:-https://github.com}/.extraheader"
    export GIT_CONFIG_VALUE_0="$header"
  fi
  depth=()
  if [ "$(git rev-parse --is-shallow-repository)" = "true" ]; then depth=(--depth=1); fi
  git fetch --no-tags "${depth[@]}" origin "+refs/heads/$branch:refs/remotes/origin/$branch" ||
    true
  if ! git rev-parse --verify --quiet "$base^{commit}" >/dev/null; then
    echo "::error title=gatekeeper::PR mode: the base $base is not in this clone and could not be fetched; refusing to fall back to a full run" >&2
    exit 2
  fi
fi
echo "base=$base" >> "${GITHUB_OUTPUT:-/dev/null}"
echo "gatekeeper: base: ${base:-none (a full run)}"
