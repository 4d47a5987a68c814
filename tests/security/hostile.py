"""Shared ground of the hostile-input tests (issue 8 §5): one small city with two sides, A and B,
built once per test module inside a transaction that is rolled back at the end (each test runs
in a savepoint of it, so a test that changes something leaves the next one untouched), one user
per role on side A, and the two checks every refusal must pass: the database is exactly as it
was, and no file was written."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from councils.periods import today
from councils.roles import Role
from tests.conftest import PDF_BYTES, Side, build_side, jpeg_bytes, user_with_role

# Both at once: a tag that runs and an attribute that breaks out of a quoted value.
PAYLOAD = '"><img src=x onerror=alert(1)><script>alert(1)</script>'
SHORT_PAYLOAD = "<script>alert(1)</script>"  # for fields of at most 50 characters
RAW = ("<script>alert(1)</script>", "<img src=x onerror")  # never on a page
ESCAPED_IMG = "&lt;img src=x onerror=alert(1)&gt;"  # how a page shows the tag

SNAPSHOT_APPS = ("councils", "finance", "inspections", "assessments", "surveys")
MB = 1024 * 1024


@dataclass
class World:
    a: Side
    b: Side
    users: dict  # role → a user holding that role on side A
    ordered_finding: object  # side A's finding ordered to be rectified: it takes after photos
    later_finding: object  # reported after it, same place and kind: the ordered one is its likely original
    free_community: object  # a community of side A's street without a council yet
    spare_unit: object  # a unit of side A's street not seated on council A
    spare_meeting: object  # a meeting of council A with a resolution that nothing relies on
    spare_resolution: object
    category: object  # the fund's "环境整治" category (earmarked)


def build_world() -> World:
    from councils import services as councils
    from councils.models import Meeting, Resolution
    from councils.services.meetings import Seat
    from finance.models import Category as FundCategory
    from inspections import services as patrols
    from inspections.models import Category, Finding
    from tests.factories import CommunityFactory, MemberUnitFactory

    a, b = build_side("甲"), build_side("乙")
    users = {role: user_with_role(role, a, username=f"hostile-{role}") for role in Role}
    patroller = users[Role.PATROLLER]
    ordered = patrols.finding_report(
        community=a.community,
        patrol=a.patrol,
        category=Category.STALLS,
        building=a.building,
        description="占道经营",
        by=patroller,
    )
    deadline = today() + timedelta(days=7)
    ordered = patrols.finding_transition(
        finding=ordered, to=Finding.Status.ORDERED, deadline=deadline, by=patroller
    )
    later = patrols.finding_report(
        community=a.community,
        patrol=a.patrol,
        category=Category.STALLS,
        building=a.building,
        description="又见占道经营",
        by=patroller,
    )
    spare_meeting = councils.meeting_record(
        council=a.council,
        held_at=timezone.now() - timedelta(days=2),
        kind=Meeting.Kind.REGULAR,
        place="社区会议室",
        seats=[Seat(a.membership.pk, present=True, representative="代表")],
        agenda=[],
        minutes="纪要",
        by=a.secretary,
    )
    spare_resolution = councils.resolution_record(
        meeting=spare_meeting,
        title="备用决议",
        text="内容",
        votes_for=1,
        subject=Resolution.Subject.GENERAL,
        by=a.secretary,
    )
    return World(
        a=a,
        b=b,
        users=users,
        ordered_finding=ordered,
        later_finding=later,
        free_community=CommunityFactory(street=a.street, name="甲新社区"),
        spare_unit=MemberUnitFactory(street=a.street, name="甲备用单位"),
        spare_meeting=spare_meeting,
        spare_resolution=spare_resolution,
        category=FundCategory.objects.get(name="环境整治"),
    )


def world_for_module(django_db_blocker, tmp_path_factory):
    """Build the world once for a module; every change is rolled back when the module is done."""
    media = tmp_path_factory.mktemp("hostile-world-media")
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=fast),
        transaction.atomic(),
    ):
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)


# --- What must not change ------------------------------------------------------------------------


def snapshot() -> dict[str, tuple[int, str]]:
    """Each table of the portal's apps as its row count and a digest of all its rows, read by
    the database in one query."""
    tables = sorted(
        model._meta.db_table
        for model in apps.get_models()
        if model._meta.app_label in SNAPSHOT_APPS and model._meta.managed and not model._meta.proxy
    )
    sql = " UNION ALL ".join(
        f"SELECT %s, count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {q(table)} t"  # noqa: S608 (table names from the app registry, quoted)
        for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, tables)
        return {table: (count, digest) for table, count, digest in cursor.fetchall()}


def q(name: str) -> str:
    return connection.ops.quote_name(name)


def stored_files() -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


class Unchanged:
    """`with Unchanged():` — the block leaves every table as it was and writes no file."""

    def __enter__(self):
        self.rows, self.files = snapshot(), stored_files()
        return self

    def __exit__(self, *exc):
        if exc[0] is not None:
            return False
        after = snapshot()
        changed = sorted(label for label in after if after[label] != self.rows.get(label))
        assert not changed, f"a refused request changed {changed}"
        files = stored_files()
        assert files == self.files, f"a refused request stored files: {sorted(set(files) - set(self.files))}"
        return False


def page(response) -> str:
    return response.content.decode()


def refused_on_form(response, message: str, *, field: str | None = None, kept: tuple[str, ...] = ()) -> None:
    """A refusal a user can act on: the form again (200), the message in Chinese, on `field`
    when given, and what was typed still in the form."""
    assert response.status_code == 200, response.status_code
    text = page(response)
    assert message in text, f"{message!r} not on the page"
    form = response.context["form"]
    assert form.errors, "the form shows no error"
    if field is not None:
        assert message in " ".join(str(e) for e in form.errors.get(field, [])), form.errors
    for value in kept:
        assert value in text, f"typed value {value!r} was lost"


# --- Hostile files -------------------------------------------------------------------------------


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims a huge size (a decompression bomb's header) with one tiny data chunk."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>'
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 48
ZIP = zip_bytes({"readme.txt": b"not a document"})


def oversized(head: bytes, size: int) -> bytes:
    """A real file's first bytes, padded past the limit."""
    return head + b"\0" * (size - len(head))


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type)


def real_jpeg() -> bytes:
    return jpeg_bytes()


REAL_PDF = PDF_BYTES
