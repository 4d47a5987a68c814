"""Stored files (issue 14 §1, §3, §8; DESIGN.md invariant 10): every file the portal keeps — a
meeting's attachment, a ledger receipt, a rectification's evidence, a finding's photo, a ranking
report, a bulletin — is reached only through a view that checks the user's scope, with DEBUG on
and off; no route serves the media folder; stored names are random, never derived from ids;
uploads keep no EXIF, GPS or PDF metadata; and a download's name carries no control or bidi
character."""

from __future__ import annotations

import importlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.shortcuts import resolve_url
from django.test import override_settings
from django.urls import URLPattern, URLResolver, clear_url_caches, get_resolver, reverse
from django.utils import timezone
from django.views.static import serve
from PIL import Image
from pypdf import PdfReader

from assessments.models_bulletins import Bulletin
from councils import services as council_services
from councils.exports import content_disposition
from councils.models import MeetingAttachment
from councils.roles import Role
from finance import services as finance_services
from finance.models import LedgerEntry
from inspections import services as patrol_services
from inspections.models import FindingPhoto
from tests.conftest import pdf_bytes, pdf_pages, user_with_role

from . import hostile
from .test_hostile_uploads import UPLOAD_FIELDS, post_upload

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    yield from hostile.world_for_module(django_db_blocker, tmp_path_factory)


@pytest.fixture(autouse=True)
def media_in_tmp():
    """The world's files stay where the world stored them (its own folder, for the module)."""


# --- Every kind of stored file ---------------------------------------------------------------------


@dataclass(frozen=True)
class Stored:
    """One kind of stored file: the object on side A that holds one, its field, the view that
    serves it, and the role that reads it on side A (whose twin on side B must not)."""

    obj: Callable
    field: str
    view: str
    reader: str


KINDS = {
    "attachment": Stored(lambda w: w.a.attachment, "file", "attachment_download", Role.COUNCIL_SECRETARY),
    "receipt": Stored(lambda w: w.a.entry, "receipt", "receipt_download", Role.COUNCIL_SECRETARY),
    "evidence": Stored(lambda w: w.a.violation, "evidence", "evidence_download", Role.COUNCIL_SECRETARY),
    "photo": Stored(lambda w: w.a.photo, "image", "photo_view", Role.PATROLLER),
    "report": Stored(lambda w: w.a.report, "file", "report_download", Role.STREET_STAFF),
    "bulletin": Stored(lambda w: w.a.bulletin, "file", "bulletin_download", Role.DISTRICT_OFFICE),
}


def stored_name(world, kind: str) -> str:
    spec = KINDS[kind]
    obj = spec.obj(world)
    obj.refresh_from_db()
    name = getattr(obj, spec.field).name
    assert name and (Path(settings.MEDIA_ROOT) / name).is_file(), f"{kind}: no stored file"
    return name


def reload_urls() -> None:
    import config.urls

    importlib.reload(config.urls)
    clear_url_caches()


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request):
    """The URLconf as it is built with DEBUG off, then on (it is read once, at import)."""
    with override_settings(DEBUG=request.param):
        reload_urls()
        yield request.param
    reload_urls()


