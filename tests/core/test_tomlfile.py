"""The one TOML helper module: safe reads, line-numbered parse errors, merging, key lines."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from gatekeeper.errors import ConfigError, LockfileError
from gatekeeper.tomlfile import MAX_BYTES, loads, locate, merge, read_error, read_text


def test_merge_tables_key_by_key_and_everything_else_replaced() -> None:
    base = {"a": 1, "t": {"x": 1, "y": {"deep": 1, "keep": 2}}, "list": [1, 2], "s": {"k": 1}}
    overlay = {"t": {"y": {"deep": 9}, "z": 3}, "list": [3], "s": "scalar", "new": True}
    merged = merge(base, overlay)
    assert merged == {
        "a": 1,
        "t": {"x": 1, "y": {"deep": 9, "keep": 2}, "z": 3},
        "list": [3],  # arrays are replaced unless their key is appended
        "s": "scalar",  # a scalar replaces a table
        "new": True,
    }
    assert merge({"s": 1}, {"s": {"k": 1}}) == {"s": {"k": 1}}  # and the reverse
    assert base["t"] == {"x": 1, "y": {"deep": 1, "keep": 2}}  # inputs untouched


def test_merge_appends_the_arrays_it_is_told_to() -> None:
    base = {"a": {"x": 1, "y": [1]}, "waiver": [1], "s": 1}
    overlay = {"a": {"y": [2]}, "waiver": [2], "s": {"t": 1}, "n": 3}
    assert merge(base, overlay, {"waiver"}) == {
        "a": {"x": 1, "y": [2]},
        "waiver": [1, 2],
        "s": {"t": 1},
        "n": 3,
    }
    assert merge({"waiver": 1}, {"waiver": [2]}, {"waiver"}) == {"waiver": [2]}


@pytest.mark.parametrize(
    ("text", "loc", "line"),
    [
        ("a = 1\n[b]\nc = 2\n", ["b", "c"], 3),
        ("a = 1\n[b]\nc = 2\n", ["a"], 1),
        ("a = 1\n[b]\nc = 2\n", ["b", "missing"], 2),  # the table header
        ("[b]\nc = 2\n[d]\nmissing = 1\n", ["b", "missing"], 1),  # stops at the next table
        ("[[w]]\nid = 1\n[[w]]\nid = 2\n", ["w", 1, "id"], 4),
        ("[[w]]\nid = 1\n", ["w", 5, "id"], None),  # no such array entry, no top-level key
        ("x = 1\n", ["nothing"], None),
        ("[b]\n", [], None),
        ('"quoted" = 1\n', ["quoted"], 1),
        ("a.b = 1\n", ["a", "b"], 1),  # a dotted key
        ("c = [\n  1,\n  'x',\n]\n", ["c", 1], 1),  # an array item: the key's line
    ],
)
def test_locate(text: str, loc: list[str | int], line: int | None) -> None:
    assert locate(text, loc) == line


def test_locate_with_prefix() -> None:
    text = '[project]\nname = "x"\n[tool.gatekeeper.audit]\nfail_on = "x"\n'
    assert locate(text, ["audit", "fail_on"], ("tool", "gatekeeper")) == 4


def test_loads_raises_the_callers_error_with_the_line() -> None:
    assert loads("a = 1\n", "f.toml", LockfileError) == {"a": 1}
    with pytest.raises(LockfileError) as err:
        loads("a = 1\nb = = 2\n", "f.toml", LockfileError)
    assert (err.value.path, err.value.line) == ("f.toml", 2)
    assert err.value.message.startswith("malformed TOML: ")
    assert "line" not in err.value.message  # the position moved into .line
    with pytest.raises(ConfigError, match=r"^f.toml:1: malformed TOML"):
        loads("[a\n", "f.toml", ConfigError)


def test_read_text_reads_regular_files_and_symlinks_to_them(tmp_path: Path) -> None:
    target = tmp_path / "a.toml"
    target.write_text("a = 'é'\n", "utf-8")
    link = tmp_path / "link.toml"
    link.symlink_to(target)
    assert read_text(target) == read_text(link) == "a = 'é'\n"
    exact = tmp_path / "exact.toml"
    exact.write_bytes(b"x" * 8)
    assert read_text(exact, limit=8) == "x" * 8


@pytest.mark.parametrize("kind", ["fifo", "device", "directory"])
def test_read_text_refuses_what_is_not_a_regular_file(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "policy.toml"
    if kind == "fifo":
        os.mkfifo(path)  # no writer: a blocking open would hang here
    elif kind == "device":
        path.symlink_to("/dev/zero")  # reading it would never end
    else:
        path.mkdir()
    with pytest.raises(OSError) as err:
        read_text(path)
    assert err.value.errno in (errno.EINVAL, errno.EISDIR)


def test_read_text_limits_the_size_and_wants_utf8(tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (MAX_BYTES + 1))
    with pytest.raises(OSError) as err:
        read_text(big)
    assert (err.value.errno, read_error(err.value)) == (errno.EFBIG, "larger than 1048576 bytes")
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff")
    with pytest.raises(UnicodeDecodeError) as bad:
        read_text(binary)
    assert read_error(bad.value) == "not UTF-8"
    assert read_error(FileNotFoundError()) == "FileNotFoundError"  # no strerror: the class
