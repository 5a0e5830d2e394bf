#!/usr/bin/env bash
# Initialise (once) and start a local devpi-server in the foreground, on loopback.
#
#   devpi/start.sh [EXTRA devpi-server OPTIONS...]
#
# Environment (all optional; the DEVPISERVER_ ones are devpi-server's own names):
#   DEVPISERVER_SERVERDIR     server data directory (default: devpi/server-data, git-ignored)
#   DEVPI_ROOT_PASSWORD_FILE  where the random root password is written, mode 0600
#                             (default: devpi/root-password, git-ignored)
#   DEVPISERVER_HOST          address to listen on (default: 127.0.0.1)
#   DEVPISERVER_PORT          port (default: 3141)
#   DEVPI_BIN                 directory holding devpi-init and devpi-server (default: PATH)
#
# The root password is generated on first start and never printed: read it from the file.
# devpi-init receives only its argon2 hash, so the password is never on a command line.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
serverdir="${DEVPISERVER_SERVERDIR:-$here/server-data}"
password_file="${DEVPI_ROOT_PASSWORD_FILE:-$here/root-password}"
host="${DEVPISERVER_HOST:-127.0.0.1}"
port="${DEVPISERVER_PORT:-3141}"
bin="${DEVPI_BIN:-}"
init="${bin:+$bin/}devpi-init"
server="${bin:+$bin/}devpi-server"
if [ -n "$bin" ]; then
  python="$bin/python"
else
  python="$(dirname "$(command -v devpi-server)")/python"
fi

if [ ! -e "$serverdir/.serverversion" ]; then
  if [ ! -s "$password_file" ]; then
    (umask 077 && "$python" -c 'import secrets; print(secrets.token_urlsafe(24))' >"$password_file")
  fi
  chmod 600 "$password_file"
  hash="$("$python" -c 'import sys; from devpi_server.auth import hash_password
print(hash_password(sys.stdin.readline().strip()))' <"$password_file")"
  "$init" --serverdir "$serverdir" --no-root-pypi --root-passwd-hash "$hash" >/dev/null 2>&1 || {
    echo "start.sh: devpi-init failed for $serverdir" >&2
    exit 1
  }
  echo "start.sh: initialised $serverdir; root password in $password_file" >&2
fi
exec "$server" --serverdir "$serverdir" --host "$host" --port "$port" "$@"
