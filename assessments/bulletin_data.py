"""The facts a bulletin is compiled from (R-6.3), read live from the portal's records for the
city or one district and one quarter or half-year. A fixed number of queries, whatever the size
of the district; every council, unit and community is named.

Definitions (the bulletin prints the figures they give):
- A council is due in a quarter once its term has started (councils/compliance.py). It missed
  the quarter when a miss is recorded at quarter close, or when the quarter is over and it held
  no meeting in it. It met every quarter when it held a meeting in each due quarter of the
  period that has begun, and none is missed.
- Praised councils met every quarter and have no fund violation still open (R-1.1, R-1.8).
- Fund violations: not yet closed (销号) at compilation, whenever flagged; overdue = deadline
  before today (Shanghai calendar).
- Assessment (R-1.9): the latest half-year that ends within the bulletin's period and whose
  deadline (closes_on) has passed. Units graded 优秀 are praised, those graded 不合格 named, and
  every assessment not published by then is named as not assessed.
- Patrols (R-2.1): rectification rate = fixed ÷ findings reported in the period (duplicates left
  out), as on the statistics page; communities with at least MIN_FINDINGS findings compete for
  the best rate. Overdue findings: still open with a deadline before today, by community.
- Model cases (R-5.2): nominated and not withdrawn, with their date in the period.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from councils.models import ComplianceFinding, Council, District, Meeting, MemberUnit, Street
from councils.periods import Quarter
from finance.models import Violation
from inspections.models import Category, Finding
from inspections.selectors import period_bounds
from surveys.models import Rate, Round
from surveys.selectors import city_row, lowest_satisfaction

from .models import Assessment, Grade, Period, Result, half_bounds
from .models_bulletins import ModelCase

MIN_FINDINGS = 2  # a community needs this many findings in the period to be praised for its rate
TOP_COMMUNITIES = 3

Progress = Callable[[str, int], None]


def _none(step: str, percent: int) -> None:
    return None


def rate(fixed: int, findings: int) -> float | None:
    """Fixed ÷ findings in per cent with one decimal; None without findings."""
    return round(100 * fixed / findings, 1) if findings else None


def assessment_period(end: date, today: date) -> Period | None:
    """The latest half-year that ends within the bulletin's period and whose deadline is over."""
    periods = Period.objects.filter(closes_on__lt=today, year__lte=end.year).order_by("-year", "-half")
    for period in periods:
        if half_bounds(period.year, period.half)[1] <= end:
            return period
    return None


