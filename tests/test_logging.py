"""Logging through the ``logging`` module, as an operator reads it: a request log with method, path, status and
duration and never anything of the case (not in the body, the query string or a header); a failure logged with the
kind of exception and where, never its text; trial import, sync and batch progress with the counts; text or JSON
lines on stderr; and library code that logs under ``mesostage.*`` without ever adding a handler.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from typer.testing import CliRunner

from mesostage import logs
from mesostage.cli import app as cli
from tests.trials_factories import study
from tests.web_helpers import client, example_case

SECRET_ID = "secret-case-7f3a9"
SECRET_PLACE = "Llanfairpwllgwyngyll, United Kingdom"


@pytest.fixture
def fresh_logging() -> Iterator[None]:
    """Leaves the root handlers and the mesostage level as they were (the CLI configures both)."""
    root, ours = logging.getLogger(), logging.getLogger("mesostage")
    handlers, level = list(root.handlers), ours.level
    yield
    root.handlers[:] = handlers
    ours.setLevel(level)


def _everything(records: list[logging.LogRecord]) -> str:
    """Each record as any handler could write it: its message and every attribute."""
    return "\n".join(f"{r.getMessage()} {r.__dict__!r}" for r in records)


def _access(records: list[logging.LogRecord]) -> list[logging.LogRecord]:
    return [r for r in records if r.name == "mesostage.web.access"]


def test_request_log_has_method_path_status_duration_and_no_case_data(caplog: pytest.LogCaptureFixture) -> None:
    web = client()
    case = example_case("diaphragm-origin") | {"id": SECRET_ID, "patient": {"location": SECRET_PLACE}}
    form = urlencode({"case_json": json.dumps(case), "view": "patient"})
    with caplog.at_level(logging.INFO, logger="mesostage"):
        assert web.post("/api/v1/stage?systems=tnm9", json=case).status_code == 200
        assert web.post("/api/v1/trials/match?" + urlencode({"location": SECRET_PLACE}), json=case).status_code in (
            200,
            422,
        )
        r = web.post("/results", content=form, headers={"content-type": "application/x-www-form-urlencoded"})
        assert r.status_code == 200
        assert web.get("/?" + urlencode({"case": SECRET_ID})).status_code == 200
        assert (
            web.post(
                "/api/v1/stage", json={"site": "pleura", "id": SECRET_ID, "tumor": {"findings": ["x"]}}
            ).status_code
            == 422
        )
    lines = _access(caplog.records)
    assert [(r.method, r.path, r.status) for r in lines] == [  # type: ignore[attr-defined]
        ("POST", "/api/v1/stage", 200),
        ("POST", "/api/v1/trials/match", lines[1].status),  # type: ignore[attr-defined]
        ("POST", "/results", 200),
        ("GET", "/", 200),
        ("POST", "/api/v1/stage", 422),
    ]
    for r in lines:
        assert r.levelno == logging.INFO
        assert r.duration_ms >= 0  # type: ignore[attr-defined]
        assert re.fullmatch(r"(GET|POST) \S+ \d{3} \d+\.\d ms", r.getMessage())
    logged = _everything(caplog.records)
    for secret in (SECRET_ID, "Llanfairpwll", "diaphragm_muscle", "systems=", "case=", "location="):
        assert secret not in logged


def test_refused_requests_are_logged_too(caplog: pytest.LogCaptureFixture) -> None:
    web = client()
    with caplog.at_level(logging.INFO, logger="mesostage.web.access"):
        big = json.dumps({"site": "pleura", "id": SECRET_ID * 5000})
        web.post("/api/v1/stage", content=big, headers={"content-type": "application/json"})
        web.get("/api/v1/health", headers={"host": "evil.example"})
        web.get("/no-such-page")
    assert [(r.path, r.status) for r in _access(caplog.records)] == [  # type: ignore[attr-defined]
        ("/api/v1/stage", 413),
        ("/api/v1/health", 400),
        ("/no-such-page", 404),
    ]
    assert SECRET_ID not in _everything(caplog.records)


def test_a_failure_is_logged_with_its_kind_and_place_never_its_text(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mesostage

    def broken(case: Any, **kw: Any) -> Any:
        raise KeyError(f"{case.id} diaphragm_muscle")  # an exception whose text repeats the case

    monkeypatch.setattr(mesostage, "stage", broken)
    web = client()
    with caplog.at_level(logging.INFO, logger="mesostage"):
        r = web.post("/api/v1/stage", json=example_case("diaphragm-origin") | {"id": SECRET_ID})
    assert r.status_code == 500
    failure = [x for x in caplog.records if x.name == "mesostage.web.errors"]
    assert len(failure) == 1
    assert failure[0].levelno == logging.ERROR
    assert "POST /api/v1/stage failed: KeyError at test_logging.py:" in failure[0].getMessage()
    assert [(x.path, x.status) for x in _access(caplog.records)] == [("/api/v1/stage", 500)]  # type: ignore[attr-defined]
    logged = _everything(caplog.records)
    assert SECRET_ID not in logged
    assert "diaphragm_muscle" not in logged


def test_json_lines_carry_the_fields(capsys: pytest.CaptureFixture[str], fresh_logging: None) -> None:
    logs.configure_logging("info", "json")
    client().get("/api/v1/health")
    logging.getLogger("mesostage.test").debug("not shown at info")
    entries = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert len(entries) == 1
    entry = entries[0]
    assert entry["level"] == "info"
    assert entry["logger"] == "mesostage.web.access"
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/api/v1/health", 200)
    assert entry["message"].startswith("GET /api/v1/health 200 ")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", entry["time"])


def test_text_lines_and_a_second_configuration_replaces_the_first(
    capsys: pytest.CaptureFixture[str], fresh_logging: None
) -> None:
    logs.configure_logging("warning", "text")
    logs.configure_logging("info", "text")
    logging.getLogger("mesostage.test").info("hello %s", "there")
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1  # one handler, not two
    assert re.fullmatch(r"\S+ \S+ INFO mesostage.test: hello there", err[0])


def _studies(tmp_path: Path) -> Path:
    """Five records: three about mesothelioma, one not, one without an NCT id's shape (malformed)."""
    records = [study(f"NCT0000000{i}") for i in range(1, 4)]
    records.append(study("NCT00000004", conditions=("Asthma",), criteria="Inclusion Criteria:\n\n* Asthma\n"))
    records.append({"protocolSection": {"identificationModule": {"nctId": "bad"}}})
    path = tmp_path / "studies.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    return path


