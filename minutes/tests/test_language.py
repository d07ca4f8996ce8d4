"""Danish by default, English when the visitor chooses it."""

import pytest

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
