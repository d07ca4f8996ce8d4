"""Full-text search: one small interface, one backend per database vendor.

    from minutes import search
    results = search.run(params)          # a page of hits with snippets and facets
    search.index_items(ids)               # after items were written
    search.rebuild_index()                # rebuild_search_index

Views never build SQL for search themselves.
"""

from minutes.search.backends import get_backend
from minutes.search.query import ParsedQuery, parse_query
from minutes.search.service import SearchResults, rebuild_index, run
from minutes.textanalysis.compounds import parts_text


def compound_parts(item) -> str:
    """Return the compound-part stems of an item's searched text, indexed at the lowest weight.

    "beskæftigelsesreformen" contributes "beskæftig reform", so a search for "reform" finds
    it on both backends; the query side stays plain Snowball.
    """
    return parts_text("\n".join((item.title, item.decision_text, item.body_text, item.attachment_text)))


def index_items(item_ids) -> None:
    """Bring the index up to date for items that were just written."""
    ids = list(item_ids)
    if ids:
        get_backend().index_items(ids)


__all__ = [
    "ParsedQuery",
    "SearchResults",
    "compound_parts",
    "get_backend",
    "index_items",
    "parse_query",
    "rebuild_index",
    "run",
]
