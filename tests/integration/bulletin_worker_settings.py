"""Settings of the workers started by test_bulletin_jobs.py: the portal's own settings, with two
test-only changes.

- Redis hands an unacknowledged job back after BULLETIN_TEST_VISIBILITY seconds (the portal
  waits an hour), looking every second, so a job whose worker was killed is redelivered within
  the test. The unacknowledged-jobs keys carry the test's queue name, so these workers never hand
  back another test's jobs.
- BULLETIN_TEST_RENDER_PAUSE makes each render wait that many seconds first, long enough to kill
  the worker in the middle. The portal's settings never define it; the job reads it with a
  default of 0.
"""

import os

from config.settings import *  # noqa: F403
from config.settings import CELERY_BROKER_TRANSPORT_OPTIONS

_queue = os.environ["BULLETIN_TEST_QUEUE"]
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "visibility_timeout": int(os.environ.get("BULLETIN_TEST_VISIBILITY", "5")),
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
    "unacked_key": f"unacked-{_queue}",
    "unacked_index_key": f"unacked_index-{_queue}",
    "unacked_mutex_key": f"unacked_mutex-{_queue}",
}
BULLETIN_TEST_RENDER_PAUSE = float(os.environ.get("BULLETIN_TEST_RENDER_PAUSE", "0"))
