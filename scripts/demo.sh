#!/usr/bin/env bash
# The main job, end to end, on embedded defaults: an offline advisory database synced from
# examples/, `gatekeeper check` passing and failing (with GitHub annotations), PR mode, a bad
# GitHub Actions workflow caught and fixed, the local CA, the two sample services talking TLS,
# and the same PKI through a temporary OpenBao.
# Everything it makes lives in a temporary directory that is removed at the end.
set -uo pipefail
cd "$(dirname "$0")/.."
REPO="$PWD"
source scripts/setup-venv.sh || exit 2

WORK="$(mktemp -d)"
# Every server the demo starts runs as the leader of its own process group (see `launch`), and
# its PID is recorded here, in this shell: the trap stops each whole group, and waits for it.
PIDS=()
stop_group() { # PID: SIGTERM its process group, SIGKILL what is left after 5 s, then reap it
  local pid="$1"
  kill -TERM -- "-$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do
    kill -0 -- "-$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL -- "-$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 0
}
cleanup() {
  for pid in "${PIDS[@]}"; do stop_group "$pid"; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
# launch LOGFILE CMD...: start CMD in the background as its own process group, record its PID.
# Never call it inside $(...): a subshell's PIDS would never reach the trap.
launch() {
  local log="$1"; shift
  set -m
  "$@" >"$log" 2>&1 &
  PIDS+=($!)
  set +m
}

export GATEKEEPER_ADVISORY_DB="$WORK/advisories"
export GATEKEEPER_CA_DIR="$WORK/ca"
# The local CA's key is encrypted at rest with this passphrase (never printed).
GATEKEEPER_CA_PASSPHRASE="$(python -c 'import secrets; print(secrets.token_urlsafe(24))')"
export GATEKEEPER_CA_PASSPHRASE
unset VAULT_ADDR VAULT_TOKEN GITHUB_ACTIONS GATEKEEPER_POLICY GATEKEEPER_FORMAT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; }
# expect CODE CMD...: run CMD, show it, and stop the demo if its exit code is not CODE.
expect() {
  local want="$1"; shift
  show "$@"
  "$@"
  local got=$?
  if [ "$got" -ne "$want" ]; then
    echo "demo: expected exit $want from '$*', got $got" >&2
    exit 1
  fi
  echo "(exit $got, as expected)"
}
git_commit() {
  git -C "$1" add -A
  git -C "$1" -c user.name=demo -c user.email=demo@example.invalid commit -qm "$2"
}

step "gatekeeper starts fast: it runs on every push"
expect 0 gatekeeper --version

step "Offline advisory database (OSV), synced once from a directory of OSV files"
# A feed's age is its newest `modified` date, so the demo publishes the example records as if
# updated just now (a copy in the work directory); the committed examples stay as they are.
mkdir "$WORK/feed"
python - "$REPO/examples/advisories" "$WORK/feed" <<'PY'
import datetime, json, pathlib, sys
now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
for src in pathlib.Path(sys.argv[1]).glob("*.json"):
    record = json.loads(src.read_text("utf-8"))
    record["modified"] = now
    (pathlib.Path(sys.argv[2]) / src.name).write_text(json.dumps(record), "utf-8")
PY
expect 0 gatekeeper advisories sync --from "$WORK/feed"
expect 0 gatekeeper advisories status

step "A healthy project passes every gate"
cp -r "$REPO/examples/passing" "$WORK/passing"
git -C "$WORK/passing" init -q -b main && git_commit "$WORK/passing" "initial"
expect 0 gatekeeper check "$WORK/passing"

step "A broken project fails, and says exactly where (GitHub annotations, as in Actions)"
cp -r "$REPO/examples/broken" "$WORK/broken"
expect 1 gatekeeper check "$WORK/broken" --format github --format "sarif=$WORK/broken.sarif"
echo "SARIF for code scanning: $(wc -c <"$WORK/broken.sarif") bytes"

step "The same run as a person sees it"
expect 1 gatekeeper check "$WORK/broken" --gate audit

