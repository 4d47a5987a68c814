"""Jobs of the assessments app (DESIGN.md invariant 6: thin, idempotent, ids in, one service)."""

from celery import shared_task

from councils.periods import today

from .models import Period, half_of
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
