from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from councils.backup import PORTAL_APPS, BackupError, restore_run


class Command(BaseCommand):
    help = (
        "Restore an archive written by `backup` into the configured database and MEDIA_ROOT, "
        "then check rows and file checksums against its manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, type=Path, help="the .tar.gz written by `backup`")
        parser.add_argument(
            "--force",
            action="store_true",
            help="overwrite a database that already holds portal data and files already in MEDIA_ROOT",
        )

    def handle(self, *args, input, force, **options):
        try:
            result = restore_run(archive=input, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from error
        manifest = result.manifest
        lines = [
            self.style.SUCCESS(f"已恢复 {input}（备份时间 {manifest['created_at']}，{manifest['engine']}）"),
            f"  数据库：{sum(result.counts.values())} 条记录，与备份清单逐表核对一致",
        ]
        for app in PORTAL_APPS:
            rows = {label: n for label, n in sorted(result.counts.items()) if label.split(".")[0] == app}
            lines.append(f"    {app}：{len(rows)} 张表，{sum(rows.values())} 条记录")
            if options["verbosity"] >= 2:
                lines += [f"      {label}: {n}" for label, n in rows.items()]
        lines.append(f"  文件：{result.files} 个，校验值（SHA-256）逐个核对一致")
        if result.files_left:
            lines.append(f"  文件目录中另有 {result.files_left} 个备份中没有的文件，未作改动")
        lines.append(f"  迁移：{len(manifest['database']['migrations'])} 个，与备份一致")
        self.stdout.write("\n".join(lines))
        if result.migrations_missing:
            self.stdout.write(
                self.style.WARNING(
                    f"备份早于当前代码：有 {len(result.migrations_missing)} 个迁移尚未应用，"
                    "请运行 manage.py migrate。"
                )
            )
        if result.migrations_unknown:
            self.stdout.write(
                self.style.WARNING(
                    "备份来自更新版本的代码，含当前代码没有的迁移："
                    + "、".join(result.migrations_unknown)
                    + "。请先部署对应版本的代码。"
                )
            )
