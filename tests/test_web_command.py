"""``mesostage serve``: loopback by default, with the loopback Host names; another address only when asked."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from mesostage.cli import app


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    import uvicorn

    seen: dict[str, Any] = {}

    def fake_run(application: Any, **kwargs: Any) -> None:
        seen.update(kwargs, app=application)

    monkeypatch.setattr(uvicorn, "run", fake_run)
    return seen


def _hosts(application: Any) -> list[str] | None:
    from starlette.middleware.trustedhost import TrustedHostMiddleware

    for m in application.user_middleware:
        if m.cls is TrustedHostMiddleware:
            return list(m.kwargs["allowed_hosts"])
    return None


def test_serve_binds_to_loopback_by_default(started: dict[str, Any]) -> None:
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 0
    assert started["host"] == "127.0.0.1"
    assert started["port"] == 8000
    assert started["access_log"] is False
    assert _hosts(started["app"]) == ["127.0.0.1", "localhost", "[::1]"]
    assert "http://127.0.0.1:8000/" in result.output


def test_serve_elsewhere_warns(started: dict[str, Any]) -> None:
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--allowed-host", "clinic.example"])
    assert result.exit_code == 0
    assert started["host"] == "0.0.0.0"
    assert _hosts(started["app"]) == ["clinic.example"]
    assert "other machines can reach this app" in result.output
