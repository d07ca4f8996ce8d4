"""What a web server process does once, before its first request."""

from __future__ import annotations

import gc
import logging

logger = logging.getLogger(__name__)

# The pages a visitor is most likely to ask for first; compiled once here.
WARM_TEMPLATES = ("minutes/search.html", "minutes/item_detail.html", "minutes/meeting_detail.html")


def prepare_process() -> None:
    """Load what every search needs, then leave the loaded objects out of garbage collection.

    A search that reads thousands of rows allocates tens of thousands of tuples, which every
    few requests sets off a full collection; that walked every object the process had loaded
    (Django, the Snowball tables, the compound lexicon) and added 45-60 ms to one request in
    five ("budget -kommune" at 1M items: p95 146 ms, 98 ms frozen). ``gc.freeze()`` is what the
    Python documentation suggests for pre-forking servers: objects alive now are never
    collected again, and later collections no longer walk them.
    """
    from django.template.exceptions import TemplateDoesNotExist
    from django.template.loader import get_template

    from minutes.search import parse_query
    from minutes.textanalysis.compounds import default_decompounder

    try:
        parse_query("ældreplejen")  # the stemmer
        default_decompounder()  # the compound lexicon, which highlights parts in snippets
    except (OSError, ValueError) as error:  # searching reports it; serving must not stop here
        logger.warning("could not load the search's lexicon before serving: %s", error)
    for name in WARM_TEMPLATES:
        try:
            get_template(name)
        except TemplateDoesNotExist:
            logger.warning("template %s not found while preparing the process", name)
    gc.collect()
    gc.freeze()
