"""``python -m gatekeeper.registry.isolated_build SOURCE OUT``: the sdist, then the wheel built
from that sdist, in **one** isolated environment.

``python -m build`` does the same in two isolated environments, installing the build backend
twice (about 1.5 s each here). The environment is as isolated as build's own (a fresh venv with
only the declared build requirements, made by :class:`build.env.DefaultIsolatedEnv`); the wheel
still comes from the unpacked sdist, so it holds only what the sdist can build. Requirements the
wheel build adds are installed into the same environment; the same ones are not installed twice.

Run by :func:`gatekeeper.registry.build.build` as a child process, under its deadline.
"""

from __future__ import annotations

import sys
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path


def build_both(source: Path, out: Path) -> tuple[Path, Path]:
    from build import ProjectBuilder
    from build.env import DefaultIsolatedEnv

    installed: set[str] = set()
    with DefaultIsolatedEnv() as env:

        def install(requirements: set[str]) -> None:
            missing = requirements - installed
            if missing:
                env.install(missing)
                installed.update(missing)

        builder = ProjectBuilder.from_isolated_env(env, source)
        install(set(builder.build_system_requires))
        install(set(builder.get_requires_for_build("sdist")))
        sdist = Path(builder.build("sdist", out))
        with tempfile.TemporaryDirectory(prefix="gatekeeper-sdist-") as temp:
            with tarfile.open(sdist) as archive:
                archive.extractall(temp, filter="data")
            (top,) = Path(temp).iterdir()
            from_sdist = ProjectBuilder.from_isolated_env(env, top)
            install(set(from_sdist.build_system_requires))
            install(set(from_sdist.get_requires_for_build("wheel")))
            wheel = Path(from_sdist.build("wheel", out))
    return sdist, wheel


def main(argv: Sequence[str]) -> int:
    source, out = Path(argv[0]), Path(argv[1])
    sdist, wheel = build_both(source, out)
    print(f"built {sdist.name} and {wheel.name}")
    return 0


if __name__ == "__main__":  # pragma: no cover - run as a child process by build.build()
    sys.exit(main(sys.argv[1:]))
