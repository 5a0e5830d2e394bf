"""Hostile sdists and wheels: every refusal is a finding and nothing lands outside the
temporary directory."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from gatekeeper.errors import ArchiveError
from gatekeeper.model import Severity
from gatekeeper.registry.artifacts import Limits, kind_of, list_members, unpacked
from tests.registry.archives import Entry, sdist, wheel

TOP = "corp_x-1.0.0"


def _ids(findings: object) -> list[str]:
    return [f.rule_id for f in findings]  # type: ignore[attr-defined]


def test_a_clean_sdist_is_extracted_below_its_top_directory(tmp_path: Path) -> None:
    archive = sdist(
        tmp_path / f"{TOP}.tar.gz",
        [
            Entry(f"{TOP}/", type="dir"),
            (f"{TOP}/PKG-INFO", b"Metadata-Version: 2.4\n"),
            (f"{TOP}/src/corp_x/__init__.py", b"x = 1\n"),
        ],
    )
    with unpacked(archive) as out:
        assert out.kind == "sdist" and not out.findings and not out.blocked
        assert out.root.name == TOP
        assert out.files == {"PKG-INFO": 22, "src/corp_x/__init__.py": 6}
        assert (out.root / "src" / "corp_x" / "__init__.py").read_bytes() == b"x = 1\n"
        mode = (out.root / "PKG-INFO").stat().st_mode & 0o777
        assert mode == 0o644
        temp = out.root.parent.parent
    assert not temp.exists(), "the temporary directory is removed on exit"
    assert [m.type for m in out.members] == ["dir", "file", "file"]


def test_a_clean_wheel_is_extracted_at_its_root(tmp_path: Path) -> None:
    archive = wheel(
        tmp_path / "corp_x-1.0.0-py3-none-any.whl",
        [
            ("corp_x/__init__.py", b"x = 1\n"),
            Entry("corp_x/sub/", type="dir"),
            Entry("corp_x-1.0.0.dist-info/METADATA", b"Name: corp-x\n", type="bare"),
        ],
    )
    with zipfile.ZipFile(archive) as zf:
        assert zf.getinfo("corp_x-1.0.0.dist-info/METADATA").external_attr == 0o644 << 16
    with unpacked(archive) as out:
        assert out.kind == "wheel" and not out.findings
        assert out.files == {"corp_x/__init__.py": 6, "corp_x-1.0.0.dist-info/METADATA": 13}
        assert out.root.name == "x"


def test_an_sdist_without_one_top_directory_is_extracted_as_it_is(tmp_path: Path) -> None:
    archive = sdist(tmp_path / "a.tar.gz", [("setup.py", b""), (f"{TOP}/b", b"")])
    with unpacked(archive) as out:
        assert sorted(out.files) == [f"{TOP}/b", "setup.py"]


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("../evil", "GK-PUB-001"),
        (f"{TOP}/../../evil", "GK-PUB-001"),
        ("..\\evil", "GK-PUB-001"),
        ("/tmp/evil", "GK-PUB-002"),
        ("C:\\evil", "GK-PUB-002"),
        ("C:/evil", "GK-PUB-002"),
    ],
)
@pytest.mark.parametrize("kind", ["sdist", "wheel"])
def test_paths_that_escape_are_refused(tmp_path: Path, name: str, rule: str, kind: str) -> None:
    make = sdist if kind == "sdist" else wheel
    archive = make(tmp_path / ("a.tar.gz" if kind == "sdist" else "a.whl"), [(name, b"pwned")])
    with unpacked(archive) as out:
        assert _ids(out.findings) == [rule]
        assert out.findings[0].severity is Severity.CRITICAL and out.blocked
        assert out.files == {}
        assert not any(out.root.rglob("*"))
    assert not (tmp_path / "evil").exists() and not (tmp_path.parent / "evil").exists()
    assert not Path("/tmp/evil").exists()


def test_an_entry_that_is_only_dots_is_skipped(tmp_path: Path) -> None:
    archive = wheel(tmp_path / "a.whl", [Entry("./", type="dir"), ("./a", b"1")])
    with unpacked(archive) as out:
        assert out.files == {"a": 1} and not out.findings
    archive = sdist(tmp_path / "b.tar.gz", [(".", b"")])
    with unpacked(archive) as out:
        assert out.files == {} and not out.findings


@pytest.mark.parametrize(
    ("entry", "severity"),
    [
        (Entry(f"{TOP}/link", type="symlink", target="../../../etc/passwd"), Severity.CRITICAL),
        (Entry(f"{TOP}/link", type="symlink", target="/etc/passwd"), Severity.CRITICAL),
        (Entry(f"{TOP}/link", type="hardlink", target="../etc/passwd"), Severity.CRITICAL),
        (Entry(f"{TOP}/link", type="symlink", target="PKG-INFO"), Severity.INFO),
        (Entry(f"{TOP}/link", type="hardlink", target=f"{TOP}/PKG-INFO"), Severity.INFO),
    ],
)
def test_links_in_an_sdist_are_never_extracted(
    tmp_path: Path, entry: Entry, severity: Severity
) -> None:
    archive = sdist(tmp_path / "a.tar.gz", [(f"{TOP}/PKG-INFO", b"M"), entry])
    with unpacked(archive) as out:
        assert _ids(out.findings) == ["GK-PUB-003"]
        assert out.findings[0].severity is severity
        assert out.blocked is (severity is not Severity.INFO)
        assert out.files == {"PKG-INFO": 1}
        assert not (out.root / "link").exists() and not (out.root / "link").is_symlink()
        assert out.members[1].target == entry.target


def test_any_link_in_a_wheel_is_refused(tmp_path: Path) -> None:
    archive = wheel(
        tmp_path / "a.whl",
        [("corp_x/a.py", b""), Entry("corp_x/b.py", type="symlink", target="a.py")],
    )
    with unpacked(archive) as out:
        assert _ids(out.findings) == ["GK-PUB-003"]
        assert "wheels hold regular files only" in out.findings[0].message
        assert not (out.root / "corp_x" / "b.py").exists()
        assert out.members[1].type == "symlink" and out.members[1].target == "a.py"


@pytest.mark.parametrize("kind", ["chr", "fifo"])
def test_special_files_in_an_sdist_are_refused(tmp_path: Path, kind: str) -> None:
    archive = sdist(tmp_path / "a.tar.gz", [Entry(f"{TOP}/dev", type=kind)])
    with unpacked(archive) as out:
        assert _ids(out.findings) == ["GK-PUB-004"] and out.files == {}
        assert not (out.root / "dev").exists()


def test_special_files_in_a_wheel_are_refused(tmp_path: Path) -> None:
    archive = wheel(tmp_path / "a.whl", [Entry("corp_x/dev", type="chr")])
    with unpacked(archive) as out:
        assert _ids(out.findings) == ["GK-PUB-004"] and out.files == {}


@pytest.mark.parametrize("kind", ["sdist", "wheel"])
def test_a_member_over_the_size_limit_stops_reading(tmp_path: Path, kind: str) -> None:
    make = sdist if kind == "sdist" else wheel
    archive = make(
        tmp_path / ("a.tar.gz" if kind == "sdist" else "a.whl"),
        [("a", b"0" * 2000), ("b", b"small")],
    )
    with unpacked(archive, Limits(max_member_bytes=1000)) as out:
        assert _ids(out.findings) == ["GK-PUB-005"]
        assert "more than 1000 bytes" in out.findings[0].message
        assert out.files == {} and len(out.members) == 1  # b was never read


def test_members_over_the_total_limit(tmp_path: Path) -> None:
    archive = sdist(tmp_path / "a.tar.gz", [("a", b"0" * 600), ("b", b"1" * 600)])
    with unpacked(archive, Limits(max_total_bytes=1000, max_ratio=1e9)) as out:
        assert _ids(out.findings) == ["GK-PUB-005"]
        assert out.files == {"a": 600}
        assert "over 1000 bytes" in out.findings[0].message


def test_a_compression_ratio_bomb(tmp_path: Path) -> None:
    archive = wheel(tmp_path / "a.whl", [("zeros", b"\0" * (1 << 20))])
    assert archive.stat().st_size < 5000
    limits = Limits(max_ratio=100, ratio_floor_bytes=0)
    with unpacked(archive, limits) as out:
        assert _ids(out.findings) == ["GK-PUB-005"]
        assert "100 times the archive" in out.findings[0].message
    with unpacked(archive) as out:  # below the floor, a megabyte of zeros is harmless
        assert not out.findings


@pytest.mark.parametrize(
    "names",
    [
        ("a/x.py", "a/x.py"),
        ("a/x.py", "a/./x.py"),
        ("a/X.py", "a/x.py"),
        ("a/x.py", "a//x.py"),
    ],
)
@pytest.mark.parametrize("kind", ["sdist", "wheel"])
def test_a_name_seen_twice_is_refused(tmp_path: Path, names: tuple[str, str], kind: str) -> None:
    make = sdist if kind == "sdist" else wheel
    first, second = names
    path = tmp_path / ("a.tar.gz" if kind == "sdist" else "a.whl")
    if kind == "wheel" and first == second:
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive = make(path, [(first, b"first"), (second, b"second")])
    else:
        archive = make(path, [(first, b"first"), (second, b"second")])
    with unpacked(archive) as out:
        assert _ids(out.findings) == ["GK-PUB-006"]
        assert list(out.files.values()) == [5]
        (written,) = (p for p in out.root.rglob("*") if p.is_file())
        assert written.read_bytes() == b"first"


@pytest.mark.parametrize("order", [("a", "a/b"), ("a/b", "a")])
def test_a_file_and_a_directory_of_the_same_name_collide(
    tmp_path: Path, order: tuple[str, str]
) -> None:
    archive = sdist(tmp_path / "a.tar.gz", [(name, b"1") for name in order])
    with unpacked(archive) as out:
        assert _ids(out.findings) == ["GK-PUB-006"]
        assert "collides" in out.findings[0].message
        assert len(out.files) == 1


@pytest.mark.parametrize("kind", ["sdist", "wheel"])
def test_too_many_members(tmp_path: Path, kind: str) -> None:
    make = sdist if kind == "sdist" else wheel
    path = tmp_path / ("a.tar.gz" if kind == "sdist" else "a.whl")
    archive = make(path, [(f"f{i}", b"") for i in range(5)])
    with unpacked(archive, Limits(max_members=3)) as out:
        assert _ids(out.findings) == ["GK-PUB-007"]
        assert sorted(out.files) == ["f0", "f1", "f2"]


@pytest.mark.parametrize("name", ["a.tar.gz", "a.whl"])
def test_garbage_is_unreadable(tmp_path: Path, name: str) -> None:
    archive = tmp_path / name
    archive.write_bytes(b"this is not an archive" * 10)
    with unpacked(archive) as out:
        assert _ids(out.findings) == ["GK-PUB-008"] and out.blocked


def test_a_zip_entry_lying_about_its_size_is_unreadable(tmp_path: Path) -> None:
    archive = wheel(tmp_path / "a.whl", [("a", b"0" * 5000)])
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo("a")
    # shrink the uncompressed size in the local header and the central directory to 10 bytes
    real = (5000).to_bytes(4, "little")
    assert data.count(real) == 2
    archive.write_bytes(bytes(data).replace(real, (10).to_bytes(4, "little")))
    assert info.file_size == 5000
    with unpacked(archive) as out:
        assert _ids(out.findings) == ["GK-PUB-008"]
        assert out.files == {}


def test_listing_reads_without_writing(tmp_path: Path) -> None:
    archive = sdist(tmp_path / "a.tar.gz", [(f"{TOP}/a", b"12"), ("../evil", b"x")])
    before = sorted(os.listdir(tmp_path))
    listing = list_members(archive)
    assert listing.files == {f"{TOP}/a": 2}
    assert _ids(listing.findings) == ["GK-PUB-001"]
    assert listing.root == tmp_path
    assert sorted(os.listdir(tmp_path)) == before
    zipped = list_members(wheel(tmp_path / "a.whl", [("m/a", b"123")]))
    assert zipped.files == {"m/a": 3}


def test_the_message_escapes_control_characters(tmp_path: Path) -> None:
    archive = sdist(tmp_path / "a.tar.gz", [("../\x1b[31mred", b"")])
    with unpacked(archive) as out:
        assert "\x1b" not in out.findings[0].message
        assert "\\x1b" in out.findings[0].message


def test_kind_of() -> None:
    assert kind_of(Path("a-1.tar.gz")) == "sdist"
    assert kind_of(Path("a-1-py3-none-any.whl")) == "wheel"
    with pytest.raises(ArchiveError, match="not an sdist"):
        kind_of(Path("a-1.zip"))


@pytest.mark.parametrize(
    ("entries", "rules"),
    [
        ([Entry("../l", type="symlink", target="x")], ["GK-PUB-001"]),
        ([("l", b""), Entry("L", type="symlink", target="x")], ["GK-PUB-006"]),
    ],
)
@pytest.mark.parametrize("kind", ["sdist", "wheel"])
def test_a_link_with_a_bad_name_is_refused_for_its_name(
    tmp_path: Path, entries: list[Entry | tuple[str, bytes]], rules: list[str], kind: str
) -> None:
    make = sdist if kind == "sdist" else wheel
    archive = make(tmp_path / ("a.tar.gz" if kind == "sdist" else "a.whl"), entries)
    with unpacked(archive) as out:
        assert _ids(out.findings) == rules
