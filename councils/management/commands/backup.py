from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from councils.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the database and the stored files into one .tar.gz with a manifest "
        "(rows per model, file checksums, migration state) that `restore` checks against."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            required=True,
            type=Path,
            help="a folder (the archive is named portal-YYYYMMDD-HHMMSS.tar.gz) or a .tar.gz path",
        )
        parser.add_argument(
            "--keep-days",
            type=int,
            default=None,
            help="afterwards remove this command's archives in the folder older than this many days",
        )

    def handle(self, *args, output, keep_days, **options):
        if keep_days is not None and keep_days < 1:
            raise CommandError("--keep-days 至少为 1。")
        try:
            result = backup_create(output=output, keep_days=keep_days)
        except BackupError as error:
            raise CommandError(str(error)) from error
        manifest = result.manifest
        tables, rows = len(manifest["database"]["counts"]), sum(manifest["database"]["counts"].values())
        size = sum(meta["size"] for meta in manifest["files"].values())
        self.stdout.write(
            self.style.SUCCESS(f"备份完成：{result.path}")
            + f"\n  数据库（{manifest['engine']}）：{tables} 张表，共 {rows} 条记录"
            + f"\n  文件：{len(manifest['files'])} 个，共 {size / 1024 / 1024:.1f} MB"
            + f"\n  迁移：{len(manifest['database']['migrations'])} 个已应用"
        )
        for path in result.removed:
            self.stdout.write(f"  已删除超过 {keep_days} 天的旧备份：{path.name}")
