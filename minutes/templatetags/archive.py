"""Template helpers: outcome labels, decision paragraphs, sections, search facets."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from minutes.models import Decision, SectionKind, outcome_label

register = template.Library()

# A section longer than this is folded into a <details> element on meeting and item pages.
LONG_SECTION_CHARS = 700

_SECTION_LABELS = dict(SectionKind.choices)


register.filter("outcome_label", outcome_label)


@register.filter
def section_heading(section: dict) -> str:
    """Return a section's printed heading, else the label of its kind."""
    heading = (section.get("heading") or "").strip()
    if heading:
        return heading
    kind = section.get("kind") or SectionKind.OTHER
    return str(_SECTION_LABELS.get(kind, _SECTION_LABELS[SectionKind.OTHER]))


@register.filter
def is_long(text: str) -> bool:
    return len(text or "") > LONG_SECTION_CHARS


@dataclass(frozen=True)
class DecisionParagraph:
    text: str
    kind: str = "text"  # "part", "dissent", "absent" or "text"
    label: str = ""  # "Pkt. 1" for a part
    outcome: str = ""


@register.filter
def decision_paragraphs(decision: Decision) -> list[DecisionParagraph]:
    """Split a decision's text into paragraphs and say what each one is.

    The stored text is the record as printed; parts, dissent and absence are parsed out
    of it. Marking the paragraphs (instead of printing the parsed lists again) shows
    the whole decision once, with dissent and per-point outcomes visible at a glance.
    """
    parts = {" ".join(f"{p.get('label', '')}: {p.get('text', '')}".split()): p for p in decision.parts or []}
    dissent = {" ".join(d.split()) for d in decision.dissent or []}
    paragraphs = []
    for raw in (decision.text or "").split("\n\n"):
        text = raw.strip()
        if not text:
            continue
        flat = " ".join(text.split())
        part = parts.get(flat)
        if part is not None:
            paragraphs.append(
                DecisionParagraph(
                    part.get("text", ""), "part", part.get("label", ""), part.get("outcome", "")
                )
            )
        elif flat in dissent:
            paragraphs.append(DecisionParagraph(text, "dissent"))
        elif decision.absent and flat.lower().startswith("ikke til stede"):
            paragraphs.append(DecisionParagraph(text, "absent"))
        else:
            paragraphs.append(DecisionParagraph(text))
    return paragraphs


@register.filter
def current(decisions) -> list[Decision]:
    """Return this meeting's own decisions."""
    return [d for d in decisions if d.is_current]


@register.filter
def earlier(decisions) -> list[Decision]:
    """Return the earlier decisions of other bodies quoted in the item."""
    return [d for d in decisions if not d.is_current]


@register.filter
def web_url(value: str) -> str:
    """Return ``value`` if it is an http(s) URL, else "" (third-party data; no javascript: links)."""
    value = (value or "").strip()
    return value if value.lower().startswith(("https://", "http://")) else ""


@register.simple_tag
def facet_items(values, approximate: bool) -> SafeString:
    """The ``<li>`` elements of one facet. Built here, not by the template: a search page shows
    ~60 facet values, whose ~500 variable lookups took ~2 ms of its ~6 ms of rendering."""
    estimated = gettext("anslået ud fra en stikprøve")
    approx = format_html('<abbr title="{}">ca.</abbr> ', estimated) if approximate else ""
    remove = gettext("Fjern filter")
    return format_html_join(
        "",
        '<li{}><a href="{}"{}>{}</a> <span class="count">{}{}</span>{}</li>',
        (
            (
                SafeString(' class="selected"') if f.selected else "",
                f.url,
                format_html(' aria-current="true" title="{}"', remove) if f.selected else "",
                f.label,
                approx,
                intcomma(f.count),
                SafeString(' <span aria-hidden="true">✕</span>') if f.selected else "",
            )
            for f in values
        ),
    )
