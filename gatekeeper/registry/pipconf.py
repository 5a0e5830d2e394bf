"""``gatekeeper registry pip-conf``: the pip and uv settings that install from one index.

One ``index-url`` and never ``extra-index-url``: with two indexes pip takes the highest version
from either, so a public package can shadow an internal name. No credentials are written.
"""

from __future__ import annotations

from gatekeeper.net.urls import check_url, without_userinfo


def simple_url(server: str, index: str) -> str:
    """The PEP 503 simple URL of ``index`` (``user/index``) on ``server``, without credentials."""
    return f"{without_userinfo(server).rstrip('/')}/{index}/+simple/"


def pip_conf(url: str) -> str:
    check_url(url, "the index URL")
    return (
        "# pip.conf (~/.config/pip/pip.conf, /etc/pip.conf, or PIP_CONFIG_FILE)\n"
        "# One index only: devpi serves internal packages and, through its bases, public ones.\n"
        "[global]\n"
        f"index-url = {url}\n"
    )


def uv_toml(url: str) -> str:
    check_url(url, "the index URL")
    return (
        "# uv.toml (~/.config/uv/uv.toml, or [tool.uv] in pyproject.toml)\n"
        "# default = true replaces PyPI: this is the only index uv asks.\n"
        "[[index]]\n"
        'name = "internal"\n'
        f'url = "{url}"\n'
        "default = true\n"
    )
