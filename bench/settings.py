"""The portal's settings with the bench's URLconf (one extra, minimal view) and the hosts the
in-process client and the local gunicorn use. Nothing else differs from config.settings."""

import warnings

from config.settings import *  # noqa: F403

# The bench serves no static files: the collected-files folder need not exist.
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)

ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver", "127.0.0.1", "localhost"]  # noqa: F405
ROOT_URLCONF = "bench.urls"
