"""Backups that restore (issue 14 §9): the demo city, with a side of the shared fixtures on top so
that every kind of stored file exists, is backed up, restored into an empty database and an empty
files folder, and found equal: rows of every model of the portal's apps, every fund balance,
every stored file's checksum. Once on PostgreSQL (the test database backed up, a second database,
dropped after, restored into) and once in the SQLite file mode; restores and the counts after them
run in fresh interpreters configured by the environment alone.
"""

import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from unittest import mock

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection, models

from councils import backup
from councils.backup import BackupError

ROOT = Path(__file__).resolve().parents[1]
PORTAL_APPS = ("councils", "finance", "inspections", "surveys", "assessments")


def census() -> dict:
    """What a restore must bring back, read through the models and MEDIA_ROOT."""
    from councils.models import District
    from finance.models import Fund

    portal_models = [m for app in PORTAL_APPS for m in apps.get_app_config(app).get_models()]
    media = Path(settings.MEDIA_ROOT)
    return {
        "counts": {m._meta.label: m._base_manager.count() for m in portal_models},
        "balances": {str(f.council_id): str(f.balance) for f in Fund.objects.all()},
        "districts": sorted(District.objects.values_list("name", flat=True)),
        "files": {
            p.relative_to(media).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in media.rglob("*")
            if p.is_file()
        },
        # Every FileField of the portal, with the names its rows point at.
        "stored": {
            f"{m._meta.label}.{f.name}": sorted(
                m._base_manager.exclude(**{f.name: ""}).values_list(f.name, flat=True)
            )
            for m in portal_models
            for f in m._meta.concrete_fields
            if isinstance(f, models.FileField)
        },
    }


BUILD = """
import io
from django.core.management import call_command
from tests.conftest import build_side
call_command("load_demo", stdout=io.StringIO())
build_side("甲")
"""
CENSUS = "import json; from tests.test_backup import census; print(json.dumps(census()))"


