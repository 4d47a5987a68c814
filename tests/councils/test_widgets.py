"""The quick <select> of the long filter lists (issue 8 §2) shows what the usual one shows: the
same options, the chosen one selected, names escaped."""

import re

from django import forms

from councils.widgets import QuickSelect

CHOICES = [("", "全部"), (1, "甲社区"), (2, "乙社区 <二期> & “东区”"), (3, "丙社区")]


def parts(html: str) -> tuple[set[str], list[str]]:
    """The <select> tag's attributes (in any order) and the options, line by line."""
    tag = re.match(r"<select([^>]*)>", html).group(1)
    return set(tag.split()), re.findall(r"<option[^>]*>[^<]*</option>", html)


def test_the_quick_select_writes_the_options_of_the_usual_one():
    for value in (None, "", 2, "3"):
        usual, quick = (
            forms.Select(attrs={"class": "form-select"}),
            QuickSelect(attrs={"class": "form-select"}),
        )
        usual.choices = quick.choices = CHOICES
        expected = usual.render("community", value, {"id": "id_community"})
        written = quick.render("community", value, {"id": "id_community"})
        assert parts(written) == parts(expected)
    chosen = QuickSelect(choices=CHOICES).render("community", 2)
    assert '<option value="2" selected>乙社区 &lt;二期&gt; &amp; “东区”</option>' in chosen
    assert chosen.count(" selected") == 1
