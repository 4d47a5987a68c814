"""Content-Security-Policy (issue 14 §5): every kind of response carries it, scripts only from the
portal's own files, and no template relies on an inline script or an inline event handler, which
the policy blocks."""

import re
from pathlib import Path
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from councils.roles import Role
from tests.conftest import user_with_role

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def policy(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.status_code} {response.get('Content-Type')}"
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_strict(response):
    directives = policy(response)
    scripts = directives.get("script-src", directives.get("default-src"))
    assert scripts == ["'self'"], scripts
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]


@pytest.mark.django_db
def test_every_kind_of_response_carries_the_policy(client, side_a):
    # The sign-in page, a page behind sign-in, a redirect, a 404, a 403, a download, the admin.
    assert_strict(client.get(reverse("login")))
    assert_strict(client.get(reverse("home")))  # 302 to the sign-in page
    office = user_with_role(Role.CITY_OFFICE)
    client.force_login(office)
    assert_strict(client.get(reverse("home")))
    assert_strict(client.get("/no-such-page/"))
    download = client.get(reverse("unit_export"))
    assert download.status_code == 200
    assert "spreadsheet" in download["Content-Type"]
    assert_strict(download)
    assert_strict(client.get(reverse("admin:index")))  # 302 to the admin's sign-in: not staff
    assert_strict(client.get(reverse("admin:login")))
    member = Client()
    member.force_login(user_with_role(Role.UNIT_CONTACT, side_a))
    forbidden = member.get(reverse("user_list"))
    assert forbidden.status_code == 403
    assert_strict(forbidden)


@pytest.mark.django_db
def test_the_server_error_page_carries_the_policy(side_a):
    client = Client(raise_request_exception=False)
    client.force_login(user_with_role(Role.CITY_OFFICE))
    with mock.patch("councils.views.tree.HomeView.get", side_effect=RuntimeError("boom")):
        response = client.get(reverse("home"))
    assert response.status_code == 500
    assert_strict(response)


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I)


def test_templates_have_no_inline_scripts_or_event_handlers():
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        if "pdf" in path.relative_to(TEMPLATES).parts:
            continue  # rendered by WeasyPrint, never by a browser
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER):
            offenders += [f"{path.relative_to(TEMPLATES)}: {m.group(0)}" for m in pattern.finditer(text)]
    assert offenders == []