def bulletin_facts(
    *,
    district: District | None,
    start: date,
    end: date,
    quarters: list[Quarter],
    today: date,
    progress: Progress = _none,
) -> dict:
    """Everything the bulletin says, as plain JSON-ready data (stored on the bulletin)."""
    in_district = {} if district is None else {"district": district}

    def under(path: str) -> dict:
        return {} if district is None else {path: district}

    # --- Councils and their quarterly meetings (R-1.1) ---------------------------------------
    progress("meetings", 10)
    councils = list(
        Council.objects.filter(status=Council.Status.ACTIVE, **under("community__street__district"))
        .select_related("community__street__district")
        .order_by("community__street__district__name", "community__street__name", "community__name")
    )
    council_ids = [c.pk for c in councils]
    begun = [q for q in quarters if q.first_day <= today]
    held: dict[int, set[Quarter]] = defaultdict(set)
    meetings_held = 0
    if begun:
        for council_id, held_at in Meeting.objects.filter(
            council_id__in=council_ids,
            status=Meeting.Status.HELD,
            held_at__gte=begun[0].start,
            held_at__lt=begun[-1].end,
        ).values_list("council_id", "held_at"):
            held[council_id].add(Quarter.of(held_at))
            meetings_held += 1
    recorded: dict[int, set[Quarter]] = defaultdict(set)
    wanted = Q(pk__in=[])
    for quarter in quarters:
        wanted |= Q(year=quarter.year, quarter=quarter.number)
    for council_id, year, number in ComplianceFinding.objects.filter(
        wanted, council_id__in=council_ids
    ).values_list("council_id", "year", "quarter"):
        recorded[council_id].add(Quarter(year, number))

    def due(council: Council, quarter: Quarter) -> bool:
        return not (council.term_start and council.term_start > quarter.last_day)

    missed: dict[int, list[Quarter]] = {}
    met_all: set[int] = set()
    for council in councils:
        misses = [
            q
            for q in quarters
            if q in recorded[council.pk]
            or (q.last_day < today and due(council, q) and q not in held[council.pk])
        ]
        if misses:
            missed[council.pk] = misses
        elif all(q in held[council.pk] for q in begun if due(council, q)) and any(
            due(council, q) for q in begun
        ):
            met_all.add(council.pk)

    # --- Fund violations (R-1.8) ---------------------------------------------------------------
    progress("funds", 25)
    violations = []
    open_by_council: Counter = Counter()
    for v in (
        Violation.objects.exclude(status=Violation.Status.CLOSED)
        .filter(entry__fund__council_id__in=council_ids)
        .select_related("entry__fund__council__community__street")
        .order_by("deadline", "pk")
    ):
        council = v.entry.fund.council
        open_by_council[council.pk] += 1
        violations.append(
            {
                "council": council.name,
                "street": council.community.street.name,
                "street_id": council.community.street_id,
                "entry": v.entry.number,
                "amount": str(v.entry.amount),
                "kind": str(v.get_kind_display()),
                "status": str(v.get_status_display()),
                "deadline": v.deadline.isoformat(),
                "overdue": v.deadline < today,
                "days_overdue": max((today - v.deadline).days, 0),
            }
        )
    praised_councils = [c for c in councils if c.pk in met_all and not open_by_council[c.pk]]

    # --- Assessment results (R-1.9, R-1.10) ----------------------------------------------------
    progress("assessments", 40)
    period = assessment_period(end, today)
    excellent, failed, not_assessed, assessed = [], [], [], 0
    if period is not None:
        for result in (
            Result.objects.filter(period=period, **in_district)
            .select_related("unit", "street")
            .order_by("-final_score", "unit__name")
        ):
            assessed += 1
            row = {
                "unit": result.unit.name,
                "street": result.street.name,
                "street_id": result.street_id,
                "score": str(result.final_score),
            }
            if result.grade == Grade.EXCELLENT:
                excellent.append(row)
            elif result.grade == Grade.FAIL:
                failed.append(row)
        for a in (
            Assessment.objects.filter(period=period, council_id__in=council_ids)
            .exclude(status=Assessment.Status.PUBLISHED)
            .select_related("unit", "council__community__street")
            .order_by("council__community__street__name", "council__community__name", "unit__name")
        ):
            not_assessed.append(
                {
                    "unit": a.unit.name,
                    "council": a.council.name,
                    "street": a.council.community.street.name,
                    "street_id": a.council.community.street_id,
                    "status": str(a.get_status_display()),
                }
            )

    # --- Patrols: rectification and overdue findings (R-2.1) -----------------------------------
    progress("patrols", 55)
    since, until = period_bounds(start, end)
    by_community = {
        line["community_id"]: line
        for line in Finding.objects.filter(
            reported_at__gte=since,
            reported_at__lt=until,
            duplicate_of__isnull=True,
            **under("community__street__district"),
        )
        .order_by()
        .values("community_id", "community__name", "community__street__name", "community__street_id")
        .annotate(n=Count("pk"), fixed=Count("pk", filter=Q(status__in=Finding.FIXED)))
    }
    findings_total = sum(line["n"] for line in by_community.values())
    fixed_total = sum(line["fixed"] for line in by_community.values())
    candidates = sorted(
        (line for line in by_community.values() if line["n"] >= MIN_FINDINGS and line["fixed"]),
        key=lambda line: (-line["fixed"] / line["n"], -line["n"], line["community__name"]),
    )
    best = [
        {
            "community": line["community__name"],
            "street": line["community__street__name"],
            "findings": line["n"],
            "fixed": line["fixed"],
            "rate": rate(line["fixed"], line["n"]),
        }
        for line in candidates[:TOP_COMMUNITIES]
    ]
    overdue_lines = (
        Finding.objects.filter(
            status__in=Finding.OPEN,
            deadline__lt=today,
            duplicate_of__isnull=True,
            **under("community__street__district"),
        )
        .order_by()
        .values(
            "community_id", "community__name", "community__street__name", "community__street_id", "category"
        )
        .annotate(n=Count("pk"))
    )
    overdue: dict[int, dict] = {}
    labels = dict(Category.choices)
    for line in overdue_lines:
        row = overdue.setdefault(
            line["community_id"],
            {
                "community": line["community__name"],
                "street": line["community__street__name"],
                "street_id": line["community__street_id"],
                "count": 0,
                "categories": {},
            },
        )
        row["count"] += line["n"]
        row["categories"][str(labels.get(line["category"], line["category"]))] = line["n"]
    overdue_findings = sorted(overdue.values(), key=lambda r: (-r["count"], r["street"], r["community"]))
    for row in overdue_findings:
        row["categories"] = sorted(row["categories"].items(), key=lambda kv: (-kv[1], kv[0]))

    # --- Model cases (R-5.2) ---------------------------------------------------------------------
    progress("cases", 65)
    cases = [
        {
            "title": case.title,
            "community": case.community.name,
            "street": case.community.street.name,
            "unit": case.unit.name if case.unit_id else "",
            "story": case.story,
        }
        for case in ModelCase.objects.filter(
            status=ModelCase.Status.NOMINATED,
            occurred_on__gte=start,
            occurred_on__lte=end,
            **under("community__street__district"),
        )
        .select_related("community__street", "unit")
        .order_by("occurred_on", "pk")
    ]

    # --- One line per street ---------------------------------------------------------------------
    progress("streets", 72)
    streets = list(
        Street.objects.filter(**in_district).select_related("district").order_by("district__name", "name")
    )
    lines = {
        s.pk: {
            "district": s.district.name,
            "street": s.name,
            "councils": 0,
            "met_all": 0,
            "missed": 0,
            "violations_open": 0,
            "violations_overdue": 0,
            "findings": 0,
            "fixed": 0,
            "rate": None,
            "findings_overdue": 0,
            "excellent": 0,
            "failed": 0,
            "not_assessed": 0,
        }
        for s in streets
    }
    for council in councils:
        line = lines[council.community.street_id]
        line["councils"] += 1
        line["met_all"] += council.pk in met_all
        line["missed"] += council.pk in missed
    for v in violations:
        lines[v["street_id"]]["violations_open"] += 1
        lines[v["street_id"]]["violations_overdue"] += v["overdue"]
    for row in by_community.values():
        lines[row["community__street_id"]]["findings"] += row["n"]
        lines[row["community__street_id"]]["fixed"] += row["fixed"]
    for row in overdue.values():
        lines[row["street_id"]]["findings_overdue"] += row["count"]
    for row in excellent:
        lines[row["street_id"]]["excellent"] += 1
    for row in failed:
        lines[row["street_id"]]["failed"] += 1
    for row in not_assessed:
        lines[row["street_id"]]["not_assessed"] += 1
    for line in lines.values():
        line["rate"] = rate(line["fixed"], line["findings"])

    units = MemberUnit.objects.filter(status=MemberUnit.Status.ACTIVE, **under("street__district")).count()
    progress("surveys", 95)
    return {
        "surveys": survey_facts(district=district, end=end),
        "scope": district.name if district is not None else _("全市"),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "as_of": today.isoformat(),
        "quarters": [str(q) for q in quarters],
        "assessment_period": str(period) if period is not None else "",
        "overview": {
            "councils": len(councils),
            "units": units,
            "meetings": meetings_held,
            "met_all": len(met_all),
            "missed": len(missed),
            "violations_open": len(violations),
            "violations_overdue": sum(v["overdue"] for v in violations),
            "findings": findings_total,
            "fixed": fixed_total,
            "rate": rate(fixed_total, findings_total),
            "findings_overdue": sum(r["count"] for r in overdue_findings),
            "assessed": assessed,
            "excellent": len(excellent),
            "failed": len(failed),
            "not_assessed": len(not_assessed),
            "cases": len(cases),
        },
        "praise": {
            "councils": [{"council": c.name, "street": c.community.street.name} for c in praised_councils],
            "units": excellent,
            "communities": best,
            "cases": cases,
        },
        "problems": {
            "missed": [
                {
                    "council": c.name,
                    "street": c.community.street.name,
                    "quarters": [str(q) for q in missed[c.pk]],
                }
                for c in councils
                if c.pk in missed
            ],
            "violations": violations,
            "failed_units": failed,
            "not_assessed": not_assessed,
            "overdue_findings": overdue_findings,
        },
        "streets": list(lines.values()),
    }


def survey_facts(*, district: District | None, end: date) -> dict | None:
    """Residents' five rates (R-6.2) of the newest survey round begun by the end of the bulletin's
    period, pooled over the district (or the city), and the communities with the lowest
    satisfaction among those with at least the round's minimum sample; None without a round."""
    round = Round.objects.filter(opens_on__lte=end).order_by("-opens_on").first()
    if round is None:
        return None
    row = city_row(round, within=district)
    lowest = lowest_satisfaction(round, within=district, limit=3)
    return {
        "round": str(round),
        "min_sample": round.min_sample,
        "responses": row.responses,
        "held": row.held,  # answers held for review (a burst), left out of the rates
        "rates": [
            {"label": str(Rate(code).label), "pct": e.pct, "n": e.n} for code, e in row.estimates.items()
        ],
        "lowest": [
            {
                "community": row.node.name,
                "street": row.node.street.name,
                "pct": row.satisfaction.pct,
                "n": row.satisfaction.n,
            }
            for row in lowest
        ],
    }
