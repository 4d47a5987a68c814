"""Jobs of the councils app (DESIGN.md invariant 6: thin, idempotent, ids in, one service)."""

from celery import shared_task

from .compliance import compliance_record_misses
from .periods import Quarter


@shared_task(acks_late=True)
def compliance_close_quarter(quarter: str | None = None) -> int:
    """Record the councils that missed the quarterly meeting (R-1.1). Scheduled on the first
    days of each quarter for the one before; safe to run any number of times."""
    target = Quarter.parse(quarter) if quarter else Quarter.current().previous()
    return compliance_record_misses(quarter=target)
