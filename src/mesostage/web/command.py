"""``mesostage serve``: start the web app (registered on the command line in ``mesostage.cli``).

Each option falls back to its ``MESOSTAGE_*`` variable, then to its default (``docs/configuration.md``).
"""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from mesostage.limits import SERVE_MAX_HEADER_BYTES
from mesostage.settings import SettingsError, settings

__all__ = ["serve"]

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve(
    host: Annotated[
        str | None,
        typer.Option(help="address to listen on; anything but loopback exposes the app [default: 127.0.0.1]"),
    ] = None,
    port: Annotated[int | None, typer.Option(help="port to listen on [default: 8000]", min=1, max=65535)] = None,
    allowed_host: Annotated[
        list[str] | None,
        typer.Option("--allowed-host", help="Host header to accept (repeatable); default: loopback names only"),
    ] = None,
    limit_concurrency: Annotated[
        int | None,
        typer.Option(help="connections and tasks at once; past it new requests get 503 [default: 64]", min=1),
    ] = None,
    timeout_keep_alive: Annotated[
        int | None, typer.Option(help="seconds an idle kept-alive connection stays open [default: 5]", min=1)
    ] = None,
) -> None:
    """Start the web app and the HTTP API (default http://127.0.0.1:8000). Stop it with Ctrl+C."""
    # Imported here so that the other commands start without loading the web stack.
    try:
        import uvicorn

        from mesostage.trials.geo import warm_places
        from mesostage.web.app import LOOPBACK_HOSTS, create_app
        from mesostage.web.protocol import HeaderDeadlineProtocol
    except ImportError as exc:
        typer.echo(f"error: the web app needs the 'web' extra (pip install 'mesostage[web]'): {exc}", err=True)
        raise typer.Exit(code=2) from None
    try:
        config = settings(
            host=host, port=port, limit_concurrency=limit_concurrency, timeout_keep_alive=timeout_keep_alive
        )
    except SettingsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from None
    host = config.host
    if allowed_host:
        hosts: list[str] | None = list(allowed_host)
    elif config.allowed_hosts is not None:
        hosts = list(config.allowed_hosts)
    else:
        hosts = list(LOOPBACK_HOSTS) if host in _LOOPBACK else None
    if host not in _LOOPBACK:
        typer.echo(f"warning: listening on {host}: other machines can reach this app", err=True)
    shown = f"[{host}]" if ":" in host else host
    warm_places()  # the place index for trial distances, written now (once per machine) rather than while serving
    typer.echo(f"mesostage: open http://{shown}:{config.port}/ in a browser (Ctrl+C stops it)", err=True)
    uvicorn.run(
        create_app(allowed_hosts=hosts),
        host=host,
        port=config.port,
        # The CLI configured logging (MESOSTAGE_LOG_LEVEL, MESOSTAGE_LOG_FORMAT): uvicorn's messages go through the
        # same handler, from WARNING unless mesostage's own level asks for more. Its access log is off: it would
        # hold query strings; mesostage.web.access logs each request without them.
        log_config=None,
        log_level=logging.DEBUG if logging.getLogger("mesostage").isEnabledFor(logging.DEBUG) else logging.WARNING,
        access_log=False,
        # Bounds against many slow or idle connections (slowloris): uvicorn answers 503 past the limit.
        limit_concurrency=config.limit_concurrency,
        timeout_keep_alive=config.timeout_keep_alive,
        h11_max_incomplete_event_size=SERVE_MAX_HEADER_BYTES,
        http=HeaderDeadlineProtocol,
    )
