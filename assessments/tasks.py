"""Jobs of the assessments app (DESIGN.md invariant 6: thin, idempotent, ids in, one service)."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from councils.periods import today

from .models import Period, half_of
from .reports import report_render
from .services import points_derive, results_compute


@shared_task(acks_late=True)
def points_derive_half(year: int | None = None, half: int | None = None) -> int:
    """Derive the dynamic points of a half-year (the current one by default) and refresh the
    results of its period (R-1.10). Running it again adds nothing."""
    if year is None or half is None:
        year, half = half_of(today())
    added = points_derive(year=year, half=half)
    period = Period.objects.filter(year=year, half=half).first()
    if period is not None:
        results_compute(period=period)
    return added


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=540,
    time_limit=600,
)
def ranking_report_render(self, report_id: int) -> None:
    """Render one ranking report (issue 6 §6). The service guards on the report's state, so a
    redelivery or a retry does no harm; on the last retry a database error fails the report."""
    report_render(report_id=report_id, last_attempt=self.request.retries >= self.max_retries)
