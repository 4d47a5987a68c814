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


def test_the_poster_holds_a_qr_code_that_decodes_to_the_survey_address(client, side_a, tmp_path):
    """R-6.2: each community prints a poster; a phone scanning it lands on the community's page."""
    client.force_login(user_with_role(Role.COMMUNITY_STAFF, side_a))
    response = client.get(reverse("survey_poster", args=[side_a.community.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert side_a.community.name in text and "居民意见调查" in text and "匿名填写" in text
    address = f"http://testserver/s/{side_a.community.pk}/"
    assert address in text
    assert decode_qr(pdf, tmp_path) == [address]
    # And the address answers with the survey page.
    assert client.get(address.removeprefix("http://testserver")).status_code == 200


def test_the_poster_uses_the_portals_public_address_when_set(client, side_a, tmp_path, settings):
    settings.PORTAL_BASE_URL = "https://wmb.sanming.example/portal/"
    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    pdf = client.get(reverse("survey_poster", args=[side_a.community.pk])).content
    assert decode_qr(pdf, tmp_path) == [f"https://wmb.sanming.example/portal/s/{side_a.community.pk}/"]


def test_posters_are_printed_within_the_scope_by_those_who_may(client, side_a, side_b):
    url_a = reverse("survey_poster", args=[side_a.community.pk])
    client.force_login(user_with_role(Role.PATROLLER, side_a))
    assert client.get(url_a).status_code == 403
    client.force_login(user_with_role(Role.STREET_STAFF, side_b))
    assert client.get(url_a).status_code == 404
    listing = client.get(reverse("survey_poster_list")).content.decode()
    assert side_b.community.name in listing and side_a.community.name not in listing
