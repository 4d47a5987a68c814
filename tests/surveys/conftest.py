"""Fixtures of the survey tests."""

import pytest
import time_machine

from .helpers import FROZEN_AT


@pytest.fixture
def clock():
    """The clock stopped at FROZEN_AT; tests move it by hand (the burst rule counts by the hour)."""
    with time_machine.travel(FROZEN_AT, tick=False) as traveller:
        yield traveller
