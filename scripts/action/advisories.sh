#!/usr/bin/env bash
# The advisory database in $GATEKEEPER_ADVISORY_DB (restored by actions/cache under today's
# date): synced when it is missing or its data is not from today (UTC).
# Env: GK_VENV, GATEKEEPER_ADVISORY_DB, GK_ADVISORY_SOURCE (optional).
set -euo pipefail
gk="$GK_VENV/bin/gatekeeper"
today="$(date -u +%F)"
data_date="$("$gk" advisories status --json 2>/dev/null | "$GK_VENV/bin/python" -c \
  'import json,sys; print(str(json.load(sys.stdin).get("data_date") or "")[:10])' || true)"
if [ "$data_date" = "$today" ]; then
  echo "gatekeeper: advisory database from $data_date (cached)"
  exit 0
fi
if [ -n "${GK_ADVISORY_SOURCE:-}" ]; then
  "$gk" advisories sync --from "$GK_ADVISORY_SOURCE"
else
  "$gk" advisories sync
fi
