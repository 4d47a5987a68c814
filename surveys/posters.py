"""The survey's address for a community and its QR code (R-6.2).

The address printed on a poster must be one residents' phones can reach, so it comes from the
`PORTAL_BASE_URL` setting (e.g. "https://wmb.example.gov.cn") when that is set; without it, from
the request that asks for the poster (behind the portal's proxy, with its https header). A poster
printed from a workstation that reaches the portal by an internal name would carry that internal
name, hence the setting for production.
"""

from __future__ import annotations

from urllib.parse import urljoin

import segno
from django.conf import settings
from django.urls import reverse

from councils.models import Community


def survey_path(community: Community) -> str:
    return reverse("survey_public", args=[community.pk])


def survey_url(request, community: Community) -> str:
    """The absolute address of the community's public survey page."""
    base = getattr(settings, "PORTAL_BASE_URL", "") or ""
    if base:
        return urljoin(base.rstrip("/") + "/", survey_path(community).lstrip("/"))
    return request.build_absolute_uri(survey_path(community))


def qr_data_uri(url: str) -> str:
    """The QR code of `url` as an SVG data: URI (vector, so it prints sharp at any size; the PDF
    renderer reads data: URIs and nothing from outside). Error correction level M survives a
    smudged or slightly torn poster; the quiet zone is the standard four modules."""
    return segno.make(url, error="m", micro=False).svg_data_uri(border=4, omitsize=True)
