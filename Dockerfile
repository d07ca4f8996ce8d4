# Production image: gunicorn serving Django, static files by whitenoise, as a non-root user.
# Settings come from the environment: DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS (DEBUG off).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ARCHIVE_VAR_DIR=/var/lib/archive \
    ARCHIVE_LEXICON_PATH=/app/lexicon/lexicon.json.gz

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# The same commands `make setup` and the test suite run: build the Danish compound lexicon
# once (workers only read it), and collect static files (hashed, compressed).
# Translations are committed compiled (locale/*/LC_MESSAGES/django.mo).
RUN python -c "from minutes.textanalysis.lexicon import load_lexicon; load_lexicon()" \
    && SECRET_KEY=build-only python manage.py collectstatic --noinput

RUN useradd --system --uid 10001 --home /var/lib/archive archive \
    && mkdir -p /var/lib/archive \
    && chown -R archive /var/lib/archive
USER archive

EXPOSE 8000
# Migrate on start (idempotent), then serve. Tune workers with WEB_CONCURRENCY.
# Run the background worker (PDF extraction for uploads) from the same image:
#   docker run ... referatarkiv python manage.py run_jobs
CMD ["sh", "-c", "python manage.py migrate --noinput && exec gunicorn archive_site.wsgi --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-3} --access-logfile - --timeout 30"]
