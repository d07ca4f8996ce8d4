"""The FirstAgenda portal client against a local test server: no internet, no sleeping.

The server on 127.0.0.1 serves the shared Greve samples at the portal's real paths,
wants the anonymous cookie like the real API does, and fails on demand. Sleeping and
the clock are injected, so backoff and rate limiting are asserted, not waited for;
only the timeout test spends real time (well under a second).
"""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest

from minutes.sources.portal import DEFAULT_USER_AGENT, PortalClient, PortalError, user_agent
from minutes.tests.portal_server import COOKIE, FakeTime, PortalState, serve_portal, without_proxies
from minutes.tests.shared import shared_path

BYRAAD = "9bc22f7f-1f4f-4d2b-8f57-ecbd62e2bd43"
USER_AGENT = "DanskReferatArkiv/1.0 (+tests@example.invalid)"


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    without_proxies(monkeypatch)


@pytest.fixture
def portal() -> Iterator[tuple[str, PortalState]]:
    state = PortalState(folder=shared_path("firstagenda", "greve"))
    with serve_portal(state) as base_url:
        yield base_url, state


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


def client(base_url: str, fake_time: FakeTime, **options: Any) -> PortalClient:
    options.setdefault("user_agent", USER_AGENT)
    options.setdefault("timeout", 2)
    return PortalClient(base_url, sleep=fake_time.sleep, clock=fake_time.clock, **options)


def test_cookie_handshake_then_meeting(portal: tuple[str, PortalState], fake_time: FakeTime) -> None:
    base_url, state = portal
    data = client(base_url, fake_time).meeting(BYRAAD)
    expected = json.loads((state.folder / f"{BYRAAD}.json").read_text(encoding="utf-8"))
    assert data == expected
    assert state.paths() == ["/", f"/api/agenda/dagsorden/{BYRAAD}"]
    assert COOKIE in state.seen[1][1]["Cookie"]


def test_committee_list(portal: tuple[str, PortalState], fake_time: FakeTime) -> None:
    base_url, state = portal
    data = client(base_url, fake_time).committee_list()
    assert list(data["Udvalg"]) == ["Udvalg 2022-2025"]
    assert state.paths() == ["/", "/api/agenda/udvalgsliste"]


def test_anonymous_authentication_when_the_front_page_sets_no_cookie(
    portal: tuple[str, PortalState], fake_time: FakeTime
) -> None:
    base_url, state = portal
    state.front_page_sets_cookie = False
    data = client(base_url, fake_time).committee_list()
    assert "Udvalg" in data
    paths = state.paths()
    assert paths[0:2] == ["/", "/api/agenda/udvalgsliste"]
    auth = urllib.parse.urlsplit(paths[2])
    assert auth.path == "/Home/AnonymousAuthentication"
    assert urllib.parse.parse_qs(auth.query) == {"callback": [f"{base_url}/"]}
    assert paths[3:] == [
        "/",
        "/api/agenda/udvalgsliste",
    ]  # the redirect to the callback


def test_no_session_at_all_is_an_error(portal: tuple[str, PortalState], fake_time: FakeTime) -> None:
    base_url, state = portal
    state.front_page_sets_cookie = state.auth_sets_cookie = False
    with pytest.raises(PortalError) as caught:
        client(base_url, fake_time).committee_list()
    assert caught.value.status == 302
    assert f"{base_url}/api/agenda/udvalgsliste" in str(caught.value)
    # The anonymous login is tried once, not in a loop.
    assert sum(p.startswith("/Home/AnonymousAuthentication") for p in state.paths()) == 1


def test_retries_500_then_succeeds(portal: tuple[str, PortalState], fake_time: FakeTime) -> None:
    base_url, state = portal
    state.failures["/api/agenda/udvalgsliste"] = 2
    data = client(base_url, fake_time, retries=3, backoff=0.5).committee_list()
    assert "Udvalg" in data
    assert state.paths().count("/api/agenda/udvalgsliste") == 3
    # One rate-limit wait (0.5 s at 2 requests/s), then backoff 0.5 s and 1.0 s.
    assert fake_time.sleeps == [0.5, 0.5, 1.0]


def test_gives_up_after_the_retries(portal: tuple[str, PortalState], fake_time: FakeTime) -> None:
    base_url, state = portal
    state.failures["/api/agenda/udvalgsliste"] = 10
    with pytest.raises(PortalError) as caught:
        client(base_url, fake_time, retries=2).committee_list()
    assert caught.value.status == 500
    assert caught.value.url == f"{base_url}/api/agenda/udvalgsliste"
    assert str(caught.value) == f"{base_url}/api/agenda/udvalgsliste failed after 3 attempts: HTTP 500"
    assert state.paths().count("/api/agenda/udvalgsliste") == 3


def test_no_retry_on_404(portal: tuple[str, PortalState], fake_time: FakeTime) -> None:
    base_url, state = portal
    with pytest.raises(PortalError) as caught:
        client(base_url, fake_time).meeting("00000000-0000-0000-0000-00000000abcd")
    url = f"{base_url}/api/agenda/dagsorden/00000000-0000-0000-0000-00000000abcd"
    assert caught.value.status == 404
    assert str(caught.value) == f"{url} answered HTTP 404"
    assert state.paths().count("/api/agenda/dagsorden/00000000-0000-0000-0000-00000000abcd") == 1


