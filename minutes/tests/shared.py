"""Access to ``../shared`` (the real corpus and FirstAgenda samples) from tests.

The folder lies beside the project and is never copied into it. Without it, tests that
need it skip with a message; under CI (``CI`` set) they fail instead, so a missing
corpus can never turn a red run green.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
SHARED_DIR = Path(os.environ.get("ARCHIVE_SHARED_DIR", PROJECT_DIR.parent / "shared"))


def shared_path(*parts: str) -> Path:
    """Return a path under ``../shared``; skip the test (fail under CI) when it is absent."""
    path = SHARED_DIR.joinpath(*parts)
    if not path.exists():
        message = f"{path} is missing: the shared corpus lies beside the project (../shared)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def corpus_file(name: str) -> Path:
    """Return one file of ``../shared/corpus`` by its name or its numeric prefix ("000")."""
    folder = shared_path("corpus")
    matches = sorted(folder.glob(f"{name}*"))
    if not matches:
        pytest.fail(f"no corpus file matches {name!r} in {folder}")
    return matches[0]