step "PR mode: a pull request fails only on what it introduces"
git -C "$WORK/broken" init -q -b main && git_commit "$WORK/broken" "main, with known problems"
git -C "$WORK/broken" checkout -q -b feature
echo "urllib3==2.0.4" >>"$WORK/broken/requirements.txt"
git_commit "$WORK/broken" "add urllib3"
expect 1 gatekeeper check "$WORK/broken" --gate audit --base main --format "json=$WORK/pr.json"
python - "$WORK/pr.json" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
for gate in report["gates"]:
    for f in gate["findings"]:
        state = "NEW, blocks" if f["blocking"] else ("pre-existing" if f.get("pre_existing") else "reported")
        print(f"  {state:13} {f['rule_id']} {f['message'][:90]}")
EOF

step "Fix versions: the smallest upgrade that clears every advisory (dry run shows the diff)"
expect 0 gatekeeper audit "$WORK/broken" --fix

step "The workflows gate: a pwn-request workflow caught with line numbers (zizmor + org rules)"
mkdir -p "$WORK/actions/.github/workflows"
# pull_request_target + a checkout of the PR head + unpinned actions + no permissions + no timeout.
cat >"$WORK/actions/.github/workflows/pr.yml" <<'YAML'
name: pr
on: pull_request_target
jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - uses: someone/lint-action@main
        with:
          token: ${{ secrets.DEPLOY_TOKEN }}
YAML
expect 1 gatekeeper check "$WORK/actions" --gate workflows
# The fix: pull_request (no secrets, read-only token), pinned actions, least privilege, a timeout.
cat >"$WORK/actions/.github/workflows/pr.yml" <<'YAML'
name: pr
on: pull_request
permissions:
  contents: read
jobs:
  build:
    runs-on: ubuntu-24.04
    timeout-minutes: 10
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
        with:
          persist-credentials: false
      - run: echo lint
YAML
expect 0 gatekeeper check "$WORK/actions" --gate workflows

step "Secrets, supply chain and static analysis: a committed key, a typosquat, a shell injection"
mkdir -p "$WORK/leaky/app"
git -C "$WORK/leaky" init -q -b main
# A private key generated now (never one written in this script), committed by mistake.
python -c 'import sys; from cryptography.hazmat.primitives import serialization as s; from cryptography.hazmat.primitives.asymmetric import ec; sys.stdout.buffer.write(ec.generate_private_key(ec.SECP256R1()).private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption()))' >"$WORK/leaky/app/deploy.pem"
printf 'reqeusts==2.31.0\n' >"$WORK/leaky/requirements.txt"
printf 'import subprocess\n\n\ndef run(name):\n    return subprocess.call("ls " + name, shell=True)\n' >"$WORK/leaky/app/tool.py"
git_commit "$WORK/leaky" "initial"
expect 1 gatekeeper check "$WORK/leaky" --gate secrets
expect 1 gatekeeper check "$WORK/leaky" --gate supply_chain
expect 1 gatekeeper check "$WORK/leaky" --gate sast
echo "(the fix: remove the key and rotate it, correct the name, pass an argument list)"
git -C "$WORK/leaky" rm -q app/deploy.pem
printf 'requests==2.31.0\n' >"$WORK/leaky/requirements.txt"
printf 'import subprocess\n\n\ndef run(name):\n    return subprocess.call(["ls", name])  # nosec B603 - an argument list, no shell\n' >"$WORK/leaky/app/tool.py"
git_commit "$WORK/leaky" "fix"
expect 0 gatekeeper check "$WORK/leaky" --gate secrets --gate supply_chain --gate sast

step "Bad input is a one-line error with file and line, exit 2, never a traceback"
printf '[audit]\nfail_on = "hgih"\n' >"$WORK/typo.toml"
expect 2 gatekeeper check "$WORK/passing" --policy "$WORK/typo.toml"

step "Internal CA (local, encrypted at rest): init is idempotent, then certificates per service"
mkdir -p "$WORK/system"
expect 0 gatekeeper certs init --repo "$WORK/system"
expect 0 gatekeeper certs init --repo "$WORK/system"
for service in recipe-api web-api; do
  expect 0 gatekeeper certs issue "$service" --san localhost --ip 127.0.0.1 --repo "$WORK/system"
done
expect 0 gatekeeper certs verify recipe-api --repo "$WORK/system"
expect 0 gatekeeper certs status --repo "$WORK/system"
expect 2 gatekeeper certs issue rogue --san www.example.com --repo "$WORK/system"

step "Service configuration is validated for every environment, without starting anything"
expect 1 gatekeeper config check --service services/recipe_api --env production
show "APP_API_TOKEN=<from the secrets manager> gatekeeper config check --service services/recipe_api --env production"
APP_API_TOKEN="$(python -c 'import secrets; print(secrets.token_hex(16))')" \
  gatekeeper config check --service services/recipe_api --env production || exit 1
