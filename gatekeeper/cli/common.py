"""Helpers shared by subcommands: the repository argument, policy loading, report outputs.

Standard library only at module top: this is imported while building ``--help``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gatekeeper.errors import UsageError

if TYPE_CHECKING:
    from gatekeeper.github.settings import GitHubSettings
    from gatekeeper.model import Report
    from gatekeeper.policy.load import LoadedPolicy

FORMATS = ("text", "json", "sarif", "github", "markdown")
#: Formats a program parses: each needs stdout to itself.
MACHINE_FORMATS = frozenset({"json", "sarif"})


@dataclass(frozen=True)
class Output:
    """One requested report: a format and a file (None: stdout). The file is opened lazily."""

    fmt: str
    path: Path | None = None


def parse_output(value: str) -> Output:
    """``FMT`` or ``FMT=FILE``. The file's directory must exist (checked now, opened later)."""
    fmt, sep, target = value.partition("=")
    fmt = fmt.strip().lower()
    if fmt not in FORMATS:
        raise argparse.ArgumentTypeError(
            f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}"
        )
    if not sep:
        return Output(fmt)
    if not target:
        raise argparse.ArgumentTypeError(f"{value!r}: give a file after '=' or drop the '='")
    path = Path(target)
    if not path.parent.is_dir():
        raise argparse.ArgumentTypeError(
            f"{target}: directory {str(path.parent)!r} does not exist; create it first"
        )
    return Output(fmt, path)


def add_repo_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "path", nargs="?", default=".", type=Path, help="repository to check (default: .)"
    )


def add_base_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--base",
        metavar="REF",
        default=None,
        help="PR mode: findings already present at REF are pre-existing and do not fail",
    )


def add_policy_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--policy",
        type=Path,
        default=None,
        metavar="FILE",
        help="policy file instead of policies/default.toml (env: GATEKEEPER_POLICY)",
    )


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        "-f",
        dest="outputs",
        action="append",
        type=parse_output,
        default=None,
        metavar="FMT[=FILE]",
        help=f"report format, repeatable: {', '.join(FORMATS)}; each to stdout or its own FILE "
        "(env: GATEKEEPER_FORMAT, comma-separated). In GitHub Actions `github` is added.",
    )


def say(message: str) -> None:
    """Progress and summaries go to stderr; stdout is for the report."""
    print(f"gatekeeper: {message}", file=sys.stderr)


def resolve_root(path: Path) -> Path:
    root = path.resolve()
    if not root.is_dir():
        raise UsageError(f"{path}: not a directory", hint="give the repository to check")
    return root


def policy_file(policy: Path | None, env: Mapping[str, str]) -> Path | None:
    """``--policy`` wins over ``GATEKEEPER_POLICY``; says which source won."""
    if policy is not None:
        return policy
    if env.get("GATEKEEPER_POLICY"):
        say("policy file from GATEKEEPER_POLICY")
        return Path(env["GATEKEEPER_POLICY"])
    return None


def load(policy: Path | None, root: Path, env: Mapping[str, str]) -> LoadedPolicy:
    """The policy for ``root``: ``policy`` (``--policy``), else ``GATEKEEPER_POLICY``, else the
    default; says which files it came from."""
    from gatekeeper.policy.load import load_policy

    loaded = load_policy(root, policy_file(policy, env))
    say(f"policy: {' + '.join(loaded.sources)}")
    return loaded


def resolve_outputs(requested: Sequence[Output] | None, env: Mapping[str, str]) -> list[Output]:
    """Requested outputs, else GATEKEEPER_FORMAT, else text; plus github inside Actions."""
    if requested:
        outputs = list(requested)
    elif env.get("GATEKEEPER_FORMAT"):
        try:
            outputs = [parse_output(v) for v in env["GATEKEEPER_FORMAT"].split(",") if v.strip()]
        except argparse.ArgumentTypeError as exc:
            raise UsageError(f"GATEKEEPER_FORMAT: {exc}") from None
        say("formats from GATEKEEPER_FORMAT")
    else:
        outputs = [Output("text")]
    if env.get("GITHUB_ACTIONS") == "true" and not any(o.fmt == "github" for o in outputs):
        outputs.append(Output("github"))
    to_stdout = [o.fmt for o in outputs if o.path is None]
    if any(fmt in MACHINE_FORMATS for fmt in to_stdout) and len(to_stdout) > 1:
        raise UsageError(
            f"formats {', '.join(to_stdout)} would share stdout",
            hint="send json/sarif to a file: --format json=report.json",
        )
    return outputs


