"""PDF documents from Django templates, rendered by WeasyPrint (DESIGN.md invariant 7).

    pdf = render_pdf("pdf/statement.html", {"statement": statement})

The document may only load the portal's own static files and `data:` URIs. Anything else a
page names — `file://`, `http(s)://`, any other scheme, a static path that climbs out of the
static folders — is refused by the URL fetcher, so text typed by a user can never make the
renderer read a file from the server or reach the network. User text reaches the template
through Django's autoescaping like on any other page.
"""

from __future__ import annotations

import base64
import logging
import mimetypes
from pathlib import PurePosixPath
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# The documents' own origin. Relative links such as {% static %}'s "/static/css/…" resolve
# against it; the .invalid top-level domain is reserved and never resolves, so even a bug in
# this module could not send the request anywhere.
PORTAL_ORIGIN = "https://portal.invalid"
BASE_URL = f"{PORTAL_ORIGIN}/"

# Each render would log its seven steps at INFO; refused resources still log as errors.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


class ResourceRefused(ValueError):
    """A document asked for something other than a static file or a data: URI."""


def static_prefix() -> str:
    """The path part of STATIC_URL, "/static/" by default."""
    return "/" + urlsplit(settings.STATIC_URL).path.strip("/") + "/"


class PortalURLFetcher(URLFetcher):
    """Serves the portal's static files (found the way `collectstatic` finds them) and data:
    URIs, and refuses everything else. It never opens a socket or a path outside the static
    folders."""

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if url[:5].lower() == "data:":
            return self.data(url)
        parts = urlsplit(url)
        prefix = static_prefix()
        if (
            parts.scheme == "https"
            and parts.netloc == urlsplit(PORTAL_ORIGIN).netloc
            and parts.path.startswith(prefix)
        ):
            return self.static(url, unquote(parts.path[len(prefix) :]))
        return self.refuse(url)

    def data(self, url: str) -> URLFetcherResponse:
        """data:[<media type>][;base64],<data> (RFC 2397), decoded here: no I/O of any kind."""
        header, comma, payload = url[5:].partition(",")
        if not comma:
            return self.refuse(url)
        params = header.split(";")
        encoded = params[-1].strip().lower() == "base64"
        if encoded:
            params = params[:-1]
        body = unquote_to_bytes(payload)
        if encoded:
            body = base64.b64decode(body)  # binascii.Error, a ValueError, on garbage
        content_type = ";".join(params).strip() or "text/plain;charset=US-ASCII"
        return URLFetcherResponse(url, body, {"Content-Type": content_type})

    def static(self, url: str, relative: str) -> URLFetcherResponse:
        path = PurePosixPath(relative)
        if (
            not relative
            or path.is_absolute()
            or any(part in ("..", ".", "") for part in relative.split("/"))
            or "\\" in relative
            or "\x00" in relative
        ):
            return self.refuse(url)
        try:
            found = finders.find(str(path))
        except SuspiciousFileOperation:
            return self.refuse(url)
        if not found:
            raise ResourceRefused(f"no static file {relative!r}")
        with open(found, "rb") as handle:
            body = handle.read()
        content_type = mimetypes.guess_type(relative)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": content_type})

    def refuse(self, url: str):
        raise ResourceRefused(f"refused to fetch {url[:200]!r}: only static files and data: URIs")


def html_to_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """The PDF of an HTML string, every resource it names going through PortalURLFetcher."""
    return HTML(string=html, base_url=base_url or BASE_URL, url_fetcher=PortalURLFetcher()).write_pdf()


def render_pdf(template_name: str, context: dict, *, base_url: str | None = None) -> bytes:
    """Render a print template (templates/pdf/) with Django's autoescaping, then to PDF."""
    return html_to_pdf(render_to_string(template_name, context), base_url=base_url)
