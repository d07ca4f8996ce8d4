"""Small text helpers shared by the Django side (no parsing logic here)."""

from __future__ import annotations

from django.utils.text import slugify

_DANISH = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})


def danish_slugify(value: str) -> str:
    """Slugify with Danish letters spelt out (Sorø → soroe), as Danes write them in URLs."""
    return slugify(value.translate(_DANISH))
