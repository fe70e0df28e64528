"""Batch staging throughput and memory: prints rows/s for each input kind (figures go in benchmarks/README.md).

1. 1,000,000 EOD-coded rows from Parquet to Parquet, end to end, median of 5 runs after a warm-up (goal: <= 2 s on
   the 2-core reference machine).
2. The per-case engine on 100,000 finding-level cases (JSON Lines in, Parquet out).
3. NAACCR XML at 10,000 and 100,000 records, each run in a fresh process, with its peak memory (goal: flat,
   <= 300 MB).
4. 1,000,000 EOD 2025+ rows (schema 09370, TNM 9th as mesostage derives it), Parquet to Parquet, median of 5.
5. 1,000,000 EOD rows (both schemas) with recorded AJCC stage items and the recorded-stage checks, median of 5.

Inputs are generated (fixed seed) in a temporary folder. ``--quick`` runs a tenth of each size as a smoke test.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from mesostage.batch.rows import eod_outcome
from mesostage.batch.run import run_batch

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a tenth of each size (smoke run)")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)

        n = 1_000_000 // scale
        eod = folder / "eod.parquet"
        eod_parquet(eod, n)
        run_batch(eod, folder / "warm.parquet")  # warm-up: import and first-use costs, as in a long run
        runs = sorted(timed(eod, folder / "eod-out.parquet") for _ in range(5))
        seconds, rows = runs[2]
        print(
            f"EOD codes, Parquet -> Parquet: {rows:,} rows in {seconds:.2f} s (median of 5; best {runs[0][0]:.2f} s) "
            f"= {rows / seconds:,.0f} rows/s"
        )

        n = 100_000 // scale
        cases = folder / "cases.jsonl"
        finding_cases(cases, n)
        seconds, rows = timed(cases, folder / "cases-out.parquet")
        rate = rows / seconds
        print(
            f"Case findings (per-case engine), JSONL -> Parquet: {rows:,} rows in {seconds:.2f} s = {rate:,.0f} rows/s"
        )

        for n in (10_000 // scale, 100_000 // scale):
            xml = folder / f"naaccr-{n}.xml"
            naaccr_xml(xml, n)
            rows, seconds, peak = in_fresh_process(xml, folder / f"naaccr-{n}.parquet")
            size = xml.stat().st_size / 2**20
            print(
                f"NAACCR XML ({size:.0f} MB) -> Parquet: {rows:,} records in {seconds:.2f} s = {rows / seconds:,.0f} "
                f"rows/s; peak memory {peak:.0f} MB (whole process)"
            )

        n = 1_000_000 // scale
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


if __name__ == "__main__":
    main()
