# The production image: one image for web (gunicorn), worker and beat (celery).
# Configured at run time by environment variables only; see .env.example and README.md.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1

# WeasyPrint's run-time libraries (Pango, HarfBuzz with its subsetter, fontconfig) and a font.
# Versions come from the pinned Debian release of the base image.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz0b \
        libharfbuzz-subset0 \
        libfontconfig1 \
        fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN pip install "uv>=0.13,<0.14"

WORKDIR /app

# Dependencies first, from the lock file only, so that code changes reuse this layer.
# `package = false` in pyproject.toml: the project itself is not installed, only its locked deps.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev

COPY . .

# DEBUG is off when unset (the settings' default); said here too, for whoever reads the image.
ENV PATH=/app/.venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=hms.settings \
    DEBUG=false \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/media \
    WEB_CONCURRENCY=3

# Static files are collected (hashed and compressed for whitenoise) at build time. Settings
# refuse to load with DEBUG off and no SECRET_KEY, and start an embedded PostgreSQL without
# DATABASE_URL, so this one step gets build-only dummies. Nothing connects to them:
# importing the settings and collecting static files touch neither database nor broker.
RUN DEBUG=0 \
    SECRET_KEY=build-only-dummy-not-used-at-run-time \
    DATABASE_URL=postgres://build@localhost/build \
    REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput

# Run as an unprivileged user. The code stays owned by root (read-only for the app);
# only the media folder (and the user's home, for caches) is the app's to write.
# At run time the image needs DATABASE_URL and REDIS_URL: without them the settings would
# start an embedded PostgreSQL and a filesystem broker under /app/.data, which is not writable.
RUN groupadd --gid 10001 hms \
    && useradd --uid 10001 --gid hms --create-home hms \
    && mkdir -p /app/media \
    && chown hms:hms /app/media
USER 10001:10001

EXPOSE 8000

# Bind, timeout and logs in hms/gunicorn.conf.py (its access log leaves out the anonymous
# reporter's address); workers: gunicorn reads WEB_CONCURRENCY itself (default 3, set above).
CMD ["gunicorn", "-c", "hms/gunicorn.conf.py", "hms.wsgi:application"]
