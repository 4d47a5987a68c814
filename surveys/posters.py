"""The survey's address for a community and its QR code (R-6.2, issue 14 §6).

The address carries a token signed with the portal's secret (django.core.signing) that names one
community and one round: nobody can make the address of a community's survey from its number,
and last round's poster stops collecting when its round ends. A token that does not verify,
names a community or round that is gone, or belongs to a round that is over, opens a page that
says so (404), never an error.

The address printed on a poster must be one residents' phones can reach, so it comes from the
`PORTAL_BASE_URL` setting (e.g. "https://wmb.example.gov.cn"). With DEBUG off a poster is
printed only when that setting is a public address (the system check `surveys.W001` says so at
start-up); in development the request's own address is used and a poster pointing at this
machine carries a warning.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import segno
from django.conf import settings
from django.core import signing
from django.urls import reverse

from councils.models import Community
from councils.periods import today

from .models import Round

TOKEN_SALT = "surveys.poster-link"  # noqa: S105  (a namespace for the signature, not a secret)


def _signer() -> signing.Signer:
    return signing.Signer(salt=TOKEN_SALT, sep=".")


def survey_token(community: Community, round: Round) -> str:
    """The signed token of one community's survey in one round ("r3c12.<signature>")."""
    return _signer().sign(f"r{round.pk}c{community.pk}")


@dataclass(frozen=True)
class Link:
    round_id: int
    community_id: int


def read_token(token: str) -> Link | None:
    """The round and community a token names; None for a token the portal did not sign."""
    try:
        value = _signer().unsign(token)
    except signing.BadSignature:
        return None
    round_part, _c, community_part = value.removeprefix("r").partition("c")
    if not (round_part.isdigit() and community_part.isdigit()):
        return None
    return Link(int(round_part), int(community_part))


def poster_round() -> Round | None:
    """The round a poster printed today collects for: the open one, else the next to open (so
    posters can go up before it begins)."""
    day = today()
    return Round.current(day) or (
        Round.objects.select_related("questionnaire").filter(opens_on__gt=day).order_by("opens_on").first()
    )


def survey_path(community: Community, round: Round) -> str:
    return reverse("survey_public", args=[survey_token(community, round)])


# --- The public address ----------------------------------------------------------------------------


def is_local(url: str) -> bool:
    """An address no resident's phone can reach: this machine's (localhost, 127.0.0.0/8, ::1)
    or no host at all, or 0.0.0.0."""
    host = (urlsplit(url).hostname or "").lower()
    if not host or host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def base_url_problem() -> str | None:
    """Why `PORTAL_BASE_URL` cannot go on a poster ("unset", "local"), None when it can."""
    base = (getattr(settings, "PORTAL_BASE_URL", "") or "").strip()
    if not base:
        return "unset"
    if urlsplit(base).scheme not in ("http", "https") or is_local(base):
        return "local"
    return None


def survey_url(request, community: Community, round: Round) -> str:
    """The absolute address of the community's survey page for `round`."""
    base = (getattr(settings, "PORTAL_BASE_URL", "") or "").strip()
    path = survey_path(community, round)
    if base:
        return urljoin(base.rstrip("/") + "/", path.lstrip("/"))
    return request.build_absolute_uri(path)


def qr_data_uri(url: str) -> str:
    """The QR code of `url` as an SVG data: URI (vector, so it prints sharp at any size; the PDF
    renderer reads data: URIs and nothing from outside). Error correction level M survives a
    smudged or slightly torn poster; the quiet zone is the standard four modules."""
    return segno.make(url, error="m", micro=False).svg_data_uri(border=4, omitsize=True)
