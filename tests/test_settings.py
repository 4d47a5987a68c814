"""Settings from the environment (issue 2 item 2; DESIGN.md invariants 8 and 9)."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]


def run_manage(*args: str, env: dict[str, str], timeout: int = 180) -> subprocess.CompletedProcess:
    base = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_chinese_first_in_shanghai_time():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "en"]
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ


def test_the_suite_runs_on_postgresql_and_redis():
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert settings.CELERY_BROKER_URL.startswith("redis://")


def test_jobs_are_configured_for_safe_redelivery():
    assert settings.CELERY_TASK_ACKS_LATE
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert settings.CELERY_ACCEPT_CONTENT == ["json"]
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT


def test_without_database_url_the_portal_runs_on_sqlite_with_an_embedded_queue(tmp_path):
    """The embedded default of `make run`: migrate and load the demo city on a SQLite file, and
    the job queue is kombu's filesystem transport in VAR_DIR."""
    env = {"DEBUG": "true", "VAR_DIR": str(tmp_path)}
    migrate = run_manage("migrate", "--noinput", "-v0", env=env)
    assert migrate.returncode == 0, migrate.stderr
    demo = run_manage("load_demo", env=env)
    assert demo.returncode == 0, demo.stderr
    assert "演示城市已就绪" in demo.stdout
    assert (tmp_path / "portal.sqlite3").exists()
    probe = run_manage(
        "shell",
        "-v0",
        "-c",
        "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL)",
        env=env,
    )
    assert probe.stdout.split() == ["django.db.backends.sqlite3", "filesystem://"], probe.stderr
    assert (tmp_path / "queue").is_dir()
