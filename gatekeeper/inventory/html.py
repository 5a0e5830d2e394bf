"""A self-contained HTML page of the inventory: inline CSS and JavaScript, no external
resources, so it works offline and from a mail attachment.

Rows are coloured by generation like the book's spreadsheet (current green, maintenance
yellow, naughty red), as a class and an inline style. Clicking a column header sorts by it
(again: descending); a fragment ``#sort=COLUMN`` or ``#sort=-COLUMN`` (the column's index or
its heading) sorts on load, so a link can share a view.
"""

from __future__ import annotations

from html import escape

from gatekeeper.inventory.model import Inventory
from gatekeeper.inventory.render import COLUMNS, cells

#: Background colours by generation (the spreadsheet's conditional formatting).
COLOURS = {"current": "#c6efce", "maintenance": "#ffeb9c", "naughty": "#ffc7ce"}

_CSS = """
body { font-family: system-ui, sans-serif; margin: 1.5em; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border: 1px solid #999; padding: 0.3em 0.5em; text-align: left; vertical-align: top; }
th { background: #eee; cursor: pointer; user-select: none; }
th[aria-sort="ascending"]::after { content: " \\25B2"; }
th[aria-sort="descending"]::after { content: " \\25BC"; }
"""

_JS = r"""
(function () {
  var table = document.getElementById("inventory");
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  function key(row, col) {
    var text = row.cells[col].getAttribute("data-key") || row.cells[col].textContent;
    return text.trim();
  }
  function compare(a, b) {
    // Numeric runs compare as numbers: 3.9 < 3.14, 9 < 12 (versions and counts alike).
    return a.localeCompare(b, undefined, {numeric: true, sensitivity: "base"});
  }
  function sort(col, descending) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var c = compare(key(a, col), key(b, col));
      return descending ? -c : c;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    headers.forEach(function (th, i) {
      if (i === col) { th.setAttribute("aria-sort", descending ? "descending" : "ascending"); }
      else { th.removeAttribute("aria-sort"); }
    });
  }
  headers.forEach(function (th, i) {
    th.addEventListener("click", function () {
      sort(i, th.getAttribute("aria-sort") === "ascending");
    });
  });
  var match = /^#sort=(-?)(.+)$/.exec(decodeURIComponent(window.location.hash));
  if (match) {
    var name = match[2].toLowerCase();
    var col = headers.findIndex(function (th, i) {
      return String(i) === name || th.textContent.trim().toLowerCase() === name;
    });
    if (col >= 0) { sort(col, match[1] === "-"); }
  }
})();
"""

#: The generation column's sort key: naughty first, as the book upgrades them first.
_GENERATION_KEYS = {"naughty": "0", "maintenance": "1", "current": "2", "unknown": "3"}


def to_html(inventory: Inventory) -> str:
    head = "".join(f'<th scope="col">{escape(c)}</th>' for c in COLUMNS)
    body = []
    for row in inventory.rows:
        texts = cells(row)
        generation = row.generation or "unknown"
        colour = COLOURS.get(generation)
        style = f' style="background-color: {colour}"' if colour else ""
        tds = []
        for column, text in zip(COLUMNS, texts, strict=True):
            sort_key = ""
            if column == "generation":
                sort_key = f' data-key="{_GENERATION_KEYS.get(text, "4")}"'
            tds.append(f"<td{sort_key}>{escape(text)}</td>")
        body.append(
            f'<tr class="gen-{escape(generation)}" data-service="{escape(row.service)}"{style}>'
            + "".join(tds)
            + "</tr>"
        )
    title = f"Inventory of {inventory.org}"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{escape(title)}</h1><p>{escape(inventory.summary())}</p>"
        f'<table id="inventory"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
        f"<script>{_JS}</script></body></html>\n"
    )