expect 0 gatekeeper check . --gate config

step "Internal packages on devpi: a temporary devpi-server, the organisation's indexes"
DEVPI_PORT=$(python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DEVPISERVER_SERVERDIR="$WORK/devpi/server" DEVPI_ROOT_PASSWORD_FILE="$WORK/devpi-root-password" \
  DEVPISERVER_PORT="$DEVPI_PORT" launch "$WORK/devpi.log" bash devpi/start.sh --offline-mode
export DEVPI_URL="http://127.0.0.1:$DEVPI_PORT"
for _ in $(seq 1 300); do
  python -c 'import httpx,os; httpx.get(os.environ["DEVPI_URL"]+"/+api").raise_for_status()' 2>/dev/null && break
  sleep 0.1
done
# The publishing account (CI's, in production) and a stand-in for the public index (PyPI cannot
# be reached here): both made as root, whose random password devpi/start.sh wrote 0600.
PUBLISHER_PASSWORD="$(python -c 'import secrets; print(secrets.token_urlsafe(24))')"
PUBLISHER_PASSWORD="$PUBLISHER_PASSWORD" python - "$WORK/devpi-root-password" <<'PY'
import os, pathlib, sys
from pydantic import SecretStr
from gatekeeper.registry.devpi import DevpiClient
with DevpiClient(os.environ["DEVPI_URL"]) as root:
    root.login("root", SecretStr(pathlib.Path(sys.argv[1]).read_text().strip()))
    root.create_user("ci-publisher", SecretStr(os.environ["PUBLISHER_PASSWORD"]))
    root.create_user("public", SecretStr(os.urandom(16).hex()))
    root.create_index("public/simple", {"volatile": True, "acl_upload": ["root"]})
PY
as_root() { DEVPI_USER=root DEVPI_PASSWORD="$(cat "$WORK/devpi-root-password")" "$@"; }
as_root expect 0 gatekeeper registry init --publisher ci-publisher
as_root expect 0 gatekeeper registry init --publisher ci-publisher
expect 0 gatekeeper registry check
expect 0 gatekeeper registry pip-conf

step "gatekeeper publish: corp-recipe-client built, vetted, its gates run, staged, smoke-installed, promoted"
mkdir "$WORK/packages"
cp -r "$REPO/packages/corp-recipe-client" "$WORK/packages/"
PACKAGE="$WORK/packages/corp-recipe-client"
rm -rf "$PACKAGE"/.pytest_cache "$PACKAGE"/.coverage* "$PACKAGE"/src/*.egg-info
printf '\n[tool.gatekeeper.supply_chain]\npublic_index_url = "%s/public/simple/+simple/"\n' \
  "$DEVPI_URL" >>"$PACKAGE/pyproject.toml"
git -C "$WORK/packages" init -q -b main && git_commit "$WORK/packages" "corp-recipe-client 1.0.0"
export DEVPI_USER=ci-publisher DEVPI_PASSWORD="$PUBLISHER_PASSWORD"
expect 0 gatekeeper publish "$PACKAGE" --dry-run
expect 0 gatekeeper publish "$PACKAGE"
show "# again: the same files are already released, so nothing changes"
expect 0 gatekeeper publish "$PACKAGE" --skip-gates
show "# a release that renames a public function but bumps only the minor version"
sed -i 's/^version = "1.0.0"/version = "1.1.0"/' "$PACKAGE/pyproject.toml"
sed -i 's/def get_recipe(/def fetch_recipe(/' "$PACKAGE/src/corp_recipe_client/client.py"
git_commit "$WORK/packages" "corp-recipe-client 1.1.0"
expect 1 gatekeeper publish "$PACKAGE" --skip-gates -f text
git -C "$WORK/packages" reset -q --hard HEAD~1
unset DEVPI_USER DEVPI_PASSWORD

step "web-api installs the client from devpi's corp/prod, into a fresh venv"
# devpi runs offline here, without a mirror of PyPI behind corp/prod, so web-api's public
# dependencies (FastAPI, httpx, ...) come from the demo's venv through a .pth file; the
# internal one comes from the index alone (--ignore-installed: never the editable checkout).
python -m venv --without-pip "$WORK/web-venv"
python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' \
  >"$(echo "$WORK"/web-venv/lib/python3*/site-packages)/demo-dependencies.pth"
