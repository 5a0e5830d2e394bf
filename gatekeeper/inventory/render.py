"""The inventory as CSV, markdown or JSON (the HTML page is :mod:`~gatekeeper.inventory.html`)."""

from __future__ import annotations

import csv
import io
import json

from gatekeeper.inventory.model import Inventory, Row

FORMATS = ("csv", "markdown", "json", "html")
COLUMNS = (
    "service",
    "team",
    "python",
    "generation",
    "deployment",
    "frameworks",
    "internal packages",
    "gatekeeper in CI",
    "open findings",
    "notes",
)


def cells(row: Row) -> tuple[str, ...]:
    """The row's columns as text, in :data:`COLUMNS` order."""
    return (
        row.service,
        row.team or ("" if row.empty else "unowned"),
        row.python or "",
        row.generation or ("" if row.empty else "unknown"),
        ", ".join(row.deployment),
        ", ".join(p.describe() for p in row.frameworks),
        ", ".join(p.describe(internal=True) for p in row.internal),
        "" if row.empty else ("yes" if row.gatekeeper_ci else "no"),
        "n/a" if row.findings is None else str(row.findings),
        "; ".join(row.notes),
    )


def render(inventory: Inventory, fmt: str) -> str:
    if fmt == "csv":
        return to_csv(inventory)
    if fmt == "markdown":
        return to_markdown(inventory)
    if fmt == "json":
        return to_json(inventory)
    from gatekeeper.inventory.html import to_html

    return to_html(inventory)


def to_csv(inventory: Inventory) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(cells(row) for row in inventory.rows)
    return out.getvalue()


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def to_markdown(inventory: Inventory) -> str:
    lines = [
        f"# Inventory of {_md(inventory.org)}",
        "",
        _md(inventory.summary()),
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    lines += ["| " + " | ".join(_md(c) for c in cells(row)) + " |" for row in inventory.rows]
    return "\n".join(lines) + "\n"


def to_json(inventory: Inventory) -> str:
    data = {
        "org": inventory.org,
        "archived": inventory.archived,
        "not_python": inventory.not_python,
        "advisories": inventory.advisories,
        "rows": [row.as_dict() for row in inventory.rows],
    }
    return json.dumps(data, indent=2) + "\n"