def test_timeout_is_retried_then_reported(portal: tuple[str, PortalState], fake_time: FakeTime) -> None:
    base_url, state = portal
    state.slow["/api/agenda/udvalgsliste"] = 0.6
    started = time.monotonic()
    with pytest.raises(PortalError) as caught:
        client(base_url, fake_time, timeout=0.15, retries=1, backoff=0.25).committee_list()
    assert time.monotonic() - started < 3
    assert caught.value.status is None
    assert "udvalgsliste failed after 2 attempts" in str(caught.value)
    assert "timed out" in str(caught.value)
    assert state.paths().count("/api/agenda/udvalgsliste") == 2
    assert 0.25 in fake_time.sleeps  # the backoff before the second attempt


def test_connection_refused_is_retried(fake_time: FakeTime) -> None:
    # Port 9 (discard) on 127.0.0.1 has no listener in a test environment.
    with pytest.raises(PortalError) as caught:
        client("http://127.0.0.1:9", fake_time, retries=2, backoff=0.1).committee_list()
    assert "http://127.0.0.1:9/ failed after 3 attempts" in str(caught.value)
    # Backoff 0.1 s, topped up to the 0.5 s rate-limit interval; then 0.2 s, topped up.
    assert fake_time.sleeps == pytest.approx([0.1, 0.4, 0.2, 0.3])


def test_malformed_json(portal: tuple[str, PortalState], fake_time: FakeTime) -> None:
    base_url, _ = portal
    with pytest.raises(PortalError) as caught:
        client(base_url, fake_time).meeting("malformed")
    assert caught.value.url == f"{base_url}/api/agenda/dagsorden/malformed"
    assert str(caught.value).startswith(f"{base_url}/api/agenda/dagsorden/malformed returned malformed JSON")


def test_attachment_is_a_pdf(portal: tuple[str, PortalState], fake_time: FakeTime) -> None:
    base_url, state = portal
    body = client(base_url, fake_time).attachment("4704cf96-a0a0-419e-829b-ac48272c6719")
    assert body == state.pdf
    assert body.startswith(b"%PDF-")
    assert state.seen[-1][1]["Accept"] == "application/pdf"


def test_attachment_that_is_not_a_pdf(portal: tuple[str, PortalState], fake_time: FakeTime) -> None:
    base_url, _ = portal
    with pytest.raises(PortalError) as caught:
        client(base_url, fake_time).attachment("login-page")
    assert "did not return a PDF (Content-Type text/html" in str(caught.value)


def test_attachment_size_limit(portal: tuple[str, PortalState], fake_time: FakeTime) -> None:
    base_url, state = portal
    with pytest.raises(PortalError) as caught:
        client(base_url, fake_time, max_bytes=100).attachment("4704cf96")
    assert "over the limit of 100" in str(caught.value)
    assert len(state.pdf) > 100


def test_rate_limit_waits_between_requests(portal: tuple[str, PortalState], fake_time: FakeTime) -> None:
    base_url, _ = portal
    portal_client = client(base_url, fake_time, rate_limit=2.0)
    portal_client.start_session()  # first request: no wait
    portal_client.committee_list()
    portal_client.meeting(BYRAAD)
    assert fake_time.sleeps == [0.5, 0.5]
    fake_time.now += 0.3  # time spent elsewhere counts towards the interval
    portal_client.attachment("4704cf96")
    assert fake_time.sleeps[2] == pytest.approx(0.2)
    fake_time.now += 5
    portal_client.committee_list()
    assert len(fake_time.sleeps) == 3  # a long pause needs no wait


def test_rate_limit_is_per_client(portal: tuple[str, PortalState], fake_time: FakeTime) -> None:
    base_url, _ = portal
    client(base_url, fake_time, rate_limit=4.0).committee_list()
    client(base_url, fake_time, rate_limit=4.0).committee_list()
    assert fake_time.sleeps == [0.25, 0.25]


def test_user_agent_is_sent(portal: tuple[str, PortalState], fake_time: FakeTime) -> None:
    base_url, state = portal
    client(base_url, fake_time).meeting(BYRAAD)
    PortalClient(base_url, sleep=fake_time.sleep, clock=fake_time.clock).committee_list()
    agents = [headers["User-Agent"] for _, headers in state.seen]
    assert agents == [USER_AGENT, USER_AGENT, DEFAULT_USER_AGENT, DEFAULT_USER_AGENT]


@pytest.mark.parametrize("base_url", ["dagsordener.greve.dk", "ftp://dagsordener.greve.dk"])
def test_base_url_must_be_http(base_url: str) -> None:
    with pytest.raises(ValueError):
        PortalClient(base_url)


def test_meeting_source_is_the_text_as_sent(portal: tuple[str, PortalState], fake_time: FakeTime) -> None:
    base_url, state = portal
    portal_client = client(base_url, fake_time)
    data, text = portal_client.meeting_source(BYRAAD)
    assert text == (state.folder / f"{BYRAAD}.json").read_text(encoding="utf-8")
    assert data == json.loads(text)
    assert portal_client.meeting_url(BYRAAD) == f"{base_url}/api/agenda/dagsorden/{BYRAAD}"


def test_user_agent_names_the_contact() -> None:
    assert user_agent("arkiv@example.org") == "DanskReferatArkiv/1.0 (+arkiv@example.org)"
    assert user_agent("") == DEFAULT_USER_AGENT


def test_ids_are_quoted_into_one_path_segment(portal: tuple[str, PortalState], fake_time: FakeTime) -> None:
    base_url, state = portal
    with pytest.raises(PortalError):
        client(base_url, fake_time).meeting("../udvalgsliste")
    assert state.paths()[-1] == "/api/agenda/dagsorden/..%2Fudvalgsliste"
