"""The web app and HTTP API: ``mesostage serve`` (or ``make run``) starts it on http://127.0.0.1:8000.

The app is built by :func:`mesostage.web.app.create_app` (``uvicorn --factory mesostage.web.app:create_app``).
This package's root imports nothing, so that the CLI starts without the web stack. Needs the ``web`` extra
(FastAPI, uvicorn, Jinja2, WeasyPrint). Supports, and does not replace, a specialist's judgement.
"""
