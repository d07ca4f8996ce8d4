"""The PDF sandbox: text out of good PDFs, a clear Danish error for every bad one, bounded cost.

The hostile PDFs are built here, byte by byte or with fpdf2; nothing is downloaded. The
builders are shared with ``test_clerk.py``.
"""

from __future__ import annotations

import time
import zlib

import pytest
from fpdf import FPDF

from minutes.parsing.types import ReferatError
from minutes.sandbox import Limits, extract_pdf_text_sandboxed

DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

# Small limits keep the expensive cases fast; the real defaults are larger.
TIGHT = Limits(wall_seconds=20, cpu_seconds=2, memory_bytes=400 * 1024 * 1024)


# --- Builders ------------------------------------------------------------------------


def text_pdf(lines: list[str], *, password: str | None = None) -> bytes:
    """Return a PDF with ``lines`` as its text layer (Danish letters included)."""
    pdf = FPDF()
    if password:
        pdf.set_encryption(owner_password="ejer-" + password, user_password=password)
    pdf.add_page()
    pdf.add_font("DejaVu", "", DEJAVU)
    pdf.set_font("DejaVu", size=11)
    for line in lines:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def image_only_pdf() -> bytes:
    """Return a PDF that draws but has no text layer, like a scan."""
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 50, 50, style="F")
    return bytes(pdf.output())


def raw_pdf(objects: list[bytes]) -> bytes:
    """Return a well-formed PDF (header, numbered objects, xref, trailer) around ``objects``."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
PAGE = (
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
    b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>"
)


def one_page_pdf(content: bytes, *, extra: bytes = b"", catalog_extra: bytes = b"") -> bytes:
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            PAGE,
            _stream(content, extra),
            FONT,
        ]
    )


def decompression_bomb_pdf(megabytes: int) -> bytes:
    """Return a PDF under 1 MB whose one content stream inflates to ``megabytes`` MB."""
    compressor = zlib.compressobj(9)
    chunk = b"BT /F1 12 Tf 72 720 Td (a) Tj ET\n" * 30_000  # ~1 MB
    parts = [compressor.compress(chunk) for _ in range(megabytes)]
    parts.append(compressor.flush())
    return one_page_pdf(b"".join(parts), extra=b"/Filter /FlateDecode")


def deeply_nested_pdf(depth: int = 50_000) -> bytes:
    """Return a PDF whose catalog holds an array nested ``depth`` levels deep."""
    return one_page_pdf(
        b"BT /F1 12 Tf 72 720 Td (x) Tj ET", catalog_extra=b"/X " + b"[" * depth + b"]" * depth
    )


def many_pages_pdf(fan: int = 100) -> bytes:
    """Return a ~15 kB PDF with ``fan``² pages: a page tree that reuses one node and one page."""

    def kids(ref: bytes) -> bytes:
        return b"[" + b" ".join([ref] * fan) + b"]"

    content = b"BT /F1 12 Tf 72 720 Td " + b"(Punkt tekst) Tj 0 -14 Td " * 40 + b"ET"
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids " + kids(b"6 0 R") + b" /Count %d >>" % (fan * fan),
            PAGE.replace(b"/Parent 2 0 R", b"/Parent 6 0 R"),
            _stream(content),
            FONT,
            b"<< /Type /Pages /Parent 2 0 R /Kids " + kids(b"3 0 R") + b" /Count %d >>" % fan,
        ]
    )


def huge_array_pdf(count: int = 300_000) -> bytes:
    """Return a PDF whose page list names one page ``count`` times."""
    kids = b" ".join([b"3 0 R"] * count)
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % count,
            PAGE,
            _stream(b"BT /F1 12 Tf 72 720 Td (x) Tj ET"),
            FONT,
        ]
    )


def code_of(data: bytes, limits: Limits = TIGHT) -> str:
    with pytest.raises(ReferatError) as caught:
        extract_pdf_text_sandboxed(data, limits=limits)
    assert len(str(caught.value)) > 20, "the message must say what is wrong"
    return caught.value.notice.code


# --- Good PDFs -----------------------------------------------------------------------


def test_text_comes_out_with_danish_letters():
    text = extract_pdf_text_sandboxed(text_pdf(["Punkt 1: Budget for Sorø", "Beslutning: Godkendt."]))
    assert "Budget for Sorø" in text and "Godkendt" in text


def test_handmade_pdf_is_read():
    assert "Hej" in extract_pdf_text_sandboxed(one_page_pdf(b"BT /F1 12 Tf 72 720 Td (Hej) Tj ET"))


def test_text_is_capped_in_the_child():
    text = extract_pdf_text_sandboxed(
        text_pdf(["Lang tekst " * 20]), limits=Limits(wall_seconds=20, max_chars=12)
    )
    assert text == "Lang tekst L"


def test_limits_are_read_from_the_environment_when_made(monkeypatch):
    monkeypatch.setenv("ARCHIVE_PDF_TIMEOUT", "7")
    monkeypatch.setenv("ARCHIVE_PDF_CPU_SECONDS", "3")
    monkeypatch.setenv("ARCHIVE_PDF_MEMORY_MB", "100")
    limits = Limits()
    assert (limits.wall_seconds, limits.cpu_seconds, limits.memory_bytes) == (7, 3, 100 * 1024 * 1024)


# --- Bad PDFs: each a clear error ----------------------------------------------------


def test_not_a_pdf():
    assert code_of(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100) == "not_pdf"


def test_encrypted_pdf():
    assert code_of(text_pdf(["Hemmeligt referat"], password="hemmelig")) == "encrypted"


def test_pdf_without_text_layer():
    assert code_of(image_only_pdf()) == "no_text_layer"


def test_truncated_pdf():
    data = text_pdf(["Punkt 1: Budget"] * 40)
    assert code_of(data[: len(data) // 2]) == "broken_pdf"


def test_garbage_after_the_header():
    assert code_of(b"%PDF-1.7\n" + bytes(range(256)) * 50 + b"\n%%EOF\n") == "broken_pdf"


# --- Expensive PDFs: refused within the limits ---------------------------------------


def test_decompression_bomb_is_refused_quickly():
    data = decompression_bomb_pdf(300)
    assert len(data) < 2 * 1024 * 1024
    started = time.monotonic()
    assert code_of(data) == "pdf_too_expensive"
    assert time.monotonic() - started < 10


def test_memory_limit_stops_a_child_that_allocates_too_much():
    limits = Limits(wall_seconds=20, cpu_seconds=10, memory_bytes=150 * 1024 * 1024)
    assert code_of(decompression_bomb_pdf(60), limits) == "pdf_too_expensive"


def test_deeply_nested_objects():
    assert code_of(deeply_nested_pdf()) in ("pdf_too_expensive", "broken_pdf")


def test_huge_page_array():
    assert code_of(huge_array_pdf()) == "pdf_too_expensive"


def test_cpu_limit_stops_a_pdf_with_thousands_of_pages():
    started = time.monotonic()
    assert code_of(many_pages_pdf(), Limits(wall_seconds=30, cpu_seconds=1)) == "pdf_too_expensive"
    assert time.monotonic() - started < 10


def test_wall_clock_timeout():
    limits = Limits(wall_seconds=0.8, cpu_seconds=30)
    started = time.monotonic()
    assert code_of(many_pages_pdf(), limits) == "pdf_timeout"
    assert time.monotonic() - started < 5
