"""Is the public output of staging unchanged? Compares ``mesostage.stage()`` (six systems and the review),
``mesostage.staging.stage()`` (no review) and ``mesostage.review()`` on the five shipped examples and N random valid
cases with the output of another revision (default ``main``), as JSON text, case by case.

The other revision's ``src/`` is taken with ``git archive`` into a temporary directory and run in a child process
(its own ``mesostage``; the cases are made by this tree's ``tests/factories.random_case`` in both, with the same
seed), so neither tree is changed. Each case is staged twice in a row (the second answer comes from the engine's
memory) and once more with a random subset of systems. Prints the number of identical cases and the first
differences; the exit status is 1 if any case differs.

``--api`` compares the HTTP API instead, in process (Starlette's test client): every case route with the examples
and ``--n`` random cases (each sent twice, the second answer from memory), ``/stage`` with ``systems`` and
``fields``, bad bodies and bad query values, a wrong host, 404, 405, 413; for each request its status, every
response header and the body bytes.

Run: ``.venv/bin/python benchmarks/same_output.py [--n 7000] [--seed 17] [--against main] [--api]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def cases(n: int, seed: int) -> Iterator[tuple[dict[str, Any], list[str]]]:
    """The shipped examples, then ``n`` random valid cases (with a random subset of systems for each)."""
    from tests.factories import random_case

    from mesostage.case import NODE_FINDINGS, SYSTEM_IDS, TUMOR_FINDINGS
    from mesostage.staging.definitions import load_system

    rng = random.Random(seed)
    for path in sorted((REPO / "src" / "mesostage" / "examples").glob("*.json")):
        yield json.loads(path.read_text()), list(SYSTEM_IDS)
    for i in range(n):
        case = random_case(rng, i)
        # What random_case leaves out that the review reads: a reported stage in any system, talc pleurodesis,
        # many unknowns at once, the peridiaphragmatic node and the contiguity twins present or unknown.
        if rng.random() < 0.3:
            system = rng.choice(SYSTEM_IDS)
            case["reported_stage"] = {"system": system, "stage": rng.choice(load_system(system).stages)}
        if rng.random() < 0.2:
            case["patient"] = {"talc_pleurodesis": rng.random() < 0.5}
        if case["site"] == "pleura" and rng.random() < 0.25:
            for name, vocab in (("tumor", TUMOR_FINDINGS), ("nodes", NODE_FINDINGS)):
                block = case.get(name)
                if block is None or block.get("assessed", True) is False or block.get("no_evidence"):
                    continue
                names = rng.sample(vocab, rng.randint(0, len(vocab)))
                cut = rng.randint(0, len(names))
                block["findings"], block["unknown"] = names[cut:], names[:cut]
        yield case, rng.sample(list(SYSTEM_IDS), rng.randint(1, len(SYSTEM_IDS)))


def outputs(n: int, seed: int) -> Iterator[str]:
    """One line per case: every public answer for it, as JSON text."""
    import mesostage
    import mesostage.staging
    from mesostage.errors import CaseError

    for case, subset in cases(n, seed):
        parts: list[str] = []
        try:
            parts.append(mesostage.stage(case).model_dump_json())
            parts.append(mesostage.stage(case).model_dump_json())
            parts.append(mesostage.stage(case, systems=subset).model_dump_json())
            parts.append(mesostage.staging.stage(case).model_dump_json())
            parts.append(json.dumps([n.model_dump(mode="json") for n in mesostage.review(case)]))
        except CaseError as exc:
            parts.append(f"CaseError {exc}")
        yield json.dumps(case, sort_keys=True) + "\t" + "\t".join(parts)


#: Query strings of ``/stage``: the systems and fields lists, alone and together, in another order, repeated.
STAGE_QUERIES = (
    "",
    "?systems=tnm9",
    "?systems=tnm9&systems=tnm8",
    "?systems=butchart&systems=brigham&systems=peritoneal_tnm",
    "?fields=results.system&fields=results.stage",
    "?fields=results.stage&fields=results.system",
    "?fields=results&fields=results.stage",
    "?fields=review&fields=warnings&fields=id",
    "?systems=tnm9&fields=results.system&fields=results.stage",
    "?systems=tnm8&fields=results.stage_range&fields=site",
)
#: The routes that answer from the case alone, with their query strings (besides ``/stage``'s above).
CASE_ROUTES = (
    "/api/v1/review",
    "/api/v1/explain",
    "/api/v1/explain?audience=clinician",
    "/api/v1/options",
    "/api/v1/options?audience=clinician",
    "/api/v1/prognosis",
    "/api/v1/trials/match",
    "/api/v1/trials/list",
    "/api/v1/trials/list?phase=PHASE2&sort=fit",
)
BAD_QUERIES = (
    "?systems=lung",
    "?systems=tnm9&systems=tnm10",
    "?fields=nope",
    "?fields=results.nope&fields=id",
    "?systems=",
)


def _bad_bodies() -> list[bytes]:
    """Bodies that are not valid cases: unreadable, not JSON, not an object, wrong values, limits broken."""
    deep = b"[" * 100 + b"]" * 100
    return [
        b"",
        b"{not json",
        b"[1, 2]",
        b"null",
        b'"pleura"',
        b"\xff\xfe",
        b"\xef\xbb\xbf" + b'{"site": "pleura"}',
        b'{"site": "lung"}',
        b'{"site": "pleura", "tumor": {"findings": ["ribs"]}}',
        b'{"site": "pleura", "tumor": {"findings": ["rib"], "unknown": ["rib"]}}',
        b'{"site": "pleura", "tumor": {"psum_mm": -3}}',
        b'{"site": "pleura", "tumor": {"psum_mm": 1e999}}',
        b'{"site": "pleura", "tumor": {"psum_mm": ' + b"9" * 40 + b"}}",
        b'{"site": "pleura", "id": "\\ud800"}',
        b'{"site": "pleura", "id": "' + b"x" * 300 + b'"}',
        b'{"site": "pleura", "colour": "red"}',
        b'{"site": "peritoneum", "tumor": {"findings": []}}',
        b'{"site": "peritoneum", "peritoneal": {"pci": 40}}',
        b'{"site": "pleura", "diagnosis_date": "2024-02-30"}',
        b'{"site": "pleura", "diagnosis_date": 20240301}',
        b'{"site": "pleura", "diagnosis_date": "2999-01-01"}',
        b'{"site": "pleura", "basis": "guess"}',
        b'{"site": "pleura", "nodes": {"assessed": false, "findings": ["subcarinal"]}}',
        b'{"site": "pleura", "patient": {"ecog": 7}}',
        b'{"site": "pleura", "reported_stage": {"system": "tnm9", "stage": "V"}}',
        b'{"site": "pleura", "x": ' + deep + b"}",
        deep,
        b'{"site": "pleura", "n": NaN}',
        b'{"site": "pleura"} trailing',
        b"{}",
    ]


def api_outputs(n: int, seed: int) -> Iterator[str]:
    """One line per request: the request, then its status, every response header and the body (as JSON text)."""
    from fastapi.testclient import TestClient

    from mesostage.web.app import create_app

    api = TestClient(create_app(), base_url="http://127.0.0.1", raise_server_exceptions=False)

    def line(method: str, url: str, body: bytes = b"", headers: dict[str, str] | None = None) -> str:
        answer = api.request(method, url, content=body or None, headers=headers)
        shown = hashlib.sha256(body).hexdigest()[:12]
        return json.dumps(
            [method, url, shown, answer.status_code, answer.headers.multi_items(), answer.content.decode("latin-1")]
        )

    ordered = [json.dumps(case).encode() for case, _ in cases(n, seed)]
    for body in ordered:
        for query in STAGE_QUERIES:
            yield line("POST", "/api/v1/stage" + query, body)
            yield line("POST", "/api/v1/stage" + query, body)  # the same case again: from memory
        yield line("POST", "/api/v1/stage", json.dumps(json.loads(body), indent=1).encode())  # other spacing
        for route in CASE_ROUTES:
            yield line("POST", route, body)
    for bad in _bad_bodies():
        for route in ("/api/v1/stage", "/api/v1/stage?fields=results.stage", "/api/v1/review"):
            yield line("POST", route, bad)
            yield line("POST", route, bad)
    for query in BAD_QUERIES:
        yield line("POST", "/api/v1/stage" + query, ordered[0])
    yield line("POST", "/api/v1/explain?audience=nobody", ordered[0])
    yield line("POST", "/api/v1/stage", ordered[0], {"host": "evil.example"})
    yield line("POST", "/api/v1/stage", b"{" + b" " * 70_000 + b"}")
    yield line("POST", "/api/v1/stage", ordered[0], {"content-length": "999999999"})
    yield line("GET", "/api/v1/stage")
    yield line("POST", "/api/v1/nothing", ordered[0])
    yield line("GET", "/api/v1/systems")
    yield line("GET", "/api/v1/health")
    yield line("GET", "/api/v1/openapi.json")


def _emit(n: int, seed: int, out: Path, api: bool = False) -> None:
    import mesostage

    with out.open("w", encoding="utf-8") as fh:
        fh.write(f"mesostage from {Path(mesostage.__file__).parent}\n")
        for line in (api_outputs if api else outputs)(n, seed):
            fh.write(line + "\n")


def _other(revision: str, n: int, seed: int, work: Path, api: bool = False) -> list[str]:
    archive = work / "src.tar"
    with archive.open("wb") as fh:
        subprocess.run(["git", "-C", str(REPO), "archive", revision, "src"], check=True, stdout=fh)
    with tarfile.open(archive) as tar:
        tar.extractall(work / "tree", filter="data")
    out = work / "other.txt"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(work / "tree" / "src"), str(REPO)]))
    subprocess.run(
        [sys.executable, __file__, "--emit", str(out), "--n", str(n), "--seed", str(seed), *(["--api"] if api else [])],
        check=True,
        env=env,
    )
    lines = out.read_text(encoding="utf-8").splitlines()
    where = lines.pop(0)
    if str(work) not in where:
        raise SystemExit(f"the child did not run the other revision's code ({where})")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=7000, help="random cases besides the examples")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--against", default="main", help="the revision to compare with")
    parser.add_argument("--api", action="store_true", help="compare the HTTP API's answers instead")
    parser.add_argument("--emit", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.emit is not None:
        _emit(args.n, args.seed, args.emit, args.api)
        return
    sys.path.insert(0, str(REPO))
    with tempfile.TemporaryDirectory() as tmp:
        theirs = _other(args.against, args.n, args.seed, Path(tmp), args.api)
    ours = list((api_outputs if args.api else outputs)(args.n, args.seed))
    if args.api:
        differing = [i for i, (a, b) in enumerate(zip(ours, theirs, strict=True)) if a != b]
        print(f"{len(ours) - len(differing)} of {len(ours)} requests answered as {args.against} answers them")
        for i in differing[:5]:
            print(f"ours:   {ours[i][:1500]}\ntheirs: {theirs[i][:1500]}")
        raise SystemExit(1 if differing else 0)
    differing = [i for i, (a, b) in enumerate(zip(ours, theirs, strict=True)) if a != b]
    digest = hashlib.sha256("\n".join(ours).encode()).hexdigest()[:16]
    print(
        f"{len(ours) - len(differing)} of {len(ours)} cases identical to {args.against} "
        f"(5 examples + {args.n} random, seed {args.seed}; output digest {digest})"
    )
    for i in differing[:3]:
        a, b = ours[i].split("\t"), theirs[i].split("\t")
        print(f"case {i}: {a[0]}")
        for k, (x, y) in enumerate(zip(a[1:], b[1:], strict=False)):
            if x != y:
                print(f"  answer {k}:\n    ours:   {x[:2000]}\n    theirs: {y[:2000]}")
    raise SystemExit(1 if differing else 0)


if __name__ == "__main__":
    main()