def emit(report: Report, outputs: Sequence[Output], env: Mapping[str, str]) -> None:
    """Render each requested output; append the markdown summary to $GITHUB_STEP_SUMMARY."""
    from gatekeeper.report import render

    for output in outputs:
        color = output.path is None and output.fmt == "text" and sys.stdout.isatty()
        text = render(report, output.fmt, color=color)
        if output.path is None:
            try:
                sys.stdout.write(text)
                sys.stdout.flush()
            except OSError as exc:  # a closed pipe, a full disk
                raise UsageError(f"stdout: cannot write report: {exc.strerror}") from None
        else:
            _write(output.path, text, "w")
            say(f"{output.fmt} report written to {output.path}")
    summary_file = env.get("GITHUB_STEP_SUMMARY")
    if summary_file and any(o.fmt == "github" for o in outputs):
        from gatekeeper.report.github import step_summary

        _write(Path(summary_file), step_summary(report), "a")


def _write(path: Path, text: str, mode: str) -> None:
    """Write (or append) ``text``; any OS error, at open, write or close, names the path."""
    try:
        with path.open(mode, encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise UsageError(f"{path}: cannot write report: {reason}") from None


def print_summary(report: Report) -> None:
    s = report.summary
    parts = [f"{s.gates_passed} passed", f"{s.gates_failed} failed"]
    if s.gates_skipped:
        parts.append(f"{s.gates_skipped} skipped")
    if s.gates_errored:
        parts.append(f"{s.gates_errored} errored")
    say(
        f"{report.verdict.value.upper()}: gates {', '.join(parts)}; findings {s.total} "
        f"({s.blocking} blocking, {s.waived} waived, {s.pre_existing} pre-existing) "
        f"→ exit {report.exit_code}"
    )


def run_gates(
    path: Path,
    gates: Sequence[str],
    *,
    policy: Path | None = None,
    outputs: Sequence[Output] | None = None,
    base: str | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    github: bool = False,
    cache: bool = False,
) -> int:
    """Load the policy, run ``gates`` (all enabled if empty) on the repository at ``path``,
    emit every output, return the exit code.

    ``overrides`` replaces keys of policy sections for this run (``{"audit": {"files": [...]}}``),
    for subcommands whose flags refine one gate; the result is validated like the policy.
    With ``github`` the verdict is also published to GitHub (settings checked before the run).
    With ``cache`` a gate whose inputs did not change reuses its last verdict (pre-push mode).
    """
    from gatekeeper import runner

    env = os.environ if env is None else env
    root = resolve_root(path)
    wanted = resolve_outputs(outputs, env)
    settings = None
    if github:
        from gatekeeper.github.settings import load_settings

        settings = load_settings()
    loaded = load(policy, root, env)
    judged = loaded.policy
    if overrides:
        from gatekeeper.policy.load import with_overrides

        judged = with_overrides(judged, overrides)
    report = runner.run(
        root,
        judged,
        gates=gates,
        base_ref=base,
        policy_sources=loaded.sources,
        progress=lambda name, outcome: say(f"{name}: {outcome}"),
        cache=cache,
    )
    emit(report, wanted, env)
    print_summary(report)
    if settings is not None:
        return publish_to_github(report, settings)
    return report.exit_code


def publish_to_github(report: Report, settings: GitHubSettings) -> int:
    """Publish ``report``; the exit code stays the verdict's. A publishing error is printed and
    never hides the verdict: a failed run keeps its code, a passed one exits with the error's
    (3: GitHub unreachable or refusing). Notices (a fork's read-only token) are workflow
    commands on stderr."""
    from gatekeeper.errors import EXIT_PASSED, GatekeeperError
    from gatekeeper.github.publish import publish
    from gatekeeper.net.urls import redact
    from gatekeeper.report.github import command

    try:
        published = publish(report, settings)
    except GatekeeperError as exc:
        print(f"gatekeeper: error: publishing to GitHub: {redact(str(exc))}", file=sys.stderr)
        return report.exit_code if report.exit_code != EXIT_PASSED else exc.exit_code
    for line in published.done:
        say(f"github: {line}")
    for notice in published.notices:
        print(command("notice", f"gatekeeper: {notice}"), file=sys.stderr)
    return report.exit_code
