"""Backups that restore (issue 14 §9): one tar.gz with the database, the stored files and a
manifest that lets a restore check itself.

    manifest.json      created-at, engine, migration state, rows per model, SHA-256 of every file
    database.dump      PostgreSQL: pg_dump's custom format (DATABASE_URL set)
    database.sqlite3   SQLite: a copy taken with sqlite3's online backup API (no DATABASE_URL)
    media/...          every file under MEDIA_ROOT

The rows are counted in the same snapshot the dump is taken from (PostgreSQL: an exported
snapshot handed to pg_dump; SQLite: the copy itself), so a portal in use backs up consistently.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA = "media"
DUMP_NAMES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
ARCHIVE_PATTERN = re.compile(r"^portal-\d{8}-\d{6}\.tar\.gz$")
# The data a restore must not overwrite without --force: the portal's own apps and its accounts.
PORTAL_APPS = ("councils", "finance", "inspections", "surveys", "assessments")
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


# --- What the database holds -------------------------------------------------------------------


def counted_models() -> list[tuple[str, str]]:
    """(label, table) of every concrete model the portal stores, in a stable order."""
    seen, out = set(), []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.db_table in seen:
            continue
        seen.add(meta.db_table)
        out.append((meta.label, meta.db_table))
    return sorted(out)


def count_rows(cursor, existing_tables: set[str]) -> dict[str, int]:
    quote = connection.ops.quote_name
    counts = {}
    for label, table in counted_models():
        if table in existing_tables:
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 (a model's table, quoted)
            counts[label] = cursor.fetchone()[0]
    return counts


def applied_migrations(cursor, existing_tables: set[str]) -> list[str]:
    if "django_migrations" not in existing_tables:
        return []
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    return [f"{app}.{name}" for app, name in cursor.fetchall()]


def code_migrations() -> set[str]:
    """The migrations this version of the portal ships, as `app.name`."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {f"{app}.{name}" for app, name in loader.disk_migrations}


def portal_data_present() -> bool:
    """Whether the configured database holds any portal record or account."""
    tables = set(connection.introspection.table_names())
    user_table = apps.get_model(settings.AUTH_USER_MODEL)._meta.db_table
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for label, table in counted_models():
            if table in tables and (label.split(".")[0] in PORTAL_APPS or table == user_table):
                cursor.execute(f"SELECT 1 FROM {quote(table)} LIMIT 1")  # noqa: S608 (a model's table, quoted)
                if cursor.fetchone():
                    return True
    return False


# --- Stored files ------------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def media_files(root: Path) -> list[tuple[str, Path]]:
    """(relative POSIX name, path) of every regular file under `root`, sorted."""
    if not root.is_dir():
        return []
    out = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            out.append((path.relative_to(root).as_posix(), path))
    return sorted(out)


# --- PostgreSQL client tools -------------------------------------------------------------------


def tool_major(path: str) -> int | None:
    try:
        probe = [path, "--version"]
        out = subprocess.run(probe, capture_output=True, text=True, timeout=30, check=True).stdout  # noqa: S603
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r"\)\s+(\d+)", out)
    return int(found.group(1)) if found else None


def pg_tools(name: str) -> dict[int, str]:
    """Every installed `name` (pg_dump, pg_restore) by major version: the one on PATH and
    Debian's side-by-side /usr/lib/postgresql/<major>/bin ones."""
    candidates = [str(p) for p in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))]
    if on_path := shutil.which(name):
        candidates.append(on_path)
    found: dict[int, str] = {}
    for candidate in candidates:
        major = tool_major(candidate)
        if major is not None:
            found.setdefault(major, candidate)
    return found


def pg_dump_for(server_major: int) -> tuple[str, int]:
    """The pg_dump of the server's major version, else the oldest newer one (pg_dump refuses to
    dump a server newer than itself)."""
    tools = pg_tools("pg_dump")
    usable = sorted(major for major in tools if major >= server_major)
    if not usable:
        have = "、".join(str(m) for m in sorted(tools)) or "无"
        raise BackupError(
            f"数据库服务器是 PostgreSQL {server_major}，本机可用的 pg_dump 版本：{have}。"
            f"请安装 postgresql-client-{server_major}（或更新版本）后重试。"
        )
    return tools[usable[0]], usable[0]


