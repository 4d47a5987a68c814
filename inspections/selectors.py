"""Reads over patrols and activities: the statistics per district, street or community and period
(issue 5 §8; R-2.1, R-3.2, R-4.1). A fixed number of queries whatever the size of the city.

Definitions (the statistics page prints them too):
- A finding counts in the period by its `reported_at`, read on a Shanghai calendar; findings
  marked as a duplicate of another (`duplicate_of`) are left out everywhere.
- Fixed (已纠正) = status in `Finding.FIXED` (dissuaded on the spot, rectified, verified).
  Closed without a fix is not fixed.
- Rectification rate = fixed ÷ findings of the period.
- Days to rectify = `fixed_at` − `reported_at` in days; the median is over the fixed findings.
- Overdue = still open (`Finding.OPEN`) with a deadline before today (Shanghai).
- Repeat spot = a (building, category) pair with two findings or more in the period.
- Activities count by `held_on` within the period, split into volunteer services
  (`Activity.VOLUNTEER`, R-3.2) and education events (R-4.1).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import models
from django.db.models import Count, DurationField, ExpressionWrapper, F, Max, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from councils import periods
from councils.models import Community, District, Street
from councils.roles import CAPABILITIES, Level
from councils.scoping import grants_of

from .models import Activity, Category, Finding

SECONDS_PER_DAY = 86400
TOP_SPOTS = 10


class StatsLevel(models.TextChoices):
    """What one row of the statistics stands for."""

    DISTRICT = "district", gettext_lazy("区")
    STREET = "street", gettext_lazy("街道/镇")
    COMMUNITY = "community", gettext_lazy("社区")


UNIT_MODEL = {StatsLevel.DISTRICT: District, StatsLevel.STREET: Street, StatsLevel.COMMUNITY: Community}
# The path from a finding or an activity (both hang from a community) to the row's key.
KEY = {
    StatsLevel.DISTRICT: "community__street__district_id",
    StatsLevel.STREET: "community__street_id",
    StatsLevel.COMMUNITY: "community_id",
}
UNIT_RELATED = {
    StatsLevel.DISTRICT: (),
    StatsLevel.STREET: ("district",),
    StatsLevel.COMMUNITY: ("street__district",),
}
DISTRICT_PATH = {
    StatsLevel.DISTRICT: "pk",
    StatsLevel.STREET: "district_id",
    StatsLevel.COMMUNITY: "street__district_id",
}
STREET_PATH = {StatsLevel.STREET: "pk", StatsLevel.COMMUNITY: "street_id"}
UNIT_ORDER = {
    StatsLevel.DISTRICT: ("name", "pk"),
    StatsLevel.STREET: ("district__name", "name", "pk"),
    StatsLevel.COMMUNITY: ("street__district__name", "street__name", "name", "pk"),
}
# The levels a role assignment may break its numbers down by, and the one shown first.
LEVELS_OF_GRANT = {
    Level.CITY: [StatsLevel.DISTRICT, StatsLevel.STREET, StatsLevel.COMMUNITY],
    Level.DISTRICT: [StatsLevel.DISTRICT, StatsLevel.STREET, StatsLevel.COMMUNITY],
    Level.STREET: [StatsLevel.STREET, StatsLevel.COMMUNITY],
    Level.COMMUNITY: [StatsLevel.COMMUNITY],
}
DEFAULT_OF_GRANT = {
    Level.CITY: StatsLevel.DISTRICT,
    Level.DISTRICT: StatsLevel.STREET,
    Level.STREET: StatsLevel.COMMUNITY,
    Level.COMMUNITY: StatsLevel.COMMUNITY,
}
GRANT_ORDER = [Level.CITY, Level.DISTRICT, Level.STREET, Level.COMMUNITY]


def grant_levels(user, capability: str | None) -> set[str]:
    allowed = CAPABILITIES[capability] if capability else None
    return {g.level for g in grants_of(user) if allowed is None or g.role in allowed}


def levels_for(user, capability: str | None = None) -> list[str]:
    """The levels the user's widest role assignment (holding `capability`, if given) may break
    the numbers down by (R-6.1: each level sees what is below it). Council and member-unit
    assignments see no part of the tree."""
    levels = grant_levels(user, capability)
    for level in GRANT_ORDER:
        if level in levels:
            return list(LEVELS_OF_GRANT[level])
    return []


def default_level(user, capability: str | None = None) -> str | None:
    """One level below the user's own: the city by district, a district by street, a street by
    community."""
    levels = grant_levels(user, capability)
    for level in GRANT_ORDER:
        if level in levels:
            return DEFAULT_OF_GRANT[level]
    return None


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """From the first instant of `start` to the first instant after `end`, Shanghai time."""
    return (
        datetime.combine(start, time.min, tzinfo=periods.SHANGHAI),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=periods.SHANGHAI),
    )


# --- The figures --------------------------------------------------------------------------------


@dataclass
class ActivityTotals:
    """Activities of one kind group: how many, people taking part, volunteer hours, people served."""

    count: int = 0
    participants: int = 0
    hours: Decimal = Decimal("0")
    served: int = 0

    def add(self, other: ActivityTotals) -> None:
        self.count += other.count
        self.participants += other.participants
        self.hours += other.hours
        self.served += other.served


@dataclass
class UnitStats:
    """One row: a district, street or community (`unit`), or the total (`unit` is None)."""

    unit: object | None
    label: str
    parent: str = ""
    findings: int = 0
    fixed: int = 0
    closed: int = 0
    overdue: int = 0
    repeat_spots: int = 0
    by_category: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Category.values, 0))
    days: list[float] = field(default_factory=list)  # days to rectify, one per fixed finding
    volunteer: ActivityTotals = field(default_factory=ActivityTotals)
    education: ActivityTotals = field(default_factory=ActivityTotals)

    @property
    def rate(self) -> float | None:
        """Fixed ÷ findings, in per cent with one decimal; None without findings."""
        return round(100 * self.fixed / self.findings, 1) if self.findings else None

    @property
    def median_days(self) -> float | None:
        """The median days to rectify over the fixed findings, one decimal; None without any."""
        return round(statistics.median(self.days), 1) if self.days else None

    @property
    def categories(self) -> list[int]:
        """Counts in the order of `Category`."""
        return [self.by_category[code] for code in Category.values]

    @property
    def category_cells(self) -> list[tuple[str, int]]:
        """(category label, count) in the order of `Category`."""
        return [(label, self.by_category[code]) for code, label in Category.choices]

    @property
    def activities(self) -> int:
        return self.volunteer.count + self.education.count

    @property
    def participants(self) -> int:
        return self.volunteer.participants + self.education.participants

    @property
    def hours(self) -> Decimal:
        return self.volunteer.hours + self.education.hours

    @property
    def served(self) -> int:
        return self.volunteer.served + self.education.served

    def add(self, other: UnitStats) -> None:
        self.findings += other.findings
        self.fixed += other.fixed
        self.closed += other.closed
        self.overdue += other.overdue
        self.repeat_spots += other.repeat_spots
        for code, n in other.by_category.items():
            self.by_category[code] += n
        self.days += other.days
        self.volunteer.add(other.volunteer)
        self.education.add(other.education)


@dataclass
class RepeatSpot:
    """A building where findings of one category came back within the period."""

    building_id: int
    building: str
    community: str
    category: str
    findings: int
    last_reported_at: datetime

    @property
    def category_label(self) -> str:
        return Category(self.category).label


@dataclass
class PatrolStats:
    level: str
    start: date
    end: date
    rows: list[UnitStats]
    total: UnitStats
    spots: list[RepeatSpot]  # every repeat spot, most findings first

    @property
    def top_spots(self) -> list[RepeatSpot]:
        return self.spots[:TOP_SPOTS]

    @property
    def category_labels(self) -> list[str]:
        return [str(label) for label in Category.labels]

    def chart_data(self) -> dict:
        """What the charts draw, for a `json_script` tag: findings by category over the whole
        table, and the rectification rate of each row (null where a row has no findings)."""
        return {
            "categories": self.category_labels,
            "categoryCounts": self.total.categories,
            "units": [row.label for row in self.rows],
            "rates": [row.rate for row in self.rows],
            "findings": [row.findings for row in self.rows],
            "names": {"findings": _("发现数"), "rate": _("整改率（%）")},
        }


def unit_parent(level: str, unit) -> str:
    if level == StatsLevel.COMMUNITY:
        return f"{unit.street.district.name} · {unit.street.name}"
    if level == StatsLevel.STREET:
        return unit.district.name
    return ""


def units_in_scope(
    user,
    level: str,
    *,
    district: int | None = None,
    street: int | None = None,
    capability: str | None = None,
):
    """The districts, streets or communities the user sees, optionally within one district or
    street (a district or street outside the scope narrows to nothing)."""
    units = UNIT_MODEL[level].objects.visible_to(user, capability=capability)
    if district is not None:
        units = units.filter(**{DISTRICT_PATH[level]: district})
    if street is not None and level != StatsLevel.DISTRICT:
        units = units.filter(**{STREET_PATH[level]: street})
    return units.select_related(*UNIT_RELATED[level]).order_by(*UNIT_ORDER[level])


def patrol_stats(
    user,
    *,
    level: str,
    start: date,
    end: date,
    district: int | None = None,
    street: int | None = None,
    capability: str | None = None,
) -> PatrolStats:
    """Findings by category, rectification rate, median days to rectify, overdue, repeat spots,
    and activities with their hours, per district, street or community in the user's scope, for
    the days `start` to `end` inclusive (R-2.1, R-3.2, R-4.1). Five queries, whatever the data:
    the units, the findings grouped by unit, the durations of the fixed ones, the repeat spots,
    and the activities grouped by unit. With `capability`, only the scope of the user's role
    assignments that hold it counts."""
    key = KEY[level]
    units = units_in_scope(user, level, district=district, street=street, capability=capability)
    rows = {unit.pk: UnitStats(unit=unit, label=unit.name, parent=unit_parent(level, unit)) for unit in units}
    since, until = period_bounds(start, end)
    findings = Finding.objects.visible_to(user, capability=capability).filter(
        **{f"{key}__in": units.values("pk")},
        reported_at__gte=since,
        reported_at__lt=until,
        duplicate_of__isnull=True,
    )

    fixed = Q(status__in=Finding.FIXED)
    grouped = (
        findings.order_by()
        .values(key)
        .annotate(
            n=Count("pk"),
            fixed=Count("pk", filter=fixed),
            closed=Count("pk", filter=Q(status=Finding.Status.CLOSED)),
            overdue=Count("pk", filter=Q(status__in=Finding.OPEN, deadline__lt=periods.today())),
            **{f"cat_{code}": Count("pk", filter=Q(category=code)) for code in Category.values},
        )
    )
    for line in grouped:
        row = rows[line[key]]
        row.findings, row.fixed = line["n"], line["fixed"]
        row.closed, row.overdue = line["closed"], line["overdue"]
        row.by_category = {code: line[f"cat_{code}"] for code in Category.values}

    # The time taken, subtracted by the database: a whole city's fixed findings of a quarter are
    # thousands of rows, each two datetimes to convert otherwise.
    took = ExpressionWrapper(F("fixed_at") - F("reported_at"), output_field=DurationField())
    durations = findings.filter(fixed, fixed_at__isnull=False).order_by().values_list(key, took)
    for unit_id, duration in durations:
        rows[unit_id].days.append(max(duration.total_seconds(), 0) / SECONDS_PER_DAY)

    spots = []
    repeated = (
        findings.filter(building__isnull=False)
        .order_by()
        .values(key, "building_id", "building__name", "community__name", "category")
        .annotate(n=Count("pk"), last=Max("reported_at"))
        .filter(n__gte=2)
        .order_by("-n", "-last", "building_id", "category")
    )
    for line in repeated:
        rows[line[key]].repeat_spots += 1
        spots.append(
            RepeatSpot(
                building_id=line["building_id"],
                building=line["building__name"],
                community=line["community__name"],
                category=line["category"],
                findings=line["n"],
                last_reported_at=line["last"],
            )
        )

    volunteer, education = Q(kind__in=Activity.VOLUNTEER), ~Q(kind__in=Activity.VOLUNTEER)
    activities = (
        Activity.objects.visible_to(user, capability=capability)
        .filter(**{f"{key}__in": units.values("pk")}, held_on__gte=start, held_on__lte=end)
        .order_by()
        .values(key)
        .annotate(
            **{
                f"{name}_{measure}": aggregate(field_name, filter=kind)
                for name, kind in (("v", volunteer), ("e", education))
                for measure, aggregate, field_name in (
                    ("count", Count, "pk"),
                    ("participants", Sum, "participants"),
                    ("hours", Sum, "volunteer_hours"),
                    ("served", Sum, "people_served"),
                )
            }
        )
    )
    for line in activities:
        row = rows[line[key]]
        for name, totals in (("v", row.volunteer), ("e", row.education)):
            totals.count = line[f"{name}_count"]
            totals.participants = line[f"{name}_participants"] or 0
            totals.hours = line[f"{name}_hours"] or Decimal("0")
            totals.served = line[f"{name}_served"] or 0

    total = UnitStats(unit=None, label=_("合计"))
    for row in rows.values():
        total.add(row)
    return PatrolStats(level=level, start=start, end=end, rows=list(rows.values()), total=total, spots=spots)
