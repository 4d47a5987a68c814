"""System checks of the surveys (issue 14 §6): the posters' public address.

With DEBUG off the QR posters are printed only with `PORTAL_BASE_URL` set to an address residents'
phones can reach; without it the poster page refuses to print. `manage.py check` (and every
start-up) says so before anyone tries.
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from .posters import base_url_problem


@checks.register("surveys")
def check_portal_base_url(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if settings.DEBUG:
        return []
    problem = base_url_problem()
    if problem is None:
        return []
    message = {
        "unset": "PORTAL_BASE_URL is not set.",
        "local": f"PORTAL_BASE_URL ({settings.PORTAL_BASE_URL!r}) is not a public http(s) address.",
    }[problem]
    return [
        checks.Warning(
            message,
            hint="Set PORTAL_BASE_URL to the public address residents' phones reach, e.g. "
            "https://portal.example.cn; until then survey posters are not printed.",
            id="surveys.W001",
        )
    ]
