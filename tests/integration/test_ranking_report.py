"""The ranking report job on a real worker and Redis (issue 6 §6; R-1.9, R-1.10; DESIGN.md
invariant 6): a request queues the job when it commits, the worker renders the PDF, and the
report's state goes from queued to ready."""

import subprocess
from pathlib import Path

import pytest

from assessments import services
from assessments.models import RankingReport
from assessments.reports import report_request
from councils.roles import Level, Role
from tests.assessments.test_services import published
from tests.conftest import build_side, user_with_role
from tests.factories import UserFactory

from .conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def report_queue(request, monkeypatch, settings):
    """The worker's queue, the worker storing files where this test reads them."""
    monkeypatch.setenv("MEDIA_ROOT", str(settings.MEDIA_ROOT))
    return request.getfixturevalue("worker_queue")


def test_the_worker_renders_the_requested_report(report_queue):
    side = build_side("甲")
    build_side("乙")
    published(side.assessment, UserFactory())
    services.results_compute(period=side.period)
    city = user_with_role(Role.CITY_OFFICE)

    report = report_request(
        period=side.period, level=Level.DISTRICT, district=side.district, by=city, queue=report_queue
    )
    again = report_request(
        period=side.period, level=Level.DISTRICT, district=side.district, by=city, queue=report_queue
    )

    assert again.pk == report.pk  # one job for two clicks
    assert wait_for(
        lambda: RankingReport.objects.get(pk=report.pk).state not in ("queued", "running"), timeout=90
    )
    report.refresh_from_db()
    assert report.state == RankingReport.State.READY, report.error
    assert report.pages >= 1 and len(report.checksum) == 64
    text = subprocess.run(
        ["pdftotext", str(Path(report.file.path)), "-"], capture_output=True, check=True, text=True
    ).stdout.replace("\n", "")
    assert f"甲区{side.period}成员单位共建工作考核排名" in text
    assert side.unit.name in text
