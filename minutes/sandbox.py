"""Extract text from untrusted PDFs in a separate, limited process.

A hostile, malformed or merely enormous PDF can make a PDF library loop, allocate
gigabytes or crash. The extraction therefore runs in a child Python process with a CPU
time limit, an address-space limit and a wall-clock timeout; whatever happens there,
the web process gets either the text or a ``ReferatError`` with a clear Danish message.

Plain Python, no Django: the child runs ``python -m minutes.sandbox`` and reads the PDF
from standard input.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from dataclasses import dataclass

from minutes.parsing.types import ReferatError, gettext_noop


@dataclass(frozen=True)
class Limits:
    """Limits for one extraction. The defaults suit referater and attachments of ~100 pages."""

    wall_seconds: float = float(os.environ.get("ARCHIVE_PDF_TIMEOUT", "60"))
    cpu_seconds: int = int(os.environ.get("ARCHIVE_PDF_CPU_SECONDS", "45"))
    memory_bytes: int = int(os.environ.get("ARCHIVE_PDF_MEMORY_MB", "768")) * 1024 * 1024
    max_chars: int = 5_000_000


def _limit_self(cpu_seconds: int, memory_bytes: int) -> None:
    """Apply the limits to the current (child) process, before it reads any PDF byte.

    The child limits itself rather than through ``preexec_fn``, which is unsafe in a
    threaded parent such as a development server.
    """
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def extract_pdf_text_sandboxed(data: bytes, *, limits: Limits | None = None) -> str:
    """Return the text layer of ``data`` (pages separated by form feeds), extracted in a child."""
    limits = limits or Limits()
    if not data.startswith(b"%PDF-"):
        raise ReferatError("not_pdf", gettext_noop("Filen er ikke en PDF (den begynder ikke med %PDF)."))
    try:
        completed = subprocess.run(  # noqa: S603 - our own interpreter and module, no shell
            [
                sys.executable,
                "-s",
                "-m",
                "minutes.sandbox",
                str(limits.cpu_seconds),
                str(limits.memory_bytes),
            ],
            input=data,
            capture_output=True,
            timeout=limits.wall_seconds,
            cwd=_project_dir(),
            env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": _project_dir(), "LANG": "C.UTF-8"},
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ReferatError(
            "pdf_timeout",
            gettext_noop("PDF-filen tog for lang tid at læse (over {seconds} sekunder) og blev afvist."),
            seconds=int(limits.wall_seconds),
        ) from None
    if completed.returncode != 0:
        # Killed by a signal (CPU limit: SIGXCPU/SIGKILL) or out of memory (MemoryError).
        raise ReferatError(
            "pdf_too_expensive",
            gettext_noop(
                "PDF-filen kunne ikke læses inden for grænserne for tid og hukommelse; den er for "
                "stor eller beskadiget."
            ),
        )
    try:
        answer = json.loads(completed.stdout)
    except ValueError:
        raise ReferatError("broken_pdf", gettext_noop("PDF-filen kunne ikke læses.")) from None
    if "error" in answer:
        error = answer["error"]
        raise ReferatError(error["code"], error["message"], **error.get("params", {}))
    return answer["text"][: limits.max_chars]


def _project_dir() -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _child_main(argv: list[str]) -> int:
    _limit_self(int(argv[0]), int(argv[1]))
    from minutes.parsing.pdf import extract_pdf_text

    data = sys.stdin.buffer.read()
    try:
        payload = {"text": extract_pdf_text(data)}
    except ReferatError as exc:
        notice = exc.notice
        payload = {"error": {"code": notice.code, "message": notice.message, "params": notice.params}}
    except MemoryError:
        return 3
    except Exception as exc:  # noqa: BLE001 - any library failure is a broken PDF to the caller
        payload = {
            "error": {
                "code": "broken_pdf",
                "message": gettext_noop("PDF-filen er beskadiget og kunne ikke læses ({error})."),
                "params": {"error": type(exc).__name__},
            }
        }
    sys.stdout.write(json.dumps(payload))
    return 0


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
