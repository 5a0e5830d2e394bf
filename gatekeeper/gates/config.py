"""The ``config`` gate: every listed service's settings, for every environment it declares.

For each directory in ``[config] services`` (see :mod:`gatekeeper.service.discover` for what a
service directory holds), the gate validates the settings model against ``config/default.toml``
merged with ``config/<env>.toml`` alone: no environment variables and no secrets, because in CI
those belong to the deployment. Required secrets are therefore not reported missing; every other
setting must be valid from the files. It also looks for secrets written into the config files.

Rules (see docs/service.md):

- GK-CFG-001 high  setting missing, invalid or unknown for an environment   (no CWE)
- GK-CFG-002 high  secret value in a committed config file                   CWE-798
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from gatekeeper.gates.interface import Gate, GateContext
from gatekeeper.model import Finding, GateResult, Location, Severity, help_uri, make_fingerprint

if TYPE_CHECKING:
    from gatekeeper.service.check import ServiceCheck

RULES: dict[str, tuple[Severity, str, str | None]] = {
    "GK-CFG-001": (Severity.HIGH, "Setting missing, invalid or unknown", None),
    "GK-CFG-002": (Severity.HIGH, "Secret in a committed config file", "CWE-798"),
}


def _relative(path: Path | str, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


def _finding(
    rule: str, message: str, location: Location, *parts: object, **data: object
) -> Finding:
    severity, title, cwe = RULES[rule]
    return Finding(
        rule_id=rule,
        severity=severity,
        message=message,
        fingerprint=make_fingerprint(rule, *parts),
        location=location,
        help_uri=help_uri(rule),
        title=title,
        data={**data, **({"cwe": cwe} if cwe else {})},
    )


class ConfigGate(Gate):
    name = "config"
    description = "service settings valid for every declared environment; no committed secrets"

    def run(self, ctx: GateContext) -> GateResult:
        from gatekeeper.service.check import check_service
        from gatekeeper.service.discover import load_service

        services = ctx.policy.config.services
        if not services:
            return GateResult.skip("no services listed in [config] services")
        findings: list[Finding] = []
        checked = 0
        for entry in services:
            check = check_service(load_service(ctx.root / entry, ctx.root))
            checked += len(check.reports)
            findings += service_findings(check, ctx.root)
        return GateResult.ok(findings, services=len(services), environments=checked)


def service_findings(check: ServiceCheck, root: Path) -> list[Finding]:
    """The findings for one service's check (``config check`` judges the same ones)."""
    from gatekeeper.service.discover import SETTINGS_FILE

    service = check.service
    findings: list[Finding] = []
    where = _relative(service.directory, root)
    fallback = Location(f"{where}/{SETTINGS_FILE}")
    for report in check.reports:
        env = report.environment
        for problem in report.problems:
            location = (
                Location(_relative(problem.path, root), problem.line)
                if problem.path is not None
                else fallback
            )
            findings.append(
                _finding(
                    "GK-CFG-001",
                    f"{service.name} [{env}]: {problem.render(where=False)}",
                    location,
                    where,
                    env,
                    problem.setting,
                    problem.kind,
                    service=service.name,
                    environment=env,
                    setting=problem.setting,
                    env_var=problem.env_var,
                )
            )
    for hit in check.secrets:
        path = _relative(hit.path, root)
        findings.append(
            _finding(
                "GK-CFG-002",
                f"{service.name}: {path} sets secret {hit.setting!r}; secrets come from "
                "Vault or a secret file, never from a committed file (rotate it)",
                Location(path, hit.line),
                path,
                hit.setting,
                service=service.name,
                setting=hit.setting,
            )
        )
    return findings
