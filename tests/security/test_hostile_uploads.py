"""Hostile uploads on every upload field of the portal (issue 8 §5): files that lie about their
type (a .jpg that is a PDF, HTML, SVG, a zip or a program; an .xlsx that is text), empty files,
files over the limit, damaged images and images whose header claims billions of pixels. Each is
refused on the form in Chinese, the form comes back with what was typed, and nothing is saved:
every table is as it was and no file is written.

The upload fields (a form with a FileField, found with `grep FileField`): a meeting's attachment,
a ledger entry's receipt, a violation's rectification evidence (documents: PDF, JPEG or PNG,
10 MB), a finding's photos before and after (JPEG or PNG, 10 MB) and the member-unit import
(.xlsx, 5 MB)."""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import reverse
from PIL import Image

from councils import imports
from councils.models import MeetingAttachment, MemberUnit
from councils.roles import Role
from finance.models import LedgerEntry, Violation
from inspections.models import Finding
from tests.factories import credit_code

from . import hostile
from .hostile import (
    EXE,
    GIF,
    HTML,
    MB,
    PAYLOAD,
    REAL_PDF,
    SHORT_PAYLOAD,
    SVG,
    ZIP,
    Unchanged,
    oversized,
    png_header,
    refused_on_form,
)

pytestmark = [
    pytest.mark.django_db,
    # Pillow warns of the bombs these tests send; the portal refuses them before decoding.
    pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning"),
]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    yield from hostile.world_for_module(django_db_blocker, tmp_path_factory)


# --- The upload fields -----------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadField:
    """One upload field: where it is posted, by whom, the other fields typed with it (which
    must still be in the form when the file is refused), and what kind of file it takes."""

    url: Callable
    role: str
    field: str
    data: Callable = lambda w: {}
    kept: tuple[str, ...] = ()
    accepts: str = "document"  # "document" (PDF, JPEG, PNG), "photo" (JPEG, PNG) or "xlsx"
    multiple: bool = False


KEPT = "现场情况说明（保留）"
UPLOAD_FIELDS = {
    # the minutes and papers of a meeting.
    "attachment_upload": UploadField(
        url=lambda w: reverse("attachment_upload", args=[w.a.meeting.pk]),
        role=Role.COUNCIL_SECRETARY,
        field="file",
    ),
    # a contribution's receipt, with the amount and description typed alongside.
    "entry_create": UploadField(
        url=lambda w: reverse("entry_create", args=[w.a.council.pk]) + "?kind=contribution",
        role=Role.COUNCIL_SECRETARY,
        field="receipt",
        data=lambda w: {
            "entry_date": hostile.today().isoformat(),
            "amount": "321.50",
            "unit": w.a.unit.pk,
            "description": KEPT,
        },
        kept=("321.50", KEPT),
    ),
    # the evidence of a rectification, with the measures typed alongside.
    "violation_rectify": UploadField(
        url=lambda w: reverse("violation_rectify", args=[w.a.violation.pk]),
        role=Role.COUNCIL_SECRETARY,
        field="evidence",
        data=lambda w: {"measures": KEPT},
        kept=(KEPT,),
    ),
    # photos of a finding before, with the description typed alongside.
    "finding_create": UploadField(
        url=lambda w: reverse("finding_create") + f"?patrol={w.a.patrol.pk}",
        role=Role.PATROLLER,
        field="photos",
        data=lambda w: {"category": "posters", "address": "幸福路口", "description": KEPT},
        kept=(KEPT, "幸福路口"),
        accepts="photo",
        multiple=True,
    ),
    # photos after rectification, with the step's note typed alongside.
    "finding_transition": UploadField(
        url=lambda w: reverse("finding_transition", args=[w.ordered_finding.pk, Finding.Status.RECTIFIED]),
        role=Role.PATROLLER,
        field="after_photos",
        data=lambda w: {"note": KEPT},
        kept=(KEPT,),
        accepts="photo",
        multiple=True,
    ),
    # the member units and their seats, from a sheet.
    "unit_import": UploadField(
        url=lambda w: reverse("unit_import"), role=Role.STREET_STAFF, field="file", accepts="xlsx"
    ),
}

