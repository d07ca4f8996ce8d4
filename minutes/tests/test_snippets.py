"""The passage a hit shows, and the words it marks (``minutes.search.snippets``): plain Python."""

from __future__ import annotations

from minutes.search.query import parse_query
from minutes.search.snippets import MARK_END, MARK_START, SNIPPET_CHARS, Highlighter


def marked(text: str) -> list[str]:
    """Return the marked words of a passage."""
    words, start = [], text.find(MARK_START)
    while start != -1:
        end = text.find(MARK_END, start)
        words.append(text[start + 1 : end])
        start = text.find(MARK_START, end)
    return words


def highlighter(query: str) -> Highlighter:
    return Highlighter(parse_query(query).positive_stems)


def test_marks_inflected_forms_and_keeps_case():
    text = "Flygtninge og flygtningenes boliger. Flygtningen fik svar."
    assert marked(highlighter("flygtning").mark(text)) == ["Flygtninge", "flygtningenes", "Flygtningen"]


def test_marks_a_compound_whole_but_not_a_word_that_merely_contains_the_stem():
    h = highlighter("reform")
    assert marked(h.mark("Beskæftigelsesreformen træder i kraft.")) == ["Beskæftigelsesreformen"]
    # "plan" sits inside "planter" and "planke" without being their stem or a part.
    text = "Nogle planter og en planke; lokalplanen blev vedtaget."
    assert marked(highlighter("plan").mark(text)) == ["lokalplanen"]


def test_stop_words_and_excluded_words_are_not_marked():
    h = highlighter('"taget til efterretning" -budget')
    assert marked(h.mark("Sagen blev taget til efterretning uden budget.")) == ["taget", "efterretning"]


def test_snippet_is_cut_around_the_densest_run_of_matches():
    filler = "Udvalget drøftede sagen grundigt og bad om mere materiale. " * 12
    text = filler + "Der er behov for flere skoler, og skolen i byen skal udvides. " + filler
    passage, field = highlighter("skole").snippet({"body_text": text})
    assert field == "body_text"
    assert marked(passage) == ["skoler", "skolen"]
    assert passage.startswith("… ") and passage.endswith(" …")
    assert len(passage) <= SNIPPET_CHARS + 40  # ellipses, markers and the last word's end


def test_snippet_prefers_the_field_with_more_different_matches_then_the_earlier_field():
    h = highlighter("skole udvidelse")
    texts = {"body_text": "Skolen blev drøftet.", "decision_text": "Udvidelse af skolen godkendt."}
    assert h.snippet(texts)[1] == "decision_text"
    texts = {"body_text": "Skolen blev drøftet.", "decision_text": "Skolerne godkendt."}
    assert h.snippet(texts)[1] == "body_text"


def test_no_snippet_without_a_match_or_without_a_query():
    assert highlighter("ponyridning").snippet({"body_text": "Intet om heste her."}) is None
    assert highlighter("").snippet({"body_text": "Tekst."}) is None
    assert highlighter("").mark("Tekst.") == "Tekst."


def test_short_text_is_shown_whole_with_collapsed_whitespace():
    passage, _ = highlighter("frikort").snippet({"body_text": "Socialt\n\n  frikort   forlænges."})
    assert passage == f"Socialt {MARK_START}frikort{MARK_END} forlænges."
