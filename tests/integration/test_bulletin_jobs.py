"""Bulletin jobs on a real Celery worker and Redis (R-6.3; DESIGN.md invariants 5 – 7): a bulletin
compiled, rendered and published end to end; a worker killed in the middle of a render, the job
redelivered to a new worker and finished with one file and one number; two bulletins published at
the same moment numbered one after the other.

The workers run with tests/integration/bulletin_worker_settings.py: Redis hands an unacknowledged
job back after 5 seconds instead of an hour, and the render can be made to pause so the worker
can be killed in the middle of it."""

from __future__ import annotations

import os
import signal
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from assessments import bulletins
from assessments.models_bulletins import Bulletin, BulletinCounter, BulletinEvent, Span
from config.celery import app
from councils.periods import today
from tests.assessments.bulletin_fixtures import (
    build_bulletin,
    build_half_year,
    office_of,
    pdf_fonts,
    pdf_text,
)
from tests.conftest import build_side

from .conftest import running, wait_for, worker_command

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def queue(transactional_db):
    """A queue of this test's own; the services' jobs are sent to it."""
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.fail("the worker tests need REDIS_URL (make test sets it)")
    name = f"test-bulletin-{uuid.uuid4().hex[:8]}"
    default = app.conf.task_default_queue
    app.conf.task_default_queue = name
    yield name
    app.conf.task_default_queue = default


@contextmanager
def worker(queue: str, *, pause: float = 0.0):
    """A worker on `queue` reading the test database and the test's media folder."""
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.integration.bulletin_worker_settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{host}:{port}/{db['NAME']}",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "BULLETIN_TEST_QUEUE": queue,
        "BULLETIN_TEST_RENDER_PAUSE": str(pause),
    }
    name = f"{queue}-{uuid.uuid4().hex[:4]}"
    command = worker_command(queue, name=name)
    with running(command, env, f"worker-{name}", ready=lambda text: "ready." in text) as (process, _):
        yield process


def state_of(pk: int) -> Bulletin:
    return Bulletin.objects.get(pk=pk)


def files_of(bulletin: Bulletin) -> list[str]:
    """The bulletin files in the test's media folder that no other bulletin points at (names are
    random, so a file does not say whose it is: issue 14 §1)."""
    root = Path(settings.MEDIA_ROOT)
    others = set(Bulletin.objects.exclude(pk=bulletin.pk).values_list("file", flat=True))
    files = (str(p.relative_to(root)) for p in (root / "bulletins").rglob("*") if p.is_file())
    return sorted(name for name in files if name not in others)


def test_a_bulletin_is_compiled_rendered_and_published_by_the_worker(queue, tmp_path):
    """The district office creates a bulletin; the worker compiles and renders the draft; the
    office signs it; the worker renders the numbered document, whose text names the praised and
    the criticised councils, with every font embedded as a subset."""
    side = build_side("甲")
    build_side("乙")
    s = build_half_year(side)
    office = office_of(side)
    with worker(queue):
        bulletin = bulletins.bulletin_create(
            district=side.district, span=Span.HALF, year=s.year, part=s.half, by=office
        )
        bulletins.bulletin_generate(bulletin=bulletin, by=office, recompile=True)
        assert wait_for(lambda: state_of(bulletin.pk).state == Bulletin.State.READY, timeout=60), state_of(
            bulletin.pk
        ).error
        draft = state_of(bulletin.pk)
        assert (draft.progress, draft.step, draft.serial) == (100, Bulletin.Step.DONE, None)
        assert s.model.name in draft.praise and s.behind.name in draft.problems

        bulletins.bulletin_publish(bulletin=draft, by=office)
        assert wait_for(lambda: state_of(bulletin.pk).state == Bulletin.State.PUBLISHED, timeout=60)

    published = state_of(bulletin.pk)
    content = published.file.read()
    flat = "".join(pdf_text(content, tmp_path).split())
    assert published.number == f"{published.prefix}〔{today().year}〕1号"
    assert published.number in flat
    assert s.model.name in flat and s.behind.name in flat and side.council.name in flat
    assert all(f["emb"] == "yes" and f["sub"] == "yes" for f in pdf_fonts(content, tmp_path))
    assert files_of(published) == [published.file.name]


def test_a_worker_killed_mid_render_finishes_on_redelivery_with_one_file_and_one_number(queue, tmp_path):
    """DESIGN.md invariant 6: the render job is acknowledged late, so when its worker dies (SIGKILL)
    Redis hands it to the next worker; the job renders again under the number taken at signing —
    no second number, no second file."""
    side = build_side("甲")
    office = office_of(side)
    bulletin = build_bulletin(side)  # ready, with a draft file
    with worker(queue, pause=8) as first:
        bulletins.bulletin_publish(bulletin=bulletin, by=office)
        assert wait_for(lambda: state_of(bulletin.pk).step == Bulletin.Step.RENDERING, timeout=30)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    killed = state_of(bulletin.pk)
    assert (killed.state, killed.attempts, killed.serial) == (Bulletin.State.PUBLISHING, 1, 1)

    with worker(queue):
        assert wait_for(lambda: state_of(bulletin.pk).state == Bulletin.State.PUBLISHED, timeout=60)

    done = state_of(bulletin.pk)
    assert (done.serial, done.attempts) == (1, 2)  # started twice, numbered once
    assert BulletinCounter.objects.get(prefix=done.prefix, year=done.number_year).last == 1
    assert files_of(done) == [done.file.name]  # the draft file is gone too
    actions = list(done.events.values_list("action", flat=True))
    assert (
        actions.count(BulletinEvent.Action.PUBLISH) == 1
        and actions.count(BulletinEvent.Action.PUBLISHED) == 1
    )
    assert done.number in "".join(pdf_text(done.file.read(), tmp_path).split())


def test_two_bulletins_published_at_once_get_consecutive_numbers(queue, tmp_path):
    """DESIGN.md invariant 5: after a first bulletin of the year, two are signed at the same moment
    (two connections); the counter's row lock gives one 2 and the other 3, and each document
    prints its own number."""
    side = build_side("甲")
    office = office_of(side)
    earlier, first, second = build_bulletin(side), build_bulletin(side), build_bulletin(side)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def publish(pk: int) -> None:
        try:
            bulletin = Bulletin.objects.get(pk=pk)
            start.wait(timeout=10)
            bulletins.bulletin_publish(bulletin=bulletin, by=office)
        except BaseException as error:  # reported below, in the test's own thread
            errors.append(error)
        finally:
            connection.close()

    with worker(queue):
        bulletins.bulletin_publish(bulletin=earlier, by=office)  # the year's counter now exists
        threads = [threading.Thread(target=publish, args=(b.pk,)) for b in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not errors, errors
        assert wait_for(
            lambda: all(state_of(b.pk).state == Bulletin.State.PUBLISHED for b in (earlier, first, second)),
            timeout=90,
        )

    published = [state_of(b.pk) for b in (first, second)]
    assert sorted(b.serial for b in published) == [2, 3]
    for bulletin in published:
        assert bulletin.number in "".join(
            pdf_text(bulletin.file.read(), tmp_path, f"{bulletin.pk}.pdf").split()
        )
    assert BulletinCounter.objects.get(prefix=first.prefix).last == 3