NOT_DOCUMENT = "不是 PDF、JPEG 或 PNG 文件"
NOT_PHOTO = "不是照片"
NOT_XLSX = "它不是有效的 Excel 工作簿"
EMPTY = "所提交的是空文件"
DAMAGED = "已损坏"
TOO_MANY_PIXELS = "超过 4000 万像素的上限"


@functools.cache
def big_real_png() -> bytes:
    """A real, complete PNG of 8000 × 6000 pixels (48 million: above the 40 million the portal
    decodes), a few hundred kilobytes once compressed."""
    out = io.BytesIO()
    Image.new("1", (8000, 6000)).save(out, format="PNG")
    return out.getvalue()


@functools.cache
def xls_bytes() -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504


# (case id, file name, content, message)
DOCUMENT_CASES = [
    ("html-named-pdf", "纪要.pdf", lambda: HTML, NOT_DOCUMENT),
    ("svg-named-png", "照片.png", lambda: SVG, NOT_DOCUMENT),
    ("zip-named-pdf", "纪要.pdf", lambda: ZIP, NOT_DOCUMENT),
    ("program-named-jpg", "收据.jpg", lambda: EXE, NOT_DOCUMENT),
    ("text-named-pdf", "纪要.pdf", lambda: "会议纪要正文".encode(), NOT_DOCUMENT),
    ("gif-named-png", "收据.png", lambda: GIF, NOT_DOCUMENT),
    ("empty", "纪要.pdf", lambda: b"", EMPTY),
    ("over-10-mb", "纪要.pdf", lambda: oversized(REAL_PDF, 10 * MB + 1), "超过 10 MB"),
    ("png-signature-then-html", "收据.png", lambda: b"\x89PNG\r\n\x1a\n" + HTML, DAMAGED),
    ("png-bomb-header", "收据.png", lambda: png_header(100_000, 100_000), TOO_MANY_PIXELS),
    ("png-48-megapixels", "收据.png", big_real_png, TOO_MANY_PIXELS),
]
PHOTO_CASES = [
    ("pdf-named-jpg", "现场.jpg", lambda: REAL_PDF, NOT_PHOTO),
    ("html-named-jpg", "现场.jpg", lambda: HTML, NOT_PHOTO),
    ("svg-named-png", "现场.png", lambda: SVG, NOT_PHOTO),
    ("zip-named-jpg", "现场.jpg", lambda: ZIP, NOT_PHOTO),
    ("program-named-jpg", "现场.jpg", lambda: EXE, NOT_PHOTO),
    ("gif-named-jpg", "现场.jpg", lambda: GIF, "只接受 JPEG 或 PNG"),
    ("empty", "现场.jpg", lambda: b"", EMPTY),
    ("over-10-mb", "现场.jpg", lambda: oversized(hostile.real_jpeg(), 10 * MB + 1), "超过 10 MB"),
    ("png-signature-then-html", "现场.png", lambda: b"\x89PNG\r\n\x1a\n" + HTML, NOT_PHOTO),
    ("png-bomb-header", "现场.png", lambda: png_header(100_000, 100_000), TOO_MANY_PIXELS),
    ("png-header-7000x7000", "现场.png", lambda: png_header(7000, 7000), TOO_MANY_PIXELS),
    ("png-48-megapixels", "现场.png", big_real_png, TOO_MANY_PIXELS),
]
XLSX_CASES = [
    (
        "text-named-xlsx",
        "成员单位.xlsx",
        lambda: "单位名称,统一社会信用代码\n某单位,123\n".encode(),
        NOT_XLSX,
    ),
    ("pdf-named-xlsx", "成员单位.xlsx", lambda: REAL_PDF, NOT_XLSX),
    ("html-named-xlsx", "成员单位.xlsx", lambda: HTML, NOT_XLSX),
    ("zip-not-a-workbook", "成员单位.xlsx", lambda: ZIP, NOT_XLSX),
    ("old-xls-named-xlsx", "成员单位.xlsx", xls_bytes, NOT_XLSX),
    ("empty", "成员单位.xlsx", lambda: b"", EMPTY),
    ("over-5-mb", "成员单位.xlsx", lambda: oversized(ZIP, 5 * MB + 1), "文件太大"),
]
CASES = {"document": DOCUMENT_CASES, "photo": PHOTO_CASES, "xlsx": XLSX_CASES}


