"""Is the output of ``mesostage batch`` on EOD rows unchanged? Runs this tree's ``run_batch`` and another revision's
(default ``main``) on the same EOD inputs and compares every output file byte for byte, and the run summaries (the
counts, and every row not staged with its kind and message), as JSON text.

Inputs (made here, fixed seed, the same files for both):

* ``oracle``: every combination of the EOD codes in the SEER oracle tables (``../shared/reference/data/oracle``:
  EOD 2018 and V9) and the schemas' own code lists, with every Pleural Effusion code and blank, in both schemas, by
  Schema ID and by diagnosis date only;
* ``bench``: the 1,000,000-row file of ``batch_bench.py`` (``--rows`` to change; 1% errors);
* ``random-N``: random rows from pools of valid, invalid, blank, padded, lower-case and whole-number values of
  every EOD column, with and without recorded-stage items, some columns left out; as text, as whole numbers and
  with a Date column;
* ``empty``: no rows.

Each is read from Parquet and CSV and written to Parquet, CSV and JSON Lines, in batches of the default size and of
1,000 rows. The other revision's ``src/`` is taken with ``git archive`` into a temporary directory and run in a child
process, as this tree's is, so neither tree is changed. Prints one line per output and the number identical; the
exit status is 1 if anything differs.

Run: ``.venv/bin/python benchmarks/same_batch_output.py [--against main] [--rows 1000000] [--random 4]``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import itertools
import json
import os
import random
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import polars as pl

REPO = Path(__file__).resolve().parents[1]
ORACLE = REPO.parent / "shared" / "reference" / "data" / "oracle"
SEED = 20261201

_CHILD = """
import json, sys
from pathlib import Path
import mesostage
from mesostage.batch.run import run_batch
jobs = json.loads(Path(sys.argv[1]).read_text())
for job in jobs:
    summary = run_batch(Path(job["input"]), Path(job["output"]), batch_rows=job["batch_rows"])
    summary.seconds, summary.input, summary.output = 0.0, "INPUT", "OUTPUT"
    report = summary.as_dict()
    Path(job["output"] + ".summary.json").write_text(json.dumps(report, sort_keys=True) + "\\n" + summary.render())
print(Path(mesostage.__file__).parent)
"""


def _codes() -> dict[str, set[str]]:
    """The EOD codes of the oracle tables and of the schemas' own tables, per column."""
    from mesostage.batch.tables import EOD_SCHEMAS, eod_table

    found: dict[str, set[str]] = {"eodPrimaryTumor": set(), "eodRegionalNodes": set(), "eodMets": set()}
    column = {"T": "eodPrimaryTumor", "N": "eodRegionalNodes", "M": "eodMets"}
    for name in ("eod2018_pleural_mesothelioma_findings_ajcc8.csv", "eod_v9_2025_pleural_mesothelioma_codes.csv"):
        path = ORACLE / name
        if not path.is_file():
            raise SystemExit(f"the SEER oracle tables are not there: {path}")
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                found[column[row["component"]]].add(row["eod_code"])
    for schema_id in EOD_SCHEMAS:
        table = eod_table(schema_id)
        for comp, col in column.items():
            found[col] |= set(table.codes(comp))
    return found


def oracle_frame() -> pl.DataFrame:
    codes = _codes()
    rows = []
    effusion = [None, "0", "1", "2", "3", "4", "8", "9"]
    for schema, date in (("00370", "20200615"), ("09370", "20250615"), (None, "20210301"), (None, "2026")):
        for t, n, m in itertools.product(
            *(sorted(codes[c]) for c in ("eodPrimaryTumor", "eodRegionalNodes", "eodMets"))
        ):
            rows.append(
                {
                    "schemaId": schema,
                    "primarySite": "C384",
                    "histologicTypeIcdO3": "9052",
                    "behaviorCodeIcdO3": "3",
                    "dateOfDiagnosis": date,
                    "eodPrimaryTumor": t,
                    "eodRegionalNodes": n,
                    "eodMets": m,
                    "pleuralEffusion": effusion[len(rows) % len(effusion)],
                }
            )
    return pl.DataFrame(rows, schema=dict.fromkeys(rows[0], pl.String()))


