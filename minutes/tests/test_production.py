"""The production path of the Dockerfile, exercised for real: settings from the environment,
collectstatic with hashed and compressed files, migrate, gunicorn serving through whitenoise."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from minutes.tests.shared import PROJECT_DIR
from minutes.textanalysis.lexicon import default_cache_path

VENV_BIN = Path(sys.executable).parent


def production_env(tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "DATABASE_URL"}}
    env.update(
        SECRET_KEY="test-only-secret-key-with-enough-length-0123456789",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
        ARCHIVE_VAR_DIR=str(tmp_path / "var"),
        SECURE_COOKIES="0",
        # The lexicon the project's set-up built (the image builds its own the same way).
        ARCHIVE_LEXICON_PATH=str(default_cache_path()),
    )
    return env


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_missing_secret_key_is_refused_in_production(tmp_path):
    env = production_env(tmp_path)
    del env["SECRET_KEY"]
    result = manage(env, "check")
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_image_commands_collect_migrate_and_serve(tmp_path):
    env = production_env(tmp_path)
    lexicon = subprocess.run(
        [sys.executable, "-c", "from minutes.textanalysis.lexicon import load_lexicon; load_lexicon()"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert lexicon.returncode == 0, lexicon.stderr
    collected = manage(env, "collectstatic", "--noinput")
    assert collected.returncode == 0, collected.stderr
    manifest = tmp_path / "static" / "staticfiles.json"
    assert manifest.exists()
    hashed_css = next((tmp_path / "static" / "css").glob("site.*.css"))
    assert hashed_css.with_name(hashed_css.name + ".gz").exists()  # compressed by whitenoise

    migrated = manage(env, "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    loaded = manage(env, "load_sample_data")
    assert loaded.returncode == 0, loaded.stderr

    port = free_port()
    server = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "archive_site.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                home = urllib.request.urlopen(base + "/", timeout=5)
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not answer")
        html = home.read().decode()
        assert home.status == 200
        assert "Eksempelby Kommune" in html or "Teknik- og Miljøudvalget" in html
        assert home.headers["X-Content-Type-Options"] == "nosniff"
        assert home.headers["X-Frame-Options"] == "DENY"
        assert f"/static/css/{hashed_css.name}" in html  # hashed name from the manifest
        css = urllib.request.urlopen(f"{base}/static/css/{hashed_css.name}", timeout=5)
        assert css.status == 200 and "max-age" in css.headers["Cache-Control"]
        search = urllib.request.urlopen(base + "/search/?q=cykelsti", timeout=5).read().decode()
        assert "<mark>" in search
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_production_cookies_are_https_only(tmp_path):
    env = production_env(tmp_path)
    del env["SECURE_COOKIES"]
    code = "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
    result = manage(env, "shell", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True True"


def test_server_process_is_ready_before_its_first_search(tmp_path):
    """Loading the WSGI app loads what a search needs and takes it out of garbage collection.

    Without it, a search reading thousands of rows set off full collections that walked the
    whole loaded process, adding ~50 ms to one request in five.
    """
    code = (
        "import gc; import archive_site.wsgi; "
        "from minutes.textanalysis.compounds import default_decompounder as d; "
        "print(gc.get_freeze_count(), d.cache_info().currsize)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_DIR,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    frozen, lexicons = map(int, result.stdout.split())
    assert lexicons == 1  # the compound lexicon is loaded before a visitor waits for it
    assert frozen > 20_000  # Django, the stemmer and the lexicon are out of the collector's way