def python(code: str, env: dict[str, str]) -> str:
    """Run `code` after django.setup() in a fresh interpreter; return its output."""
    setup = "import django; django.setup()\n"
    result = subprocess.run(
        [sys.executable, "-c", setup + code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )


def portal_env(var_dir: Path, database_url: str | None) -> dict[str, str]:
    """This run's environment with its own database (none: the SQLite file in var_dir) and files."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "VAR_DIR": str(var_dir)}
    env["MEDIA_ROOT"] = str(var_dir / "media")
    env.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789abcdef")
    for name in ("DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def assert_every_kind_of_file_is_stored(before: dict) -> None:
    empty = [field for field, names in before["stored"].items() if not names]
    assert not empty, f"no stored file for {empty}: the backup would not be tested on them"
    assert len(before["files"]) >= sum(len(names) for names in before["stored"].values())


@pytest.fixture
def second_database(transactional_db):
    """An empty PostgreSQL database next to the test database, dropped after; yields its URL."""
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL round trip needs DATABASE_URL on PostgreSQL (make test sets it)")
    db = connection.settings_dict
    name = f"{db['NAME']}_restore"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    try:
        yield f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.slow
def test_postgresql_backup_restores_the_demo_city_into_an_empty_database(second_database, tmp_path):
    call_command("load_demo", stdout=io.StringIO())
    from tests.conftest import build_side

    build_side("甲")
    before = census()
    assert_every_kind_of_file_is_stored(before)
    assert before["counts"]["councils.Council"] > 10 and before["counts"]["surveys.Answer"] > 1000
    archive = tmp_path / "backups" / "portal.tar.gz"
    call_command("backup", output=archive, stdout=io.StringIO())

    env = portal_env(tmp_path / "restored", second_database)
    restored = manage("restore", "--input", str(archive), env=env)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "已恢复" in restored.stdout and f"文件：{len(before['files'])} 个" in restored.stdout
    assert json.loads(python(CENSUS, env)) == before

    again = manage("restore", "--input", str(archive), env=env)
    assert again.returncode != 0
    assert "已有平台数据" in again.stderr and "--force" in again.stderr
    forced = manage("restore", "--input", str(archive), "--force", env=env)
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert json.loads(python(CENSUS, env)) == before


@pytest.mark.slow
def test_sqlite_backup_restores_the_demo_city_into_an_empty_file_and_folder(tmp_path):
    source = portal_env(tmp_path / "source", None)
    migrated = manage("migrate", "--noinput", env=source)
    assert migrated.returncode == 0, migrated.stderr
    python(BUILD, source)
    # A change still only in the write-ahead log, held there by an open connection: a copy of the
    # database file alone would miss it, the online backup API does not.
    database = tmp_path / "source" / "portal.sqlite3"
    writer = sqlite3.connect(database, isolation_level=None)
    try:
        writer.execute("PRAGMA journal_mode=WAL")
        writer.execute("PRAGMA wal_autocheckpoint=0")
        writer.execute("UPDATE councils_district SET name = name || '（日志中）'")
        assert database.with_name("portal.sqlite3-wal").stat().st_size > 0
        before = json.loads(python(CENSUS, source))
        written = manage("backup", "--output", str(tmp_path / "backups"), env=source)
    finally:
        writer.close()
    assert written.returncode == 0, written.stderr
    assert_every_kind_of_file_is_stored(before)
    assert all(name.endswith("（日志中）") for name in before["districts"])
    (archive,) = (tmp_path / "backups").glob("portal-*.tar.gz")

    target = portal_env(tmp_path / "target", None)
    restored = manage("restore", "--input", str(archive), env=target)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "已恢复" in restored.stdout
    assert json.loads(python(CENSUS, target)) == before

    again = manage("restore", "--input", str(archive), env=target)
    assert again.returncode != 0 and "--force" in again.stderr

    # An archive whose file no longer matches its manifest is refused before anything is written.
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as tar, tarfile.open(damaged, "w:gz") as out:
        for member in tar:
            data = tar.extractfile(member).read()
            if member.name.startswith("media/") and member.name.endswith(".jpg"):
                data = data[:-1] + b"!"
            out.addfile(member, io.BytesIO(data))
    fresh = portal_env(tmp_path / "fresh", None)
    refused = manage("restore", "--input", str(damaged), env=fresh)
    assert refused.returncode != 0 and "校验值不符" in refused.stderr
    assert not (tmp_path / "fresh" / "media").exists()


def test_pg_dump_is_chosen_to_match_the_server_or_newer(monkeypatch):
    """pg_dump refuses a server newer than itself: the server's own version is taken, else the
    oldest newer one; with none, the message names the client package to install."""
    installed = {14: "/usr/lib/postgresql/14/bin/pg_dump", 16: "/usr/lib/postgresql/16/bin/pg_dump"}
    monkeypatch.setattr(backup, "pg_tools", lambda name: installed)
    assert backup.pg_dump_for(14) == (installed[14], 14)
    assert backup.pg_dump_for(15) == (installed[16], 16)
    with pytest.raises(BackupError, match="postgresql-client-17"):
        backup.pg_dump_for(17)
    # A dump written by pg_dump 16 is read by pg_restore 16 even for a server 15.
    assert backup.pg_restore_for(15, 16) == installed[16]
    with pytest.raises(BackupError, match="postgresql-client-17"):
        backup.pg_restore_for(15, 17)


def test_backup_keeps_the_days_asked_for_and_only_its_own_archives(tmp_path, settings):
    """`--keep-days` removes this command's dated archives older than that, nothing else."""
    settings.MEDIA_ROOT = tmp_path / "media"
    folder = tmp_path / "backups"
    folder.mkdir()
    now = time.time()
    old, recent, other = (
        folder / "portal-20260101-030000.tar.gz",
        folder / "portal-20260110-030000.tar.gz",
        folder / "notes-20260101.tar.gz",
    )
    for path, days in ((old, 20), (recent, 5), (other, 20)):
        path.write_bytes(b"x")
        os.utime(path, (now - days * 86400, now - days * 86400))
    out = io.StringIO()
    with mock.patch.object(backup, "dump_database", fake_dump):
        call_command("backup", output=folder, keep_days=14, stdout=out)
    assert not old.exists() and recent.exists() and other.exists()
    assert "portal-20260101-030000.tar.gz" in out.getvalue()
    assert len(list(folder.glob("portal-*.tar.gz"))) == 2


def fake_dump(workdir: Path):
    path = workdir / "database.sqlite3"
    path.write_bytes(b"")
    return path, {"counts": {}, "migrations": []}


def test_compose_backs_up_daily_into_a_volume_with_a_retention():
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    service = compose["services"]["backup"]
    command = " ".join(service["command"])
    assert "manage.py backup --output /data/backups --keep-days" in command and "sleep 86400" in command
    assert "backups:/data/backups" in service["volumes"] and "backups" in compose["volumes"]
    assert "media:/data/media" in service["volumes"]
    assert service["environment"]["DATABASE_URL"].startswith("postgres://")
    assert service["depends_on"]["web"]["condition"] == "service_healthy"
    assert service["healthcheck"]["test"] and service["restart"] == "unless-stopped"
    assert "postgresql-client" in (ROOT / "Dockerfile").read_text(encoding="utf-8")
