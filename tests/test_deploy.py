"""Deployment checks that need neither a database nor a container engine.

They guard what `docker compose up` and the image build rely on (DESIGN.md invariant 9): the
compose file starts web, worker, beat, PostgreSQL and Redis with healthchecks and the production
environment; the settings pass Django's deployment checks with production variables and refuse to
start without a SECRET_KEY; the Dockerfile installs the pinned dependencies and the CJK fonts the
PDF bulletins need.
"""

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
APP_SERVICES = ("web", "worker", "beat")
ALL_SERVICES = (*APP_SERVICES, "postgres", "redis")
# Variables the settings read; the test run sets some of them (make test relaxes HTTPS).
SETTINGS_VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "DEBUG",
    "SECRET_KEY",
    "DJANGO_SETTINGS_MODULE",
    "ALLOWED_HOSTS",
    "STATICFILES_STORAGE",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "VAR_DIR",
    "MEDIA_ROOT",
    "PORTAL_BASE_URL",
)


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without the variables that switch the settings' mode.

    The test session itself may run with DEBUG on or against a real database; the subprocesses
    must see only what each test sets, as a fresh production container would.
    """
    env = os.environ.copy()
    for name in SETTINGS_VARIABLES:
        env.pop(name, None)
    env.update(extra)
    return env


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """The variables a production container gets, with the database and runtime files in tmp_path."""
    values = {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "portal.example.cn",
        "PORTAL_BASE_URL": "https://portal.example.cn",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        "VAR_DIR": str(tmp_path),
    }
    values.update(overrides)
    return clean_env(**values)


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run manage.py in a fresh interpreter, so the settings are read from `env` alone."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def compose() -> dict:
    """docker-compose.yml as data; safe_load resolves the `x-app` anchor and its merge keys."""
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def environment_of(service: dict) -> dict[str, str]:
    """A service's environment as a mapping, whether it is written as a mapping or a list."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def command_of(service: dict) -> str:
    """A service's command as one string, whether it is written as a string or a list."""
    command = service.get("command") or ""
    return " ".join(command) if isinstance(command, list) else command


# --- docker-compose.yml ------------------------------------------------------------------------


def test_compose_has_every_service_with_a_healthcheck_and_an_image(compose):
    """Each service must be buildable or pullable and report its health, so `depends_on` can wait."""
    services = compose["services"]
    for name in ALL_SERVICES:
        assert name in services, f"service {name!r} missing"
        service = services[name]
        assert service.get("build") or service.get("image"), f"{name} has neither build nor image"
        test = (service.get("healthcheck") or {}).get("test")
        assert test, f"{name} has no healthcheck"
        assert service.get("restart") == "unless-stopped", f"{name} is not restarted"


def test_compose_app_services_get_the_production_environment(compose):
    """web, worker and beat share one configuration: real services, DEBUG off, secrets required."""
    for name in APP_SERVICES:
        service = compose["services"][name]
        env = environment_of(service)
        assert env.get("DATABASE_URL", "").startswith("postgres://"), name
        assert "@postgres:5432/" in env["DATABASE_URL"], name
        assert env.get("REDIS_URL", "").startswith("redis://redis:6379"), name
        assert env.get("SECRET_KEY"), name
        assert ":?" in env["SECRET_KEY"], f"{name}: SECRET_KEY must be required, not defaulted"
        assert env.get("DEBUG", "").lower() == "false", name
        assert env.get("MEDIA_ROOT") == "/data/media", name
        assert any(str(volume).endswith(":/data/media") for volume in service.get("volumes", [])), name
        depends_on = service.get("depends_on")
        assert isinstance(depends_on, dict), f"{name}: depends_on must state conditions"
        for backing in ("postgres", "redis"):
            assert depends_on.get(backing, {}).get("condition") == "service_healthy", (name, backing)


def test_compose_commands(compose):
    """The web service migrates before serving; the worker and beat run the right Celery programs."""
    services = compose["services"]
    web = command_of(services["web"])
    assert "migrate --noinput" in web
    assert web.index("migrate") < web.index("gunicorn config.wsgi:application")
    assert "-A config worker" in command_of(services["worker"])
    beat = command_of(services["beat"])
    assert "-A config beat" in beat
    assert "django_celery_beat.schedulers:DatabaseScheduler" in beat


