# The CDS service image: the production server (granian) with the embedded SQLite audit store on a volume.
# docker-compose.yml builds it for the service and for the one-shot demo-data loader.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY cds_service ./cds_service
COPY mappings ./mappings
RUN pip install ".[postgres]" && useradd --system --uid 10001 --home-dir /data cds \
    && mkdir -p /data && chown cds /data
# The demo patients (FHIR transaction Bundles) for `cds-service load-demo`.
COPY tests/fixtures/charts ./demo-charts

USER cds
# Production mode: JWT required, https FHIR servers on the allow-list only. It refuses to start until
# CDS_TRUSTED_CLIENTS and CDS_PUBLIC_BASE_URL are set (SECURITY.md); docker-compose.yml runs a demo instead.
ENV CDS_MODE=production \
    CDS_HOST=0.0.0.0 \
    CDS_PORT=8080 \
    CDS_DATABASE_URL=sqlite:////data/cds-service.sqlite3
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)"]
CMD ["cds-service", "serve"]