def all_patterns(resolver=None, prefix: str = ""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from all_patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def test_no_route_serves_the_media_folder_in_either_mode(debug):
    """Issue 14 §1: with DEBUG on, `/media/…` used to be served to anyone."""
    media = settings.MEDIA_URL.strip("/")
    for route, callback in all_patterns():
        assert callback is not serve, f"{route} serves files from a folder"
        assert not route.lstrip("^/").startswith(media), f"{route} is a media route"


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_stored_file_is_never_served_by_its_path(client, world, debug, kind):
    """Issue 14 §1: anonymous `GET /media/bulletins/2/draft.pdf` returned a district's draft."""
    name = stored_name(world, kind)
    assert client.get(f"/{settings.MEDIA_URL.strip('/')}/{name}").status_code == 404
    client.force_login(world.users[KINDS[kind].reader])
    assert client.get(f"/{settings.MEDIA_URL.strip('/')}/{name}").status_code == 404


@pytest.mark.parametrize("kind", list(KINDS))
def test_only_a_user_in_scope_downloads_the_file(client, world, debug, kind):
    """Issue 14 §1: anonymous users are sent to sign in, every role of the other side gets 404,
    and the reader in scope gets the file itself."""
    spec = KINDS[kind]
    url = reverse(spec.view, args=[spec.obj(world).pk])
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous.url.startswith(resolve_url(settings.LOGIN_URL))
    for role in Role:
        if role == Role.CITY_OFFICE:
            continue  # the city office sees both sides
        client.force_login(user_with_role(role, world.b, username=f"outside-{kind}-{role}"))
        # The reader's own role elsewhere: 404. A role that never reads this kind may be told so (403).
        assert client.get(url).status_code in ((404,) if role == spec.reader else (403, 404)), role
    client.force_login(world.users[spec.reader])
    response = client.get(url)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body == (Path(settings.MEDIA_ROOT) / stored_name(world, kind)).read_bytes()


# --- Random names ----------------------------------------------------------------------------------


def random_in(folder: str, name: str, days) -> bool:
    """`folder/YYYY/MM/<24 random characters>.ext`, dated on the day of the upload: there is
    nothing else in the name, so no id, number or title can be in it."""
    match = re.fullmatch(rf"{folder}/(\d{{4}})/(\d{{2}})/[A-Za-z0-9_-]{{24}}\.(pdf|jpg|png)", name)
    return bool(match) and (int(match[1]), int(match[2])) in {(d.year, d.month) for d in days}


def twice(world, kind: str) -> list[str]:
    """The same file stored twice for the same object (or the same council, for receipts: an
    entry holds one receipt)."""
    a = world.a
    names = []
    for _ in range(2):
        if kind == "attachment":
            upload = SimpleUploadedFile("纪要.pdf", pdf_bytes())
            names.append(
                council_services.attachment_add(meeting=a.meeting, upload=upload, by=a.secretary).file.name
            )
        elif kind == "receipt":
            entry = finance_services.entry_post(
                council=a.council,
                kind=LedgerEntry.Kind.DONATION_PERSON,
                amount="10.00",
                entry_date=hostile.today(),
                counterparty="居民",
                receipt=SimpleUploadedFile("收据.pdf", pdf_bytes()),
                by=a.secretary,
            )
            names.append(entry.receipt.name)
        elif kind == "evidence":
            violation = finance_services.violation_rectify(
                violation=a.violation,
                measures="补作决议",
                evidence=SimpleUploadedFile("整改报告.pdf", pdf_bytes()),
                by=a.secretary,
            )
            names.append(violation.evidence.name)
        else:
            upload = SimpleUploadedFile("现场.jpg", hostile.real_jpeg())
            photo = patrol_services.photo_add(
                finding=a.finding, stage="before", upload=upload, by=a.secretary
            )
            names.append(photo.image.name)
    return names


FOLDERS = {"attachment": "meetings", "receipt": "receipts", "evidence": "rectification", "photo": "findings"}


@pytest.mark.parametrize("kind", list(FOLDERS))
def test_two_uploads_of_the_same_file_get_unrelated_random_names(world, kind):
    """Issue 14 §1: `receipts/<year>/<council>-<year>-<seq>` and `rectification/<year>/violation-<id>`
    were guessable."""
    days = [timezone.localdate()]
    first, second = twice(world, kind)
    days.append(timezone.localdate())
    assert random_in(FOLDERS[kind], first, days), first
    assert random_in(FOLDERS[kind], second, days), second
    assert Path(first).name[:24] != Path(second).name[:24]


def test_rendered_reports_and_bulletins_are_stored_under_random_names(world):
    """Issue 14 §1: `reports/<year>/ranking-<id>.pdf` and `bulletins/<id>/draft.pdf`."""
    report_days = [timezone.localdate(world.a.report.requested_at), timezone.localdate()]
    assert random_in("reports", stored_name(world, "report"), report_days)
    bulletin_days = [timezone.localdate(world.a.bulletin.created_at), timezone.localdate()]
    assert random_in("bulletins", stored_name(world, "bulletin"), bulletin_days)


# --- No metadata in what is stored (issue 14 §3) ---------------------------------------------------

EXIF_ORIENTATION, EXIF_MAKE, EXIF_GPS = 0x0112, 0x010F, 0x8825


def camera_jpeg() -> bytes:
    """A 64 × 48 JPEG from a phone held upright: the camera's make, a GPS position, and the
    orientation tag that says "turn me 90°" (so it shows as 48 × 64)."""
    image = Image.new("RGB", (64, 48), (200, 60, 40))
    exif = Image.Exif()
    exif[EXIF_MAKE] = "Camera Maker"
    exif[EXIF_ORIENTATION] = 6
    exif[EXIF_GPS] = {1: "N", 2: (26.0, 15.0, 30.0), 3: "E", 4: (117.0, 38.0, 10.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(EXIF_GPS)  # the upload does carry GPS
    return data


XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
    b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dc="http://purl.org/dc/elements/1.1/">'
    b"<rdf:Description><dc:creator>ZhangSanXmp</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>"
    b'<?xpacket end="w"?>'
)


def authored_pdf() -> bytes:
    data = pdf_bytes(author="ZhangSanInfo", xmp=XMP)
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata["/Author"] == "ZhangSanInfo" and reader.xmp_metadata is not None
    return data


def new_file(before: list[str]) -> bytes:
    new = sorted(set(hostile.stored_files()) - set(before))
    assert len(new) == 1, new
    return (Path(settings.MEDIA_ROOT) / new[0]).read_bytes()


def download_of(world, name: str) -> str:
    """The download URL of what the upload field `name` just stored."""
    a = world.a
    if name == "attachment_upload":
        return reverse(
            "attachment_download", args=[MeetingAttachment.objects.filter(meeting=a.meeting).latest("pk").pk]
        )
    if name == "entry_create":
        return reverse(
            "receipt_download", args=[LedgerEntry.objects.filter(fund__council=a.council).latest("pk").pk]
        )
    if name == "violation_rectify":
        return reverse("evidence_download", args=[a.violation.pk])
    return reverse("photo_view", args=[FindingPhoto.objects.latest("pk").pk])


PHOTO_OR_DOCUMENT = [n for n, s in UPLOAD_FIELDS.items() if s.accepts in ("document", "photo")]
DOCUMENT_FIELDS = [n for n, s in UPLOAD_FIELDS.items() if s.accepts == "document"]


@pytest.mark.parametrize("name", PHOTO_OR_DOCUMENT)
def test_an_uploaded_photo_keeps_no_exif_or_gps_and_stays_upright(client, world, name):
    """Issue 14 §3: a JPEG with GPS came back byte-identical from a meeting's attachments."""
    before = hostile.stored_files()
    response = post_upload(client, world, name, [hostile.upload("带定位.jpg", camera_jpeg(), "image/jpeg")])
    assert response.status_code == 302, hostile.page(response)[:2000]
    stored = new_file(before)
    assert b"Camera Maker" not in stored and b"Exif" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert len(image.getexif()) == 0 and not image.getexif().get_ifd(EXIF_GPS)
        assert "exif" not in image.info and "xmp" not in image.info
        assert image.size == (48, 64)  # turned as the camera said before the tag went
    served = client.get(download_of(world, name))
    assert served.status_code == 200
    with Image.open(io.BytesIO(b"".join(served.streaming_content))) as image:
        assert image.size == (48, 64) and len(image.getexif()) == 0


@pytest.mark.parametrize("name", DOCUMENT_FIELDS)
def test_an_uploaded_pdf_keeps_no_document_info_or_xmp(client, world, name):
    """Issue 14 §3: a PDF's /Author and XMP packet are not kept; the download still opens."""
    before = hostile.stored_files()
    response = post_upload(
        client, world, name, [hostile.upload("纪要.pdf", authored_pdf(), "application/pdf")]
    )
    assert response.status_code == 302, hostile.page(response)[:2000]
    stored = new_file(before)
    assert b"ZhangSan" not in stored and b"xmpmeta" not in stored and b"/Author" not in stored
    reader = PdfReader(io.BytesIO(stored))
    assert not (reader.metadata or {}).get("/Author") and reader.xmp_metadata is None
    served = client.get(download_of(world, name))
    assert served.status_code == 200
    assert pdf_pages(b"".join(served.streaming_content)) == 1


def locked_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes())))
    writer.encrypt(user_password="secret", owner_password="secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_pdf_locked_with_a_password_is_refused_with_a_word_on_what_to_do(client, world):
    """Issue 14 §3: a PDF that cannot be opened cannot be stripped; the form says why."""
    with hostile.Unchanged():
        response = post_upload(
            client, world, "violation_rectify", [hostile.upload("整改报告.pdf", locked_pdf())]
        )
        hostile.refused_on_form(response, "设有打开密码，请去掉密码后再上传", field="evidence")


def test_a_pdf_that_cannot_be_opened_is_refused_on_the_form(client, world):
    """Issue 14 §3: a PDF is opened to strip it; one that starts like a PDF but is not one is
    refused with a message, and nothing is stored."""
    with hostile.Unchanged():
        response = post_upload(
            client, world, "attachment_upload", [hostile.upload("纪要.pdf", b"%PDF-1.4\nnot a pdf")]
        )
        hostile.refused_on_form(response, "已损坏，无法打开", field="file")


# --- Download names (issue 14 §8) ------------------------------------------------------------------

RLO = "\u202e"  # right-to-left override: "通报‮fdp.exe" reads as "通报exe.pdf"


def clean_header(header: str) -> bool:
    unsafe = [RLO, "\u200b", "\u2028", "\u2029", "\n", "\r", "\x00"]
    encoded = [quote(ch, safe="") for ch in unsafe]
    return not any(s in header for s in unsafe + encoded)


def test_a_bulletin_title_with_a_bidi_override_does_not_reach_the_file_name(client, world):
    bulletin = world.a.bulletin
    Bulletin.objects.filter(pk=bulletin.pk).update(title=f"通报{RLO}fdp.exe\u2028")
    client.force_login(world.users[Role.DISTRICT_OFFICE])
    response = client.get(reverse("bulletin_download", args=[bulletin.pk]))
    assert response.status_code == 200
    header = response["Content-Disposition"]
    assert clean_header(header), header
    assert header.startswith("attachment;") and quote("通报fdp.exe（草稿）.pdf", safe="") in header


def test_an_attachment_name_with_control_characters_is_cleaned_in_the_download(client, world):
    attachment = world.a.attachment
    MeetingAttachment.objects.filter(pk=attachment.pk).update(original_name=f"纪要{RLO}fdp.exe\r\n\u200b.pdf")
    client.force_login(world.users[Role.COUNCIL_SECRETARY])
    response = client.get(reverse("attachment_download", args=[attachment.pk]))
    header = response["Content-Disposition"]
    assert clean_header(header), header
    assert quote("纪要fdp.exe.pdf", safe="") in header


def test_every_content_disposition_drops_control_format_and_separator_characters():
    for ch in [
        RLO,
        "\u202a",
        "\u2066",
        "\u200b",
        "\u200e",
        "\ufeff",
        "\u2028",
        "\u2029",
        "\x07",
        "\x1b",
        "\x7f",
    ]:
        header = content_disposition(f"报告{ch}.pdf", inline=ch == "\x07")
        assert clean_header(header) and quote(ch, safe="") not in header, (ch, header)
        assert header.endswith(quote("报告.pdf", safe=""))
    assert content_disposition("a/../b\\c.xlsx") == (
        "attachment; filename=\"a__b_c.xlsx\"; filename*=UTF-8''a_.._b_c.xlsx"
    )


# --- Files stored before (the data migrations) -----------------------------------------------------


def test_files_stored_under_derived_names_are_moved_to_random_ones(world, django_capture_on_commit_callbacks):
    """Issue 14 §1: `rectification/<year>/violation-<id>` and `bulletins/<id>/draft.pdf`, as
    stored before, get random names with their content; a second run changes nothing."""
    from django.core.files.storage import default_storage

    from councils.uploads import rename_stored_files
    from finance.models import Violation

    old = {
        Violation: (world.a.violation.pk, "evidence", f"rectification/2026/violation-{world.a.violation.pk}"),
        Bulletin: (world.a.bulletin.pk, "file", f"bulletins/{world.a.bulletin.pk}/draft.pdf"),
    }
    content = {}
    for model, (pk, field, name) in old.items():
        content[model] = pdf_bytes(author=name)
        default_storage.save(name, io.BytesIO(content[model]))
        model.objects.filter(pk=pk).update(**{field: name})
    days = [timezone.localdate()]  # a rename just before midnight is filed under the day it began
    with django_capture_on_commit_callbacks(execute=True):
        assert rename_stored_files(Violation, "evidence", "rectification") >= 1
        assert rename_stored_files(Bulletin, "file", "bulletins") >= 1
    days.append(timezone.localdate())
    for model, (pk, field, name) in old.items():
        new = model.objects.values_list(field, flat=True).get(pk=pk)
        assert random_in(Path(new).parts[0], new, days), new
        assert default_storage.open(new).read() == content[model] and not default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        assert rename_stored_files(Violation, "evidence", "rectification") == 0
