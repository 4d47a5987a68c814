"""Half-years named the Chinese way (DESIGN.md invariant 8), one definition for periods, rounds
and bulletins."""

from datetime import date, datetime

from django.utils import translation

from councils.periods import SHANGHAI, HalfYear, Quarter


def test_half_year_of_a_day_its_bounds_quarters_and_neighbours():
    assert HalfYear.of(date(2026, 6, 30)) == HalfYear(2026, 1)
    assert HalfYear.of(date(2026, 7, 1)) == HalfYear(2026, 2)
    # Read on a Shanghai calendar: 30 June 23:30 there is still the first half.
    assert HalfYear.of(datetime(2026, 6, 30, 23, 30, tzinfo=SHANGHAI)) == HalfYear(2026, 1)
    second = HalfYear(2026, 2)
    assert (second.first_day, second.last_day) == (date(2026, 7, 1), date(2026, 12, 31))
    assert second.quarters == [Quarter(2026, 3), Quarter(2026, 4)]
    assert (second.previous(), second.next()) == (HalfYear(2026, 1), HalfYear(2027, 1))
    assert HalfYear(2026, 1).previous() == HalfYear(2025, 2)


def test_half_year_reads_in_chinese_and_in_english():
    assert str(HalfYear(2026, 1)) == "2026年上半年"
    with translation.override("en"):
        assert str(HalfYear(2026, 2)) == "H2 2026"
