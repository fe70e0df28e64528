"""Batch staging throughput and memory (figures go in benchmarks/README.md), each goal against its floor.

Sections (``--only eod,findings,xml,v9``; all by default):

* ``eod``: 1,000,000 EOD-coded rows, Parquet to Parquet, end to end, against a pure-polars floor on the same file
  in the same run (read, join each row to its codes' 15 outcome columns, write Parquet), interleaved (floor,
  subject, floor ...; ``--runs`` each, medians). Goal (issue 17): within 1.3x the floor.
* ``findings``: 100,000 random valid cases of every site, basis and tumour type (``tests/factories.random_case``),
  JSON Lines to Parquet with ``--no-review``, against a polars floor (read the JSON Lines, write Parquet), then
  every output row compared with the per-case engine: prints ``identical rows: N of N``. Goal: >= 20,000 rows/s.
  ``--with-review`` also times the default run (the second-opinion review for every case; slow).
* ``xml``: NAACCR XML at 10,000 and 100,000 records, each run in a fresh process, with its peak memory (goal:
  flat, <= 300 MB).
* ``v9``: 1,000,000 EOD 2025+ rows (schema 09370) and 1,000,000 EOD rows with recorded AJCC stage items and the
  recorded-stage checks, median of 5.

Wall and CPU time (this process, all threads) are printed, with the load average. Inputs are generated (fixed
seed) in a temporary folder. ``--quick`` runs a tenth of each size. Goals print as ``GOAL ...`` lines
(``benchmarks/run_all.py`` collects them).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl

from mesostage.batch.frame import outcome_frame
from mesostage.batch.rows import OUTCOME_COLUMNS, eod_outcome, finding_outcome
from mesostage.batch.run import run_batch
from timing import goal_line

SEED = 20261125
EOD = {
    "eodPrimaryTumor": ["100", "300", "500", "600", "700", "800", "999"],
    "eodRegionalNodes": ["000", "300", "700", "800", "999"],
    "eodMets": ["00", "05", "10", "70", "99"],
}
TUMOR = ["parietal_pleura", "visceral_pleura", "mediastinal_pleura", "diaphragmatic_pleura", "diaphragm_muscle"]
TUMOR += ["lung_parenchyma", "endothoracic_fascia", "mediastinal_fat", "chest_wall_solitary", "rib", "spine"]
NODES = ["ipsilateral_hilar", "subcarinal", "ipsilateral_mediastinal", "peridiaphragmatic", "contralateral_mediastinal"]
METS = ["liver", "bone", "pleura_contralateral_discontinuous"]


def eod_parquet(path: Path, rows: int) -> None:
    rng = random.Random(SEED)
    columns = {name: [rng.choice(codes) for _ in range(rows)] for name, codes in EOD.items()}
    # 1% of rows carry an error (an unknown code or a wrong schema), as a real file might
    bad = rng.sample(range(rows), rows // 100)
    for i in bad[: len(bad) // 2]:
        columns["eodPrimaryTumor"][i] = "450"
    schema = ["00370"] * rows
    for i in bad[len(bad) // 2 :]:
        schema[i] = "09370"
    years = [str(rng.randint(2018, 2024)) + f"{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}" for _ in range(rows)]
    pl.DataFrame(
        {
            "patientIdNumber": [f"{i:08d}" for i in range(rows)],
            "schemaId": schema,
            "primarySite": ["C384"] * rows,
            "histologicTypeIcdO3": [rng.choice(["9050", "9051", "9052", "9053"]) for _ in range(rows)],
            "behaviorCodeIcdO3": ["3"] * rows,
            "dateOfDiagnosis": years,
            **columns,
        }
    ).write_parquet(path)


EOD_V9 = {
    "eodPrimaryTumor": ["000", "050", "100", "200", "300", "400", "500", "600", "700", "800", "999"],
    "eodRegionalNodes": EOD["eodRegionalNodes"],
    "eodMets": EOD["eodMets"],
}
ARABIC = {"I": "1", "IA": "1A", "IB": "1B", "II": "2", "IIIA": "3A", "IIIB": "3B", "IV": "4"}


def eod2025_parquet(path: Path, rows: int) -> None:
    """EOD V9 rows diagnosed 2025-2026; 1% carry an error (an unknown code or a year before 2025)."""
    rng = random.Random(SEED)
    columns = {name: [rng.choice(codes) for _ in range(rows)] for name, codes in EOD_V9.items()}
    years = [f"{rng.randint(2025, 2026)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}" for _ in range(rows)]
    bad = rng.sample(range(rows), rows // 100)
    for i in bad[: len(bad) // 2]:
        columns["eodPrimaryTumor"][i] = "450"
    for i in bad[len(bad) // 2 :]:
        years[i] = "20240615"
    pl.DataFrame(
        {
            "patientIdNumber": [f"{i:08d}" for i in range(rows)],
            "schemaId": ["09370"] * rows,
            "primarySite": ["C384"] * rows,
            "histologicTypeIcdO3": [rng.choice(["9050", "9051", "9052", "9053"]) for _ in range(rows)],
            "behaviorCodeIcdO3": ["3"] * rows,
            "dateOfDiagnosis": years,
            **columns,
        }
    ).write_parquet(path)


def recorded_parquet(path: Path, rows: int) -> None:
    """EOD rows of both schemas with a recorded pathological stage: 2,000 distinct records (a registry file has
    few), each agreeing with its codes 80% of the time, else with a wrong group, T or edition; sampled to ``rows``."""
    rng = random.Random(SEED)
    templates = []
    for _ in range(2_000):
        v9 = rng.random() < 0.5
        codes = {name: rng.choice(pool) for name, pool in (EOD_V9 if v9 else EOD).items()}
        record = {
            "schemaId": "09370" if v9 else "00370",
            "primarySite": "C384",
            "histologicTypeIcdO3": "9052",
            "behaviorCodeIcdO3": "3",
            "dateOfDiagnosis": f"{rng.randint(2025, 2026) if v9 else rng.randint(2018, 2024)}0615",
            **codes,
        }
        derived = eod_outcome(record)
        t = (derived.t or "TX").split("/")[0]
        n = (derived.n or "NX").split("/")[-1]
        m = (derived.m or "M0").split("/")[0]
        group = ARABIC.get(derived.stage or "", "99")
        roll = rng.random()
        if roll > 0.95:
            group = rng.choice(list(ARABIC.values()))
        elif roll > 0.90:
            t = rng.choice(["T1", "T2", "T3", "T4"])
        edition = "09" if v9 else "08"
        if 0.85 < roll <= 0.90:
            edition = "08" if v9 else "07"
        templates.append(
            record
            | {
                "tnmEditionNumber": edition,
                "ajccTnmPathT": f"p{t}",
                "ajccTnmPathN": f"p{n}",
                "ajccTnmPathM": f"c{m}",
                "ajccTnmPathStageGroup": group,
            }
        )
    picked = [templates[rng.randrange(len(templates))] for _ in range(rows)]
    frame = pl.DataFrame(picked)
    frame.insert_column(0, pl.Series("patientIdNumber", [f"{i:08d}" for i in range(rows)]))
    frame.write_parquet(path)


def median_of_five(source: Path, target: Path) -> tuple[float, float, int]:
    run_batch(source, target)  # warm-up
    runs = sorted(timed(source, target) for _ in range(5))
    return runs[2][0], runs[0][0], runs[2][1]


def finding_cases(path: Path, rows: int) -> None:
    rng = random.Random(SEED)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(rows):
            tumor = rng.sample(TUMOR, rng.randint(1, 5))
            unknown = [f for f in rng.sample(TUMOR, 2) if f not in tumor][:1]
            case = {
                "id": f"case-{i}",
                "site": "pleura",
                "diagnosis_date": f"{rng.randint(2016, 2026)}-0{rng.randint(1, 9)}-15",
                "basis": rng.choice(["clinical", "pathological"]),
                "tumor": {"findings": tumor, "unknown": unknown},
                "nodes": {"findings": rng.sample(NODES, rng.randint(0, 2))},
                "metastases": {"findings": rng.sample(METS, rng.choice([0, 0, 0, 1]))},
            }
            fh.write(json.dumps(case) + "\n")


def naaccr_xml(path: Path, records: int) -> None:
    rng = random.Random(SEED)
    with path.open("w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        fh.write(
            '<NaaccrData baseDictionaryUri="http://naaccr.org/naaccrxml/naaccr-dictionary-240.xml" recordType="I" '
            'specificationVersion="1.7" xmlns="http://naaccr.org/naaccrxml">\n'
        )
        for i in range(records):
            items = {
                "primarySite": "C384",
                "histologicTypeIcdO3": rng.choice(["9050", "9051", "9052", "9053"]),
                "behaviorCodeIcdO3": "3",
                "dateOfDiagnosis": f"{rng.randint(2018, 2024)}0615",
                "schemaId": "00370",
                **{name: rng.choice(codes) for name, codes in EOD.items()},
                "pleuralEffusion": rng.choice(["0", "2", "9"]),
            }
            body = "".join(f'<Item naaccrId="{k}">{v}</Item>' for k, v in items.items())
            fh.write(f'<Patient><Item naaccrId="patientIdNumber">{i:08d}</Item><Tumor>{body}</Tumor></Patient>\n')
        fh.write("</NaaccrData>\n")


def timed(source: Path, target: Path, **options: object) -> tuple[float, int]:
    started = time.perf_counter()
    summary = run_batch(source, target, **options)  # type: ignore[arg-type]
    return time.perf_counter() - started, summary.rows


# Peak memory is read from VmHWM (the high-water mark of this process's own memory map): ru_maxrss would also
# count the parent's memory at fork time, which Linux carries over the exec.
_CHILD = """
import sys, time
from pathlib import Path
from mesostage.batch.rows import eod_outcome
from mesostage.batch.run import run_batch
started = time.perf_counter()
summary = run_batch(Path(sys.argv[1]), Path(sys.argv[2]))
seconds = time.perf_counter() - started
status = Path("/proc/self/status").read_text()
hwm = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
print(summary.rows, seconds, hwm)
"""


def in_fresh_process(source: Path, target: Path) -> tuple[int, float, float]:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(source), str(target)], capture_output=True, check=True)
    rows, seconds, max_rss_kib = out.stdout.split()
    return int(rows), float(seconds), int(max_rss_kib) / 1024


def finding_file(path: Path, rows: int) -> list[dict[str, object]]:
    """Random valid cases of every site, basis and tumour type (tests/factories.py, fixed seed), as JSON Lines."""
    sys.path.insert(0, str(Path(__file__).parents[1]))
    from tests.factories import random_case

    rng = random.Random(SEED)
    cases = [random_case(rng, i) for i in range(rows)]
    with path.open("w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(case) + "\n" for case in cases)
    return cases


Timed = tuple[float, float]  # wall seconds, CPU seconds (this process, every thread)


def clocked(fn: Callable[[], object]) -> Timed:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def interleaved(floor: Callable[[], object], subject: Callable[[], object], runs: int) -> tuple[Timed, Timed]:
    """Medians of ``runs`` runs of each, in turn (floor, subject, floor, ...), after one warm-up of each."""
    floor(), subject()
    floors, subjects = [], []
    for _ in range(runs):
        floors.append(clocked(floor))
        subjects.append(clocked(subject))
    return median_timed(floors), median_timed(subjects)


def median_timed(values: list[Timed]) -> Timed:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def eod_floor(source: Path, target: Path, lookup: pl.DataFrame) -> None:
    """The pure-polars floor: read the Parquet file, join each row to its codes' outcome, write Parquet."""
    frame = pl.read_parquet(source)
    frame.join(lookup, on=list(EOD), how="left").write_parquet(target, statistics=False)