POOLS: dict[str, list[Any]] = {
    "schemaId": ["00370", "00370", "09370", None, "", "  ", "00371", "370", " 00370 ", 370, 9370],
    "primarySite": ["C384", "C384", "C38.4", "c384", "C340", "C341", "C180", None, "", " C384"],
    "histologicTypeIcdO3": ["9050", "9051", "9052", "9053", "8140", None, "", "9050 ", 9050, 8140],
    "behaviorCodeIcdO3": ["3", "3", "2", "1", None, "", " 3", 3, 1],
    "dateOfDiagnosis": [
        "20200615",
        "20180101",
        "20241231",
        "20250101",
        "20260615",
        "2019",
        "201906",
        "2025-03-04",
        "2017",
        "20201340",
        "20200230",
        "abc",
        None,
        "",
        "99999999",
        20200615,
        20250101,
        2019,
    ],
    "eodPrimaryTumor": [
        "100",
        "300",
        "500",
        "600",
        "700",
        "800",
        "999",
        "000",
        "050",
        "200",
        "400",
        "450",
        None,
        "",
        "1",
        "10",
        " 100",
        100,
        300,
        0,
        50,
        450,
    ],
    "eodRegionalNodes": ["000", "300", "700", "800", "999", None, "", "0", "100", 0, 300, 999],
    "eodMets": ["00", "05", "10", "70", "99", None, "", "5", "07", 0, 5, 70],
    "pleuralEffusion": [None, "0", "1", "2", "3", "4", "8", "9", "5", "", 2, 7],
}
RECORDED: dict[str, list[Any]] = {
    "tnmEditionNumber": ["08", "09", "07", None, "", "88", "8"],
    "ajccTnmPathT": ["pT1", "pT2", "pT3", "pT4", "T1", "cT2", None, "", "pTX", "x"],
    "ajccTnmPathN": ["pN0", "pN1", "pN2", "N0", None, "", "pNX"],
    "ajccTnmPathM": ["cM0", "pM1", "M0", None, "", "cM1"],
    "ajccTnmPathStageGroup": ["1A", "1B", "2", "3A", "3B", "4", "99", None, "", "IA", "88"],
}


