from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand

from councils.demo import demo_logins, load_demo_city


class Command(BaseCommand):
    help = "Build the demo city (deterministic, safe to run again) and print the demo logins."

    def handle(self, *args, **options):
        counts = load_demo_city()
        # The other apps add their part of the demo city, each from its own `demo.load_demo()`,
        # in the order of INSTALLED_APPS (councils ← finance, inspections ← assessments).
        for config in apps.get_app_configs():
            if config.name != "councils" and find_spec(f"{config.name}.demo") is not None:
                counts.update(import_module(f"{config.name}.demo").load_demo())
        self.stdout.write("演示城市已就绪：" + "，".join(f"{k} {v}" for k, v in counts.items()))
        if not settings.DEBUG:
            self.stdout.write(
                self.style.WARNING("DEBUG 已关闭：演示账号没有可用密码，请由管理员设置正式密码。")
            )
            return
        self.stdout.write(f"演示账号（密码均为 {settings.DEMO_PASSWORD}，仅开发环境可用）：")
        for login in demo_logins():
            self.stdout.write(f"  {login.username:<10} {login.role.label}（{login.scope}）")