def params():
    for name, spec in UPLOAD_FIELDS.items():
        for case_id, file_name, content, message in CASES[spec.accepts]:
            yield pytest.param(name, file_name, content, message, id=f"{name}-{case_id}")


def post_upload(client, world, name: str, files: list):
    spec = UPLOAD_FIELDS[name]
    client.force_login(world.users[spec.role])
    payload = files if spec.multiple else files[0]
    return client.post(spec.url(world), {**spec.data(world), spec.field: payload})


@pytest.mark.parametrize(("name", "file_name", "content", "message"), list(params()))
def test_a_hostile_file_is_refused_on_the_form_and_nothing_is_kept(
    client, world, name, file_name, content, message
):
    """R-1.1, R-1.5, R-1.8, R-2.1, R-1.3: a file is judged by its content, never by its name
    or the browser's word; a refusal says why in Chinese, keeps what was typed, and saves no row
    and no file."""
    spec = UPLOAD_FIELDS[name]
    with Unchanged():
        response = post_upload(client, world, name, [hostile.upload(file_name, content())])
        refused_on_form(response, message, field=spec.field, kept=spec.kept)


@pytest.mark.parametrize("name", [n for n, s in UPLOAD_FIELDS.items() if s.multiple])
def test_one_bad_photo_among_good_ones_stores_none_of_them(client, world, name):
    """R-2.1: photos are checked together before any is stored; a good photo followed by a PDF
    named .jpg leaves no photo row and no file behind."""
    spec = UPLOAD_FIELDS[name]
    files = [
        hostile.upload("好照片1.jpg", hostile.real_jpeg(), "image/jpeg"),
        hostile.upload("好照片2.jpg", hostile.real_jpeg(), "image/jpeg"),
        hostile.upload("假照片.jpg", REAL_PDF, "image/jpeg"),
    ]
    with Unchanged():
        response = post_upload(client, world, name, files)
        refused_on_form(response, NOT_PHOTO, field=spec.field, kept=spec.kept)


def test_a_zip_bomb_named_xlsx_is_refused_before_it_is_unpacked(client, world, monkeypatch):
    """R-1.3: a sheet whose archive unpacks to more than the limit is refused without being read
    (the limit is lowered here so the bomb stays small)."""
    monkeypatch.setattr(imports, "MAX_UNPACKED_BYTES", 1 * MB)
    bomb = hostile.zip_bytes({"xl/worksheets/sheet1.xml": b"\0" * (2 * MB), "[Content_Types].xml": b"<x/>"})
    assert len(bomb) < 100 * 1024
    with Unchanged():
        response = post_upload(client, world, "unit_import", [hostile.upload("成员单位.xlsx", bomb)])
        refused_on_form(response, NOT_XLSX, field="file")


