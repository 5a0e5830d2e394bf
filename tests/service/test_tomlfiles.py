from __future__ import annotations

from pathlib import Path

from gatekeeper.service import tomlfiles


def test_merge_tables_key_by_key_and_everything_else_replaced() -> None:
    base = {"a": 1, "t": {"x": 1, "y": {"deep": 1, "keep": 2}}, "list": [1, 2], "s": {"k": 1}}
    overlay = {"t": {"y": {"deep": 9}, "z": 3}, "list": [3], "s": "scalar", "new": True}
    merged = tomlfiles.merge(base, overlay)
    assert merged == {
        "a": 1,
        "t": {"x": 1, "y": {"deep": 9, "keep": 2}, "z": 3},
        "list": [3],  # arrays are replaced, never concatenated
        "s": "scalar",  # a scalar replaces a table
        "new": True,
    }
    assert tomlfiles.merge({"s": 1}, {"s": {"k": 1}}) == {"s": {"k": 1}}  # and the reverse
    assert base["t"] == {"x": 1, "y": {"deep": 1, "keep": 2}}  # inputs untouched


def test_leaves_lists_every_non_table_path() -> None:
    data = {"a": 1, "t": {"x": [1], "e": {}, "u": {"v": "w"}}}
    assert sorted(tomlfiles.leaves(data)) == [("a",), ("t", "e"), ("t", "u", "v"), ("t", "x")]


def test_environments_are_the_env_files(tmp_path: Path) -> None:
    assert tomlfiles.environments(tmp_path / "missing") == ()
    for name in ("default", "production", "staging", "Bad Name", "development"):
        (tmp_path / f"{name}.toml").write_text("")
    (tmp_path / "dir.toml").mkdir()
    (tmp_path / "notes.txt").write_text("")
    assert tomlfiles.environments(tmp_path) == ("development", "production", "staging")


def test_read_reports_malformed_and_undecodable_files(tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text('a = 1\n[t]\nb = "x"\n')
    assert tomlfiles.read(good).data == {"a": 1, "t": {"b": "x"}}
    bad = tmp_path / "bad.toml"
    bad.write_text("a = 1\nb = = 2\n")
    parsed = tomlfiles.read(bad)
    assert parsed.data == {}
    assert parsed.error is not None and parsed.error.startswith("malformed TOML")
    assert parsed.line == 2
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"a = '\xff\xfe'\n")
    assert tomlfiles.read(binary).error == "cannot read file: not UTF-8"