def pg_restore_for(server_major: int, dump_major: int) -> str:
    """A pg_restore that reads the archive (at least the dumping pg_dump's version), preferring
    the one of the target server's version."""
    tools = pg_tools("pg_restore")
    usable = sorted(major for major in tools if major >= dump_major)
    if not usable:
        have = "、".join(str(m) for m in sorted(tools)) or "无"
        raise BackupError(
            f"备份由 pg_dump {dump_major} 生成，本机可用的 pg_restore 版本：{have}。"
            f"请安装 postgresql-client-{max(dump_major, server_major)} 后重试。"
        )
    preferred = server_major if server_major in usable else usable[-1]
    return tools[preferred]


def pg_env_and_args() -> tuple[dict[str, str], list[str]]:
    db = connection.settings_dict
    env = os.environ.copy()
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    return env, args


def run(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{what}失败：{result.stderr.strip()[-2000:]}")


# --- Backup ------------------------------------------------------------------------------------


@dataclass
class BackupResult:
    path: Path
    manifest: dict
    removed: list[Path] = field(default_factory=list)


def archive_path(output: Path, now: datetime) -> Path:
    """`output` itself when it names a .tar.gz file, else a dated archive inside that folder."""
    if output.name.endswith(".tar.gz") and not output.is_dir():
        output.parent.mkdir(parents=True, exist_ok=True)
        return output
    output.mkdir(parents=True, exist_ok=True)
    return output / f"portal-{timezone.localtime(now):%Y%m%d-%H%M%S}.tar.gz"


def dump_database(workdir: Path) -> tuple[Path, dict]:
    """Write the database into `workdir`; return the file and the manifest's database part."""
    vendor = connection.vendor
    if vendor == "postgresql":
        return dump_postgresql(workdir)
    if vendor == "sqlite":
        return dump_sqlite(workdir)
    raise BackupError(f"不支持的数据库类型：{vendor}")


def dump_postgresql(workdir: Path) -> tuple[Path, dict]:
    target = workdir / DUMP_NAMES["postgresql"]
    connection.ensure_connection()
    server_major = connection.pg_version // 10000
    pg_dump, dump_major = pg_dump_for(server_major)
    env, args = pg_env_and_args()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        tables = set(connection.introspection.table_names(cursor))
        counts = count_rows(cursor, tables)
        migrations = applied_migrations(cursor, tables)
        # pg_dump reads exactly what was counted: the snapshot lives while this transaction does.
        command = [pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}"]
        run([*command, "--file", str(target), *args], env, "pg_dump 导出数据库")
    info = {"server_version": server_major, "pg_dump_version": dump_major}
    return target, {"counts": counts, "migrations": migrations, **info}


def dump_sqlite(workdir: Path) -> tuple[Path, dict]:
    target = workdir / DUMP_NAMES["sqlite"]
    source = sqlite3.connect(connection.settings_dict["NAME"])
    copy = sqlite3.connect(target)
    try:
        # The online backup API copies a consistent state, committed WAL pages included.
        try:
            source.backup(copy)
        except sqlite3.Error as error:
            raise BackupError(f"无法读取数据库 {connection.settings_dict['NAME']}：{error}") from error
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file in the archive
        cursor = copy.cursor()
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        tables = {row[0] for row in cursor.fetchall()}
        counts = count_rows(cursor, tables)
        migrations = applied_migrations(cursor, tables)
    finally:
        copy.close()
        source.close()
    return target, {"counts": counts, "migrations": migrations}


def add_file(tar: tarfile.TarFile, path: Path, name: str) -> None:
    info = tar.gettarinfo(str(path), arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    with path.open("rb") as handle:
        tar.addfile(info, handle)


def backup_create(*, output: Path, keep_days: int | None = None) -> BackupResult:
    """Write one archive of the database and the stored files to `output` (a folder or a
    .tar.gz path); with `keep_days`, remove this command's archives in that folder older than that."""
    now = timezone.now()
    target = archive_path(output, now)
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="portal-backup-") as tmp:
        dump, database = dump_database(Path(tmp))
        files = media_files(media_root)
        manifest = {
            "format": FORMAT,
            "created_at": timezone.localtime(now).isoformat(),
            "engine": connection.vendor,
            "database": {"file": dump.name, "sha256": sha256_of(dump), **database},
            "files": {name: {"sha256": sha256_of(path), "size": path.stat().st_size} for name, path in files},
        }
        partial = target.with_name(target.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            body = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(body), int(now.timestamp()), 0o644
            tar.addfile(info, io.BytesIO(body))
            add_file(tar, dump, dump.name)
            for name, path in files:
                add_file(tar, path, f"{MEDIA}/{name}")
        partial.replace(target)  # a backup cut short never looks like a finished archive
    removed = prune(target.parent, keep_days, now) if keep_days is not None else []
    return BackupResult(target, manifest, removed)


def prune(folder: Path, keep_days: int, now: datetime) -> list[Path]:
    cutoff = (now - timedelta(days=keep_days)).timestamp()
    removed = []
    for path in sorted(folder.iterdir()):
        if ARCHIVE_PATTERN.match(path.name) and path.stat().st_mtime < cutoff:
            path.unlink()
            removed.append(path)
    return removed


# --- Restore -----------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    manifest: dict
    counts: dict[str, int]
    files: int
    files_left: int
    migrations_missing: list[str]
    migrations_unknown: list[str]


def safe_member_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"备份文件中有不安全的路径：{name}")
    return path


def read_manifest(archive: Path) -> dict:
    """The manifest alone (the archive's first member), to decide before unpacking anything."""
    if not archive.is_file():
        raise BackupError(f"找不到备份文件：{archive}")
    try:
        with tarfile.open(archive, "r:gz") as tar:
            first = tar.next()
            if first is None or first.name != MANIFEST:
                raise BackupError("这不是平台的备份文件：缺少 manifest.json。")
            manifest = json.load(tar.extractfile(first))
    except (tarfile.TarError, OSError, EOFError, json.JSONDecodeError) as error:
        raise BackupError(f"备份文件已损坏或无法读取：{error}") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"不认识的备份格式：{manifest.get('format')}")
    return manifest