def random_frame(rng: random.Random, rows: int, variant: int) -> pl.DataFrame:
    """Random rows; ``variant`` picks the column types and which columns are there."""
    as_int = {c: variant % 3 == 1 and any(isinstance(v, int) for v in p) for c, p in POOLS.items()}
    columns: dict[str, pl.Series] = {"patientIdNumber": pl.Series([f"{i:08d}" for i in range(rows)])}
    pools = dict(POOLS)
    if variant % 4 == 3:
        pools.pop(rng.choice(list(pools)))
        pools.pop("pleuralEffusion", None)
    for column, pool in pools.items():
        wanted = int if as_int[column] else str
        choices = [v for v in pool if v is None or isinstance(v, wanted)]
        # mostly valid values, as a registry file has: the first few of each pool, sometimes anything
        common = choices[: max(2, len(choices) // 3)]
        values = [rng.choice(choices) if rng.random() < 0.2 else rng.choice(common) for _ in range(rows)]
        columns[column] = pl.Series(column, values, dtype=pl.Int64 if wanted is int else pl.String)
    if variant % 3 == 2 and "dateOfDiagnosis" in columns:
        days = [dt.date(2018, 1, 1) + dt.timedelta(days=rng.randrange(9 * 365)) for _ in range(rows)]
        columns["dateOfDiagnosis"] = pl.Series("dateOfDiagnosis", [d if rng.random() < 0.97 else None for d in days])
    if variant % 2 == 1:
        for column, pool in RECORDED.items():
            columns[column] = pl.Series(column, [rng.choice(pool) for _ in range(rows)], dtype=pl.String)
    return pl.DataFrame(list(columns.values()))


def inputs(folder: Path, rows: int, randoms: int) -> list[Path]:
    sys.path.insert(0, str(REPO / "benchmarks"))
    from batch_bench import eod_parquet

    made = []
    oracle = oracle_frame()
    oracle.write_parquet(folder / "oracle.parquet")
    oracle.write_csv(folder / "oracle.csv")
    made += [folder / "oracle.parquet", folder / "oracle.csv"]
    eod_parquet(folder / "bench.parquet", rows)
    made.append(folder / "bench.parquet")
    rng = random.Random(SEED)
    for variant in range(randoms):
        frame = random_frame(rng, rng.choice([50, 3_000, 40_000]), variant)
        frame.write_parquet(folder / f"random-{variant}.parquet")
        made.append(folder / f"random-{variant}.parquet")
        if variant % 3 != 2:  # a Date column would be text in CSV anyway
            frame.write_csv(folder / f"random-{variant}.csv")
            made.append(folder / f"random-{variant}.csv")
    oracle.clear().write_parquet(folder / "empty.parquet")
    oracle.clear().write_csv(folder / "empty.csv")
    made += [folder / "empty.parquet", folder / "empty.csv"]
    return made


def jobs(sources: list[Path], out: Path) -> list[dict[str, Any]]:
    listed = []
    for source in sources:
        for fmt in ("parquet", "csv", "jsonl"):
            big = source.stem == "bench"
            for batch_rows in (None,) if big and fmt != "parquet" else (None, 1_000) if not big else (None, 100_000):
                name = f"{source.stem}.{source.suffix[1:]}.{batch_rows or 'default'}.{fmt}"
                listed.append({"input": str(source), "output": str(out / name), "batch_rows": batch_rows})
    return listed


def run(src: Path, listed: list[dict[str, Any]], work: Path, label: str) -> None:
    (work / f"{label}.json").write_text(json.dumps(listed))
    env = dict(os.environ, PYTHONPATH=str(src))
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(work / f"{label}.json")], check=True, env=env, capture_output=True, text=True
    )
    where = done.stdout.strip().splitlines()[-1]
    if not where.startswith(str(src)):
        raise SystemExit(f"the {label} child did not run the code of {src} ({where})")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--against", default="main", help="the revision to compare with")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the benchmark file")
    parser.add_argument("--random", type=int, default=6, help="random files")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "in").mkdir()
        sources = inputs(work / "in", args.rows, args.random)
        archive = work / "src.tar"
        with archive.open("wb") as fh:
            subprocess.run(["git", "-C", str(REPO), "archive", args.against, "src"], check=True, stdout=fh)
        with tarfile.open(archive) as tar:
            tar.extractall(work / "theirs", filter="data")
        results = {}
        for label, src in (("theirs", work / "theirs" / "src"), ("ours", REPO / "src")):
            (work / label / "out").mkdir(parents=True, exist_ok=True)
            listed = jobs(sources, work / label / "out")
            run(src, listed, work, label)
            results[label] = listed
        same = total = 0
        for theirs, ours in zip(results["theirs"], results["ours"], strict=True):
            for suffix in ("", ".summary.json"):
                a, b = Path(theirs["output"] + suffix), Path(ours["output"] + suffix)
                total += 1
                equal = a.read_bytes() == b.read_bytes()
                same += equal
                name = b.name
                print(
                    f"{'same' if equal else 'DIFFERENT'}  {name}  {digest(b)}" + ("" if equal else f" vs {digest(a)}")
                )
                if not equal and suffix:
                    x, y = a.read_text().splitlines(), b.read_text().splitlines()
                    for i, (p, q) in enumerate(zip(x, y, strict=False)):
                        if p != q:
                            print(f"    line {i}: {args.against}: {p[:300]}\n    line {i}: ours: {q[:300]}")
                            break
        print(f"{same} of {total} outputs and summaries byte for byte the same as {args.against}")
        raise SystemExit(0 if same == total else 1)


if __name__ == "__main__":
    main()
