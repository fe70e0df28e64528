"""The floor for the HTTP API benchmark: a bare FastAPI app with one POST route that reads the body and answers a
fixed small JSON, served by the same uvicorn as the app (``api_bench.py`` starts it next to the app)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response


def create_app() -> FastAPI:
    app = FastAPI()

    @app.get("/api/v1/health")
    async def health() -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    @app.post("/api/v1/stage")
    async def stage(request: Request) -> Response:
        await request.body()
        return Response(b'{"ok":true}', media_type="application/json")

    return app
