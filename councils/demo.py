"""The demo city, modelled on the source document (三明市: 梅列区 and 三元区): districts, streets
and a town, communities with buildings and councils, member units on those councils, and one
demo user per role. Deterministic and idempotent: every row is keyed on its natural name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from .models import Building, Community, Council, District, Membership, MemberUnit, RoleAssignment, Street
from .roles import Role
from .validators import credit_code_check_char

User = get_user_model()

# district → [(street, kind, [(community, buildings)])]
CITY = {
    "梅列区": [
        ("徐碧街道", Street.Kind.STREET, [("高岩社区", 8), ("崇宁社区", 6), ("徐碧社区", 5)]),
        ("列东街道", Street.Kind.STREET, [("列东社区", 6), ("江滨社区", 4)]),
        ("列西街道", Street.Kind.STREET, [("列西社区", 5), ("富兴社区", 4)]),
    ],
    "三元区": [
        ("城关街道", Street.Kind.STREET, [("崇桂社区", 6), ("新亭社区", 5)]),
        ("陈大镇", Street.Kind.TOWN, [("陈大社区", 4), ("瑞云社区", 3)]),
        ("白沙街道", Street.Kind.STREET, [("桥西社区", 5), ("长安社区", 4)]),
    ],
}
DISTRICT_CODES = {"梅列区": "350402", "三元区": "350403"}

# (unit, kind, street it is stationed in, contact person, phone)
UNITS = [
    ("市质量技术监督局", MemberUnit.Kind.PARTY_GOVERNMENT, "徐碧街道", "林振华", "13805981234"),
    ("市中级人民法院", MemberUnit.Kind.COURT, "徐碧街道", "陈立新", "13905982345"),
    ("市第一医院", MemberUnit.Kind.HOSPITAL, "徐碧街道", "黄丽萍", "13605983456"),
    ("徐碧小学", MemberUnit.Kind.SCHOOL, "徐碧街道", "张晓燕", "13705984567"),
    ("市供电公司梅列营业部", MemberUnit.Kind.STATE_FIRM, "徐碧街道", "吴建平", "13505985678"),
    ("市住房公积金中心", MemberUnit.Kind.PUBLIC_INSTITUTION, "列东街道", "郑国强", "13805986789"),
    ("列东中学", MemberUnit.Kind.SCHOOL, "列东街道", "刘海涛", "13905987890"),
    ("市自来水公司", MemberUnit.Kind.STATE_FIRM, "列东街道", "许文斌", "13605988901"),
    ("梅列区人民检察院", MemberUnit.Kind.COURT, "列西街道", "杨秀英", "13705989012"),
    ("市图书馆", MemberUnit.Kind.PUBLIC_INSTITUTION, "列西街道", "邱美玲", "13505980123"),
    ("富兴物业服务有限公司", MemberUnit.Kind.COMPANY, "列西街道", "罗志勇", "13805971234"),
    ("三元区人民法院", MemberUnit.Kind.COURT, "城关街道", "谢明辉", "13905972345"),
    ("市中医院", MemberUnit.Kind.HOSPITAL, "城关街道", "周雅琴", "13605973456"),
    ("城关实验小学", MemberUnit.Kind.SCHOOL, "城关街道", "蔡建华", "13705974567"),
    ("陈大镇卫生院", MemberUnit.Kind.HOSPITAL, "陈大镇", "江春生", "13505975678"),
    ("瑞云农业发展有限公司", MemberUnit.Kind.COMPANY, "陈大镇", "余光明", "13805976789"),
    ("白沙中学", MemberUnit.Kind.SCHOOL, "白沙街道", "廖晓东", "13905977890"),
    ("市燃气公司", MemberUnit.Kind.STATE_FIRM, "白沙街道", "范玉兰", "13605978901"),
]

CHAIRS = [
    "王建国",
    "李秀兰",
    "张志强",
    "刘桂英",
    "陈伟",
    "杨丽",
    "赵勇",
    "黄敏",
    "周军",
    "吴静",
    "徐磊",
    "孙芳",
    "马超",
    "朱红",
]
SECRETARIES = [
    "郭明",
    "何燕",
    "高峰",
    "林娟",
    "罗斌",
    "梁艳",
    "宋涛",
    "郑霞",
    "谢鹏",
    "韩梅",
    "唐亮",
    "冯婷",
    "董浩",
    "萧雪",
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    name: str
    role: str
    scope: str


def demo_logins() -> list[DemoLogin]:
    return [
        DemoLogin("city", "市文明办 演示用户", Role.CITY_OFFICE, "全市"),
        DemoLogin("district", "梅列区文明办 演示用户", Role.DISTRICT_OFFICE, "梅列区"),
        DemoLogin("street", "徐碧街道办 演示用户", Role.STREET_STAFF, "徐碧街道"),
        DemoLogin("community", "高岩社区 演示用户", Role.COMMUNITY_STAFF, "高岩社区"),
        DemoLogin("secretary", "高岩社区共建理事会秘书长", Role.COUNCIL_SECRETARY, "高岩社区共建理事会"),
        DemoLogin("patroller", "高岩社区文明巡查员", Role.PATROLLER, "高岩社区"),
        DemoLogin("unit", "市质量技术监督局联络员", Role.UNIT_CONTACT, "市质量技术监督局"),
    ]


def demo_credit_code(index: int, kind: str) -> str:
    """A well-formed credit code for the demo: government bodies 11…, institutions 12…, firms 91…"""
    prefix = {
        "party_government": "11",
        "court": "11",
        "public_institution": "12",
        "school": "12",
        "hospital": "12",
    }.get(kind, "91")
    first17 = f"{prefix}350400MB{index:07d}"
    return first17 + credit_code_check_char(first17)


@transaction.atomic
def load_demo_city() -> dict[str, int]:
    streets: dict[str, Street] = {}
    councils: dict[str, Council] = {}
    n = 0
    for district_name, street_specs in CITY.items():
        district, _ = District.objects.update_or_create(
            name=district_name, defaults={"code": DISTRICT_CODES[district_name]}
        )
        for street_name, kind, communities in street_specs:
            street, _ = Street.objects.update_or_create(
                district=district, name=street_name, defaults={"kind": kind}
            )
            streets[street_name] = street
            for community_name, n_buildings in communities:
                community, _ = Community.objects.update_or_create(
                    street=street,
                    name=community_name,
                    defaults={"address": f"三明市{district_name}{street_name}{community_name}"},
                )
                for b in range(1, n_buildings + 1):
                    Building.objects.update_or_create(
                        community=community,
                        name=f"{b}号楼",
                        defaults={"address": f"{community_name}{b}号楼", "households": 24 + (b * 7) % 48},
                    )
                council, _ = Council.objects.update_or_create(
                    community=community,
                    defaults={
                        "name": f"{community_name}共建理事会",
                        "chair": CHAIRS[n % len(CHAIRS)],
                        "secretary_general": SECRETARIES[n % len(SECRETARIES)],
                        "term_start": date(2024, 1, 1),
                        "term_end": date(2026, 12, 31),
                    },
                )
                councils[community_name] = council
                n += 1

    units: dict[str, MemberUnit] = {}
    for index, (name, kind, street_name, person, phone) in enumerate(UNITS, start=1):
        units[name], _ = MemberUnit.objects.update_or_create(
            name=name,
            defaults={
                "kind": kind,
                "street": streets[street_name],
                "credit_code": demo_credit_code(index, kind),
                "address": f"{streets[street_name].name}{index}号",
                "contact_person": person,
                "contact_phone": phone,
            },
        )

    # Each council seats the units stationed in its street, the first as chair unit; the two
    # city bodies the source document names sit on the councils of 徐碧街道 and 列东街道 too.
    by_street: dict[str, list[MemberUnit]] = {}
    for name, _kind, street_name, _p, _ph in UNITS:
        by_street.setdefault(street_name, []).append(units[name])
    for council in councils.values():
        street_name = council.community.street.name
        seated = list(by_street.get(street_name, []))
        if street_name in ("徐碧街道", "列东街道"):
            seated += [units["市质量技术监督局"], units["市中级人民法院"]]
        seen = set()
        for position_index, unit in enumerate(seated):
            if unit.pk in seen:
                continue
            seen.add(unit.pk)
            position = (
                Membership.Position.CHAIR
                if position_index == 0
                else Membership.Position.VICE_CHAIR
                if position_index == 1
                else Membership.Position.MEMBER
            )
            Membership.objects.update_or_create(
                unit=unit,
                council=council,
                joined_on=date(2024, 1, 1),
                defaults={"position": position, "representative": unit.contact_person},
            )
    # A unit that left keeps its history (R-1.3): 富兴物业 left 富兴社区's council.
    Membership.objects.filter(unit=units["富兴物业服务有限公司"], council=councils["富兴社区"]).update(
        left_on=date(2025, 6, 30)
    )

    scopes = {
        "全市": {},
        "梅列区": {"district": District.objects.get(name="梅列区")},
        "徐碧街道": {"street": streets["徐碧街道"]},
        "高岩社区": {"community": councils["高岩社区"].community},
        "高岩社区共建理事会": {"council": councils["高岩社区"]},
        "市质量技术监督局": {"member_unit": units["市质量技术监督局"]},
    }
    for login in demo_logins():
        user, _ = User.objects.get_or_create(username=login.username, defaults={"first_name": login.name})
        user.first_name = login.name
        if settings.DEBUG:
            user.set_password(settings.DEMO_PASSWORD)
        else:
            user.set_unusable_password()
        user.save()
        RoleAssignment.objects.get_or_create(user=user, role=login.role, **scopes[login.scope])

    from .demo_work import load_demo_work

    work = load_demo_work()
    return {
        **work,
        "districts": District.objects.count(),
        "streets": Street.objects.count(),
        "communities": Community.objects.count(),
        "buildings": Building.objects.count(),
        "councils": Council.objects.count(),
        "units": MemberUnit.objects.count(),
        "memberships": Membership.objects.count(),
        "users": User.objects.count(),
    }
