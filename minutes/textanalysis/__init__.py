"""Danish text analysis shared by both search backends: stemming, tokenising, compound splitting.

Plain Python with no Django imports. ``stemming`` mirrors PostgreSQL's ``danish`` configuration;
``compounds`` adds the parts of compounds as extra lexemes (shared/research/danish-compounds.md).
"""

from .stemming import stem, tokenize

__all__ = ["stem", "tokenize"]