def test_import_progress_every_n_records_and_at_the_end(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mesostage.trials import importer

    monkeypatch.setattr(importer, "LOG_EVERY", 2)
    with caplog.at_level(logging.INFO, logger="mesostage.trials"):
        importer.import_source(_studies(tmp_path), tmp_path / "i.sqlite")
    progress = [r for r in caplog.records if r.name == "mesostage.trials.importer"]
    assert [r.done for r in progress] == [False, False, True]  # type: ignore[attr-defined]
    assert [r.read for r in progress] == [2, 4, 5]  # type: ignore[attr-defined]
    end = progress[-1]
    assert (end.read, end.kept, end.out_of_scope, end.malformed, end.index_total) == (5, 3, 1, 1, 3)  # type: ignore[attr-defined]
    assert "5 records read, 3 kept, 1 not about mesothelioma, 1 malformed" in end.getMessage()
    assert "Asthma" not in _everything(caplog.records)  # counts, not record contents


def test_cli_import_shows_the_progress_on_stderr(tmp_path: Path, fresh_logging: None) -> None:
    result = CliRunner().invoke(cli, ["trials", "import", str(_studies(tmp_path)), "--index", str(tmp_path / "i")])
    assert result.exit_code == 0, result.output
    assert "INFO mesostage.trials.importer: trials import finished: 5 records read, 3 kept" in result.stderr
    quiet = CliRunner().invoke(
        cli, ["--log-level", "warning", "trials", "import", str(_studies(tmp_path)), "--index", str(tmp_path / "i")]
    )
    assert quiet.exit_code == 0
    assert "trials import" not in quiet.stderr


def test_sync_logs_each_page(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from tests.test_trials_sync import _pages, _serve_pages, _Server

    with _Server(_serve_pages(_pages(2, 3))) as server, caplog.at_level(logging.INFO, logger="mesostage.trials"):
        from mesostage.trials import sync

        sync(tmp_path / "i.sqlite", base_url=server.base, sleep=lambda s: None, timeout=5, min_interval=0, page_size=3)
    pages = [r for r in caplog.records if r.name == "mesostage.trials.sync"]
    assert [r.getMessage() for r in pages] == [
        "trials sync: page 1: 3 studies (3 of 6 received)",
        "trials sync: page 2: 3 studies (6 of 6 received)",
    ]
    assert any(r.name == "mesostage.trials.importer" and r.done for r in caplog.records)  # type: ignore[attr-defined]


def _registry_csv(tmp_path: Path, rows: int) -> Path:
    path = tmp_path / "in.csv"
    path.write_text("system,t,n,m\n" + "tnm8,T1,N0,M0\n" * rows, encoding="utf-8")
    return path


def test_batch_progress_per_chunk_and_at_the_end(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from mesostage.batch.run import run_batch

    with caplog.at_level(logging.INFO, logger="mesostage.batch"):
        run_batch(_registry_csv(tmp_path, 250), tmp_path / "out.csv", batch_rows=100)
    messages = [r for r in caplog.records if r.name == "mesostage.batch.run"]
    assert [(r.rows, r.done) for r in messages] == [(100, False), (200, False), (250, False), (250, True)]  # type: ignore[attr-defined]
    assert messages[-1].getMessage().startswith("batch finished: 250 rows, 250 staged, 0 not staged, in ")


def test_batch_progress_bar_replaces_the_under_way_messages(tmp_path: Path, fresh_logging: None) -> None:
    source = _registry_csv(tmp_path, 30)
    plain = CliRunner().invoke(cli, ["batch", str(source), "-o", str(tmp_path / "a.csv"), "--no-progress"])
    assert "batch under way" in plain.stderr
    with_bar = CliRunner().invoke(cli, ["batch", str(source), "-o", str(tmp_path / "b.csv"), "--progress"])
    assert with_bar.exit_code == 0
    assert "batch under way" not in with_bar.stderr
    assert "batch finished: 30 rows" in with_bar.stderr
    assert not logging.getLogger("mesostage.batch.run").filters  # the bar's filter goes with it


def test_library_code_never_adds_a_handler(tmp_path: Path) -> None:
    """Only the entry points configure logging: no module but mesostage.logs adds a handler or calls basicConfig."""
    src = Path(__file__).resolve().parents[1] / "src" / "mesostage"
    configuring = re.compile(r"addHandler|basicConfig|dictConfig|fileConfig|\.setLevel\(")
    offenders = [
        str(p.relative_to(src))
        for p in src.rglob("*.py")
        if p.name != "logs.py" and configuring.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []
    loggers = {
        m.group(1)
        for p in src.rglob("*.py")
        if p.name != "logs.py"
        for m in re.finditer(r"getLogger\(([^)]*)\)", p.read_text("utf-8"))
    }
    assert all(name == "__name__" or name.strip("\"'").startswith("mesostage") for name in loggers), loggers
    root = list(logging.getLogger().handlers)
    from mesostage.trials import load_demo
    from mesostage.web.app import create_app

    create_app()
    load_demo(tmp_path / "demo.sqlite")
    assert logging.getLogger().handlers == root
    assert logging.getLogger("mesostage").handlers == []