def eod_lookup() -> pl.DataFrame:
    """One row per EOD 2018 code combination with 15 text outcome columns (the output's width)."""
    rows = [(*codes, *(f"{'-'.join(codes)}:{k}" for k in range(15))) for codes in itertools.product(*EOD.values())]
    return pl.DataFrame(rows, schema=[*EOD, *(f"out{k}" for k in range(15))], orient="row")


def findings_floor(source: Path, target: Path) -> None:
    """The pure-polars floor for finding rows: read the JSON Lines (every field), write Parquet."""
    pl.read_ndjson(source, infer_schema_length=None).write_parquet(target, statistics=False)


def identical_rows(cases: list[dict[str, object]], output: Path) -> tuple[int, int, bool]:
    """Rows of a --no-review output equal, column for column, to the per-case engine's outcome for its case
    (``finding_outcome(..., review=False)``: ``mesostage.staging.stage`` in that system), and whether the whole
    output, with the engine's outcome columns put in, is the same frame (values and types) and the same CSV bytes."""
    out = pl.read_parquet(output)
    columns = [c for c in OUTCOME_COLUMNS if c in out.columns]
    expected = [finding_outcome(case, review=False) for case in cases]
    same = sum(
        tuple(getattr(e, c) for c in columns) == row
        for e, row in zip(expected, out.select(columns).iter_rows(), strict=True)
    )
    engine = outcome_frame(expected).select(columns)
    whole = out.with_columns(engine)
    return same, out.height, whole.equals(out) and whole.write_csv() == out.write_csv()


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def report(name: str, rows: int, floor: Timed, subject: Timed, what: str) -> tuple[float, float]:
    print(
        f"{name}: {rows:,} rows in {subject[0]:.2f} s wall, {subject[1]:.2f} s CPU (median) = {rows / subject[0]:,.0f} "
        f"rows/s; floor ({what}) {floor[0]:.2f} s wall, {floor[1]:.2f} s CPU = {rows / floor[0]:,.0f} rows/s; {load()}"
    )
    return rows / subject[0], rows / floor[0]