# pip asks this index only: no pip.conf, no PIP_* settings of this machine.
expect 0 env -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL PIP_CONFIG_FILE=/dev/null \
  python -m pip --python "$WORK/web-venv/bin/python" install --quiet --no-cache-dir \
  --no-deps --ignore-installed --index-url "$DEVPI_URL/corp/prod/+simple/" \
  -r services/web_api/requirements.txt
"$WORK/web-venv/bin/python" -c 'import corp_recipe_client as c, importlib.metadata as m
print("corp-recipe-client", m.version("corp-recipe-client"), "from", c.__file__)'

step "recipe-api and web-api over TLS, trusting only the internal CA"
start_service() { # NAME MODULE LOGFILE (extra env before the call): sets SERVICE_URL
  launch "$3" "${SERVICE_PYTHON:-python}" -m "$2"
  for _ in $(seq 1 100); do
    grep -q "listening on" "$3" && break
    sleep 0.1
  done
  SERVICE_URL="$(grep -o 'https\?://[0-9.:]*' "$3" | head -1)"
  if [ -z "$SERVICE_URL" ]; then
    echo "demo: $1 did not start; its log:" >&2
    cat "$3" >&2
    exit 1
  fi
}
RECIPE_TOKEN="$(python -c 'import secrets; print(secrets.token_hex(16))')"
APP_ENV=development APP_PORT=0 APP_API_TOKEN="$RECIPE_TOKEN" \
  APP_TLS_CERT="$WORK/system/certs/recipe-api/fullchain.pem" \
  APP_TLS_KEY="$WORK/system/certs/recipe-api/key.pem" \
  start_service recipe-api services.recipe_api "$WORK/recipe.log"
RECIPE_URL="$SERVICE_URL"
echo "recipe-api: $RECIPE_URL"
APP_ENV=development APP_PORT=0 APP_RECIPE_API_URL="${RECIPE_URL/127.0.0.1/localhost}" \
  APP_CA_BUNDLE="$WORK/system/certs/ca.pem" SERVICE_PYTHON="$WORK/web-venv/bin/python" \
  start_service web-api services.web_api "$WORK/web.log"
WEB_URL="$SERVICE_URL"
echo "web-api: $WEB_URL"
show "curl $WEB_URL/recipes/1"
python -c 'import httpx,sys; r = httpx.get(sys.argv[1] + "/recipes/1"); print(r.status_code, r.text)' "$WEB_URL"
show "curl -X POST --data-binary @2MB $RECIPE_URL/recipes   # over the body limit"
python - "$RECIPE_URL" "$WORK/system/certs/ca.pem" <<'EOF'
import httpx, sys
url, ca = sys.argv[1].replace("127.0.0.1", "localhost"), sys.argv[2]
r = httpx.post(url + "/recipes", content=b"{" + b" " * (2 << 20), verify=ca,
               headers={"content-type": "application/json"})
print(r.status_code, r.text)
print("health after:", httpx.get(url + "/health", verify=ca).status_code)
EOF

step "The same PKI through Vault's API: a temporary OpenBao dev server, via hvac"
BAO_PORT=$(python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BAO_TOKEN="$(python -c 'import secrets; print(secrets.token_hex(16))')"
HOME="$WORK" launch "$WORK/bao.log" bao server -dev -dev-root-token-id="$BAO_TOKEN" \
  -dev-listen-address="127.0.0.1:$BAO_PORT"
export VAULT_ADDR="http://127.0.0.1:$BAO_PORT" VAULT_TOKEN="$BAO_TOKEN"
for _ in $(seq 1 50); do
  python -c 'import httpx,os; httpx.get(os.environ["VAULT_ADDR"]+"/v1/sys/health").raise_for_status()' 2>/dev/null && break
  sleep 0.1
done
mkdir -p "$WORK/vaulted"
expect 0 gatekeeper certs init --repo "$WORK/vaulted"
expect 0 gatekeeper certs issue recipe-api --san localhost --ip 127.0.0.1 --repo "$WORK/vaulted"
expect 0 gatekeeper certs verify recipe-api --repo "$WORK/vaulted"
expect 0 gatekeeper certs revoke recipe-api --repo "$WORK/vaulted"
unset VAULT_ADDR VAULT_TOKEN

step "Done: every step behaved as expected"
