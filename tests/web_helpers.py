"""Shared helpers for the web tests: an in-process client and a live uvicorn server on loopback."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from tests.factories import REPO

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "artifacts" / "web"


def example_case(name: str) -> dict[str, Any]:
    text = resources.files("mesostage").joinpath("examples", f"{name}.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def client() -> Any:
    from fastapi.testclient import TestClient

    from mesostage.web.app import create_app

    return TestClient(create_app(), base_url="http://127.0.0.1", raise_server_exceptions=False)


@contextmanager
def live_server(app: Any = None) -> Iterator[str]:
    """The app (default: ``create_app()``) under uvicorn on a free loopback port, in a background thread; yields
    its base URL."""
    import uvicorn

    from mesostage.web.app import create_app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app or create_app(), log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            pytest.fail("uvicorn did not start within 10 s")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
