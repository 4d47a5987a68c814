"""Factories for the city tree, councils, units and users. Names are unique per sequence so
two cities can live side by side in one test."""

from datetime import date

import factory
from django.contrib.auth import get_user_model

from councils.models import (
    Building,
    Community,
    Council,
    District,
    Membership,
    MemberUnit,
    RoleAssignment,
    Street,
)
from councils.validators import credit_code_check_char

PASSWORD = "Correct-Horse-42"


def credit_code(n: int) -> str:
    first17 = f"91350400MA{n:07d}"
    return first17 + credit_code_check_char(first17)


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    name = factory.Sequence(lambda n: f"测试{n}区")


class StreetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Street

    district = factory.SubFactory(DistrictFactory)
    name = factory.Sequence(lambda n: f"测试{n}街道")


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    street = factory.SubFactory(StreetFactory)
    name = factory.Sequence(lambda n: f"测试{n}社区")


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"{n}号楼")
    households = 30


class CouncilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Council

    community = factory.SubFactory(CommunityFactory)
    name = factory.LazyAttribute(lambda o: f"{o.community.name}共建理事会")
    chair = "王理事长"
    secretary_general = "李秘书长"
    term_start = date(2024, 1, 1)
    term_end = date(2026, 12, 31)


class MemberUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MemberUnit

    street = factory.SubFactory(StreetFactory)
    name = factory.Sequence(lambda n: f"测试单位{n}")
    kind = MemberUnit.Kind.PUBLIC_INSTITUTION
    credit_code = factory.Sequence(credit_code)
    contact_person = "张联络"
    contact_phone = "13812345678"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    unit = factory.SubFactory(MemberUnitFactory)
    council = factory.SubFactory(CouncilFactory)
    joined_on = date(2024, 1, 1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
