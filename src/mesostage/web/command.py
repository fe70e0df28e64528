"""``mesostage serve``: start the web app (registered on the command line in ``mesostage.cli``)."""

from __future__ import annotations

from typing import Annotated

import typer

from mesostage.limits import SERVE_LIMIT_CONCURRENCY, SERVE_MAX_HEADER_BYTES, SERVE_TIMEOUT_KEEP_ALIVE

__all__ = ["serve"]

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve(
    host: Annotated[
        str, typer.Option(help="address to listen on; anything but loopback exposes the app")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on", min=1, max=65535)] = 8000,
    allowed_host: Annotated[
        list[str] | None,
        typer.Option("--allowed-host", help="Host header to accept (repeatable); default: loopback names only"),
    ] = None,
    limit_concurrency: Annotated[
        int,
        typer.Option(help="connections and tasks at once; past it new requests get 503", min=1),
    ] = SERVE_LIMIT_CONCURRENCY,
    timeout_keep_alive: Annotated[
        int, typer.Option(help="seconds an idle kept-alive connection stays open", min=1)
    ] = SERVE_TIMEOUT_KEEP_ALIVE,
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
    hosts = list(allowed_host) if allowed_host else (list(LOOPBACK_HOSTS) if host in _LOOPBACK else None)
    if host not in _LOOPBACK:
        typer.echo(f"warning: listening on {host}: other machines can reach this app", err=True)
    shown = f"[{host}]" if ":" in host else host
    warm_places()  # the place index for trial distances, written now (once per machine) rather than while serving
    typer.echo(f"mesostage: open http://{shown}:{port}/ in a browser (Ctrl+C stops it)", err=True)
    uvicorn.run(
        create_app(allowed_hosts=hosts),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        # Bounds against many slow or idle connections (slowloris): uvicorn answers 503 past the limit.
        limit_concurrency=limit_concurrency,
        timeout_keep_alive=timeout_keep_alive,
        h11_max_incomplete_event_size=SERVE_MAX_HEADER_BYTES,
        http=HeaderDeadlineProtocol,
    )
