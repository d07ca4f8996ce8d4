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
import logging
import os
import resource
import subprocess
import sys
from dataclasses import dataclass, field

from minutes.parsing.types import ReferatError, gettext_noop

logger = logging.getLogger(__name__)

# Exceptions that mean "this PDF costs more than we allow" rather than "this PDF is broken":
# pypdf's own output caps (LimitReachedError, e.g. a stream that inflates to hundreds of MB)
# and structures nested deeper than Python's recursion limit.
_TOO_EXPENSIVE = ("LimitReachedError", "RecursionError", "MemoryError")

TOO_EXPENSIVE_MESSAGE = gettext_noop(
    "PDF-filen kunne ikke læses inden for grænserne for tid og hukommelse; den er for stor eller beskadiget."
)


def _env_number(name: str, default: str) -> float:
    return float(os.environ.get(name, default))


@dataclass(frozen=True)
class Limits:
    """Limits for one extraction. The defaults suit referater and attachments of ~100 pages.

    They are read from the environment when a ``Limits`` is made (not at import), so an
    operator, or a test, can change them without restarting anything that imports us.
    """

    wall_seconds: float = field(default_factory=lambda: _env_number("ARCHIVE_PDF_TIMEOUT", "60"))
    cpu_seconds: int = field(default_factory=lambda: int(_env_number("ARCHIVE_PDF_CPU_SECONDS", "45")))
    memory_bytes: int = field(
        default_factory=lambda: int(_env_number("ARCHIVE_PDF_MEMORY_MB", "768") * 1024 * 1024)
    )
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
                str(limits.max_chars),
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
        tail = completed.stderr[-500:].decode("utf-8", errors="replace").strip()
        logger.warning("PDF sandbox exited with %s: %s", completed.returncode, tail)
        raise ReferatError("pdf_too_expensive", TOO_EXPENSIVE_MESSAGE)
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


def _error_payload(code: str, message: str, **params: str | int) -> dict:
    return {"error": {"code": code, "message": message, "params": params}}


def _is_too_expensive(exc: BaseException) -> bool:
    """Tell whether ``exc``, or what caused it, is a limit being reached."""
    seen: BaseException | None = exc
    while seen is not None:
        if type(seen).__name__ in _TOO_EXPENSIVE:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _child_main(argv: list[str]) -> int:
    _limit_self(int(argv[0]), int(argv[1]))
    max_chars = int(argv[2]) if len(argv) > 2 else 5_000_000
    from minutes.parsing.pdf import extract_pdf_text

    data = sys.stdin.buffer.read()
    try:
        # Cut here, not in the parent: the pipe and the parent's memory stay bounded too.
        payload = {"text": extract_pdf_text(data)[:max_chars]}
    except MemoryError:
        return 3
    except Exception as exc:  # noqa: BLE001 - any library failure is a bad PDF to the caller
        if _is_too_expensive(exc):
            payload = _error_payload("pdf_too_expensive", TOO_EXPENSIVE_MESSAGE)
        elif isinstance(exc, ReferatError):
            notice = exc.notice
            payload = _error_payload(notice.code, notice.message, **notice.params)
        else:
            payload = _error_payload(
                "broken_pdf",
                gettext_noop("PDF-filen er beskadiget og kunne ikke læses ({error})."),
                error=type(exc).__name__,
            )
    sys.stdout.write(json.dumps(payload))
    return 0


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
