"""Batch input and output: CSV, Parquet, JSON Lines and NAACCR XML in; every row out, in order; atomic writes;
the command line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from mesostage.batch.io import AtomicWriter, FileError
from mesostage.batch.run import run_batch
from mesostage.cli import app
from tests.factories import ALL_SURFACES, pleural_case

NS = "http://naaccr.org/naaccrxml"
EOD_HEADER = "schemaId,primarySite,histologicTypeIcdO3,behaviorCodeIcdO3,dateOfDiagnosis,eodPrimaryTumor,eodRegionalNodes,eodMets"


def tumor(items: dict[str, str], prefix: str = "") -> str:
    body = "".join(f'<{prefix}Item naaccrId="{k}">{v}</{prefix}Item>' for k, v in items.items())
    return f"<{prefix}Tumor>{body}</{prefix}Tumor>"


EOD_ITEMS = {
    "primarySite": "C384",
    "histologicTypeIcdO3": "9052",
    "behaviorCodeIcdO3": "3",
    "dateOfDiagnosis": "20220301",
    "schemaId": "00370",
}


def naaccr(patients: str, root_attrs: str = f'xmlns="{NS}"') -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<NaaccrData baseDictionaryUri="http://naaccr.org/naaccrxml/naaccr-dictionary-240.xml" recordType="I" '
        f'specificationVersion="1.7" {root_attrs}>\n'
        '<Item naaccrId="registryId">0000001234</Item>\n'
        f"{patients}</NaaccrData>\n"
    )


def test_naaccr_xml_with_namespaces_and_missing_items(tmp_path: Path) -> None:
    patients = (
        '<Patient><Item naaccrId="patientIdNumber">00000001</Item>'
        + tumor(EOD_ITEMS | {"eodPrimaryTumor": "500", "eodRegionalNodes": "300", "eodMets": "00"})
        # a second tumour of the same patient, missing the pleural effusion SSDI and the schema (selected from
        # site, histology and date), with a local extension element in another namespace
        + tumor({k: v for k, v in EOD_ITEMS.items() if k != "schemaId"} | {"eodPrimaryTumor": "100"}).replace(
            "</Tumor>",
            '<ext:Note xmlns:ext="http://example.org/local"><Item naaccrId="eodRegionalNodes">700</Item></ext:Note>'
            '<Item naaccrId="eodRegionalNodes">000</Item><Item naaccrId="eodMets">05</Item></Tumor>',
        )
        + "</Patient>"
        # a tumour whose EOD Mets item is missing altogether
        + '<Patient><Item naaccrId="patientIdNumber">00000002</Item>'
        + tumor(EOD_ITEMS | {"eodPrimaryTumor": "300", "eodRegionalNodes": "000"})
        + "</Patient>"
    )
    source = tmp_path / "registry.xml"
    source.write_text(naaccr(patients), encoding="utf-8")
    summary = run_batch(source, tmp_path / "out.csv")
    out = pl.read_csv(tmp_path / "out.csv", infer_schema=False)
    assert out["patientIdNumber"].to_list() == ["00000001", "00000001", "00000002"]
    assert out["tumor"].to_list() == ["1", "2", "1"]
    assert out["stage"].to_list() == ["IIIA", "IA", None]
    assert out["eodRegionalNodes"].to_list() == ["300", "000", "000"]  # the extension's item is not read
    assert out["review_codes"][1] == "pleural_effusion_not_m1"
    assert out["error"][2] == "eodMets: no EOD Mets code (allowed: 00, 05, 10, 70, 99)"
    assert summary.errors_by_kind == {"missing_value": 1}


def test_naaccr_xml_with_a_prefixed_namespace(tmp_path: Path) -> None:
    patient = (
        "<n:Patient>"
        + tumor(EOD_ITEMS | {"eodPrimaryTumor": "600", "eodRegionalNodes": "000", "eodMets": "00"}, "n:")
        + "</n:Patient>"
    )
    text = (
        naaccr(patient, f'xmlns:n="{NS}"')
        .replace("<NaaccrData", "<n:NaaccrData")
        .replace("</NaaccrData", "</n:NaaccrData")
    )
    text = text.replace('<Item naaccrId="registryId">', '<n:Item naaccrId="registryId">').replace(
        "</Item>\n<", "</n:Item>\n<", 1
    )
    source = tmp_path / "prefixed.xml"
    source.write_text(text, encoding="utf-8")
    run_batch(source, tmp_path / "out.jsonl")
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [(r["t"], r["stage"]) for r in rows] == [("T4", "IIIB")]


def test_naaccr_malformed_tumour_is_a_row_error(tmp_path: Path) -> None:
    good = tumor(EOD_ITEMS | {"eodPrimaryTumor": "100", "eodRegionalNodes": "000", "eodMets": "00"})
    twice = good.replace("</Tumor>", '<Item naaccrId="eodMets">10</Item></Tumor>')
    no_id = good.replace("</Tumor>", "<Item>5</Item></Tumor>")
    source = tmp_path / "bad.xml"
    source.write_text(naaccr(f"<Patient>{good}{twice}{no_id}</Patient>"), encoding="utf-8")
    summary = run_batch(source, tmp_path / "out.csv")
    assert [e.kind for e in summary.errors] == ["malformed_row", "malformed_row"]
    assert summary.errors[0].message == "patient 1, tumor 2: item eodMets is given twice"
    assert summary.errors[1].message == "patient 1, tumor 3: an Item of the Tumor has no naaccrId"
    assert summary.staged == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<NaaccrData><Patient>", "not well-formed XML"),
        ('<Other xmlns="http://naaccr.org/naaccrxml"/>', "not NAACCR XML"),
        ("", "not well-formed XML"),
    ],
)
def test_bad_xml_is_a_file_error_and_nothing_is_written(tmp_path: Path, text: str, message: str) -> None:
    source = tmp_path / "broken.xml"
    source.write_text(text, encoding="utf-8")
    with pytest.raises(FileError, match=message):
        run_batch(source, tmp_path / "out.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.xml"]


def write_cases(path: Path, cases: list[dict[str, object]]) -> None:
    path.write_text("".join(json.dumps(c) + "\n" for c in cases), encoding="utf-8")


def test_jsonl_cases_in_the_contract_format(tmp_path: Path) -> None:
    source = tmp_path / "cases.jsonl"
    cases = [
        pleural_case([*ALL_SURFACES, "mediastinal_fat"], ["subcarinal"], id="a", diagnosis_date="2020-05-01"),
        {"site": "pleura", "tumor": {"findings": ["ribs"]}, "id": "b"},
        {"site": "pericardium", "id": "c"},
        pleural_case(["parietal_pleura"], id="d", diagnosis_date="2025-05-01"),
    ]
    write_cases(source, cases)
    with source.open("a", encoding="utf-8") as fh:
        fh.write("\n{not json\n")
    summary = run_batch(source, tmp_path / "out.parquet")
    out = pl.read_parquet(tmp_path / "out.parquet")
    assert out["row"].to_list() == [1, 2, 3, 4, 5]
    assert out["line"].to_list() == ["1", "2", "3", "4", "6"]
    assert out["id"].to_list() == ["a", "b", "c", "d", None]
    assert out["system"].to_list() == ["tnm8", None, None, "tnm9", None]
    assert out["stage"].to_list() == ["IIIA", None, None, "I", None]
    assert out["error_kind"].to_list() == [None, "invalid_case", "not_staged", None, "malformed_row"]
    assert out["error"][1].startswith("tumor.findings[0]: 'ribs' is not an allowed value")
    assert summary.by_stage == {"tnm8 IIIA": 1, "tnm9 I": 1}


def test_flat_finding_columns_in_csv(tmp_path: Path) -> None:
    source = tmp_path / "findings.csv"
    source.write_text(
        "id,site,basis,diagnosis_date,tumor.findings,tumor.unknown,nodes.assessed,nodes.findings,metastases.findings\n"
        "a,pleura,pathological,2022-01-01,parietal_pleura;rib,,true,,\n"
        "b,pleura,clinical,2022-01-01,parietal_pleura,rib,true,subcarinal,\n"
        "c,pleura,clinical,2022-01-01,parietal_pleura,,maybe,,\n",
        encoding="utf-8",
    )
    run_batch(source, tmp_path / "out.csv", system="tnm8")
    out = pl.read_csv(tmp_path / "out.csv", infer_schema=False)
    assert out["t"].to_list() == ["T4", "T1", None]
    assert out["n"].to_list() == ["N0", "N1", None]
    assert out["prefix"].to_list() == ["p", "c", None]
    assert out["stage"].to_list() == ["IIIB", "II", None]
    # metastases not given (an empty cell): M0 with a range up to IV
    assert (out["stage_range_low"][1], out["stage_range_high"][1]) == ("II", "IV")
    codes = out["review_codes"][1].split(";")
    assert "m_not_assessed" in codes
    assert len(codes) == len(set(codes))
    assert out["error"][2] == "nodes.assessed: 'maybe' is not true or false (allowed: true, false)"


def test_categories_with_derived_names_are_echoed_as_input_columns(tmp_path: Path) -> None:
    source = tmp_path / "cats.csv"
    source.write_text("system,t,n,m\ntnm8,cT3,cN1,cM0\ntnm7,T1b,N0,M0\n", encoding="utf-8")
    run_batch(source, tmp_path / "out.csv")
    out = pl.read_csv(tmp_path / "out.csv", infer_schema=False)
    assert out.columns[:5] == ["row", "input_system", "input_t", "input_n", "input_m"]
    assert out["input_t"].to_list() == ["cT3", "T1b"]
    assert out["t"].to_list() == ["T3", "T1b"]
    assert out["stage"].to_list() == ["IIIA", "IB"]


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_every_row_in_order_across_batches(tmp_path: Path, fmt: str) -> None:
    codes = ["100", "300", "500", "600", "700", "450"]
    source = tmp_path / "many.csv"
    lines = [EOD_HEADER] + [f"00370,C384,9052,3,2021,{codes[i % 6]},000,00" for i in range(1000)]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    seen: list[tuple[int, int | None]] = []
    summary = run_batch(source, tmp_path / f"out.{fmt}", batch_rows=64, on_progress=lambda d, t: seen.append((d, t)))
    out = {
        "csv": lambda p: pl.read_csv(p, infer_schema=False),
        "parquet": pl.read_parquet,
        "jsonl": pl.read_ndjson,
    }[fmt](tmp_path / f"out.{fmt}")
    assert out.height == 1000
    assert [str(x) for x in out["row"].to_list()] == [str(i) for i in range(1, 1001)]
    expected = ["IA", "IB", "IB", "IIIB", "IIIB", None]
    assert out["stage"].to_list() == [expected[i % 6] for i in range(1000)]
    assert summary.errors_by_kind == {"invalid_code": 166}
    assert len(seen) == 16
    assert seen[-1] == (source.stat().st_size, source.stat().st_size)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_an_interrupted_run_leaves_no_partial_output(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text(EOD_HEADER + "\n" + "00370,C384,9052,3,2021,100,000,00\n" * 500, encoding="utf-8")
    target = tmp_path / "out.csv"
    target.write_text("previous result\n", encoding="utf-8")

    def interrupt(done: int, total: int | None) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch(source, target, batch_rows=100, on_progress=interrupt)
    assert target.read_text(encoding="utf-8") == "previous result\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]


def _slow_writes(monkeypatch: pytest.MonkeyPatch, fail_at: int | None = None) -> list[int]:
    """Batches written slowly (so that one is still being written when the run stops), the ``fail_at``-th with a
    full disk; returns the batches written so far."""
    written: list[int] = []
    original = AtomicWriter._write

    def slow(self: AtomicWriter, frame: pl.DataFrame) -> None:
        time.sleep(0.2)
        if len(written) + 1 == fail_at:
            raise OSError(28, "No space left on device", str(self.path))
        original(self, frame)
        written.append(frame.height)

    monkeypatch.setattr(AtomicWriter, "_write", slow)
    return written


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_ctrl_c_while_a_batch_is_written_leaves_no_partial_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    source = tmp_path / "in.csv"
    source.write_text(EOD_HEADER + "\n" + "00370,C384,9052,3,2021,100,000,00\n" * 500, encoding="utf-8")
    target = tmp_path / f"out.{fmt}"
    target.write_text("previous result\n", encoding="utf-8")
    written = _slow_writes(monkeypatch)
    calls = []

    def interrupt(done: int, total: int | None) -> None:
        calls.append(done)
        if len(calls) == 2:  # the first batch is still being written
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch(source, target, batch_rows=100, on_progress=interrupt)
    assert written == [100, 100]  # the write under way was let finish before the file was removed
    assert target.read_text(encoding="utf-8") == "previous result\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", f"out.{fmt}"]


def test_a_full_disk_while_a_batch_is_written_stops_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "in.csv"
    source.write_text(EOD_HEADER + "\n" + "00370,C384,9052,3,2021,100,000,00\n" * 500, encoding="utf-8")
    target = tmp_path / "out.parquet"
    written = _slow_writes(monkeypatch, fail_at=2)
    with pytest.raises(FileError, match=r"out\.parquet: No space left on device"):
        run_batch(source, target, batch_rows=100)
    assert written == [100]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


@pytest.mark.parametrize(
    ("stop", "code", "said"),
    [(signal.SIGINT, 130, "interrupted: no output written"), (signal.SIGTERM, 143, "terminated: no output written")],
)
def test_ctrl_c_or_sigterm_on_the_command_line_leaves_no_output(
    tmp_path: Path, stop: signal.Signals, code: int, said: str
) -> None:
    # SIGTERM (issue 16): handled like Ctrl-C, where it used to leave a hidden .partial file of staged rows.
    source = tmp_path / "cases.jsonl"
    # long enough to be interrupted mid-run: 40,000 different cases (the same case again and again is staged from
    # the engine's memory, and the run could end before the signal arrives)
    cases = []
    for i in range(40_000):
        case = pleural_case([*ALL_SURFACES, "mediastinal_fat"], ["subcarinal"], tumor_unknown=["rib", "spine"])
        case["tumor"]["psum_mm"] = i / 10  # type: ignore[index]
        cases.append(case)
    write_cases(source, cases)
    target = tmp_path / "out.csv"
    exe = Path(sys.executable).parent / "mesostage"
    # The child starts with the default SIGINT action whatever the test process inherited or an earlier test left.
    # Defensive: a lost SIGINT was seen twice in `make test-lowest` and its cause is not known; an inherited
    # "ignore SIGINT" was tried and did not reproduce it.
    proc = subprocess.Popen(
        [str(exe), "batch", str(source), "-o", str(target)],
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while not any(p.name.endswith(".partial") for p in tmp_path.iterdir()):
        assert proc.poll() is None, "the run ended before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    # Sent again every half second until the run stops, as a person presses Ctrl-C again: one that lands inside a
    # polars call into Python can be lost there on the lowest polars allowed (seen once in `make test-lowest`).
    err = ""
    for _ in range(120):
        proc.send_signal(stop)
        try:
            _, err = proc.communicate(timeout=0.5)
            break
        except subprocess.TimeoutExpired:
            continue
    assert proc.returncode == code, err
    assert said in err, err
    assert "Traceback" not in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cases.jsonl"], err


def test_output_file_mode_is_the_usual_one(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("system,t,n,m\ntnm8,T1,N0,M0\n", encoding="utf-8")
    run_batch(source, tmp_path / "out.csv")
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "out.csv").stat().st_mode & 0o777 == 0o666 & ~mask


runner = CliRunner()


def test_cli_batch_summary_report_and_strict(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("system,t,n,m\ntnm8,T1,N0,M0\ntnm8,T5,N0,M0\n", encoding="utf-8")
    report = tmp_path / "report.json"
    result = runner.invoke(app, ["batch", str(source), "-o", str(tmp_path / "out.csv"), "--report", str(report)])
    assert result.exit_code == 0, result.output
    assert "2 rows read" in result.output
    assert "row 2: t: 'T5' is not a T category of tnm8" in result.output
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["errors"] == [
        {
            "row": 2,
            "kind": "invalid_category",
            "message": "t: 'T5' is not a T category of tnm8 (allowed: T0, T1, T2, T3, T4, TX)",
        }
    ]
    assert data["by_stage"] == {"tnm8 IA": 1}
    strict = runner.invoke(app, ["batch", str(source), "-o", str(tmp_path / "out2.csv"), "--strict"])
    assert strict.exit_code == 3
    assert (tmp_path / "out2.csv").is_file()  # the output is still written


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.csv", "-o", "out.csv"], "no such file"),
        (["in.csv", "-o", "out.txt"], "cannot tell the output format"),
        (["in.csv", "-o", "out.csv", "--system", "butchart"], "not a system for categories rows"),
        (["in.csv", "-o", "in.csv"], "would overwrite the input"),
        (["in.csv", "-o", "nowhere/out.csv"], "does not exist"),
        (["cols.csv", "-o", "out.csv"], "cannot tell what the rows hold"),
    ],
)
def test_cli_file_errors_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in.csv").write_text("system,t,n,m\ntnm8,T1,N0,M0\n", encoding="utf-8")
    (tmp_path / "cols.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    result = runner.invoke(app, ["batch", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "out.csv").exists()


def test_cli_progress_bar_can_be_forced(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("system,t,n,m\ntnm8,T1,N0,M0\n", encoding="utf-8")
    result = runner.invoke(app, ["batch", str(source), "-o", str(tmp_path / "out.csv"), "--progress"])
    assert result.exit_code == 0, result.output
    assert "1 rows read" in result.output
