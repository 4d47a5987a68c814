"""A deterministic large city for the benchmark: `python -m bench.city --scale 1.0`.

At scale 1.0: 10 districts, 80 streets, 1,000 communities with their councils, 8,000 buildings,
15,000 member units (about 3% also sit on a second council, 3% joined during the five years and
3% left), one user per role and node, and five years of work up to `--until` (default: yesterday):
about 20,000 meetings with attendance, agenda item and resolution, 300,000 ledger entries with
pledges, violations and a few reversals, 50,000 patrols with 200,000 findings, their events and
photos, ten closed half-year periods with 150,000 published assessments, and what the portal's
own bulk services derive from them: missed-meeting findings, dynamic points and ranked results.
Scale 0.1 keeps the size of a district and a street and has a tenth of the streets.

Rows are written with COPY (bench.rows), never through the per-row services, but every database
constraint and every invariant the services keep holds: fund balances equal the ledger sums and
never went negative along the way, ledger numbers run 1, 2, 3 per fund and year in date order,
expenditures name the latest carried resolution of their council or carry the violation the
service would have flagged, quorum and outcome follow the votes, findings have the events and
the after photo their status needs, and one assessment per period, council and unit.

Per-criterion scores are generated for the two latest periods only; older assessments carry
their total (rubric_score) alone. Left out: tasks, plans, contacts, activities, rosters, budgets,
meeting attachments and the change log.
"""

from __future__ import annotations

import argparse
import math
import random
import time
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal

from django.db import connection, transaction

from . import GENERATOR_VERSION, SEED
from .rows import Copier, reserve_ids

# Full-scale sizes (scale 1.0).
DISTRICTS = 10
STREETS = 80
COUNCILS = 1000
UNITS = 15_000
BUILDINGS_PER_COMMUNITY = 8
YEARS = 5
# Yearly rates per council / community, tuned so five years and the current part-year give
# about 20,000 meetings, 300,000 ledger entries and 200,000 findings at full scale.
MEETING_CHANCE = 0.93  # a council meets in a given quarter: the rest are missed quarters
EXTRA_MEETING_CHANCE = 0.05
DONATIONS_PER_YEAR = 10
EXPENDITURES_PER_YEAR = 30
PATROLS_PER_YEAR = 7.6
FINDINGS_PER_PATROL = (1, 9)  # uniform, mean 5
SCORED_PERIODS = 2  # the latest periods get per-criterion Score rows

PASSWORD = "!bench-unusable"  # noqa: S105 -- an unusable password hash: bench users sign in by session only
PHOTO_NAME = "bench/photo.jpg"


def pairs(text: str) -> list[str]:
    """Two-character place words from one run of text."""
    return [text[i : i + 2] for i in range(0, len(text), 2)]


DISTRICT_NAMES = [
    "梅列区",
    "三元区",
    "沙县区",
    "永安区",
    "明溪区",
    "清流区",
    "宁化区",
    "大田区",
    "尤溪区",
    "将乐区",
]
STREET_WORDS = pairs(
    "徐碧列东列西城关富兴白沙荆西岩前中村洋溪莘口贡川曹远小蕉槐南吉口东霞崇宁高岩新南"
    "江滨徐坊碧湖沙溪翠竹红印台江杨源梅岭芙蓉桂花清溪金沙凤岗玉华龙湖瑞云渔塘虎头翔安"
)
COMMUNITY_WORDS = pairs("幸福和平建设朝阳新华光明团结胜利人民文化育才东风红旗春晖长安安康丰收永宁泰和兴华")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许邓冯韩曹曾彭萧蔡潘田董袁"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰建国红梅海燕婷浩雪"
KINDS = [
    ("company", 45, "科技有限公司"),
    ("state_firm", 10, "建设集团有限公司"),
    ("public_institution", 15, "事务中心"),
    ("party_government", 12, "管理局"),
    ("school", 8, "实验学校"),
    ("hospital", 5, "医院"),
    ("court", 2, "人民法院"),
    ("other", 3, "协会"),
]
CREDIT_PREFIX = {
    "party_government": "11",
    "court": "11",
    "public_institution": "12",
    "school": "12",
    "hospital": "12",
}
FINDING_CATEGORIES = [
    ("parking", 25),
    ("littering", 20),
    ("piling", 15),
    ("posters", 12),
    ("stalls", 10),
    ("drying", 8),
    ("illegal_construction", 5),
    ("other", 5),
]
# Status of a finding by age: (status, weight); older ones are mostly settled.
OLD_STATUSES = [
    ("verified", 55),
    ("dissuaded", 25),
    ("closed", 5),
    ("escalated", 3),
    ("rectified", 2),
    ("ordered", 5),
    ("reported", 5),
]
RECENT_STATUSES = [("reported", 20), ("ordered", 25), ("dissuaded", 25), ("rectified", 15), ("verified", 15)]
# The steps that lead to each status (FindingEvent rows), as the services record them.
PATHS = {
    "reported": ["reported"],
    "dissuaded": ["reported", "dissuaded"],
    "ordered": ["reported", "ordered"],
    "rectified": ["reported", "ordered", "rectified"],
    "verified": ["reported", "ordered", "rectified", "verified"],
    "escalated": ["reported", "escalated"],
    "closed": ["reported", "closed"],
}
FIXED = {"dissuaded", "rectified", "verified"}


def sizes(scale: float) -> dict[str, int]:
    councils = max(1, round(COUNCILS * scale))
    streets = min(councils, max(1, round(STREETS * scale)))
    districts = min(streets, max(1, round(DISTRICTS * scale)))
    units = max(2 * councils, round(UNITS * scale))
    return {"districts": districts, "streets": streets, "councils": councils, "units": units}


