"""A long paragraph of a bulletin (a city names thousands of units in one paragraph, R-6.3) is
printed as consecutive runs of text, so the PDF renderer's time grows with its length and not
with its square (issue 8 §2, `make bench`). The printed document must not change: the same lines
on the same pages, nothing lost, one paragraph with one indent."""

from __future__ import annotations

import re

import pytest

from assessments import bulletins
from assessments.models_bulletins import Bulletin, Span
from councils.pdf import html_to_pdf

from .bulletin_fixtures import pdf_text

# 300 units named in one paragraph, as the praise of a district lists its excellent units.
PLACES = ["徐碧", "列东", "列西", "荆西"]
UNITS = "、".join(f"{PLACES[i % 4]}科技有限公司{i:05d}（{90 + i % 15}分）" for i in range(300))
LIST = f"（二）考核等次为优秀的成员单位（300家）：{UNITS}。"


def test_a_long_paragraph_is_cut_only_after_chinese_punctuation_and_loses_nothing():
    """Every run but the last ends with a Chinese punctuation mark and none is longer than the
    run size when a mark is near; the runs joined give the paragraph back exactly. Text without
    any mark (a long Latin string typed by an office) stays one run rather than being cut inside."""
    runs = bulletins.pieces(LIST)
    assert "".join(runs) == LIST
    assert len(runs) > 20
    assert all(run[-1] in bulletins.PIECE_ENDS for run in runs[:-1])
    assert not any(run[0] in "、，；。：）" for run in runs)  # no line may start with those
    assert max(len(run) for run in runs) <= bulletins.PIECE_CHARS
    latin = "https://example.invalid/" + "a" * 2000
    assert bulletins.pieces(latin) == [latin]
    mixed = "甲" * 500 + "，" + "乙" * 10
    assert bulletins.pieces(mixed) == ["甲" * 500 + "，", "乙" * 10]
    assert bulletins.pieces("短句。") == ["短句。"]
    closing = "甲" * 239 + "；）" + "乙" * 300 + "。"
    assert bulletins.pieces(closing)[0] == "甲" * 239 + "；）" + "乙" * 300 + "。"


def long_bulletin() -> Bulletin:
    return Bulletin(
        district=None,
        span=Span.QUARTER,
        year=2026,
        part=1,
        title="关于2026年第一季度社区共建工作情况的通报",
        issuer="三明市精神文明建设办公室",
        prefix="明文明办",
        main_recipients="各区文明办",
        copy_recipients="市文明委",
        overview="本季度共有社区共建理事会1000个。",
        praise="对以下理事会、成员单位和社区予以通报表扬：\n" + LIST,
        problems="本期未发现需要通报的问题。",
    )


@pytest.mark.django_db
def test_a_long_list_prints_the_same_lines_as_one_run(tmp_path):
    """The print HTML holds the list as one paragraph of many runs; printed, it gives the same
    pages and, line by line, the same text as the paragraph printed as a single run."""
    html = bulletins.render_pdf_html(long_bulletin())
    paragraph = next(p for p in re.findall(r"<p>(.*?)</p>", html, re.S) if "科技有限公司00299" in p)
    assert paragraph.count("<span>") > 20
    assert re.sub(r"</?span>", "", paragraph) == LIST
    one_run = html.replace(paragraph, LIST)

    runs_text = pdf_text(html_to_pdf(html), tmp_path, "runs.pdf")
    one_text = pdf_text(html_to_pdf(one_run), tmp_path, "one.pdf")
    assert runs_text.count("\f") == one_text.count("\f") >= 4
    assert runs_text.splitlines() == one_text.splitlines()
    assert "荆西科技有限公司00299（104分）。" in re.sub(r"\s+", "", runs_text)
