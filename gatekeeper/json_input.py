"""JSON from files and answers we do not control: every way :func:`json.loads` can fail on
hostile input (malformed text, bytes that are not UTF-8, nesting deep enough to exhaust the
recursion limit, integers beyond the interpreter's digit limit) becomes one typed error that
names where the data came from. The single place the deps and advisories code parses JSON."""

from __future__ import annotations

import json

from gatekeeper.errors import GatekeeperError, InputError


def load_json(
    data: bytes | str,
    *,
    source: str,
    error: type[GatekeeperError] = InputError,
) -> object:
    """The parsed document; ``error(message, path=source, line=...)`` when it cannot be read."""
    try:
        return json.loads(data)
    except UnicodeDecodeError:
        raise error("not UTF-8 text", path=source) from None
    except json.JSONDecodeError as exc:
        raise error(f"malformed JSON: {exc.msg}", path=source, line=exc.lineno) from None
    except RecursionError:
        raise error("JSON nested too deeply", path=source) from None
    except ValueError as exc:  # e.g. an integer longer than sys.get_int_max_str_digits()
        reason = str(exc).split(";", 1)[0][:80]
        raise error(f"unreadable JSON: {reason}", path=source) from None
