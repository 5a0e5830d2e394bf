from __future__ import annotations

from pathlib import Path

from gatekeeper.service import tomlfiles


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