def test_compose_web_is_published_on_loopback_and_probed_over_forwarded_https(compose):
    """A reverse proxy terminates TLS in front, so the port must not be open to the world; the
    healthcheck must look like a proxied HTTPS request or SECURE_SSL_REDIRECT answers 301."""
    web = compose["services"]["web"]
    assert web.get("ports"), "web publishes no port"
    for port in web["ports"]:
        assert str(port).startswith("127.0.0.1:"), f"web port {port!r} is not bound to loopback"
    probe = " ".join(web["healthcheck"]["test"])
    assert "/healthz" in probe
    assert "X-Forwarded-Proto" in probe


def compose_binary() -> list[str] | None:
    """The command that runs Compose here, or None: the standalone binary or the engine's plugin."""
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker"):
        probe = subprocess.run(
            ["docker", "compose", "version"], capture_output=True, text=True, timeout=30, check=False
        )
        if probe.returncode == 0:
            return ["docker", "compose"]
    return None


def test_compose_config_validates_when_compose_is_installed(tmp_path):
    """Compose's own validation (interpolation, schema) needs no running engine, only the binary."""
    binary = compose_binary()
    if binary is None:
        pytest.skip("neither docker-compose nor the docker compose plugin is installed")
    env = clean_env(SECRET_KEY=secrets.token_urlsafe(60), POSTGRES_PASSWORD=secrets.token_hex(16))
    result = subprocess.run(
        [*binary, "-f", str(COMPOSE_FILE), "config", "-q"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


# --- Settings ----------------------------------------------------------------------------------


def test_check_deploy_is_clean_with_production_variables(tmp_path):
    """With production variables Django's deployment checklist must have nothing to say."""
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_settings_refuse_to_start_without_secret_key(tmp_path):
    """DEBUG off without a SECRET_KEY must stop at once instead of signing with a known key."""
    env = production_env(tmp_path)
    del env["SECRET_KEY"]
    result = manage("check", "--deploy", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


# --- Dockerfile --------------------------------------------------------------------------------


def test_dockerfile_installs_pinned_dependencies_and_cjk_fonts():
    """The image must install exactly the locked versions and the fonts that render Chinese PDFs."""
    dockerfile = DOCKERFILE.read_text(encoding="utf-8")
    assert "requirements.lock" in dockerfile
    assert "pip install --no-cache-dir -r requirements.lock" in dockerfile
    assert "fonts-noto-cjk" in dockerfile
    assert "--no-install-recommends" in dockerfile
    assert "USER " in dockerfile, "the image must not run as root"


def test_dockerfile_compilemessages_has_translations_to_compile():
    """The image build runs compilemessages, which fails outright when no locale folder exists."""
    assert "compilemessages" in DOCKERFILE.read_text(encoding="utf-8")
    skip = {".venv", "node_modules", ".git", "staticfiles", "var"}
    found = [
        path
        for path in [ROOT / "locale", *ROOT.glob("*/locale")]
        if path.is_dir() and path.relative_to(ROOT).parts[0] not in skip
    ]
    assert found, "no locale/ folder: `manage.py compilemessages` in the Dockerfile would fail"


def test_collectstatic_succeeds_with_the_production_storage(tmp_path):
    """The image build runs collectstatic with the manifest storage, which fails on any reference
    (for example a source map named in a vendored file) to a file that is not there."""
    settings_module = tmp_path / "deploy_static_settings.py"
    settings_module.write_text(
        f"from config.settings import *  # noqa: F403\nSTATIC_ROOT = {str(tmp_path / 'static')!r}\n",
        encoding="utf-8",
    )
    env = production_env(
        tmp_path,
        DJANGO_SETTINGS_MODULE="deploy_static_settings",
        PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]),
    )
    result = manage("collectstatic", "--noinput", env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "static" / "staticfiles.json").is_file()
