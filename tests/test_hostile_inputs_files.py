"""Hostile input, faults and load (issue 16): batch files, FHIR bundles, the trial import, the command line and
the server's connection limits. Each test reproduces one finding of the red-team pass: it failed before the fix.
"""

from __future__ import annotations

import copy
import json
import os
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

import mesostage
from mesostage.batch.io import FileError
from mesostage.batch.run import run_batch
from mesostage.cli import app
from mesostage.limits import MAX_CSV_COLUMNS, MAX_LINE_BYTES, MAX_XML_TOKEN_BYTES
from tests.factories import ALL_SURFACES, pleural_case
from tests.trials_factories import study

runner = CliRunner()
EXE = Path(sys.executable).parent / "mesostage"
CASE = pleural_case([*ALL_SURFACES, "mediastinal_fat"], ["subcarinal"])
CATEGORIES = "system,t,n,m\ntnm8,T1,N0,M0\n"


def _dead_pid() -> int:
    """A process id that no process has now."""
    pid = 4_000_000
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            pass
        pid += 1


def _cases(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return path


# --- item 1: devices, pipes, directories, the input itself -----------------------------------------------------


def test_a_pipe_as_output_is_streamed_not_replaced(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text(CATEGORIES, encoding="utf-8")
    fifo = tmp_path / "out.csv"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    run_batch(source, fifo)
    reader.join(timeout=30)
    assert stat.S_ISFIFO(fifo.stat().st_mode)  # still the pipe, not a regular file put in its place
    assert received[0].startswith(b"row,input_system,input_t")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]


def test_dev_stdout_as_output_streams_to_standard_output(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text(CATEGORIES, encoding="utf-8")
    proc = subprocess.run(
        [str(EXE), "batch", str(source), "-o", "/dev/stdout", "--output-format", "csv"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("row,input_system,input_t")
    assert "1 rows read" in proc.stdout


def test_a_directory_as_output_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text(CATEGORIES, encoding="utf-8")
    (tmp_path / "out.csv").mkdir()
    result = runner.invoke(app, ["batch", str(source), "-o", str(tmp_path / "out.csv")])
    assert result.exit_code == 2
    assert "a directory, not a file" in result.output


def test_the_input_under_another_name_is_refused_as_output(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text(CATEGORIES, encoding="utf-8")
    os.link(source, tmp_path / "same.csv")
    with pytest.raises(FileError, match="would overwrite the input"):
        run_batch(source, tmp_path / "same.csv")
    assert source.read_text(encoding="utf-8") == CATEGORIES


# --- item 2: SIGTERM, private temporary files, stale files of killed runs -------------------------------------


# SIGTERM during a run: tests/test_batch_io.py::test_ctrl_c_or_sigterm_on_the_command_line_leaves_no_output.


def test_the_temporary_file_is_private_while_the_run_writes(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("system,t,n,m\n" + "tnm8,T1,N0,M0\n" * 300, encoding="utf-8")
    modes: list[int] = []

    def look(done: int, total: int | None) -> None:
        modes.extend(p.stat().st_mode & 0o777 for p in tmp_path.iterdir() if p.name.endswith(".partial"))

    run_batch(source, tmp_path / "out.csv", batch_rows=100, on_progress=look)
    assert modes
    assert set(modes) == {0o600}


def test_stale_temporary_files_of_killed_runs_are_removed_and_only_those(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text(CATEGORIES, encoding="utf-8")
    killed = tmp_path / f".out.csv.{_dead_pid()}.abc123.partial"
    running = tmp_path / f".out.csv.{os.getppid()}.def456.partial"  # a run that is still going
    other_output = tmp_path / f".other.csv.{_dead_pid()}.ghi789.partial"
    for p in (killed, running, other_output):
        p.write_text("rows\n", encoding="utf-8")
    run_batch(source, tmp_path / "out.csv")
    assert not killed.exists()
    assert running.exists()
    assert other_output.exists()


# --- item 3: one bad record is reported, the job goes on ------------------------------------------------------


def test_one_bad_jsonl_record_is_a_row_error_and_the_others_are_staged(tmp_path: Path) -> None:
    good = json.dumps(CASE).encode()
    source = _cases(
        tmp_path / "cases.jsonl",
        [
            good,
            b'{"site": "pleura", "id": "\xff\xfe"}',
            b'{"site": "pleura", "x": ' + b"[" * 5000 + b"]" * 5000 + b"}",
            b'{"site": "pleura", "patient": {"age_years": ' + b"9" * 5000 + b"}}",
            good,
        ],
    )
    summary = run_batch(source, tmp_path / "out.csv")
    assert summary.staged == 2
    reasons = {e.row: e.message for e in summary.errors}
    assert set(reasons) == {2, 3, 4}
    assert "line 2: not UTF-8" in reasons[2]
    assert "nested more than" in reasons[3]
    assert "5000 digits" in reasons[4]


def test_one_non_utf8_csv_row_is_a_row_error(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(b"system,t,n,m\ntnm8,T1,N0,M0\ntnm8,T\xff,N0,M0\ntnm8,T2,N0,M0\n")
    summary = run_batch(source, tmp_path / "out.csv")
    assert summary.staged == 2
    assert [(e.row, e.kind) for e in summary.errors] == [(2, "malformed_row")]
    assert "not UTF-8" in summary.errors[0].message


def test_a_case_column_nested_too_deeply_is_a_row_error(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    deep = '"{""site"": ""pleura"", ""x"": ' + "[" * 3000 + "]" * 3000 + '}"'
    source.write_text(f'case\n{deep}\n"{json.dumps(CASE).replace(chr(34), chr(34) * 2)}"\n', encoding="utf-8")
    summary = run_batch(source, tmp_path / "out.csv")
    assert summary.staged == 1
    assert summary.errors[0].row == 1
    assert "nested more than" in summary.errors[0].message


def _write_studies(directory: Path, studies: dict[str, str]) -> Path:
    directory.mkdir()
    for name, text in studies.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def test_one_bad_study_is_reported_and_the_import_goes_on(tmp_path: Path) -> None:
    from mesostage.trials.importer import import_source

    surrogate = json.dumps(study("NCT00000003", title="Pleural mesothelioma \ud800 trial"))
    source = _write_studies(
        tmp_path / "studies",
        {
            "NCT00000001.json": json.dumps(study("NCT00000001")),
            "NCT00000002.json": '{"protocolSection": ' + "[" * 5000 + "]" * 5000 + "}",
            "NCT00000003.json": surrogate,
            "NCT00000004.json": '{"protocolSection": {"x": ' + "9" * 5000 + "}}",
            "NCT00000005.json": json.dumps(study("NCT00000005")),
        },
    )
    report = import_source(source, tmp_path / "index.sqlite")
    assert report.imported == 2
    bad = {m.nct_id: m.message for m in report.malformed}
    assert set(bad) == {"NCT00000002", "NCT00000003", "NCT00000004"}


def test_one_unreadable_study_in_an_array_leaves_the_others(tmp_path: Path) -> None:
    from mesostage.trials.importer import import_source

    deep = '{"protocolSection": ' + "[" * 5000 + '"a, ]}"' + "]" * 5000 + "}"
    source = tmp_path / "studies.json"
    source.write_text(f"[{json.dumps(study('NCT00000001'))}, {deep}, {json.dumps(study('NCT00000002'))}]")
    report = import_source(source, tmp_path / "index.sqlite")
    assert report.imported == 2
    assert len(report.malformed) == 1
    assert "nested too deeply" in report.malformed[0].message


# --- item 4: contradictions in a FHIR bundle -------------------------------------------------------------------


def _bundle() -> dict[str, Any]:
    from mesostage.fhir import bundle_dict

    return bundle_dict(dict(CASE, tumor={"findings": ALL_SURFACES, "psum_mm": 24.0}))


def _observation(bundle: dict[str, Any], code: str) -> tuple[int, dict[str, Any]]:
    for i, entry in enumerate(bundle["entry"]):
        codes = [c.get("code") for c in entry["resource"].get("code", {}).get("coding", [])]
        if entry["resource"]["resourceType"] == "Observation" and code in codes:
            return i, entry
    raise AssertionError(code)


def _again(bundle: dict[str, Any], code: str, n: int) -> tuple[int, dict[str, Any]]:
    """A second Observation of ``code`` appended to the bundle (to be changed); the index of the first."""
    first, entry = _observation(bundle, code)
    second = copy.deepcopy(entry)
    second["fullUrl"] = f"urn:uuid:00000000-0000-4000-8000-0000000000{n}"
    second["resource"]["id"] = f"again-{n}"
    bundle["entry"].append(second)
    return first, second


def test_two_different_psum_values_are_refused_naming_both() -> None:
    from mesostage.fhir import case_from_bundle

    bundle = _bundle()
    first, second = _again(bundle, "tumor.psum_mm", 99)
    second["resource"]["valueQuantity"]["value"] = 41.0
    with pytest.raises(mesostage.CaseError) as err:
        case_from_bundle(bundle)
    (problem,) = err.value.errors
    assert problem.path == f"bundle.entry[{len(bundle['entry']) - 1}].resource"
    assert "41.0" in problem.message
    assert "24.0" in problem.message
    assert f"bundle.entry[{first}]" in problem.message


def test_a_finding_present_in_one_observation_and_unknown_in_another_is_refused() -> None:
    from mesostage.fhir import case_from_bundle

    bundle = _bundle()
    _, second = _again(bundle, "tumor.parietal_pleura", 98)
    del second["resource"]["valueBoolean"]
    second["resource"]["dataAbsentReason"] = {"coding": [{"code": "unknown"}]}
    with pytest.raises(mesostage.CaseError, match=r"conflicting Observations of tumor\.parietal_pleura"):
        case_from_bundle(bundle)


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        ("foo", "resource.resourceType", "is not a FHIR R4 resource type"),
        ("no-value", "valueQuantity.value", "needs its number"),
    ],
)
def test_fhir_problems_are_named(change: str, path: str, words: str) -> None:
    from mesostage.fhir import case_from_bundle

    bundle = _bundle()
    if change == "foo":
        bundle["entry"].append(
            {"fullUrl": "urn:uuid:00000000-0000-4000-8000-000000000097", "resource": {"resourceType": "Foo"}}
        )
    else:
        _, entry = _observation(bundle, "tumor.psum_mm")
        del entry["resource"]["valueQuantity"]["value"]
    with pytest.raises(mesostage.CaseError) as err:
        case_from_bundle(bundle)
    assert path in err.value.errors[0].path
    assert words in err.value.errors[0].message


# --- items 6 and 7: lines, columns and XML tokens are bounded ------------------------------------------------


@pytest.mark.parametrize("suffix", ["csv", "jsonl"])
def test_input_without_line_breaks_is_refused(tmp_path: Path, suffix: str) -> None:
    source = tmp_path / f"zero.{suffix}"
    source.write_bytes(b"\0" * (MAX_LINE_BYTES + 10))
    with pytest.raises(FileError, match=f"longer than {MAX_LINE_BYTES} bytes"):
        run_batch(source, tmp_path / "out.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == [source.name]


def test_a_csv_wider_than_the_limit_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "wide.csv"
    source.write_text(",".join(f"c{i}" for i in range(MAX_CSV_COLUMNS + 1)) + "\n", encoding="utf-8")
    with pytest.raises(FileError, match=f"at most {MAX_CSV_COLUMNS}"):
        run_batch(source, tmp_path / "out.csv")


def test_a_huge_naaccr_attribute_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "huge.xml"
    big = "x" * (MAX_XML_TOKEN_BYTES + 10)
    source.write_text(
        f'<NaaccrData xmlns="http://naaccr.org/naaccrxml"><Patient><Tumor><Item naaccrId="{big}">1</Item>'
        "</Tumor></Patient></NaaccrData>",
        encoding="utf-8",
    )
    with pytest.raises(FileError, match="XML attribute or text of more than"):
        run_batch(source, tmp_path / "out.csv")


# --- item 11: every failure names the problem; --report ---------------------------------------------------------


def _batch_with_report(tmp_path: Path, report: Path) -> Any:
    source = tmp_path / "in.csv"
    source.write_text(CATEGORIES, encoding="utf-8")
    return runner.invoke(app, ["batch", str(source), "-o", str(tmp_path / "out.csv"), "--report", str(report)])


def test_a_report_that_cannot_be_written_is_refused_before_the_run(tmp_path: Path) -> None:
    result = _batch_with_report(tmp_path, tmp_path / "no" / "r.json")
    assert result.exit_code == 2
    assert "does not exist" in result.output
    assert not (tmp_path / "out.csv").exists()  # nothing half done


def test_a_report_failing_after_the_run_is_said_with_the_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mesostage.batch import io

    def full_disk(path: Path, text: str) -> None:
        raise FileError(f"{path}: cannot write: No space left on device")

    monkeypatch.setattr(io, "write_text_atomically", full_disk)
    result = _batch_with_report(tmp_path, tmp_path / "r.json")
    assert result.exit_code == 2
    assert "1 rows read" in result.output  # the finished run is reported
    assert "the output is complete, but the report was not written" in result.output
    assert "No space left on device" in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["stage", "{dir}"],
        ["stage", "{binary}"],
        ["trials", "match", "{case}", "--shortlist", "{dir}/no/such/folder/s.md"],
        ["fhir", "import", "{binary}"],
        ["batch", "{csv}", "-o", "{dir}/no/such/folder/out.csv"],
        ["trials", "import", "{case}", "--index", "{dir}"],
        ["trials", "demo", "--index", "{dir}"],
        ["trials", "match", "{case}", "--location", "x" * 300],
    ],
)
def test_cli_failures_name_the_problem(tmp_path: Path, args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MESOSTAGE_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "case.json").write_text(json.dumps(CASE), encoding="utf-8")
    (tmp_path / "binary.json").write_bytes(b"\xff\xfe\x00\x01")
    (tmp_path / "in.csv").write_text(CATEGORIES, encoding="utf-8")
    names = {"dir": str(tmp_path), "binary": str(tmp_path / "binary.json"), "case": str(tmp_path / "case.json")}
    names["csv"] = str(tmp_path / "in.csv")
    result = runner.invoke(app, [a.format(**names) for a in args])
    assert result.exit_code in (1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "internal error" not in result.output
    assert "error" in result.output or "failed:" in result.output


def test_an_unforeseen_failure_names_what_failed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from mesostage import cli

    def broken(**kwargs: Any) -> None:
        raise LookupError("table 'tnm8' has no row for T5")

    monkeypatch.setattr(cli, "app", broken)
    with pytest.raises(SystemExit):
        cli.main()
    err = capsys.readouterr().err
    assert "internal error" not in err
    assert "LookupError: table 'tnm8' has no row for T5" in err
    assert "please report it" in err


# --- item 12: spreadsheet formula injection --------------------------------------------------------------------


def test_formula_cells_in_csv_output_are_neutralised(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text(
        "system,t,n,m,=note\n"
        'tnm8,T1,N0,M0,"=HYPERLINK(""http://x.example"",""click"")"\n'
        "tnm8,T1,N0,M0,+1+1\ntnm8,T1,N0,M0,-2\ntnm8,T1,N0,M0,@SUM(A1)\ntnm8,T1,N0,M0,plain\n",
        encoding="utf-8",
    )
    run_batch(source, tmp_path / "out.csv")
    out = pl.read_csv(tmp_path / "out.csv", infer_schema=False)
    assert "'=note" in out.columns
    assert out["'=note"].to_list() == ['\'=HYPERLINK("http://x.example","click")', "'+1+1", "'-2", "'@SUM(A1)", "plain"]
    run_batch(source, tmp_path / "out.parquet")  # Parquet is data, not a spreadsheet: kept as given
    assert pl.read_parquet(tmp_path / "out.parquet")["=note"].to_list()[1] == "+1+1"


# --- item 13: two imports at once; slow connections -----------------------------------------------------------


def test_an_import_leaves_a_running_imports_temporary_file_alone(tmp_path: Path) -> None:
    from mesostage.trials.importer import import_records

    index = tmp_path / "index.sqlite"
    running = tmp_path / f".index.sqlite.{os.getppid()}.abc.importing"
    killed = tmp_path / f".index.sqlite.{_dead_pid()}.def.importing"
    running.write_bytes(b"in progress")
    killed.write_bytes(b"left behind")
    import_records([("a", study("NCT00000001"))], index, source="test")
    assert running.read_bytes() == b"in progress"
    assert not killed.exists()
    assert index.stat().st_mode & 0o077 == (0o666 & ~_umask()) & 0o077


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_second_import_waits_for_the_lock_and_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from filelock import FileLock

    from mesostage.trials import importer

    index = tmp_path / "index.sqlite"
    monkeypatch.setattr(importer, "_LOCK_WAIT_SECONDS", 0.2)
    with FileLock(tmp_path / ".index.sqlite.lock"), pytest.raises(importer.ImportFailed, match="another import"):
        importer.import_records([("a", study("NCT00000001"))], index, source="test")
    assert not index.exists()


def test_serve_sets_the_connection_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from mesostage.limits import SERVE_LIMIT_CONCURRENCY, SERVE_TIMEOUT_KEEP_ALIVE

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda application, **kwargs: seen.update(kwargs))
    assert runner.invoke(app, ["serve"]).exit_code == 0
    assert seen["limit_concurrency"] == SERVE_LIMIT_CONCURRENCY
    assert seen["timeout_keep_alive"] == SERVE_TIMEOUT_KEEP_ALIVE
    assert runner.invoke(app, ["serve", "--limit-concurrency", "10", "--timeout-keep-alive", "2"]).exit_code == 0
    assert (seen["limit_concurrency"], seen["timeout_keep_alive"]) == (10, 2)


def test_a_connection_that_never_finishes_its_headers_is_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from mesostage.web.app import create_app
    from mesostage.web.protocol import HeaderDeadlineProtocol

    monkeypatch.setattr(HeaderDeadlineProtocol, "header_timeout", 0.3)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(create_app(), http=HeaderDeadlineProtocol, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.02)
        with socket.create_connection(sock.getsockname(), timeout=30) as slow:
            slow.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            assert slow.recv(1024) == b""  # closed by the server, not by the client's time-out
    finally:
        server.should_exit = True
        thread.join(timeout=10)
