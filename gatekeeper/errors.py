"""Every error gatekeeper raises on purpose.

::

    GatekeeperError                  exit 4 unless a subclass says otherwise
     ├── UsageError                  exit 2  a bad command line
     ├── InputError                  exit 2  a file we were given is wrong: names the file and line
     │    ├── PolicyError                    policy TOML or [tool.gatekeeper] is invalid
     │    ├── LockfileError                  requirements, pyproject, pylock/uv/poetry lock
     │    ├── AdvisoryDataError              advisory database missing, corrupt or unsyncable input
     │    ├── ConfigError                    a service's settings are missing or invalid
     │    ├── CertificateError               a certificate request outside the role or policy
     │    ├── ArchiveError                   a hostile or malformed package archive
     │    └── BuildError                     a package's sdist or wheel could not be built
     ├── ReleaseRefused              exit 1  a release step refused: a changed file under a
     │    │                                  published version
     │    └── SmokeTestFailed                the release did not install or import from the index
     └── BackendError                exit 3  a service we depend on cannot be used
          ├── BackendUnavailable             unreachable, sealed, timed out (after retries)
          └── AuthenticationError            403, expired or revoked token

Messages never contain tokens, keys or passwords: construct them from names, never from values.
Library code raises these; only :mod:`gatekeeper.cli` turns them into exit codes.
"""

from __future__ import annotations

from pathlib import Path

EXIT_PASSED = 0
EXIT_FAILED = 1
EXIT_INPUT = 2
EXIT_BACKEND = 3
EXIT_INTERNAL = 4


class GatekeeperError(Exception):
    """Base class. ``exit_code`` is what the CLI returns when this escapes a command."""

    exit_code: int = EXIT_INTERNAL

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.hint = hint

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line is not None else f"{self.path}: "
        text = f"{where}{self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class UsageError(GatekeeperError):
    exit_code = EXIT_INPUT


class InputError(GatekeeperError):
    exit_code = EXIT_INPUT


class PolicyError(InputError):
    pass


class LockfileError(InputError):
    pass


class AdvisoryDataError(InputError):
    pass


class ConfigError(InputError):
    pass


class CertificateError(InputError):
    pass


class ArchiveError(InputError):
    pass


class BuildError(InputError):
    pass


class ReleaseRefused(GatekeeperError):
    exit_code = EXIT_FAILED


class SmokeTestFailed(ReleaseRefused):
    pass


class BackendError(GatekeeperError):
    exit_code = EXIT_BACKEND


class BackendUnavailable(BackendError):
    pass


class AuthenticationError(BackendError):
    pass
