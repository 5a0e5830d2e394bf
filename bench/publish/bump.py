"""Raise the patch version of the package at ARGV[1] and commit it: one new release per run."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

root = Path(sys.argv[1])
pyproject = root / "pyproject.toml"
text = pyproject.read_text("utf-8")
major, minor, patch = re.search(r'^version = "(\d+)\.(\d+)\.(\d+)"', text, re.M).groups()  # type: ignore[union-attr]
version = f"{major}.{minor}.{int(patch) + 1}"
pyproject.write_text(
    re.sub(r'^version = ".*"', f'version = "{version}"', text, count=1, flags=re.M)
)
git = ["git", "-C", str(root), "-c", "user.email=b@example.invalid", "-c", "user.name=b"]
subprocess.run([*git, "commit", "-qam", version], check=True)
