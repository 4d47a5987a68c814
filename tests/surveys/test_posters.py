"""QR posters (R-6.2): a PDF per community with its name and a QR code that decodes to the
community's survey address, printed by the offices and community staff within their scope."""

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from pypdf import PdfReader

from councils.roles import Role
from surveys.checks import check_portal_base_url
from surveys.models import Round
from surveys.posters import survey_path
from tests.conftest import user_with_role

pytestmark = pytest.mark.django_db


def decode_qr(pdf: bytes, folder: Path) -> list[str]:
    """Rasterise the poster's page (poppler's pdftoppm) and read every QR code on it (zbarimg)."""
    if not (shutil.which("pdftoppm") and shutil.which("zbarimg")):
        pytest.fail(
            "pdftoppm and zbarimg are needed: scripts/sysdeps.sh test installs poppler-utils and zbar-tools"
        )
    source = folder / "poster.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(source), str(folder / "page")], check=True
    )
    result = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(folder / "page.png")],
        capture_output=True,
        text=True,
        check=False,
    )
    return [line for line in result.stdout.splitlines() if line]


def test_the_poster_holds_a_qr_code_that_decodes_to_the_survey_address(client, side_a, tmp_path, settings):
    """R-6.2: each community prints a poster; a phone scanning it lands on the community's page,
    through a link signed for the community and the open round (issue 14 §6)."""
    settings.PORTAL_BASE_URL = "https://portal.example.org"
    client.force_login(user_with_role(Role.COMMUNITY_STAFF, side_a))
    response = client.get(reverse("survey_poster", args=[side_a.community.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert side_a.community.name in text and "居民意见调查" in text and "匿名填写" in text
    assert "仅供演示" not in text
    path = survey_path(side_a.community, Round.current())
    address = f"https://portal.example.org{path}"
    assert address in text and f"/s/{side_a.community.pk}/" not in address
    assert decode_qr(pdf, tmp_path) == [address]
    # And the address answers with the survey page.
    assert client.get(path).status_code == 200


def test_the_poster_uses_the_portals_public_address_when_set(client, side_a, tmp_path, settings):
    settings.PORTAL_BASE_URL = "https://wmb.sanming.example/portal/"
    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    pdf = client.get(reverse("survey_poster", args=[side_a.community.pk])).content
    path = survey_path(side_a.community, Round.current())
    assert decode_qr(pdf, tmp_path) == [f"https://wmb.sanming.example/portal{path}"]


@pytest.mark.parametrize(
    "base",
    ["", "   ", "http://127.0.0.1:8000", "http://localhost:8000/", "http://[::1]/", "http://0.0.0.0", "web"],
)
def test_without_debug_no_poster_is_printed_for_a_missing_or_local_address(client, side_a, settings, base):
    """Issue 14 §6: a production poster never carries an address residents cannot open."""
    settings.DEBUG = False
    settings.PORTAL_BASE_URL = base
    client.force_login(user_with_role(Role.COMMUNITY_STAFF, side_a))
    response = client.get(reverse("survey_poster", args=[side_a.community.pk]))
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "暂不能打印海报" in page and "公网地址" in page and side_a.community.name in page
    listing = client.get(reverse("survey_poster_list")).content.decode()
    assert 'id="poster-address"' in listing and "暂不能打印海报" in listing


def test_the_demo_prints_a_local_poster_with_a_warning_on_it(client, side_a, settings):
    """With DEBUG on (make run) and no public address, the poster points at this machine and says so."""
    settings.DEBUG = True
    settings.PORTAL_BASE_URL = ""
    settings.ALLOWED_HOSTS = ["127.0.0.1", "testserver"]
    client.force_login(user_with_role(Role.COMMUNITY_STAFF, side_a))
    response = client.get(reverse("survey_poster", args=[side_a.community.pk]), HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "http://127.0.0.1:8000/s/" in text
    assert "仅供演示" in text and "本机地址" in text
    listing = client.get(reverse("survey_poster_list"), HTTP_HOST="127.0.0.1:8000").content.decode()
    assert "仅供演示" in listing and "http://127.0.0.1:8000/" in listing
    # A public address set in development: no warning.
    settings.PORTAL_BASE_URL = "https://portal.example.org"
    text = PdfReader(io.BytesIO(client.get(reverse("survey_poster", args=[side_a.community.pk])).content))
    assert "仅供演示" not in text.pages[0].extract_text()


@pytest.mark.parametrize(
    ("debug", "base", "warned"),
    [
        (False, "", True),
        (False, "http://127.0.0.1:8000", True),
        (False, "http://localhost", True),
        (False, "https://portal.localhost", True),
        (False, "http://[::1]:8000", True),
        (False, "ftp://portal.example.org", True),
        (False, "https://portal.example.org", False),
        (False, "https://10.1.2.3", False),  # an intranet address is the office's choice
        (True, "", False),
    ],
)
def test_the_system_check_warns_about_a_missing_or_local_public_address(settings, debug, base, warned):
    settings.DEBUG = debug
    settings.PORTAL_BASE_URL = base
    messages = check_portal_base_url()
    assert [m.id for m in messages] == (["surveys.W001"] if warned else [])
    if warned:
        assert "PORTAL_BASE_URL" in messages[0].msg


def test_posters_are_printed_within_the_scope_by_those_who_may(client, side_a, side_b):
    url_a = reverse("survey_poster", args=[side_a.community.pk])
    client.force_login(user_with_role(Role.PATROLLER, side_a))
    assert client.get(url_a).status_code == 403
    client.force_login(user_with_role(Role.STREET_STAFF, side_b))
    assert client.get(url_a).status_code == 404
    listing = client.get(reverse("survey_poster_list")).content.decode()
    assert side_b.community.name in listing and side_a.community.name not in listing
