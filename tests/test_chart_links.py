"""charts.Link: a chart note that points to the chapter's caveats, so a caveat is written once per chapter."""

from __future__ import annotations

from analysis import charts


def test_a_link_note_is_its_text_and_renders_as_an_escaped_link():
    note = charts.Link("See About these figures <caveats> & more", "#missing-about")
    assert isinstance(note, str) and note == "See About these figures <caveats> & more"
    assert note.href == "#missing-about"
    assert charts._note_html(note) == (
        '<a href="#missing-about">See About these figures &lt;caveats&gt; &amp; more</a>'
    )
    # a plain note stays plain text
    assert charts._note_html("Break <here>") == "Break &lt;here&gt;"