@pytest.mark.parametrize("name", [n for n, s in UPLOAD_FIELDS.items() if s.accepts == "document"])
def test_a_pdf_named_jpg_is_kept_as_the_pdf_it_is_and_its_name_is_text(client, world, name):
    """R-1.1, R-1.5, R-1.8: the type comes from the content, so a real PDF called .jpg is a
    PDF; a name with markup and a path is stored as a bare name, inside the portal's media
    folder, and shown escaped."""
    hostile_name = '../../"><img src=x onerror=alert(1)>.jpg'
    before = hostile.stored_files()
    response = post_upload(client, world, name, [hostile.upload(hostile_name, REAL_PDF, "image/jpeg")])
    assert response.status_code == 302, hostile.page(response)[:2000]
    new = set(hostile.stored_files()) - set(before)
    assert len(new) == 1 and ".." not in next(iter(new))
    if name == "attachment_upload":
        attachment = MeetingAttachment.objects.filter(meeting=world.a.meeting).latest("pk")
        assert attachment.content_type == "application/pdf"
        stored_name = attachment.original_name
    elif name == "entry_create":
        stored_name = LedgerEntry.objects.filter(fund__council=world.a.council).latest("pk").receipt_name
    else:
        stored_name = Violation.objects.get(pk=world.a.violation.pk).evidence_name
    assert "/" not in stored_name and stored_name.endswith("onerror=alert(1)>.jpg")
    shown = hostile.page(client.get(response.url))
    assert "<img src=x onerror" not in shown
    assert hostile.ESCAPED_IMG in shown


# --- Hostile content in a real workbook (R-1.3) ---------------------------------------------------


def workbook(*rows: dict) -> bytes:
    """A real .xlsx in the import's format with these rows (header → value)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = imports.UNITS_SHEET
    sheet.append(list(imports.HEADERS))
    for row in rows:
        sheet.append([row.get(header, "") for header in imports.HEADERS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def unit_row(world, **values) -> dict:
    return {
        imports.NAME: "导入单位",
        imports.KIND: "国有企业",
        imports.CODE: credit_code(8_001),
        imports.STREET: world.a.street.name,
        imports.COUNCIL: world.a.council.name,
        **values,
    }


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({imports.COUNCIL: SHORT_PAYLOAD}, "找不到理事会"),
        ({imports.CODE: SHORT_PAYLOAD[:18]}, "统一社会信用代码"),
        ({imports.JOINED: "1900-01-01"}, "日期须在 2000 年至 2100 年之间"),
        ({imports.JOINED: "2999-12-31"}, "加入日期不能晚于今天"),
        ({imports.JOINED: "2026-02-30"}, "无效"),
        ({imports.PHONE: SHORT_PAYLOAD}, "请输入11位手机号或带区号的固定电话"),
    ],
    ids=["markup-council", "markup-credit-code", "joined-1900", "joined-2999", "no-such-day", "markup-phone"],
)
def test_a_hostile_row_in_a_real_workbook_is_listed_escaped_and_nothing_is_imported(
    client, world, values, message
):
    """R-1.3, DESIGN.md invariant 7: a sheet with a row naming a council in markup, a credit code
    or phone in markup, or a joining date outside the portal's years is not imported at all; the
    page lists the row's problem in Chinese, showing what was typed as text."""
    sheet = workbook(unit_row(world, **values))
    with Unchanged():
        response = post_upload(client, world, "unit_import", [hostile.upload("成员单位.xlsx", sheet)])
        assert response.status_code == 200
        text = hostile.page(response)
        assert message in text
        for raw in hostile.RAW:
            assert raw not in text


def test_markup_as_a_units_name_in_a_workbook_is_imported_as_text(client, world):
    """R-1.3, DESIGN.md invariant 7: a unit named with markup is imported as the text it is and
    shown escaped on the unit list."""
    sheet = workbook(unit_row(world, **{imports.NAME: PAYLOAD}))
    response = post_upload(client, world, "unit_import", [hostile.upload("成员单位.xlsx", sheet)])
    assert response.status_code == 302
    assert MemberUnit.objects.filter(name=PAYLOAD).exists()
    listed = hostile.page(client.get(reverse("unit_list")))
    assert "<img src=x onerror" not in listed and hostile.ESCAPED_IMG in listed
