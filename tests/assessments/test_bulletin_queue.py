"""Bulletin jobs while the job queue is down (issue 8 §4, R-6.3): the request is kept and said to
wait for the queue, never an error page; the sweep beat runs every minute — and each worker once
it is ready — sends it when the queue is back, once. Against real processes:
tests/integration/test_faults.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from assessments import bulletins, tasks
from assessments.models_bulletins import Bulletin
from councils.periods import Quarter

from .bulletin_fixtures import build_bulletin, office_of, stand_in_pdf

pytestmark = pytest.mark.django_db
WAITING = "任务队列暂不可用，通报已排队，队列恢复后将自动开始生成。"


@pytest.fixture
def broker(monkeypatch):
    """The job queue as the services see it: `down` makes every hand-over fail as an unreachable
    Redis does; `sent` lists the bulletin ids handed over."""

    class Broker:
        down = False
        sent: list[int] = []

        def apply_async(self, args, **kwargs):
            if self.down:
                raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
            self.sent.append(args[0])

    fake = Broker()
    fake.sent = []
    monkeypatch.setattr(tasks.bulletin_render, "apply_async", fake.apply_async)
    return fake


@pytest.mark.django_db(transaction=True)  # the job is handed over when the request's writes commit
def test_asking_for_a_bulletin_with_the_queue_down_says_so_and_keeps_the_request(client, side_a, broker):
    office = office_of(side_a)
    client.force_login(office)
    last = Quarter.current().previous()
    broker.down = True
    response = client.post(
        reverse("bulletin_create"),
        {"scope": side_a.district.pk, "period": f"quarter:{last.year}:{last.number}"},
    )
    assert response.status_code == 302
    bulletin = Bulletin.objects.exclude(pk=side_a.bulletin.pk).get()
    assert bulletin.state == Bulletin.State.COMPILING and bulletin.is_waiting_for_queue
    assert bulletin.error == WAITING
    page = client.get(response.url).content.decode()
    assert page.count(WAITING) == 2  # the message after the request, and the status panel
    assert "通报已创建，正在从数据汇总生成。" not in page
    assert 'hx-trigger="every 2s"' in page  # the page keeps watching; it starts by itself


@pytest.mark.django_db(transaction=True)
def test_regenerating_with_the_queue_down_warns_instead_of_claiming_success(client, side_a, broker):
    office = office_of(side_a)
    bulletin = build_bulletin(side_a, by=office)
    client.force_login(office)
    broker.down = True
    response = client.post(reverse("bulletin_generate", args=[bulletin.pk]), follow=True)
    page = response.content.decode()
    assert WAITING in page and "已提交生成，本页将自动更新进度。" not in page


def test_the_sweep_sends_what_waited_once_the_queue_is_back_and_only_once(side_a, broker):
    office = office_of(side_a)
    waiting = build_bulletin(side_a, by=office)
    running = build_bulletin(side_a, by=office, quarter=Quarter.current().previous().previous())
    fresh = build_bulletin(side_a, by=office, quarter=Quarter.current().previous().previous().previous())
    broker.down = True
    for bulletin in (waiting, running, fresh):
        bulletins.bulletin_generate(bulletin=bulletin, by=office)
        bulletins.bulletin_dispatch(bulletin_id=bulletin.pk)
    # One was taken by a worker before the outage; one was queued normally just now.
    Bulletin.objects.filter(pk=running.pk).update(error="", job_started_at=timezone.now())
    Bulletin.objects.filter(pk=fresh.pk).update(error="")

    assert bulletins.bulletins_requeue() == []  # still down: nothing sent, nothing lost
    assert Bulletin.objects.get(pk=waiting.pk).is_waiting_for_queue

    broker.down = False
    assert bulletins.bulletins_requeue() == [waiting.pk]
    assert broker.sent == [waiting.pk]
    assert not Bulletin.objects.get(pk=waiting.pk).is_waiting_for_queue
    assert bulletins.bulletins_requeue() == []  # a second sweep sends nothing more

    bulletins.bulletin_run(bulletin_id=waiting.pk, render=stand_in_pdf)
    assert Bulletin.objects.get(pk=waiting.pk).state == Bulletin.State.READY


def test_a_job_queued_long_ago_that_never_started_is_sent_again(side_a, broker):
    """A message lost with the queue (Redis restarted empty) is looked for after STALE_AFTER."""
    office = office_of(side_a)
    bulletin = build_bulletin(side_a, by=office)
    bulletins.bulletin_generate(bulletin=bulletin, by=office)
    assert bulletins.bulletins_requeue() == []
    Bulletin.objects.filter(pk=bulletin.pk).update(
        updated_at=timezone.now() - bulletins.STALE_AFTER - timedelta(minutes=1)
    )
    assert bulletins.bulletins_requeue() == [bulletin.pk]
    assert bulletins.bulletins_requeue() == []  # sent: the next look is STALE_AFTER later


def test_a_worker_coming_up_sends_what_waited_and_never_fails_to_start(side_a, broker, monkeypatch):
    office = office_of(side_a)
    bulletin = build_bulletin(side_a, by=office)
    broker.down = True
    bulletins.bulletin_generate(bulletin=bulletin, by=office)
    bulletins.bulletin_dispatch(bulletin_id=bulletin.pk)
    broker.down = False
    tasks.requeue_on_worker_ready()
    assert broker.sent == [bulletin.pk]

    def broken(**kwargs):
        raise RuntimeError("database unreachable")

    monkeypatch.setattr(bulletins, "bulletins_requeue", broken)
    tasks.requeue_on_worker_ready()  # logged, not raised


def test_beat_sweeps_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["bulletins-requeue"]
    assert entry["task"] == "assessments.tasks.bulletins_requeue"
    assert entry["schedule"].remaining_estimate(timezone.now()) <= timedelta(minutes=1)