def version_key(scale: float, until: date) -> str:
    """What a built database is known by: rebuilt when any part changes (the quarter of `until`
    keeps "this quarter" pages comparable)."""
    quarter = f"{until.year}Q{(until.month - 1) // 3 + 1}"
    return f"bench-city {GENERATOR_VERSION} seed={SEED} scale={scale:g} until={quarter}"


# --- Small helpers -----------------------------------------------------------------------------


def _tz():
    from councils.periods import SHANGHAI

    return SHANGHAI


def weighted(rng: random.Random, table: list[tuple]) -> tuple:
    total = sum(row[1] for row in table)
    pick = rng.uniform(0, total)
    for row in table:
        pick -= row[1]
        if pick <= 0:
            return row
    return table[-1]


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")


def day_between(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, max(0, (last - first).days)))


def at(day: date, hour: int, minute: int = 0):
    return datetime.combine(day, clock(hour, minute), tzinfo=_tz())


def money(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


@dataclass
class Seat:
    id: int
    unit: int
    council: int  # index
    joined_on: date
    left_on: date | None
    position: str = "member"
    building: int = 0

    def holds(self, day: date) -> bool:
        """Held the seat on `day`, as meeting_record counts the eligible (joined, not yet left)."""
        return self.joined_on <= day and (self.left_on is None or self.left_on > day)

    def during(self, first: date, last: date) -> bool:
        """Sat on the council at some time in [first, last], as period_sync seats assessments."""
        return self.joined_on <= last and (self.left_on is None or self.left_on >= first)


@dataclass
class City:
    scale: float
    until: date
    seed: int
    start: date = date.min
    periods: list[tuple[int, int]] = field(default_factory=list)
    district_ids: list[int] = field(default_factory=list)
    street_ids: list[int] = field(default_factory=list)
    street_district: list[int] = field(default_factory=list)
    street_names: list[str] = field(default_factory=list)
    community_ids: list[int] = field(default_factory=list)
    community_street: list[int] = field(default_factory=list)
    community_names: list[str] = field(default_factory=list)
    council_ids: list[int] = field(default_factory=list)
    buildings: list[list[int]] = field(default_factory=list)
    unit_ids: list[int] = field(default_factory=list)
    unit_names: list[str] = field(default_factory=list)
    unit_quality: list[float] = field(default_factory=list)
    seats: list[Seat] = field(default_factory=list)
    council_seats: list[list[Seat]] = field(default_factory=list)
    users: dict[str, list[int]] = field(default_factory=dict)
    city_user: int = 0
    # Per council: the carried resolutions (held day, id), in date order, for the ledger.
    carried: list[list[tuple[date, int]]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def rng(self, *parts) -> random.Random:
        return random.Random(":".join(map(str, (self.seed, *parts))))


def window(until: date) -> tuple[date, list[tuple[int, int]]]:
    """The ten half-years before the one `until` falls in, and the first day of the first."""
    year, half = until.year, 1 if until.month <= 6 else 2
    periods = []
    for _ in range(2 * YEARS):
        year, half = (year, 1) if half == 2 else (year - 1, 2)
        periods.append((year, half))
    periods.reverse()
    first_year, first_half = periods[0]
    return date(first_year, 1 if first_half == 1 else 7, 1), periods


# --- The tree, units and seats -----------------------------------------------------------------


def build_tree(city: City) -> None:
    from councils.models import (
        Building,
        Community,
        Council,
        District,
        Membership,
        MemberUnit,
        ResponsibleArea,
    )
    from councils.models import Street as StreetModel
    from councils.validators import credit_code_check_char

    n = sizes(city.scale)
    rng = city.rng("tree")
    first = reserve_ids(District, n["districts"])
    city.district_ids = list(range(first, first + n["districts"]))
    districts = Copier(District, "id name code")
    for i, pk in enumerate(city.district_ids):
        name = DISTRICT_NAMES[i] if i < len(DISTRICT_NAMES) else f"第{i + 1}区"
        districts.add((pk, name, f"3504{i + 2:02d}"))
    city.counts["districts"] = districts.close()

    first = reserve_ids(StreetModel, n["streets"])
    city.street_ids = list(range(first, first + n["streets"]))
    streets = Copier(StreetModel, "id district name kind")
    for i, pk in enumerate(city.street_ids):
        d = i * n["districts"] // n["streets"]
        word = STREET_WORDS[i % len(STREET_WORDS)] + (
            str(i // len(STREET_WORDS) + 1) if i >= len(STREET_WORDS) else ""
        )
        kind = "town" if i % 9 == 8 else "street"
        name = f"{word}{'镇' if kind == 'town' else '街道'}"
        city.street_district.append(d)
        city.street_names.append(name)
        streets.add((pk, city.district_ids[d], name, kind))
    city.counts["streets"] = streets.close()

    first = reserve_ids(Community, n["councils"])
    city.community_ids = list(range(first, first + n["councils"]))
    communities = Copier(Community, "id street name address")
    within: dict[int, int] = defaultdict(int)
    for i, pk in enumerate(city.community_ids):
        s = i * n["streets"] // n["councils"]
        k = within[s]
        within[s] += 1
        stem = (
            city.street_names[s][:-2] if city.street_names[s].endswith("街道") else city.street_names[s][:-1]
        )
        word = COMMUNITY_WORDS[k % len(COMMUNITY_WORDS)] + (
            str(k // len(COMMUNITY_WORDS) + 1) if k >= 20 else ""
        )
        name = f"{stem}{word}社区"
        city.community_street.append(s)
        city.community_names.append(name)
        communities.add((pk, city.street_ids[s], name, f"三明市{city.street_names[s]}{name}"))
    city.counts["communities"] = communities.close()

    total = n["councils"] * BUILDINGS_PER_COMMUNITY
    first = reserve_ids(Building, total)
    buildings = Copier(Building, "id community name address households")
    for i, community in enumerate(city.community_ids):
        ids = list(range(first + i * BUILDINGS_PER_COMMUNITY, first + (i + 1) * BUILDINGS_PER_COMMUNITY))
        city.buildings.append(ids)
        for b, pk in enumerate(ids, start=1):
            buildings.add(
                (pk, community, f"{b}号楼", f"{city.community_names[i]}{b}号楼", 24 + rng.randint(0, 96))
            )
    city.counts["buildings"] = buildings.close()

    first = reserve_ids(Council, n["councils"])
    city.council_ids = list(range(first, first + n["councils"]))
    councils = Copier(
        Council, "id community name chair secretary_general term_start term_end status quorum_rule"
    )
    term_start = date(city.start.year, 1, 1)
    for i, pk in enumerate(city.council_ids):
        councils.add(
            (
                pk,
                city.community_ids[i],
                f"{city.community_names[i]}共建理事会",
                person(rng),
                person(rng),
                term_start,
                date(term_start.year + 6, 12, 31),
                "active",
                "more_than_half",
            )
        )
    city.counts["councils"] = councils.close()

    # Member units: contiguous ranges per council, stationed in the council's street.
    first = reserve_ids(MemberUnit, n["units"])
    city.unit_ids = list(range(first, first + n["units"]))
    units = Copier(MemberUnit, "id street name kind credit_code address contact_person contact_phone status")
    home = []
    for k, pk in enumerate(city.unit_ids):
        c = k * n["councils"] // n["units"]
        s = city.community_street[c]
        kind, _w, suffix = weighted(rng, KINDS)
        name = f"{city.street_names[s][:2]}{suffix}{k + 1:05d}"
        first17 = f"{CREDIT_PREFIX.get(kind, '91')}350400BK{k + 1:07d}"
        phone = f"13{rng.randint(0, 999_999_999):09d}"
        units.add(
            (
                pk,
                city.street_ids[s],
                name,
                kind,
                first17 + credit_code_check_char(first17),
                f"{city.street_names[s]}{k % 200 + 1}号",
                person(rng),
                phone,
                "active",
            )
        )
        home.append(c)
        city.unit_names.append(name)
        city.unit_quality.append(rng.gauss(0, 1))
    city.counts["units"] = units.close()

    # Seats: one per unit on its home council; 3% also on a neighbour council of the same
    # street; 3% joined during the window, 3% left during it (never the first two of a council,
    # who hold the chair and vice-chair).
    planned: list[tuple[int, int, date, date | None]] = []
    rank_in_council: dict[int, int] = defaultdict(int)
    span = (city.until - city.start).days
    for k, c in enumerate(home):
        r = rank_in_council[c]
        rank_in_council[c] += 1
        joined = city.start - timedelta(days=rng.randint(30, 900))
        left = None
        roll = rng.random()
        if r >= 2 and roll < 0.03:
            joined = city.start + timedelta(days=rng.randint(0, int(span * 0.8)))
        elif r >= 2 and roll < 0.06:
            left = city.start + timedelta(days=rng.randint(30, span - 1))
        planned.append((k, c, joined, left, False))
        if rng.random() < 0.03:
            other = (
                c + 1
                if c + 1 < n["councils"] and city.community_street[c + 1] == city.community_street[c]
                else c - 1
            )
            if other >= 0 and other != c and city.community_street[other] == city.community_street[c]:
                planned.append((k, other, city.start - timedelta(days=rng.randint(30, 900)), None, True))
    planned.sort(key=lambda p: (p[1], p[4], p[0]))  # by council, its own units before guests
    first = reserve_ids(Membership, len(planned))
    city.council_seats = [[] for _ in city.council_ids]
    for offset, (k, c, joined, left, _guest) in enumerate(planned):
        seat = Seat(first + offset, city.unit_ids[k], c, joined, left)
        city.seats.append(seat)
        city.council_seats[c].append(seat)
    memberships = Copier(Membership, "id unit council position representative joined_on left_on")
    areas = Copier(ResponsibleArea, "id membership building")
    area_first = reserve_ids(ResponsibleArea, len(city.seats))
    for c, seats in enumerate(city.council_seats):
        for r, seat in enumerate(seats):
            seat.position = "chair" if r == 0 else "vice_chair" if r == 1 else "member"
            seat.building = city.buildings[c][r % BUILDINGS_PER_COMMUNITY]
            memberships.add(
                (
                    seat.id,
                    seat.unit,
                    city.council_ids[c],
                    seat.position,
                    person(rng),
                    seat.joined_on,
                    seat.left_on,
                )
            )
            areas.add((area_first + seat.id - first, seat.id, seat.building))
    city.counts["memberships"] = memberships.close()
    city.counts["responsible_areas"] = areas.close()


# --- Users -------------------------------------------------------------------------------------


def build_users(city: City) -> None:
    from django.contrib.auth import get_user_model

    from councils.models import RoleAssignment

    User = get_user_model()
    joined = at(city.start - timedelta(days=60), 9)
    specs: list[tuple[str, str, str, str | None, int | None]] = [
        ("bench-city", "市文明办", "city_office", None, None)
    ]
    for i, pk in enumerate(city.district_ids):
        specs.append((f"bench-district-{i}", "区文明办", "district_office", "district", pk))
    for i, pk in enumerate(city.street_ids):
        specs.append((f"bench-street-{i}", f"{city.street_names[i]}街道办", "street_staff", "street", pk))
    for i, pk in enumerate(city.community_ids):
        specs.append(
            (f"bench-community-{i}", f"{city.community_names[i]}", "community_staff", "community", pk)
        )
    for i, pk in enumerate(city.council_ids):
        specs.append((f"bench-secretary-{i}", "秘书长", "council_secretary", "council", pk))
    for i, pk in enumerate(city.community_ids):
        specs.append((f"bench-patroller-{i}", "文明巡查员", "patroller", "community", pk))
    for i, seats in enumerate(city.council_seats):
        specs.append((f"bench-unit-{i}", "成员单位联络员", "unit_contact", "member_unit", seats[0].unit))
    first = reserve_ids(User, len(specs))
    users = Copier(
        User, "id password is_superuser username first_name last_name email is_staff is_active date_joined"
    )
    roles = Copier(RoleAssignment, "id user role district street community council member_unit created_at")
    role_first = reserve_ids(RoleAssignment, len(specs))
    by_role: dict[str, list[int]] = defaultdict(list)
    for offset, (username, name, role, level, node) in enumerate(specs):
        pk = first + offset
        users.add((pk, PASSWORD, False, username, name, "", "", False, True, joined))
        nodes = {
            key: (node if key == level else None)
            for key in ("district", "street", "community", "council", "member_unit")
        }
        roles.add(
            (
                role_first + offset,
                pk,
                role,
                nodes["district"],
                nodes["street"],
                nodes["community"],
                nodes["council"],
                nodes["member_unit"],
                joined,
            )
        )
        by_role[role].append(pk)
    city.counts["users"] = users.close()
    roles.close()
    city.users = dict(by_role)
    city.city_user = by_role["city_office"][0]


def street_user(city: City, c: int) -> int:
    return city.users["street_staff"][city.community_street[c]]


# --- Meetings, attendance, resolutions ---------------------------------------------------------


def quarters(first: date, last: date) -> list[tuple[date, date]]:
    out, year, q = [], first.year, (first.month - 1) // 3
    while True:
        q_first = date(year, 3 * q + 1, 1)
        if q_first > last:
            return out
        q_next = date(year + (q == 3), 1 if q == 3 else 3 * q + 4, 1)
        out.append((q_first, q_next - timedelta(days=1)))
        year, q = (year + 1, 0) if q == 3 else (year, q + 1)


def build_meetings(city: City) -> None:
    from django.utils import timezone

    from councils.models import AgendaItem, Attendance, Meeting, Resolution

    now = timezone.now()
    meetings = Copier(
        Meeting,
        "id council held_at kind place minutes status withdrawn_reason eligible_count present_count "
        "created_by created_at",
    )
    attendance = Copier(Attendance, "id meeting membership present representative absence_reason")
    agenda = Copier(AgendaItem, "id meeting order title notes")
    resolutions = Copier(
        Resolution,
        "id meeting agenda_item council number subject title text votes_for votes_against "
        "votes_abstain outcome withdrawn_reason created_by created_at",
    )
    spans = quarters(city.start, city.until)
    city.carried = [[] for _ in city.council_ids]
    for c, council in enumerate(city.council_ids):
        rng = city.rng("meetings", c)
        secretary = city.users["council_secretary"][c]
        days = []
        for q_first, q_last in spans:
            last = min(q_last, city.until)
            elapsed = ((last - q_first).days + 1) / ((q_last - q_first).days + 1)
            if rng.random() < MEETING_CHANCE * elapsed:
                days.append((day_between(rng, q_first, last), "regular"))
            if rng.random() < EXTRA_MEETING_CHANCE * elapsed:
                days.append((day_between(rng, q_first, last), "extraordinary"))
        days.sort()
        seats = city.council_seats[c]
        # Attendance rows per meeting = seats held that day; reserve ids for all at once.
        eligible_lists = [[s for s in seats if s.holds(day)] for day, _kind in days]
        m_first = reserve_ids(Meeting, len(days))
        a_first = reserve_ids(Attendance, sum(map(len, eligible_lists)))
        g_first = reserve_ids(AgendaItem, len(days))
        r_first = reserve_ids(Resolution, len(days))
        numbers: dict[int, int] = defaultdict(int)
        a_next = a_first
        for offset, ((day, kind), eligible) in enumerate(zip(days, eligible_lists, strict=True)):
            meeting_id = m_first + offset
            held_at = at(day, 9 if kind == "regular" else 15, 30)
            created_at = min(held_at + timedelta(hours=26), now)
            present = 0
            for seat in eligible:
                here = rng.random() < 0.85
                reason = "" if here or rng.random() < 0.5 else "公务冲突，已请假"
                attendance.add((a_next, meeting_id, seat.id, here, person(rng) if here else "", reason))
                a_next += 1
                present += here
            label = "季度例会" if kind == "regular" else "临时会议"
            meetings.add(
                (
                    meeting_id,
                    council,
                    held_at,
                    kind,
                    f"{city.community_names[c]}党群服务中心会议室",
                    f"{day:%Y年%m月%d日}召开理事会{label}，通报上阶段共建工作，研究共建资金使用安排。",
                    "held",
                    "",
                    len(eligible),
                    present,
                    secretary,
                    created_at,
                )
            )
            agenda.add((g_first + offset, meeting_id, 1, "共建资金使用安排", ""))
            against = min(present, rng.choice((0, 0, 0, 1, 2)))
            abstain = min(present - against, rng.choice((0, 0, 1)))
            votes_for = present - against - abstain
            if rng.random() < 0.04:  # a proposal the council turns down
                votes_for, against = min(votes_for, present // 2), against + max(0, votes_for - present // 2)
            if not present * 2 > len(eligible):
                outcome = "unquorate"
            elif votes_for * 2 > present:
                outcome = "carried"
            else:
                outcome = "failed"
            numbers[day.year] += 1
            resolution_id = r_first + offset
            resolutions.add(
                (
                    resolution_id,
                    meeting_id,
                    g_first + offset,
                    council,
                    f"{day.year}-{numbers[day.year]:02d}",
                    "funds",
                    f"关于{day:%Y年%m月}共建资金使用安排的决议",
                    "同意按共建项目计划列支环境整治、志愿服务和文化教育活动经费。",
                    votes_for,
                    against,
                    abstain,
                    outcome,
                    "",
                    secretary,
                    created_at,
                )
            )
            if outcome == "carried":
                city.carried[c].append((day, resolution_id))
    city.counts["meetings"] = meetings.close()
    city.counts["attendances"] = attendance.close()
    city.counts["agenda_items"] = agenda.close()
    city.counts["resolutions"] = resolutions.close()


# --- The fund: ledger, pledges, violations -----------------------------------------------------


@dataclass
class Posting:
    day: date
    order: int  # money in before money out on the same day
    kind: str
    amount: Decimal
    unit: int | None = None
    counterparty: str = ""
    category: int | None = None
    resolution: int | None = None
    description: str = ""
    reverses: Posting | None = None
    reason: str = ""
    flags: list[str] = field(default_factory=list)
    id: int = 0
    year: int = 0
    sequence: int = 0


def build_ledger(city: City) -> None:
    from finance.models import Category, Fund, LedgerEntry, Pledge, Violation
    from finance.services import categories_ensure

    categories_ensure()
    earmarked = list(Category.objects.filter(earmarked=True).order_by("order").values_list("pk", flat=True))
    other = list(Category.objects.filter(earmarked=False).order_by("order").values_list("pk", flat=True))
    names = dict(Category.objects.values_list("pk", "name"))
    fund_first = reserve_ids(Fund, len(city.council_ids))
    funds = Copier(Fund, "id council balance")
    entries = Copier(
        LedgerEntry,
        "id fund year sequence kind entry_date amount signed_amount counterparty unit category "
        "description receipt receipt_name resolution budget_line reverses reason created_by "
        "created_at",
    )
    pledges = Copier(Pledge, "id council unit year amount note")
    violations = Copier(
        Violation,
        "id entry kind reason flagged_by flagged_at status deadline measures evidence evidence_name "
        "closed_by closed_at",
    )
    unit_name = dict(zip(city.unit_ids, city.unit_names, strict=True))
    years = range(city.start.year, city.until.year + 1)
    for c, council in enumerate(city.council_ids):
        rng = city.rng("ledger", c)
        secretary = city.users["council_secretary"][c]
        postings: list[Posting] = []
        pledge_rows = []
        for year in years:
            y_first, y_last = max(date(year, 1, 1), city.start), min(date(year, 12, 31), city.until)
            share = ((y_last - y_first).days + 1) / 365
            for seat in city.council_seats[c]:
                if not seat.during(y_first, y_last):
                    continue
                amount = Decimal(rng.choice((2000, 3000, 5000, 8000, 10000, 20000)))
                pledge_rows.append((seat.unit, year, amount))
                roll = rng.random()
                if roll > 0.95:
                    continue  # pledged, not paid
                paid = amount if roll < 0.85 else amount / 2
                first = max(y_first, seat.joined_on, date(year, 1, 15))
                last = min(
                    y_last, seat.left_on or y_last, date(year, 6, 30) if y_first.month == 1 else y_last
                )
                if first > last:
                    continue
                postings.append(
                    Posting(
                        day_between(rng, first, last),
                        0,
                        "contribution",
                        paid.quantize(Decimal("0.01")),
                        unit=seat.unit,
                        counterparty=unit_name[seat.unit],
                        description=f"{year}年度共建资金",
                    )
                )
            for _ in range(round(DONATIONS_PER_YEAR * share * rng.uniform(0.6, 1.4))):
                org = rng.random() < 0.6
                postings.append(
                    Posting(
                        day_between(rng, y_first, y_last),
                        1,
                        "donation_org" if org else "donation_person",
                        money(rng.uniform(1000, 30000) if org else rng.uniform(100, 5000)),
                        counterparty=f"{rng.choice(STREET_WORDS)}爱心企业" if org else person(rng),
                        description="社会捐资，用于社区共建",
                    )
                )
            for _ in range(round(EXPENDITURES_PER_YEAR * share * rng.uniform(0.8, 1.2))):
                day = day_between(rng, y_first, y_last)
                category = rng.choice(other) if rng.random() < 0.01 else rng.choice(earmarked)
                resolution = None
                carried = city.carried[c]
                index = bisect_right(carried, (day, math.inf)) - 1
                if index >= 0 and (day - carried[index][0]).days <= 180:
                    resolution = carried[index][1] if rng.random() > 0.015 else None
                elif rng.random() < 0.9:
                    continue  # no decision to spend under yet: the council waits for its meeting
                posting = Posting(
                    day,
                    2,
                    "expenditure",
                    Decimal(rng.randint(30, 800) * 10)
                    + (Decimal(rng.randint(1, 99)) / 100 if rng.random() < 0.3 else 0),
                    category=category,
                    resolution=resolution,
                    counterparty=f"{rng.choice(STREET_WORDS)}商贸有限公司",
                    description=f"{names[category]}支出",
                )
                if resolution is None:
                    posting.flags.append("no_resolution")
                if category in other:
                    posting.flags.append("outside_category")
                postings.append(posting)
        # Post in date order, refusing overdrafts as entry_post does; reversals follow.
        postings.sort(key=lambda p: (p.day, p.order))
        balance, accepted = Decimal("0.00"), []
        for posting in postings:
            if posting.kind == "expenditure":
                if posting.amount > balance:
                    cut = (balance * Decimal("0.6")).quantize(Decimal("1"))
                    if cut < 100:
                        continue
                    posting.amount = cut
                balance -= posting.amount
            else:
                balance += posting.amount
            accepted.append(posting)
        for posting in list(accepted):
            if posting.kind == "expenditure" and not posting.flags and rng.random() < 0.005:
                day = posting.day + timedelta(days=rng.randint(3, 30))
                if day <= city.until:
                    accepted.append(
                        Posting(
                            day,
                            3,
                            "reversal",
                            posting.amount,
                            counterparty=posting.counterparty,
                            category=posting.category,
                            reverses=posting,
                            reason="金额录入错误，冲正后重新录入",
                        )
                    )
                    balance += posting.amount
        accepted.sort(key=lambda p: (p.day, p.order))
        first = reserve_ids(LedgerEntry, len(accepted))
        sequence: dict[int, int] = defaultdict(int)
        for offset, posting in enumerate(accepted):
            posting.id = first + offset
            posting.year = posting.day.year
            sequence[posting.year] += 1
            posting.sequence = sequence[posting.year]
        fund_id = fund_first + c
        funds.add((fund_id, council, balance))
        flagged = [p for p in accepted if p.flags]
        v_first = reserve_ids(Violation, sum(len(p.flags) for p in flagged))
        v_next = v_first
        for posting in accepted:
            signed = -posting.amount if posting.kind == "expenditure" else posting.amount
            description = posting.description
            if posting.reverses is not None:
                description = f"冲正 {posting.reverses.year}-{posting.reverses.sequence:04d}"
            created_at = at(posting.day, 10, rng.randint(0, 59))
            entries.add(
                (
                    posting.id,
                    fund_id,
                    posting.year,
                    posting.sequence,
                    posting.kind,
                    posting.day,
                    posting.amount,
                    signed,
                    posting.counterparty,
                    posting.unit,
                    posting.category,
                    description,
                    "",
                    "",
                    posting.resolution,
                    None,
                    posting.reverses.id if posting.reverses else None,
                    posting.reason,
                    secretary,
                    created_at,
                )
            )
            for kind in posting.flags:
                reason = (
                    "支出未注明理事会决议。"
                    if kind == "no_resolution"
                    else "用途不属于共建用途，违反专款专用。"
                )
                closed = (city.until - posting.day).days > 60
                violations.add(
                    (
                        v_next,
                        posting.id,
                        kind,
                        reason,
                        None,
                        created_at,
                        "closed" if closed else "open",
                        posting.day + timedelta(days=30),
                        "已补充理事会决议并完善审批手续。" if closed else "",
                        "",
                        "",
                        street_user(city, c) if closed else None,
                        created_at + timedelta(days=20) if closed else None,
                    )
                )
                v_next += 1
        p_first = reserve_ids(Pledge, len(pledge_rows))
        for offset, (unit, year, amount) in enumerate(pledge_rows):
            pledges.add((p_first + offset, council, unit, year, amount, ""))
    city.counts["funds"] = funds.close()
    city.counts["ledger_entries"] = entries.close()
    city.counts["pledges"] = pledges.close()
    city.counts["violations"] = violations.close()


# --- Patrols and findings ----------------------------------------------------------------------


def write_photo() -> None:
    """One small JPEG every generated photo row points at (the rows matter, not the pixels)."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from PIL import Image

    if default_storage.exists(PHOTO_NAME):
        return
    import io

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 160, 90)).save(buffer, "JPEG")
    default_storage.save(PHOTO_NAME, ContentFile(buffer.getvalue()))


def build_findings(city: City) -> None:
    from django.utils import timezone

    from inspections.models import (
        DEFAULT_DEADLINE_DAYS,
        OTHER_DEADLINE_DAYS,
        Finding,
        FindingEvent,
        FindingPhoto,
        Patrol,
    )

    now = timezone.now()
    write_photo()
    patrols = Copier(Patrol, "id community patroller kind started_at route notes created_at")
    findings = Copier(
        Finding,
        "id community patrol category building address latitude longitude description "
        "responsible_unit status deadline fixed_at handover_note closed_reason duplicate_of "
        "reported_by reported_at",
    )
    events = Copier(FindingEvent, "id finding from_status to_status note by at")
    photos = Copier(FindingPhoto, "id finding stage image width height uploaded_by uploaded_at")
    labels = dict(Finding._meta.get_field("category").choices)
    span = (city.until - city.start).days + 1
    for c, community in enumerate(city.community_ids):
        rng = city.rng("findings", c)
        patroller = city.users["patroller"][c]
        staff = city.users["community_staff"][c]
        # The unit responsible for each building: its current area holder, chair first
        # (responsible_unit_for).
        holder: dict[int, int] = {}
        for seat in sorted(
            city.council_seats[c],
            key=lambda s: ({"chair": 0, "member": 1, "vice_chair": 2}[s.position], s.id),
        ):
            if seat.left_on is None:
                holder.setdefault(seat.building, seat.unit)
        n_patrols = round(PATROLS_PER_YEAR * span / 365 * rng.uniform(0.85, 1.15))
        rounds = sorted(
            at(city.start + timedelta(days=rng.randrange(span)), rng.randint(8, 17), rng.randint(0, 59))
            for _ in range(n_patrols)
        )
        counts = [rng.randint(*FINDINGS_PER_PATROL) for _ in rounds]
        total = sum(counts)
        pt_first = reserve_ids(Patrol, len(rounds))
        f_first = reserve_ids(Finding, total)
        planned_events, planned_photos, rows, before_photo = 0, 0, [], {}
        f_next = f_first
        for offset, (started, n) in enumerate(zip(rounds, counts, strict=True)):
            patrol_id = pt_first + offset
            patrols.add(
                (
                    patrol_id,
                    community,
                    patroller,
                    "patroller",
                    started,
                    "辖区主次干道及背街小巷",
                    "",
                    min(started + timedelta(hours=2), now),
                )
            )
            for j in range(n):
                reported = started + timedelta(minutes=10 * (j + 1))
                age = (city.until - reported.date()).days
                status = weighted(rng, OLD_STATUSES if age > 60 else RECENT_STATUSES)[0]
                category = weighted(rng, FINDING_CATEGORIES)[0]
                building = rng.choice(city.buildings[c]) if rng.random() < 0.8 else None
                steps = PATHS[status]
                rows.append((f_next, patrol_id, reported, status, category, building, steps))
                planned_events += len(steps)
                # A before photo where the patroller took one; rectified ones need both (the
                # service refuses to rectify without an after photo).
                before_photo[f_next] = rng.random() < 0.25
                planned_photos += 2 if status in ("rectified", "verified") else before_photo[f_next]
                f_next += 1
        e_next = reserve_ids(FindingEvent, planned_events)
        ph_next = reserve_ids(FindingPhoto, planned_photos)
        for finding_id, patrol_id, reported, status, category, building, steps in rows:
            days = DEFAULT_DEADLINE_DAYS.get(category, OTHER_DEADLINE_DAYS)
            moments = [reported]
            for _ in steps[1:]:
                moments.append(min(moments[-1] + timedelta(hours=rng.randint(1, 24 * max(1, days))), now))
            deadline = None
            if "ordered" in steps:
                deadline = moments[steps.index("ordered")].astimezone(_tz()).date() + timedelta(days=days)
            fixed_at = None
            for step, moment in zip(steps, moments, strict=True):
                if step in FIXED and fixed_at is None:
                    fixed_at = moment
            findings.add(
                (
                    finding_id,
                    community,
                    patrol_id,
                    category,
                    building,
                    "" if building else f"{city.community_names[c]}主干道",
                    None,
                    None,
                    f"巡查发现{labels[category]}问题。",
                    holder.get(building) if building else None,
                    status,
                    deadline,
                    fixed_at,
                    "已移交城管执法部门处理。" if status == "escalated" else "",
                    "当事人已搬离，无法整改。" if status == "closed" else "",
                    None,
                    patroller,
                    reported,
                )
            )
            before = ""
            for step, moment in zip(steps, moments, strict=True):
                by = staff if step in ("verified", "closed", "escalated") else patroller
                events.add((e_next, finding_id, before, step, "", by, moment))
                e_next += 1
                before = step
            rectified = status in ("rectified", "verified")
            if rectified or before_photo[finding_id]:
                photos.add((ph_next, finding_id, "before", PHOTO_NAME, 64, 48, patroller, reported))
                ph_next += 1
            if rectified:
                rectified_at = moments[steps.index("rectified")]
                photos.add((ph_next, finding_id, "after", PHOTO_NAME, 64, 48, patroller, rectified_at))
                ph_next += 1
    city.counts["patrols"] = patrols.close()
    city.counts["findings"] = findings.close()
    city.counts["finding_events"] = events.close()
    city.counts["finding_photos"] = photos.close()


# --- Assessments -------------------------------------------------------------------------------


def build_assessments(city: City) -> list:
    from assessments.models import Assessment, AssessmentEvent, Criterion, Period, Score, half_bounds
    from assessments.services import current_rubric

    rubric = current_rubric()
    criteria = list(
        Criterion.objects.filter(rubric=rubric).order_by("order", "pk").values_list("pk", "max_points")
    )
    full = sum(m for _pk, m in criteria)
    period_first = reserve_ids(Period, len(city.periods))
    periods = Copier(
        Period,
        "id year half opens_on closes_on rubric status excellent_from good_from pass_from "
        "points_cap created_by created_at",
    )
    assessments = Copier(
        Assessment,
        "id period council unit status rubric_score adjustment_total summary return_comment "
        "drafted_by updated_at submitted_at confirmed_by confirmed_at published_at",
    )
    scores = Copier(
        Score, "id assessment criterion points suggested suggestion_basis evidence_note override_reason"
    )
    events = Copier(AssessmentEvent, "id assessment from_status to_status note by at")
    quality = dict(zip(city.unit_ids, city.unit_quality, strict=True))
    for p, (year, half) in enumerate(city.periods):
        rng = city.rng("assessments", year, half)
        period_id = period_first + p
        first, last = half_bounds(year, half)
        periods.add(
            (
                period_id,
                year,
                half,
                first,
                last + timedelta(days=20),
                rubric.pk,
                "closed",
                Decimal("90"),
                Decimal("80"),
                Decimal("60"),
                Decimal("10"),
                city.city_user,
                at(first, 9),
            )
        )
        scored = p >= len(city.periods) - SCORED_PERIODS
        seated = [
            (c, seat)
            for c, seats in enumerate(city.council_seats)
            for seat in seats
            if seat.during(first, last)
        ]
        a_first = reserve_ids(Assessment, len(seated))
        s_next = reserve_ids(Score, len(seated) * len(criteria)) if scored else 0
        e_next = reserve_ids(AssessmentEvent, 3 * len(seated))
        submitted, confirmed, published = (
            at(last + timedelta(days=5), 10),
            at(last + timedelta(days=10), 10),
            at(last + timedelta(days=15), 10),
        )
        for offset, (c, seat) in enumerate(seated):
            assessment_id = a_first + offset
            share = min(1.0, max(0.35, 0.82 + 0.07 * quality[seat.unit] + rng.gauss(0, 0.04)))
            if scored:
                total = Decimal("0")
                for criterion, max_points in criteria:
                    points = min(
                        max_points,
                        (max_points * Decimal(f"{share + rng.gauss(0, 0.05):.3f}") * 2).quantize(Decimal("1"))
                        / 2,
                    )
                    points = max(Decimal("0"), points)
                    scores.add((s_next, assessment_id, criterion, points, None, "", "", ""))
                    s_next += 1
                    total += points
            else:
                total = (full * Decimal(f"{share:.4f}") * 2).quantize(Decimal("1")) / 2
            community_staff = city.users["community_staff"][c]
            street = street_user(city, c)
            assessments.add(
                (
                    assessment_id,
                    period_id,
                    city.council_ids[c],
                    seat.unit,
                    "published",
                    total.quantize(Decimal("0.1")),
                    Decimal("0.0"),
                    "",
                    "",
                    community_staff,
                    published,
                    submitted,
                    street,
                    confirmed,
                    published,
                )
            )
            for before, after, by, moment in (
                ("draft", "submitted", community_staff, submitted),
                ("submitted", "confirmed", street, confirmed),
                ("confirmed", "published", street, published),
            ):
                events.add((e_next, assessment_id, before, after, "", by, moment))
                e_next += 1
    city.counts["periods"] = periods.close()
    city.counts["assessments"] = assessments.close()
    city.counts["scores"] = scores.close()
    city.counts["assessment_events"] = events.close()
    return list(
        Period.objects.filter(pk__gte=period_first, pk__lt=period_first + len(city.periods)).order_by(
            "year", "half"
        )
    )


# --- What the portal's own bulk services derive ------------------------------------------------


def derive(city: City, periods: list, timings: dict) -> None:
    """Missed quarters (R-1.1), dynamic points and ranked results (R-1.10) through the portal's
    own services, which work in bulk."""
    from assessments.models import PointEvent
    from assessments.services import points_derive, results_compute
    from councils.compliance import compliance_record_misses
    from councils.models import ComplianceFinding
    from councils.periods import Quarter

    began = time.perf_counter()
    quarter = Quarter.of(city.start)
    while quarter.last_day < city.until:
        compliance_record_misses(quarter=quarter)
        quarter = quarter.next()
    city.counts["compliance_findings"] = ComplianceFinding.objects.count()
    timings["compliance"] = round(time.perf_counter() - began, 1)
    began = time.perf_counter()
    for period in periods:
        points_derive(year=period.year, half=period.half)
    city.counts["point_events"] = PointEvent.objects.count()
    timings["points"] = round(time.perf_counter() - began, 1)
    began = time.perf_counter()
    city.counts["results"] = sum(results_compute(period=period) for period in periods)
    timings["results"] = round(time.perf_counter() - began, 1)


# --- Entry points ------------------------------------------------------------------------------


def build_city(*, scale: float, until: date | None = None, seed: int = SEED, log=print) -> dict:
    """Build the city into the current database (which should hold no city yet). Returns the row
    counts and the seconds each stage took."""
    from councils.periods import today

    until = until or today() - timedelta(days=1)  # a whole day: nothing is recorded after now
    city = City(scale=scale, until=until, seed=seed)
    city.start, city.periods = window(until)
    timings: dict[str, float] = {}
    stages = [
        ("tree", build_tree),
        ("users", build_users),
        ("meetings", build_meetings),
        ("ledger", build_ledger),
        ("findings", build_findings),
    ]
    for name, stage in stages:
        began = time.perf_counter()
        with transaction.atomic():
            stage(city)
        timings[name] = round(time.perf_counter() - began, 1)
        log(f"  {name}: {timings[name]} s")
    began = time.perf_counter()
    with transaction.atomic():
        periods = build_assessments(city)
    timings["assessments"] = round(time.perf_counter() - began, 1)
    log(f"  assessments: {timings['assessments']} s")
    if not connection.in_atomic_block:
        began = time.perf_counter()
        analyze()
        timings["analyze"] = round(time.perf_counter() - began, 1)
    with transaction.atomic():
        derive(city, periods, timings)
    log("  " + ", ".join(f"{k} {timings[k]} s" for k in ("compliance", "points", "results")))
    return {
        "scale": scale,
        "until": until.isoformat(),
        "start": city.start.isoformat(),
        "counts": city.counts,
        "seconds": timings,
        "key": version_key(scale, until),
    }


def analyze() -> None:
    """Fresh planner statistics and visibility maps, as a database that has lived would have."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def main(argv: list[str] | None = None) -> None:
    import json
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--until", type=date.fromisoformat, default=None)
    parser.add_argument("--json", help="write the counts and timings here")
    args = parser.parse_args(argv)
    from councils.models import Council

    if Council.objects.exists():
        raise SystemExit("This database already holds councils: build the bench city into an empty database.")
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")  # a crash means a rebuild anyway
    began = time.perf_counter()
    print(f"Building the bench city at scale {args.scale:g} ({sizes(args.scale)})")
    report = build_city(scale=args.scale, until=args.until)
    analyze()
    report["seconds"]["total"] = round(time.perf_counter() - began, 1)
    print(
        f"Built in {report['seconds']['total']} s: "
        + ", ".join(f"{k} {v:,}" for k, v in report["counts"].items())
    )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(report, out, ensure_ascii=False, indent=2)


if __name__ == "__main__":
    main()
