# Create .venv (if needed) and install gatekeeper with everything the demo and tests use.
# Sourced by demo.sh and test.sh (it returns non-zero on failure and leaves PATH on the venv).
PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV" || return 2
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip || return 2
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[dev]" || return 2
# web-api's internal dependency: not on PyPI (it is published to devpi), so from its directory.
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
  -e "packages/corp-recipe-client[test]" || return 2
VENV="$(cd "$VENV" && pwd)"
export PATH="$VENV/bin:$PATH"