def bench_eod(folder: Path, n: int, runs: int) -> None:
    eod = folder / "eod.parquet"
    eod_parquet(eod, n)
    lookup = eod_lookup()
    floor, subject = interleaved(
        lambda: eod_floor(eod, folder / "floor.parquet", lookup),
        lambda: run_batch(eod, folder / "eod-out.parquet"),
        runs,
    )
    report("EOD codes, Parquet -> Parquet", n, floor, subject, "polars read, join, write")
    ratio = subject[0] / floor[0]
    print(
        goal_line(
            "batch EOD rows vs polars floor",
            subject[0],
            f"s wall [CPU {subject[1]:.2f} s against {floor[1]:.2f} s: {subject[1] / floor[1]:.2f}x; {load()}]",
            floor[0],
            "s",
            "polars read-join-write, same rows",
            ratio,
            "<= 1.3x the floor",
            ratio <= 1.3,
        )
    )


def bench_findings(folder: Path, n: int, runs: int, with_review: bool) -> None:
    source = folder / "cases.jsonl"
    cases = finding_file(source, n)
    target = folder / "cases-out.parquet"
    floor, subject = interleaved(
        lambda: findings_floor(source, folder / "floor.parquet"), lambda: run_batch(source, target, review=False), runs
    )
    rate, floor_rate = report("Case findings --no-review, JSONL -> Parquet", n, floor, subject, "polars read, write")
    print(
        goal_line(
            "batch findings rows/s (--no-review)",
            rate,
            f"rows/s wall [CPU {n / subject[1]:,.0f} rows/s; {load()}]",
            floor_rate,
            "rows/s",
            "polars JSONL read-write",
            subject[0] / floor[0],
            ">= 20,000 rows/s",
            rate >= 20_000,
        )
    )
    same, total, whole = identical_rows(cases, target)
    print(f"identical rows: {same:,} of {total:,} (--no-review output against the per-case engine, every column)")
    print(f"identical output (frame and CSV bytes, with the engine's outcome columns put in): {whole}")
    if with_review:
        seconds, rows = timed(source, folder / "reviewed.parquet")
        print(
            f"Case findings with the review (mesostage.stage per case): {rows:,} rows in {seconds:.2f} s = "
            f"{rows / seconds:,.0f} rows/s; {load()}"
        )


