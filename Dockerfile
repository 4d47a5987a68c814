# The portal's production image: one image for the web process (gunicorn), the Celery worker and
# Celery beat; docker-compose.yml picks the role with its command (DESIGN.md invariant 9).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    PYTHONPATH=/app \
    VAR_DIR=/data/var \
    MEDIA_ROOT=/data/media

# CJK fonts and Pango/HarfBuzz so the PDF bulletins render Chinese text (invariant 7); gettext
# for compilemessages; pg_dump/pg_restore for the backup service (bookworm's client is
# PostgreSQL 15, the version of the compose file's server). The same list as `scripts/sysdeps.sh run`.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        fonts-noto-cjk \
        libharfbuzz-subset0 \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        gettext \
        postgresql-client \
    && rm -rf /var/lib/apt/lists/*

# The processes run as an unprivileged user; the code stays owned by root so they cannot change it.
RUN groupadd --system --gid 1000 portal \
    && useradd --system --uid 1000 --gid portal --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin portal

WORKDIR /app

# Dependencies first, so editing the code does not reinstall them.
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock

COPY . .

# Translations and static files are built into the image. The settings refuse to load without a
# SECRET_KEY when DEBUG is off, so this step alone gets a throwaway key; it is never used to sign
# anything and does not reach the running containers (they get theirs from the environment).
ARG BUILD_SECRET_KEY=build-only-throwaway-key-not-used-at-runtime-0123456789abcdef
RUN SECRET_KEY="$BUILD_SECRET_KEY" DEBUG=false VAR_DIR=/tmp/build-var \
        python manage.py compilemessages \
    && SECRET_KEY="$BUILD_SECRET_KEY" DEBUG=false VAR_DIR=/tmp/build-var \
        python manage.py collectstatic --noinput \
    && rm -rf /tmp/build-var \
    && mkdir -p /data/media /data/var /data/backups \
    && chown -R portal:portal /data

USER portal

EXPOSE 8000

CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
