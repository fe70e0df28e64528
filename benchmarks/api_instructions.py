"""Instructions the server process runs per request of ``POST /api/v1/stage``, against the bare FastAPI route: a
figure that other work on the machine does not change (requests/s and CPU time do, on a shared 2-core machine).

The server (uvicorn, h11, asyncio, as in ``api_bench.py``) runs under valgrind's callgrind with counting switched
on only while this process sends it the measured requests (after a warm-up); callgrind counts user-space
instructions, so the kernel's work (sockets) is not in it. About a minute for the four runs; needs valgrind
(Debian's ``valgrind`` package). Prints one ``GOAL`` line per subject: the ratio of instructions, floor over
subject, is about the ratio of requests/s the server could give if it had a core to itself.

    .venv/bin/python benchmarks/api_instructions.py
"""

from __future__ import annotations

import argparse
import asyncio
import glob
import os
import shutil
import subprocess
import sys
import tempfile

import api_bench


def instructions(app: str, path: str, requests: int, *, fresh: bool = False) -> float:
    """Instructions per request of the server process for ``requests`` requests (8 connections)."""
    port = api_bench._free_port()
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={tmp}/out.%p",
            sys.executable,
            *api_bench.server_args(port, app),
        ]
        proc = api_bench._when_healthy(subprocess.Popen(cmd, stderr=subprocess.DEVNULL), port, 300, "the server")
        try:
            asyncio.run(api_bench._load(port, api_bench.bodies(48, fresh=fresh, first=900_000), 8, 300, path))
            subprocess.run(["callgrind_control", "-i", "on", str(proc.pid)], capture_output=True, check=True)
            _, lat = asyncio.run(api_bench._load(port, api_bench.bodies(requests, fresh=fresh), 8, 600, path))
            subprocess.run(["callgrind_control", "-i", "off", str(proc.pid)], capture_output=True, check=True)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
        total = 0
        for name in glob.glob(f"{tmp}/out.*"):
            with open(name, encoding="utf-8") as f:
                total += sum(int(line.split()[1]) for line in f if line.startswith("totals:"))
    return total / len(lat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    floor = instructions("bare_app:create_app", "/api/v1/stage", args.requests)
    print(f"bare FastAPI route: {floor:,.0f} instructions a request (load {os.getloadavg()[0]:.1f})", flush=True)
    for name, (path, fresh) in api_bench.PLAN.items():
        value = instructions("mesostage.web.app:create_app", path, args.requests, fresh=fresh)
        ratio = floor / value
        print(
            f"GOAL api {name} answer, server instructions a request vs bare FastAPI | value {value / 1000:.0f} k "
            f"instructions | floor {floor / 1000:.0f} k instructions (bare FastAPI route, same uvicorn, under "
            f"callgrind) | ratio {ratio:.2f} | goal floor/value >= 0.50 (#17, as requests/s) | met "
            f"{'yes' if ratio >= 0.5 else 'no'}",
            flush=True,
        )


if __name__ == "__main__":
    main()
