"""`callscope backup` / `restore` on SQLite and PostgreSQL: a restored database answers the
reports and the call log byte for byte as the backed-up one did, whatever changed since."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from callscope.entrypoints.cli import main
from callscope.services import rollups
from tests.conftest import Api
from tests.integration.test_reports import PERIOD, RADIO, call, clock, site

__all__ = ["clock", "site"]  # fixtures the tests below use


def snapshot(api: Api, site_id: int) -> list[bytes]:
    """The raw bodies of the channel reports and the call log."""
    rollups.count_visits(api.storage)  # what the server's counter would do within a second
    paths = [f"/v1/reports/channels?by={by}" for by in ("source", "medium", "campaign", "term")]
    paths += ["/v1/reports/channels?by=source&model=linear", "/v1/calls"]
    bodies = []
    for path in paths:
        answer = api.client.get(path, headers=api.admin, params={"site": site_id, **PERIOD})
        assert answer.status_code == 200, answer.text
        bodies.append(answer.content)
    return bodies


def cli(monkeypatch: pytest.MonkeyPatch, api: Api, *args: str) -> int:
    url = api.storage.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("CALLSCOPE_DATABASE_URL", url)
    with pytest.raises(SystemExit) as ended:
        main(list(args))
    return int(ended.value.code or 0)


def test_a_restored_database_gives_byte_identical_reports_and_call_log(
    api: Api, site: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(api, site)
    assert b"+12125550001" in before[-1]  # the call log really holds calls
    copy = tmp_path / "callscope.backup"
    assert cli(monkeypatch, api, "backup", str(copy)) == 0
    # After the backup: one more call, and a caller erased.
    call(api, "C7", RADIO, "+12125550009", datetime(2026, 3, 3, 16, 0, tzinfo=UTC), 30)
    erased = api.client.delete("/v1/callers/+12125550001", headers=api.admin)
    assert erased.status_code == 200, erased.text
    changed = snapshot(api, site)
    assert changed[0] != before[0] and changed[-1] != before[-1]
    assert cli(monkeypatch, api, "restore", str(copy)) == 0
    assert snapshot(api, site) == before


def test_a_file_that_is_no_backup_is_refused_and_nothing_changes(
    api: Api,
    site: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = snapshot(api, site)
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database\n")
    assert cli(monkeypatch, api, "restore", str(junk)) == 2
    assert "is not a callscope backup" in capsys.readouterr().err
    assert cli(monkeypatch, api, "restore", str(tmp_path / "missing.backup")) == 2
    assert snapshot(api, site) == before
