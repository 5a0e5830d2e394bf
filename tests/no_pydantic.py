"""Run a gatekeeper command in a fresh interpreter; report whether it imported pydantic."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

_SCRIPT = """
import json, sys
from gatekeeper.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "pydantic": "pydantic" in sys.modules}))
"""


def run_main(*args: str | Path, env: Mapping[str, str] | None = None) -> tuple[int, bool]:
    """``gatekeeper.cli.main(args)`` in a subprocess: (exit code, whether pydantic was imported)."""
    proc = subprocess.run(
        [sys.executable, "-c", _SCRIPT, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=None if env is None else dict(env),
    )
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return int(result["code"]), bool(result["pydantic"])
