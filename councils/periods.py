"""Quarters and half-years in Asia/Shanghai time, named the Chinese way (DESIGN.md invariant 8)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

SHANGHAI = ZoneInfo("Asia/Shanghai")
QUARTER_NAMES = {
    1: pgettext_lazy("quarter", "一"),
    2: pgettext_lazy("quarter", "二"),
    3: pgettext_lazy("quarter", "三"),
    4: pgettext_lazy("quarter", "四"),
}


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def of(cls, moment: datetime | date) -> Quarter:
        """The quarter a moment falls in, read on a Shanghai calendar (R-1.1)."""
        if isinstance(moment, datetime):
            moment = moment.astimezone(SHANGHAI).date() if timezone.is_aware(moment) else moment.date()
        return cls(moment.year, (moment.month - 1) // 3 + 1)

    @classmethod
    def current(cls) -> Quarter:
        return cls.of(timezone.now())

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    @property
    def start(self) -> datetime:
        """The first instant, as an aware datetime."""
        return datetime.combine(self.first_day, time.min, tzinfo=SHANGHAI)

    @property
    def end(self) -> datetime:
        """The first instant of the next quarter (exclusive bound)."""
        return self.next().start

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    def __str__(self) -> str:
        """2026年第一季度 (in English: Q1 2026)."""
        return _("%(year)d年第%(name)s季度") % {"year": self.year, "name": QUARTER_NAMES[self.number]}

    @property
    def code(self) -> str:
        return f"{self.year}Q{self.number}"

    @classmethod
    def parse(cls, code: str) -> Quarter:
        year, number = code.upper().split("Q")
        quarter = cls(int(year), int(number))
        if not 1 <= quarter.number <= 4:
            raise ValueError(code)
        return quarter


HALF_NAMES = {1: gettext_lazy("上半年"), 2: gettext_lazy("下半年")}


@dataclass(frozen=True, order=True)
class HalfYear:
    """A half-year (上半年 / 下半年): the span of an assessment period (R-1.9) and of survey
    rounds and bulletins."""

    year: int
    number: int

    @classmethod
    def of(cls, moment: datetime | date) -> HalfYear:
        quarter = Quarter.of(moment)
        return cls(quarter.year, 1 if quarter.number <= 2 else 2)

    @classmethod
    def current(cls) -> HalfYear:
        return cls.of(timezone.now())

    @property
    def first_day(self) -> date:
        return date(self.year, 1 if self.number == 1 else 7, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, 6, 30) if self.number == 1 else date(self.year, 12, 31)

    @property
    def quarters(self) -> list[Quarter]:
        first = 1 if self.number == 1 else 3
        return [Quarter(self.year, first), Quarter(self.year, first + 1)]

    def next(self) -> HalfYear:
        return HalfYear(self.year, 2) if self.number == 1 else HalfYear(self.year + 1, 1)

    def previous(self) -> HalfYear:
        return HalfYear(self.year - 1, 2) if self.number == 1 else HalfYear(self.year, 1)

    @property
    def name(self) -> str:
        """上半年 or 下半年."""
        return str(HALF_NAMES[self.number])

    def __str__(self) -> str:
        """2026年上半年 (in English: H1 2026)."""
        return _("%(year)d年%(name)s") % {"year": self.year, "name": self.name}


def today() -> date:
    """Today's date in Shanghai."""
    return timezone.localdate(timezone.now(), SHANGHAI)
