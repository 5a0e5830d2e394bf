"""The gate's rules: bandit's tests (their IDs, ``B602``, are the rule IDs) and our own.

:data:`BANDIT_TESTS` is bandit 1.9's plugin and blacklist table (ID, plugin name, CWE), so the
README and SARIF list bandit's rules without importing bandit. A test ID bandit adds later
still reports: :func:`bandit_rule` makes its rule from the finding.
"""

from __future__ import annotations

import functools

from gatekeeper.model import Rule, Severity

BARE_NOSEC = Rule(
    "GK-SST-001",
    "Bare # nosec",
    Severity.MEDIUM,
    description="A `# nosec` that names no bandit test ID: it suppresses nothing. Name the "
    "rule, and the reason if `sast.require_reason` (`# nosec B602 - input is a constant`).",
)
UNPARSABLE = Rule(
    "GK-SST-002",
    "File cannot be analysed",
    Severity.CRITICAL,
    description="A Python file that does not parse or cannot be decoded (or that bandit fails "
    "on): nothing in it was checked. Always fails; no threshold hides it.",
)
UNUSED_NOSEC = Rule(
    "GK-SST-003",
    "Unused suppression",
    Severity.INFO,
    description="A `# nosec` naming a test ID that reported nothing there: remove it.",
)
NOSEC_NO_REASON = Rule(
    "GK-SST-004",
    "Suppression without a reason",
    Severity.MEDIUM,
    description="A `# nosec B602` with no reason after the IDs while `sast.require_reason` is "
    "set: it suppresses nothing.",
)
SKIPPED_FILE = Rule(
    "GK-SST-005",
    "Python files not read",
    Severity.INFO,
    description="Python files skipped, counted per reason: binary, larger than the read limit, "
    "not a regular file, or a symlink out of the repository.",
)
OWN_RULES: tuple[Rule, ...] = (BARE_NOSEC, UNPARSABLE, UNUSED_NOSEC, NOSEC_NO_REASON, SKIPPED_FILE)

#: bandit's tests: (test ID, plugin name, CWE).
BANDIT_TESTS: tuple[tuple[str, str, int], ...] = (
    ("B101", "assert_used", 703),
    ("B102", "exec_used", 78),
    ("B103", "set_bad_file_permissions", 732),
    ("B104", "hardcoded_bind_all_interfaces", 605),
    ("B105", "hardcoded_password_string", 259),
    ("B106", "hardcoded_password_funcarg", 259),
    ("B107", "hardcoded_password_default", 259),
    ("B108", "hardcoded_tmp_directory", 377),
    ("B110", "try_except_pass", 703),
    ("B112", "try_except_continue", 703),
    ("B113", "request_without_timeout", 400),
    ("B201", "flask_debug_true", 94),
    ("B202", "tarfile_unsafe_members", 22),
    ("B301", "pickle", 502),
    ("B302", "marshal", 502),
    ("B303", "md5", 327),
    ("B304", "ciphers", 327),
    ("B305", "cipher_modes", 327),
    ("B306", "mktemp_q", 377),
    ("B307", "eval", 78),
    ("B308", "mark_safe", 79),
    ("B310", "urllib_urlopen", 22),
    ("B311", "random", 330),
    ("B312", "telnetlib", 319),
    ("B313", "xml_bad_cElementTree", 20),
    ("B314", "xml_bad_ElementTree", 20),
    ("B315", "xml_bad_expatreader", 20),
    ("B316", "xml_bad_expatbuilder", 20),
    ("B317", "xml_bad_sax", 20),
    ("B318", "xml_bad_minidom", 20),
    ("B319", "xml_bad_pulldom", 20),
    ("B321", "ftplib", 319),
    ("B323", "unverified_context", 295),
    ("B324", "hashlib_insecure_functions", 327),
    ("B401", "import_telnetlib", 319),
    ("B402", "import_ftplib", 319),
    ("B403", "import_pickle", 502),
    ("B404", "import_subprocess", 78),
    ("B405", "import_xml_etree", 20),
    ("B406", "import_xml_sax", 20),
    ("B407", "import_xml_expat", 20),
    ("B408", "import_xml_minidom", 20),
    ("B409", "import_xml_pulldom", 20),
    ("B411", "import_xmlrpclib", 20),
    ("B412", "import_httpoxy", 284),
    ("B413", "import_pycrypto", 327),
    ("B415", "import_pyghmi", 319),
    ("B501", "request_with_no_cert_validation", 295),
    ("B502", "ssl_with_bad_version", 327),
    ("B503", "ssl_with_bad_defaults", 327),
    ("B504", "ssl_with_no_version", 327),
    ("B505", "weak_cryptographic_key", 326),
    ("B506", "yaml_load", 20),
    ("B507", "ssh_no_host_key_verification", 295),
    ("B508", "snmp_insecure_version", 319),
    ("B509", "snmp_weak_cryptography", 319),
    ("B601", "paramiko_calls", 78),
    ("B602", "subprocess_popen_with_shell_equals_true", 78),
    ("B603", "subprocess_without_shell_equals_true", 78),
    ("B604", "any_other_function_with_shell_equals_true", 78),
    ("B605", "start_process_with_a_shell", 78),
    ("B606", "start_process_with_no_shell", 78),
    ("B607", "start_process_with_partial_path", 78),
    ("B608", "hardcoded_sql_expressions", 89),
    ("B609", "linux_commands_wildcard_injection", 155),
    ("B610", "django_extra_used", 89),
    ("B611", "django_rawsql_used", 89),
    ("B612", "logging_config_insecure_listen", 94),
    ("B613", "trojansource", 838),
    ("B614", "pytorch_load", 502),
    ("B615", "huggingface_unsafe_download", 494),
    ("B701", "jinja2_autoescape_false", 94),
    ("B702", "use_of_mako_templates", 80),
    ("B703", "django_mark_safe", 80),
    ("B704", "markupsafe_markup_xss", 79),
)


def _rule(test_id: str, name: str, cwe: int | None) -> Rule:
    title = f"bandit {name}"
    return Rule(
        test_id,
        title,
        Severity.MEDIUM,
        cwe=cwe,
        description=f"bandit's `{name}` test; severity and confidence are bandit's per finding.",
        help_uri=f"https://bandit.readthedocs.io/en/latest/search.html?q={test_id}",
    )


BANDIT_RULES: dict[str, Rule] = {i: _rule(i, n, c) for i, n, c in BANDIT_TESTS}
RULES: tuple[Rule, ...] = (*OWN_RULES, *BANDIT_RULES.values())


@functools.cache
def bandit_rule(test_id: str, name: str, cwe: int | None) -> Rule:
    """The rule of a bandit finding: the shipped one, or one made from the finding."""
    return BANDIT_RULES.get(test_id) or _rule(test_id, name, cwe)
