"""Danish by default, English when the visitor chooses it."""

import os
import shutil
import subprocess
import sys

import pytest

from minutes.tests.shared import PROJECT_DIR

pytestmark = pytest.mark.django_db


def test_danish_by_default_even_for_an_english_browser(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "da"
    assert '<html lang="da">' in response.content.decode()
    assert "Søg" in response.content.decode()


def test_english_when_chosen_with_the_switch(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    page = client.get("/")
    assert page["Content-Language"] == "en"
    assert '<html lang="en">' in page.content.decode()
    assert "Search" in page.content.decode()
    client.post("/i18n/setlang/", {"language": "da", "next": "/"})
    assert client.get("/")["Content-Language"] == "da"


def test_every_danish_text_in_the_code_has_an_english_translation(tmp_path):
    """Extract the messages as `makemessages -l en` would, from a copy of the code, and
    check each has a current English translation (none missing, none left fuzzy)."""
    if shutil.which("xgettext") is None:
        pytest.fail("GNU gettext (xgettext) is needed to extract messages")
    for name in ("manage.py", "minutes", "archive_site", "templates", "locale"):
        source = PROJECT_DIR / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
        else:
            shutil.copy(source, tmp_path / name)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-obsolete"],
        cwd=tmp_path,
        env={**os.environ, "DEBUG": "1"},
        check=True,
        capture_output=True,
    )
    catalogue = (tmp_path / "locale/en/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    entries = [entry for entry in catalogue.split("\n\n")[1:] if "msgid" in entry]
    missing = [entry for entry in entries if entry.rstrip().endswith('msgstr ""') or "#, fuzzy" in entry]
    assert not missing, "\n\n".join(missing)
