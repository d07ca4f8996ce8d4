"""A polite HTTP client for a FirstAgenda Publication portal (standard library only).

The portal's JSON API wants an anonymous session cookie, which the front page sets
(some portals set it at ``/Home/AnonymousAuthentication?callback=<portal url>``);
without it the API answers 302. The client keeps one cookie jar per portal, waits
between requests so a portal never sees more than ``rate_limit`` requests a second,
and retries only what may succeed on a second try: 5xx, 429, timeouts and broken
connections. ``../shared/firstagenda/README.md`` lists the endpoints.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from email.message import Message
from typing import Any

__all__ = ["DEFAULT_USER_AGENT", "PortalClient", "PortalError", "user_agent"]

# Operators replace the placeholder through ``user_agent=`` with a real contact
# (taken from ARCHIVE_CONTACT in settings), so a portal's staff can reach us.
DEFAULT_USER_AGENT = "DanskReferatArkiv/1.0 (+contact: set ARCHIVE_CONTACT)"


def user_agent(contact: str = "") -> str:
    """Return the User-Agent naming the archive and ``contact`` (an address or URL)."""
    contact = " ".join(contact.split())
    return f"DanskReferatArkiv/1.0 (+{contact})" if contact else DEFAULT_USER_AGENT


MAX_BYTES = 50 * 1024 * 1024
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
_MAX_RETRY_AFTER = 60.0


class PortalError(Exception):
    """The portal did not give a usable answer; ``url`` and ``status`` say where and what."""

    def __init__(self, message: str, *, url: str, status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


class _Redirected(Exception):
    """The API answered with a redirect: the session cookie is missing or expired."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # Make a redirect surface as an HTTPError: for the API it means "no session",
    # and following it would hand us the HTML front page instead of JSON.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class _Transient(Exception):
    """A failure worth another attempt."""

    def __init__(self, reason: str, status: int | None = None, wait: float = 0.0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.wait = wait


class PortalClient:
    """Fetch committee lists, meetings and attachments from one portal, one at a time."""

    def __init__(
        self,
        base_url: str,
        *,
        user_agent: str = DEFAULT_USER_AGENT,
        rate_limit: float = 2.0,
        timeout: float = 20,
        retries: int = 3,
        backoff: float = 0.5,
        max_bytes: int = MAX_BYTES,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Prepare a client for ``base_url`` ("https://dagsordener.greve.dk").

        ``rate_limit`` is in requests per second; ``retries`` counts attempts after
        the first; the n-th retry waits ``backoff * 2 ** (n - 1)`` seconds.
        """
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"base_url must be an http(s) address, not {base_url!r}")
        if rate_limit <= 0:
            raise ValueError("rate_limit must be positive (requests per second)")
        self.base_url = base_url.rstrip("/")
        self.user_agent = user_agent
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self.max_bytes = max_bytes
        self._interval = 1.0 / rate_limit
        self._sleep = sleep
        self._clock = clock
        self._next_allowed: float | None = None
        self._session_started = False
        self._anonymous_auth_tried = False
        self.cookies = http.cookiejar.CookieJar()
        cookie_handler = urllib.request.HTTPCookieProcessor(self.cookies)
        # Pages (front page, anonymous login, attachments) may redirect; the API must not.
        self._pages = urllib.request.build_opener(cookie_handler)
        self._api = urllib.request.build_opener(cookie_handler, _NoRedirect())

    # --- public API ----------------------------------------------------------------

    def start_session(self) -> None:
        """Fetch the front page so the portal sets its anonymous session cookie."""
        self._fetch(self._pages, f"{self.base_url}/", accept="text/html")
        self._session_started = True

    def committee_list(self) -> dict:
        """Return ``/api/agenda/udvalgsliste``: every committee with its meetings."""
        return self._json("/api/agenda/udvalgsliste")

    def meeting(self, meeting_id: str) -> dict:
        """Return ``/api/agenda/dagsorden/{meeting_id}``: one meeting with its items."""
        return self.meeting_source(meeting_id)[0]

    def meeting_source(self, meeting_id: str) -> tuple[dict, str]:
        """Return one meeting both parsed and as the text the portal sent.

        The archive keeps the text verbatim, so a meeting can be mapped again later
        and an unchanged answer has an unchanged checksum.
        """
        return self._json_source(f"/api/agenda/dagsorden/{_segment(meeting_id)}")

    def meeting_url(self, meeting_id: str) -> str:
        """Return the address a meeting is fetched from."""
        return f"{self.base_url}/api/agenda/dagsorden/{_segment(meeting_id)}"

    def attachment(self, document_id: str) -> bytes:
        """Return the PDF ``/Vis/Pdf/bilag/{document_id}``; refuse anything that is not one."""
        url = f"{self.base_url}/Vis/Pdf/bilag/{_segment(document_id)}"
        if not self._session_started:
            self.start_session()
        body, headers = self._fetch(self._pages, url, accept="application/pdf")
        content_type = headers.get_content_type()
        # Portals label PDFs inconsistently; the magic number decides, the header
        # only rules out the HTML error pages served with status 200.
        if content_type in ("text/html", "application/json") or b"%PDF-" not in body[:1024]:
            raise PortalError(
                f"{url} did not return a PDF (Content-Type {content_type}, starts with {body[:16]!r})",
                url=url,
            )
        return body

    # --- requests --------------------------------------------------------------------

    def _json(self, path: str) -> dict:
        return self._json_source(path)[0]

    def _json_source(self, path: str) -> tuple[dict, str]:
        url = f"{self.base_url}{path}"
        if not self._session_started:
            self.start_session()
        try:
            body, _ = self._fetch(self._api, url, accept="application/json")
        except _Redirected:
            if self._anonymous_auth_tried:
                raise PortalError(
                    f"{url} redirected: the portal gave no anonymous session",
                    url=url,
                    status=302,
                ) from None
            self._anonymous_auth_tried = True
            callback = urllib.parse.quote(f"{self.base_url}/", safe="")
            auth_url = f"{self.base_url}/Home/AnonymousAuthentication?callback={callback}"
            self._fetch(self._pages, auth_url, accept="text/html")
            try:
                body, _ = self._fetch(self._api, url, accept="application/json")
            except _Redirected:
                raise PortalError(
                    f"{url} redirected even after anonymous authentication",
                    url=url,
                    status=302,
                ) from None
        try:
            text = body.decode("utf-8-sig")
            data = json.loads(text)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise PortalError(f"{url} returned malformed JSON: {error}", url=url) from None
        if not isinstance(data, dict):
            raise PortalError(
                f"{url} returned JSON {type(data).__name__}, expected an object",
                url=url,
            )
        return data, text

    def _fetch(
        self, opener: urllib.request.OpenerDirector, url: str, *, accept: str
    ) -> tuple[bytes, Message]:
        """Return body and headers of a GET, retrying transient failures with backoff."""
        # The scheme is http(s): __init__ refuses any other base_url.
        request = urllib.request.Request(  # noqa: S310
            url, headers={"User-Agent": self.user_agent, "Accept": accept}
        )
        attempts = self.retries + 1
        for attempt in range(1, attempts + 1):
            self._wait_turn()
            try:
                return self._once(opener, request)
            except _Transient as failure:
                if attempt == attempts:
                    raise PortalError(
                        f"{url} failed after {attempts} attempts: {failure.reason}",
                        url=url,
                        status=failure.status,
                    ) from None
                self._sleep(max(self.backoff * 2 ** (attempt - 1), failure.wait))
        raise AssertionError("unreachable")  # the loop returns or raises

    def _once(
        self, opener: urllib.request.OpenerDirector, request: urllib.request.Request
    ) -> tuple[bytes, Message]:
        url = request.full_url
        try:
            with opener.open(request, timeout=self.timeout) as response:
                return self._read(response, url), response.headers
        except urllib.error.HTTPError as error:
            error.close()
            if error.code in _REDIRECTS:
                raise _Redirected(url) from None
            if error.code >= 500 or error.code == 429:
                raise _Transient(f"HTTP {error.code}", error.code, _retry_after(error.headers)) from None
            raise PortalError(f"{url} answered HTTP {error.code}", url=url, status=error.code) from None
        except (TimeoutError, ConnectionError, http.client.HTTPException) as error:
            raise _Transient(f"{type(error).__name__}: {error}") from None
        except urllib.error.URLError as error:
            # URLError wraps timeouts and refused connections raised while connecting.
            raise _Transient(f"{error.reason}") from None

    def _read(self, response: http.client.HTTPResponse, url: str) -> bytes:
        length = response.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > self.max_bytes:
            raise PortalError(f"{url} is {length} bytes, over the limit of {self.max_bytes}", url=url)
        chunks, size = [], 0
        while chunk := response.read(_CHUNK):
            size += len(chunk)
            if size > self.max_bytes:
                raise PortalError(f"{url} is over the limit of {self.max_bytes} bytes", url=url)
            chunks.append(chunk)
        return b"".join(chunks)

    def _wait_turn(self) -> None:
        """Sleep until this client may send its next request."""
        now = self._clock()
        if self._next_allowed is not None and now < self._next_allowed:
            self._sleep(self._next_allowed - now)
            now = self._next_allowed
        self._next_allowed = now + self._interval


def _segment(identifier: str) -> str:
    # Ids are GUIDs; quoting keeps a malformed id from escaping the path.
    if not identifier or not isinstance(identifier, str):
        raise ValueError(f"not an id: {identifier!r}")
    return urllib.parse.quote(identifier, safe="")


def _retry_after(headers: Message | None) -> float:
    value = (headers or {}).get("Retry-After", "")
    return min(float(value), _MAX_RETRY_AFTER) if value and value.isdigit() else 0.0
