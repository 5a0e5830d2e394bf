"""The ``config`` gate: every listed service's settings, for every environment it declares.

For each directory in ``[config] services`` (see :mod:`gatekeeper.service.discover` for what a
service directory holds), the gate validates the settings model against ``config/default.toml``
merged with ``config/<env>.toml`` alone: no environment variables and no secrets, because in CI
those belong to the deployment. Required secrets are therefore not reported missing; every other
setting must be valid from the files. It also looks for secrets written into the config files.

Rules: :data:`INVALID_SETTING` and :data:`COMMITTED_SECRET` (see docs/service.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from gatekeeper.gates.interface import Gate, GateContext
from gatekeeper.model import Finding, GateResult, Location, Rule, Severity

if TYPE_CHECKING:
    from collections.abc import Iterable

    from gatekeeper.service.problem import Problem

INVALID_SETTING = Rule(
    "GK-CFG-001",
    "Setting missing, invalid or unknown",
    Severity.HIGH,
    description="A service setting that is missing, invalid or unknown for an environment.",
)
COMMITTED_SECRET = Rule(
    "GK-CFG-002",
    "Secret in a committed config file",
    Severity.HIGH,
    cwe=798,
    description="A secret value written into a committed config file (rotate it).",
)
RULES: tuple[Rule, ...] = (INVALID_SETTING, COMMITTED_SECRET)


class SecretHit(Protocol):
    """A secret value written into a committed config file, as either check reports it."""

    @property
    def path(self) -> str | Path: ...
    @property
    def setting(self) -> str: ...
    @property
    def line(self) -> int | None: ...


def _relative(path: Path | str, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


class ConfigGate(Gate):
    name = "config"
    description = "service settings valid for every declared environment; no committed secrets"
    rules = RULES

    def run(self, ctx: GateContext) -> GateResult:
        from gatekeeper.service.probe import check_files_isolated

        services = ctx.policy.config.services
        if not services:
            return GateResult.skip("no services listed in [config] services")
        findings: list[Finding] = []
        checked = 0
        # settings.py is the repository's code: imported in a child process, whatever it does
        # (sys.exit, os._exit, print, hang) cannot end this run or write into its report.
        checks = check_files_isolated([ctx.root / entry for entry in services], ctx.root)
        for service in checks:
            checked += len(service.environments)
            problems = [(found.environment, found.problem) for found in service.problems]
            findings += service_findings(
                service.name, Path(service.directory), problems, service.secrets, ctx.root
            )
        return GateResult.ok(findings, services=len(services), environments=checked)

    def cache_inputs(self, ctx: GateContext) -> bytes | None:
        from gatekeeper.verdicts import repo_inputs

        return repo_inputs(ctx)  # the settings files alone: no environment, no secrets


def service_findings(
    name: str,
    directory: Path,
    problems: Iterable[tuple[str, Problem]],
    secrets: Iterable[SecretHit],
    root: Path,
) -> list[Finding]:
    """The findings for one service: ``(environment, problem)`` pairs and committed secrets.

    The gate and ``config check`` both judge these, so the two never disagree.
    """
    from gatekeeper.service.layout import SETTINGS_FILE

    findings: list[Finding] = []
    where = _relative(directory, root)
    fallback = Location(f"{where}/{SETTINGS_FILE}")
    for env, problem in problems:
        location = (
            Location(_relative(problem.path, root), problem.line)
            if problem.path is not None
            else fallback
        )
        findings.append(
            INVALID_SETTING.finding(
                f"{name} [{env}]: {problem.render(where=False)}",
                where,
                env,
                problem.setting,
                problem.kind,
                location=location,
                data={
                    "service": name,
                    "environment": env,
                    "setting": problem.setting,
                    "env_var": problem.env_var,
                },
            )
        )
    for hit in secrets:
        path = _relative(hit.path, root)
        findings.append(
            COMMITTED_SECRET.finding(
                f"{name}: {path} sets secret {hit.setting!r}; secrets come from "
                "Vault or a secret file, never from a committed file (rotate it)",
                path,
                hit.setting,
                location=Location(path, hit.line),
                data={"service": name, "setting": hit.setting},
            )
        )
    return findings