def unpack(archive: Path, manifest: dict, workdir: Path) -> None:
    """Unpack `archive` into `workdir`, checking every file against the manifest."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                name = safe_member_name(member.name)
                if member.name == MANIFEST:
                    continue
                if not member.isfile():
                    raise BackupError(f"备份文件中有非普通文件：{member.name}")
                destination = workdir.joinpath(*name.parts)
                destination.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(member) as source, destination.open("wb") as out:
                    shutil.copyfileobj(source, out, CHUNK)
    except (tarfile.TarError, OSError, EOFError, json.JSONDecodeError) as error:
        raise BackupError(f"备份文件已损坏或无法读取：{error}") from error
    database = manifest["database"]
    if database["file"] not in DUMP_NAMES.values():
        raise BackupError(f"备份清单中的数据库文件名不对：{database['file']}")
    dump = workdir / database["file"]
    if not dump.is_file() or sha256_of(dump) != database["sha256"]:
        raise BackupError("备份中的数据库文件缺失或校验值不符，备份已损坏。")
    for name, meta in manifest["files"].items():
        path = workdir.joinpath(MEDIA, *safe_member_name(name).parts)
        if not path.is_file() or sha256_of(path) != meta["sha256"]:
            raise BackupError(f"备份中的文件缺失或校验值不符：{name}")


def restore_postgresql(dump: Path, manifest: dict) -> None:
    connection.ensure_connection()
    server_major = connection.pg_version // 10000
    dump_major = manifest["database"].get("pg_dump_version", server_major)
    pg_restore = pg_restore_for(server_major, dump_major)
    # Clear what a migrate or an earlier restore left, so the archive's schema comes in whole.
    # Tables first: their CASCADE takes the views and the sequences they own along.
    kinds = (("TABLE", ["r", "p"]), ("MATERIALIZED VIEW", ["m"]), ("VIEW", ["v"]), ("SEQUENCE", ["S"]))
    with transaction.atomic(), connection.cursor() as cursor:
        for kind, relkinds in kinds:
            cursor.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind = ANY(%s)",
                [relkinds],
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f"DROP {kind} IF EXISTS {connection.ops.quote_name(name)} CASCADE")
        cursor.execute(
            "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = 'public'"
        )
        for (signature,) in cursor.fetchall():
            cursor.execute(f"DROP FUNCTION IF EXISTS {signature} CASCADE")
    connection.close()
    env, args = pg_env_and_args()
    command = [pg_restore, "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error"]
    run([*command, *args, str(dump)], env, "pg_restore 恢复数据库")


def restore_sqlite(dump: Path) -> None:
    target = Path(connection.settings_dict["NAME"])
    connection.close()
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(dump)
    destination = sqlite3.connect(target)
    try:
        # Written through SQLite itself, so a target in WAL mode (with -wal/-shm files) is
        # replaced consistently rather than by copying a file underneath it.
        source.backup(destination)
    except sqlite3.Error as error:
        raise BackupError(f"无法写入数据库 {target}（{error}）。请先停止平台的各个进程再恢复。") from error
    finally:
        destination.close()
        source.close()


def restore_files(workdir: Path, manifest: dict, media_root: Path) -> int:
    media_root.mkdir(parents=True, exist_ok=True)
    for name in manifest["files"]:
        destination = media_root.joinpath(*PurePosixPath(name).parts)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(workdir / MEDIA / name, destination)
    return len(manifest["files"])


def verify(manifest: dict, media_root: Path) -> dict[str, int]:
    """Compare what is now in the database and MEDIA_ROOT with the manifest; raise on any gap."""
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        counts = count_rows(cursor, tables)
        migrations = applied_migrations(cursor, tables)
    wanted = manifest["database"]["counts"]
    differing = [
        f"{label}：应为 {n}，实为 {counts.get(label)}"
        for label, n in wanted.items()
        if counts.get(label) != n
    ]
    if differing:
        raise BackupError("恢复后的记录数与备份清单不符：" + "；".join(differing))
    if migrations != manifest["database"]["migrations"]:
        raise BackupError("恢复后的迁移状态与备份清单不符。")
    for name, meta in manifest["files"].items():
        path = media_root.joinpath(*PurePosixPath(name).parts)
        if not path.is_file() or sha256_of(path) != meta["sha256"]:
            raise BackupError(f"恢复后的文件校验值不符：{name}")
    return counts


def restore_run(*, archive: Path, force: bool = False) -> RestoreResult:
    """Restore `archive` into the configured database and MEDIA_ROOT, then check both against
    its manifest. Refuses a database with portal data or a non-empty files folder unless `force`."""
    media_root = Path(settings.MEDIA_ROOT)
    manifest = read_manifest(archive)
    if manifest["engine"] != connection.vendor:
        raise BackupError(
            f"备份来自 {manifest['engine']} 数据库，当前配置的是 {connection.vendor}；"
            "请用与备份相同类型的数据库恢复（设置或取消 DATABASE_URL）。"
        )
    if not force:
        if portal_data_present():
            raise BackupError("目标数据库中已有平台数据，未作任何改动。确需覆盖时请加 --force。")
        if media_files(media_root):
            raise BackupError(f"文件目录 {media_root} 不为空，未作任何改动。确需覆盖时请加 --force。")
    with tempfile.TemporaryDirectory(prefix="portal-restore-") as tmp:
        workdir = Path(tmp)
        unpack(archive, manifest, workdir)  # every file checked before anything is overwritten
        left = {name for name, _ in media_files(media_root)} - set(manifest["files"])
        dump = workdir / manifest["database"]["file"]
        if connection.vendor == "postgresql":
            restore_postgresql(dump, manifest)
        else:
            restore_sqlite(dump)
        files = restore_files(workdir, manifest, media_root)
    counts = verify(manifest, media_root)
    applied, shipped = set(manifest["database"]["migrations"]), code_migrations()
    return RestoreResult(
        manifest=manifest,
        counts=counts,
        files=files,
        files_left=len(left),
        migrations_missing=sorted(shipped - applied),
        migrations_unknown=sorted(applied - shipped),
    )
