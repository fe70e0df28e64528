"""Configuration by ``MESOSTAGE_*`` environment variables: each one changes what the program does, a command-line
option wins over its variable, a bad value stops with an error naming the variable, and docs/configuration.md lists
exactly the variables there are.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mesostage.cli import app as cli
from mesostage.settings import ENV_PREFIX, Settings, SettingsError, settings
from tests.factories import REPO
from tests.web_helpers import example_case

DOC = REPO / "docs" / "configuration.md"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No MESOSTAGE_* variable from outside (but the session's cache folder: tests/conftest.py), and the logging set
    up as it was before each test."""
    import os

    for name in [k for k in os.environ if k.startswith(ENV_PREFIX) and k != "MESOSTAGE_CACHE_DIR"]:
        monkeypatch.delenv(name)
    root, ours = logging.getLogger(), logging.getLogger("mesostage")
    handlers, level = list(root.handlers), ours.level
    yield
    root.handlers[:] = handlers
    ours.setLevel(level)


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What `mesostage serve` would hand to uvicorn (uvicorn itself is not started)."""
    import uvicorn

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda application, **kw: seen.update(kw, app=application))
    return seen


def _serve(*args: str) -> Any:
    return CliRunner().invoke(cli, ["serve", *args])


def _hosts(application: Any) -> list[str] | None:
    from starlette.middleware.trustedhost import TrustedHostMiddleware

    for m in application.user_middleware:
        if m.cls is TrustedHostMiddleware:
            return list(m.kwargs["allowed_hosts"])
    return None


def test_data_dir_and_trials_index_place_the_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mesostage.trials import default_index_path

    monkeypatch.setenv("MESOSTAGE_DATA_DIR", str(tmp_path / "data"))
    assert default_index_path() == tmp_path / "data" / "trials.sqlite"
    assert CliRunner().invoke(cli, ["trials", "demo"]).exit_code == 0
    assert (tmp_path / "data" / "trials.sqlite").is_file()
    monkeypatch.setenv("MESOSTAGE_TRIALS_INDEX", str(tmp_path / "elsewhere.sqlite"))
    assert CliRunner().invoke(cli, ["trials", "demo"]).exit_code == 0
    assert (tmp_path / "elsewhere.sqlite").is_file()
    # the matcher reads the same index: an index with one study of its own gives that study
    from tests.test_logging import _studies

    result = CliRunner().invoke(cli, ["trials", "import", str(_studies(tmp_path))])
    assert result.exit_code == 0, result.output
    import mesostage

    matched = mesostage.match_trials(mesostage.parse_case(example_case("diaphragm-origin")))
    assert not matched.fictional_data
    assert {m.nct_id for m in matched.matches} | {m.nct_id for m in matched.excluded} <= {
        "NCT00000001",
        "NCT00000002",
        "NCT00000003",
    }


def test_log_level_and_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_logging import _studies

    source = _studies(tmp_path)
    monkeypatch.setenv("MESOSTAGE_TRIALS_INDEX", str(tmp_path / "i.sqlite"))
    monkeypatch.setenv("MESOSTAGE_LOG_LEVEL", "WARNING")
    quiet = CliRunner().invoke(cli, ["trials", "import", str(source)])
    assert quiet.exit_code == 0
    assert "trials import finished" not in quiet.stderr
    # the option wins over the variable
    loud = CliRunner().invoke(cli, ["--log-level", "info", "trials", "import", str(source)])
    assert "trials import finished" in loud.stderr
    monkeypatch.setenv("MESOSTAGE_LOG_LEVEL", "info")
    monkeypatch.setenv("MESOSTAGE_LOG_FORMAT", "json")
    as_json = CliRunner().invoke(cli, ["trials", "import", str(source)])
    entries = [json.loads(line) for line in as_json.stderr.splitlines() if line.startswith("{")]
    assert entries[-1]["logger"] == "mesostage.trials.importer"
    assert (entries[-1]["read"], entries[-1]["kept"], entries[-1]["done"]) == (5, 3, True)


def test_host_port_and_connection_limits_reach_uvicorn(
    started: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MESOSTAGE_HOST", "0.0.0.0")
    monkeypatch.setenv("MESOSTAGE_PORT", "8123")
    monkeypatch.setenv("MESOSTAGE_LIMIT_CONCURRENCY", "7")
    monkeypatch.setenv("MESOSTAGE_TIMEOUT_KEEP_ALIVE", "9")
    result = _serve()
    assert result.exit_code == 0, result.output
    assert (started["host"], started["port"]) == ("0.0.0.0", 8123)
    assert (started["limit_concurrency"], started["timeout_keep_alive"]) == (7, 9)
    assert "other machines can reach this app" in result.output
    assert _hosts(started["app"]) is None  # another address, no allowed hosts named: any Host
    assert _serve("--port", "9000", "--host", "127.0.0.1").exit_code == 0
    assert (started["host"], started["port"]) == ("127.0.0.1", 9000)  # the options win


def test_allowed_hosts_are_the_ones_accepted(started: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    monkeypatch.setenv("MESOSTAGE_ALLOWED_HOSTS", "clinic.example, localhost")
    assert _serve().exit_code == 0
    assert _hosts(started["app"]) == ["clinic.example", "localhost"]
    web = TestClient(started["app"], base_url="http://clinic.example")
    assert web.get("/api/v1/health").status_code == 200
    assert web.get("/api/v1/health", headers={"host": "127.0.0.1"}).status_code == 400
    assert _serve("--allowed-host", "other.example").exit_code == 0
    assert _hosts(started["app"]) == ["other.example"]


def test_max_body_bytes_sets_the_request_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    from mesostage.web.app import create_app

    body = json.dumps(example_case("example-1"), indent=100)  # a valid case, padded with white space
    assert 2048 < len(body.encode()) < 65536
    headers = {"content-type": "application/json"}
    default = TestClient(create_app(), base_url="http://127.0.0.1")
    assert default.post("/api/v1/stage", content=body, headers=headers).status_code == 200
    monkeypatch.setenv("MESOSTAGE_MAX_BODY_BYTES", "2048")
    small = TestClient(create_app(), base_url="http://127.0.0.1")
    r = small.post("/api/v1/stage", content=body, headers=headers)
    assert r.status_code == 413
    assert "limit of 2048 bytes" in r.json()["errors"][0]["message"]


def test_pdf_max_in_flight_bounds_the_pdf_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    from urllib.parse import urlencode

    from fastapi.testclient import TestClient

    from mesostage.limits import PDF_MAX_IN_FLIGHT
    from mesostage.web import pages
    from mesostage.web.app import create_app

    monkeypatch.setenv("MESOSTAGE_PDF_MAX_IN_FLIGHT", "1")
    web = TestClient(create_app(), base_url="http://127.0.0.1")
    assert pages.PDF_ADMISSION.enter()  # one PDF under way: the limit of one is reached
    try:
        form = urlencode({"case_json": json.dumps(example_case("diaphragm-origin"))})
        r = web.post("/report.pdf", content=form, headers={"content-type": "application/x-www-form-urlencoded"})
    finally:
        pages.PDF_ADMISSION.leave()
        monkeypatch.delenv("MESOSTAGE_PDF_MAX_IN_FLIGHT")
        create_app()  # the default limit again for the other tests
    assert r.status_code == 503
    assert "making 1 PDF reports already" in r.text
    assert pages.PDF_ADMISSION.limit == PDF_MAX_IN_FLIGHT


def test_pdf_workers_sets_the_worker_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    from mesostage.web import report

    report.shutdown_workers()
    monkeypatch.setenv("MESOSTAGE_PDF_WORKERS", "3")
    pool = report._pool()  # no worker starts before a report is given to it
    try:
        assert pool._max_workers == 3
    finally:
        report.shutdown_workers()


BAD = [
    ("MESOSTAGE_PORT", "80a", "valid integer"),
    ("MESOSTAGE_PORT", "70000", "less than or equal to 65535"),
    ("MESOSTAGE_LOG_LEVEL", "loud", "'debug', 'info', 'warning' or 'error'"),
    ("MESOSTAGE_LOG_FORMAT", "xml", "'text' or 'json'"),
    ("MESOSTAGE_ALLOWED_HOSTS", "a.example,,b", "no empty name"),
    ("MESOSTAGE_MAX_BODY_BYTES", "10", "greater than or equal to 1024"),
    ("MESOSTAGE_PDF_WORKERS", "0", "greater than or equal to 1"),
    ("MESOSTAGE_PDF_MAX_IN_FLIGHT", "many", "valid integer"),
    ("MESOSTAGE_LIMIT_CONCURRENCY", "-1", "greater than or equal to 1"),
    ("MESOSTAGE_TIMEOUT_KEEP_ALIVE", "1.5", "valid integer"),
]


@pytest.mark.parametrize(("name", "value", "reason"), BAD)
def test_a_bad_value_stops_with_the_variables_name(
    name: str, value: str, reason: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as exc:
        settings()
    assert str(exc.value).startswith(f"{name}={value!r}: ")
    assert reason in str(exc.value)
    result = CliRunner().invoke(cli, ["systems"])  # any command stops at its start
    assert result.exit_code == 2
    assert f"error: {name}=" in result.stderr
    assert result.stdout == ""


def test_a_bad_value_stops_the_web_app(monkeypatch: pytest.MonkeyPatch) -> None:
    from mesostage.web.app import create_app

    monkeypatch.setenv("MESOSTAGE_MAX_BODY_BYTES", "lots")
    with pytest.raises(SettingsError, match="MESOSTAGE_MAX_BODY_BYTES='lots'"):
        create_app()


def test_empty_is_not_set_and_a_misspelt_name_is_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MESOSTAGE_PORT", "")
    assert settings().port == 8000
    monkeypatch.setenv("MESOSTAGE_LOGLEVEL", "debug")
    result = CliRunner().invoke(cli, ["systems"])
    assert result.exit_code == 0
    assert "MESOSTAGE_LOGLEVEL is set but is not a mesostage setting" in result.stderr


def _documented() -> dict[str, str]:
    """The variables of the table in docs/configuration.md, each with its default column."""
    rows = re.findall(r"^\| `(MESOSTAGE_[A-Z_]+)` \| ([^|]+) \|", DOC.read_text(encoding="utf-8"), re.M)
    return dict(rows)


def test_the_table_lists_every_setting_with_its_default() -> None:
    documented = _documented()
    assert set(documented) == {ENV_PREFIX + name.upper() for name in Settings.model_fields}
    for name, field in Settings.model_fields.items():
        default = field.default
        if isinstance(default, (int, str)) and not isinstance(default, bool):
            assert f"`{default}`" in documented[ENV_PREFIX + name.upper()], name


def test_readme_links_the_configuration_page() -> None:
    assert "docs/configuration.md" in (REPO / "README.md").read_text(encoding="utf-8")