def bench_xml(folder: Path, sizes: tuple[int, ...]) -> None:
    for n in sizes:
        xml = folder / f"naaccr-{n}.xml"
        naaccr_xml(xml, n)
        rows, seconds, peak = in_fresh_process(xml, folder / f"naaccr-{n}.parquet")
        size = xml.stat().st_size / 2**20
        print(
            f"NAACCR XML ({size:.0f} MB) -> Parquet: {rows:,} records in {seconds:.2f} s = {rows / seconds:,.0f} "
            f"rows/s; peak memory {peak:.0f} MB (whole process)"
        )


def bench_v9_and_recorded(folder: Path, n: int) -> None:
    v9 = folder / "eod2025.parquet"
    eod2025_parquet(v9, n)
    seconds, best, rows = median_of_five(v9, folder / "eod2025-out.parquet")
    print(
        f"EOD 2025+ codes (TNM 9th), Parquet -> Parquet: {rows:,} rows in {seconds:.2f} s (median of 5; best "
        f"{best:.2f} s) = {rows / seconds:,.0f} rows/s"
    )
    recorded = folder / "recorded.parquet"
    recorded_parquet(recorded, n)
    seconds, best, rows = median_of_five(recorded, folder / "recorded-out.parquet")
    flagged = pl.scan_parquet(folder / "recorded-out.parquet").select(pl.col("discrepancies").is_not_null().sum())
    print(
        f"EOD codes with recorded-stage checks, Parquet -> Parquet: {rows:,} rows in {seconds:.2f} s (median of "
        f"5; best {best:.2f} s) = {rows / seconds:,.0f} rows/s; {flagged.collect().item():,} rows flagged"
    )


SECTIONS = ("eod", "findings", "xml", "v9")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a tenth of each size (smoke run)")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections: {', '.join(SECTIONS)}")
    parser.add_argument("--runs", type=int, default=3, help="interleaved runs of each goal's floor and subject")
    parser.add_argument("--with-review", action="store_true", help="also time finding rows with the review (slow)")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    only = set(args.only.split(","))
    print(f"batch_bench: {load()}; {os.cpu_count()} cores; Python {sys.version.split()[0]}; polars {pl.__version__}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if "eod" in only:
            bench_eod(folder, 1_000_000 // scale, args.runs)
        if "findings" in only:
            bench_findings(folder, 100_000 // scale, args.runs, args.with_review)
        if "xml" in only:
            bench_xml(folder, (10_000 // scale, 100_000 // scale))
        if "v9" in only:
            bench_v9_and_recorded(folder, 1_000_000 // scale)


if __name__ == "__main__":
    main()
