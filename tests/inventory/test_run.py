"""The whole run against the fake organisation: rows, the rate limit, the 304s of a rerun."""

from __future__ import annotations

import stat
from collections import Counter

import pytest

from gatekeeper.github.settings import Access
from gatekeeper.inventory.cache import cache_path
from gatekeeper.inventory.model import Row
from gatekeeper.inventory.run import Options, build
from tests.inventory.conftest import TOKEN
from tests.inventory.fake_org import ORG, FakeOrg
from tests.net.fakes import FakeTime

# A loopback fake of GitHub's API serves these tests: a server, so slow.
pytestmark = pytest.mark.slow


def by_name(rows: tuple[Row, ...]) -> dict[str, Row]:
    return {row.service: row for row in rows}


def test_rows_of_every_layout(org: FakeOrg, access: Access, options: Options) -> None:
    result = build(ORG, access, options)
    assert result.archived == 11 and result.not_python == 11
    rows = by_name(result.rows)
    assert len(rows) == 110 - 22
    assert [r.service for r in result.rows] == sorted(rows)

    poetry = rows["svc-010"]
    assert poetry.team == "@corp/team-1"
    assert (poetry.python, poetry.python_source, poetry.generation) == (
        "3.9",
        "Dockerfile:1",
        "naughty",
    )
    assert poetry.deployment == ("docker",)
    assert [p.describe() for p in poetry.frameworks] == ["flask 2.3.3"]
    assert [p.describe(internal=True) for p in poetry.internal] == [
        "corp-auth 1.0.0 (behind: unknown)"
    ]
    assert poetry.gatekeeper_ci is False and poetry.findings is None

    uv = rows["svc-001"]
    assert uv.team == "@corp/team-1" and uv.python == "3.12" and uv.generation == "maintenance"
    assert uv.python_source == "pyproject.toml:4"
    assert uv.deployment == ("kubernetes",) and uv.gatekeeper_ci is True
    assert [p.describe() for p in uv.frameworks] == ["fastapi 0.115.0", "uvicorn 0.30.1"]
    assert [p.name for p in uv.internal] == ["corp-config"]

    plain = rows["svc-002"]
    assert plain.team == "@corp/team-2 @corp/sre"  # docs/CODEOWNERS
    assert (plain.python, plain.generation, plain.deployment) == ("3.14", "current", ("procfile",))
    assert [p.describe() for p in plain.frameworks] == ["flask 3.0.0", "gunicorn 22.0.0"]

    split = rows["svc-006"]
    assert split.team is None and split.deployment == ("serverless",)  # values.yaml: no kind
    assert split.gatekeeper_ci is True and split.python == "3.11"
    assert [p.describe() for p in split.frameworks] == ["django 4.2.1"]

    broken = rows["svc-007"]
    assert broken.deployment == ("docker",) and broken.python is None
    assert any("pyproject.toml" in note for note in broken.notes)
    assert [p.describe() for p in broken.frameworks] == ["hypercorn 0.17.0", "starlette 0.37.2"]

    assert rows["svc-008"].generation == "naughty"  # 3.15.0rc1 in production
    assert rows["svc-009"].python is None and rows["svc-009"].generation is None
    assert rows["svc-005"].empty and rows["svc-005"].notes == ("empty repository",)
    assert "svc-003" not in rows and "svc-004" not in rows


def test_a_rerun_is_mostly_304s_and_survives_the_rate_limit(
    org: FakeOrg, access: Access, options: Options, clock: FakeTime
) -> None:
    first = build(ORG, access, options)
    contents = [s for p, s in org.statuses if "/contents" in p]
    assert Counter(contents)[200] > 300 and 304 not in contents
    path = cache_path(access.api_url, ORG, options.cache_dir)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert TOKEN not in path.read_text()

    org.statuses.clear()
    org.trip_after = 50
    second = build(ORG, access, options)
    assert second.rows == first.rows
    statuses = Counter(s for _, s in org.statuses)
    assert statuses[403] == 3  # the rate limit tripped mid-run, and each was retried
    assert statuses[304] >= 0.9 * sum(statuses.values())
    # each wait runs to the reset second; one whose reset already passed (a busy machine) is 0
    assert any(s > 0 for s in clock.sleeps) and all(0 <= s <= 2 for s in clock.sleeps)
