"""Jobs of the assessments app (DESIGN.md invariant 6: thin, idempotent, ids in, one service)."""

import logging

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_ready
from django.db import InterfaceError, OperationalError

from councils.periods import Quarter, today

from .models import Period, half_of
from .reports import report_render
from .services import points_derive, results_compute

logger = logging.getLogger(__name__)


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


# --- Bulletins (R-6.3; DESIGN.md invariant 6) ----------------------------------------------------


class BulletinTask(DjangoTask):
    """Records the failure on the bulletin once the retries are spent, so the page shows why."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        from . import bulletins

        if args:
            bulletins.bulletin_fail(bulletin_id=args[0], reason=bulletins.describe(exc))


@shared_task(
    base=BulletinTask,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    max_retries=4,
    retry_backoff=5,
    retry_backoff_max=120,
    retry_jitter=True,
    soft_time_limit=540,
    time_limit=600,
)
def bulletin_render(self, bulletin_id: int) -> str:
    """Compile (when asked) and render one bulletin. Guards on its state: a retry or a
    redelivery after a lost worker finishes the work once, under the number it already has."""
    from . import bulletins

    try:
        return bulletins.bulletin_run(bulletin_id=bulletin_id)
    except SoftTimeLimitExceeded as exceeded:
        bulletins.bulletin_fail(bulletin_id=bulletin_id, reason=bulletins.describe(exceeded))
        return "failed"


@shared_task(acks_late=True)
def bulletins_open_quarter(quarter: str | None = None) -> int:
    """After each quarter, the draft bulletins of the city and of every district, compiled for the
    offices to read (R-6.3). Scheduled on the first days of the quarter; safe to run again."""
    from . import bulletins

    target = Quarter.parse(quarter) if quarter else Quarter.current().previous()
    return len(bulletins.bulletins_create_scheduled(quarter=target))


@shared_task(ignore_result=True)
def bulletins_requeue() -> int:
    """Send again the bulletin jobs the broker could not take when they were asked for, and any
    queued too long without starting (issue 8 §4). Beat runs it every minute; safe to repeat."""
    from . import bulletins

    return len(bulletins.bulletins_requeue())


@worker_ready.connect
def requeue_on_worker_ready(sender=None, **kwargs) -> None:
    """A worker coming up after an outage sends what waited for the queue at once, not at the
    next beat. Never stops the worker from starting."""
    from . import bulletins

    try:
        bulletins.bulletins_requeue()
    except Exception:
        logger.exception("could not requeue the bulletins waiting for the queue")
