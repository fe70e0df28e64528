# The mesostage web app and HTTP API, with Pango for the PDF reports. Runs as a non-root user; nothing is stored.
#   docker build -t mesostage . && docker run --rm -p 8000:8000 mesostage   ->  http://localhost:8000/
FROM python:3.11-slim-bookworm

# Pango, HarfBuzz-subset and a font for WeasyPrint's PDFs (the same packages .ci/run installs).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
RUN pip install --no-cache-dir '.[web]' \
    && useradd --system --uid 10001 --home-dir /nonexistent mesostage \
    && mkdir /data && chown mesostage /data

USER mesostage
# The trials index (`docker run ... mesostage trials demo` or `trials import`) lives in /data.
# `mesostage serve` reads its settings from these variables (docs/configuration.md): it listens on every interface
# inside the container and answers only these Host names; give yours with
# `docker run -e MESOSTAGE_ALLOWED_HOSTS=localhost,127.0.0.1,NAME ...` when the app is reached under another name.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 MESOSTAGE_DATA_DIR=/data \
    MESOSTAGE_HOST=0.0.0.0 MESOSTAGE_PORT=8000 MESOSTAGE_ALLOWED_HOSTS=localhost,127.0.0.1
VOLUME /data
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health', timeout=4).status == 200 else 1)"]
CMD ["mesostage", "serve"]
