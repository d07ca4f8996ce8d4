"""A FirstAgenda Publication portal on 127.0.0.1 for tests: no internet, failures on demand.

It serves the shared Greve samples (``../shared/firstagenda/greve``) at the portal's real
paths, wants the anonymous session cookie like the real API does, and records every
request so tests can count what a client fetched. A test changes what it serves through
``PortalState``: another committee list or meeting (``documents``), 500s (``failures``),
slow answers (``slow``), 404s (``missing``), broken JSON (``malformed``) and attachment
PDFs made in the test (``pdfs``, else ``pdf``).
"""

from __future__ import annotations

import copy
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fpdf import FPDF

COOKIE = "FirstAgendaAnonymous=a1b2c3"
MEETING_PATH = "/api/agenda/dagsorden/"
LIST_PATH = "/api/agenda/udvalgsliste"
BILAG_PATH = "/Vis/Pdf/bilag/"


def make_pdf(text: str = "Bilag 1 - Lejeaftale") -> bytes:
    """Return a one-page PDF whose text layer is ``text``."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=text)
    return bytes(pdf.output())


@dataclass
class PortalState:
    """What the test portal serves and what it has seen."""

    folder: Path
    pdf: bytes = field(default_factory=make_pdf)
    front_page_sets_cookie: bool = True
    auth_sets_cookie: bool = True
    # API name ("udvalgsliste" or a meeting id) -> JSON served instead of the folder's file.
    documents: dict[str, Any] = field(default_factory=dict)
    pdfs: dict[str, bytes] = field(default_factory=dict)  # attachment id -> body
    failures: dict[str, int] = field(default_factory=dict)  # path -> 500s still to send
    slow: dict[str, float] = field(default_factory=dict)  # path -> seconds before answering
    missing: set[str] = field(default_factory=set)  # paths answered with 404
    malformed: set[str] = field(default_factory=lambda: {f"{MEETING_PATH}malformed"})
    seen: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def paths(self) -> list[str]:
        with self.lock:
            return [path for path, _ in self.seen]

    def count(self, prefix: str) -> int:
        """Return how many requests went to paths that start with ``prefix``."""
        return sum(path.startswith(prefix) for path in self.paths())

    def forget(self) -> None:
        with self.lock:
            self.seen.clear()

    def document(self, name: str) -> Any:
        """Return a fresh copy of what is served as ``name`` (the sample file by default)."""
        if name in self.documents:
            return copy.deepcopy(self.documents[name])
        return json.loads((self.folder / f"{name}.json").read_text(encoding="utf-8"))

    def body(self, name: str) -> bytes | None:
        if name in self.documents:
            return json.dumps(self.documents[name], ensure_ascii=False).encode("utf-8")
        file = self.folder / f"{name}.json"
        return file.read_bytes() if file.is_file() else None


class PortalHandler(BaseHTTPRequestHandler):
    server: PortalServer

    def do_GET(self) -> None:
        state = self.server.state
        path, _, query = self.path.partition("?")
        with state.lock:
            state.seen.append((self.path, dict(self.headers)))
            failures = state.failures.get(path, 0)
            if failures:
                state.failures[path] = failures - 1
        if path in state.slow:
            time.sleep(state.slow[path])
        if failures:
            return self.reply(500, b"Server Error", "text/plain")
        if path in state.missing:
            return self.reply(404, b"Not Found", "text/plain")
        has_cookie = COOKIE in self.headers.get("Cookie", "")

        if path == "/":
            cookie = COOKIE if state.front_page_sets_cookie else None
            return self.reply(200, b"<html>Dagsordener</html>", "text/html", cookie=cookie)
        if path == "/Home/AnonymousAuthentication":
            callback = urllib.parse.parse_qs(query)["callback"][0]
            cookie = COOKIE if state.auth_sets_cookie else None
            return self.reply(302, b"", "text/html", cookie=cookie, location=callback)
        if path.startswith("/api/"):
            if not has_cookie:
                return self.reply(302, b"", "text/html", location="/")
            if path in state.malformed:
                return self.reply(200, b'{"Id": "malformed", "Dagsordenpunkter": [', "application/json")
            body = state.body(path.rsplit("/", 1)[1])
            if body is None:
                return self.reply(404, b"Not Found", "text/plain")
            return self.reply(200, body, "application/json; charset=utf-8")
        if path.startswith(BILAG_PATH):
            document_id = path.removeprefix(BILAG_PATH)
            if document_id == "login-page":
                return self.reply(200, b"<html>Log ind</html>", "text/html")
            return self.reply(200, state.pdfs.get(document_id, state.pdf), "application/pdf")
        return self.reply(404, b"Not Found", "text/plain")

    def reply(
        self,
        status: int,
        body: bytes,
        content_type: str,
        *,
        cookie: str | None = None,
        location: str | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if cookie:
            self.send_header("Set-Cookie", f"{cookie}; Path=/; HttpOnly")
        if location:
            self.send_header("Location", location)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep the test output quiet


class PortalServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: PortalState) -> None:
        super().__init__(("127.0.0.1", 0), PortalHandler)
        self.state = state

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a slow answer to a client that timed out ends in a broken pipe; expected


@contextmanager
def serve_portal(state: PortalState) -> Iterator[str]:
    """Serve ``state`` on a free loopback port; yield the portal's base URL."""
    server = PortalServer(state)
    # A short poll interval lets shutdown() return at once instead of after 0.5 s.
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class FakeTime:
    """A clock that moves only when the client sleeps, recording every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def without_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove proxy settings: urllib reads them from the environment, and the server is local."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
