"""Import of member units and their seats from .xlsx, and .xlsx exports of the lists
(R-1.3, issue 3 item 7)."""

import io
import os
import time
import zipfile
from datetime import date, timedelta
from operator import attrgetter

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from councils import imports, services
from councils.exports import XLSX_CONTENT_TYPE, XlsxExportMixin
from councils.imports import HEADERS
from councils.models import ChangeLog, Council, Membership, MemberUnit, Task
from councils.roles import Role
from councils.services.meetings import Seat
from councils.validators import credit_code_check_char
from councils.views.tree import MemberUnitListView
from tests.conftest import build_side, user_with_role
from tests.councils.test_views import grow
from tests.factories import CommunityFactory, CouncilFactory, MemberUnitFactory, StreetFactory

pytestmark = pytest.mark.django_db


def code(n: int) -> str:
    """A valid credit code, distinct from the factories' ones."""
    first17 = f"12350400MB{n:07d}"
    return first17 + credit_code_check_char(first17)


def wrong_check(valid: str) -> str:
    """The same code with another check character."""
    return valid[:17] + ("1" if valid[17] != "1" else "2")


def xlsx(rows: list[dict], headers=HEADERS, name: str = "成员单位.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), XLSX_CONTENT_TYPE)


def unit_row(n: int, side, **overrides) -> dict:
    row = {
        "单位名称": f"导入单位{n}",
        "单位类型": "事业单位",
        "统一社会信用代码": code(n),
        "驻在街道/镇": side.street.name,
        "地址": f"幸福路{n}号",
        "联系人": "王联络",
        "联系电话": "13800001234",
    }
    return {**row, **overrides}


def seat(side, position="理事单位", representative="赵代表", joined="2025-03-01") -> dict:
    return {"理事会": side.council.name, "职务": position, "代表": representative, "加入日期": joined}


@pytest.fixture
def street_staff(side_a, side_b):
    return user_with_role(Role.STREET_STAFF, side_a)


def upload(client, user, file):
    client.force_login(user)
    return client.post(reverse("unit_import"), {"file": file})


def error_rows(response) -> set[int]:
    return {e.row for e in response.context["errors"]}


# --- Import -----------------------------------------------------------------------------------


def test_a_sheet_with_three_bad_rows_saves_nothing_and_names_those_rows(client, side_a, street_staff):
    """Issue 3, done when: a sheet with 3 bad rows saves nothing and names those 3 rows (R-1.3)."""
    rows = [
        unit_row(1, side_a, **seat(side_a)),
        unit_row(2, side_a, 统一社会信用代码=wrong_check(code(2))),  # row 3
        unit_row(3, side_a),
        unit_row(4, side_a, **{"驻在街道/镇": "不存在街道"}),  # row 5
        unit_row(5, side_a, **seat(side_a, position="副理事长单位")),
        unit_row(6, side_a, 单位名称=None),  # row 7
        unit_row(7, side_a),
    ]
    units, seats = MemberUnit.objects.count(), Membership.objects.count()

    response = upload(client, street_staff, xlsx(rows))

    assert response.status_code == 200
    assert error_rows(response) == {3, 5, 7}
    problems = {(e.row, e.column): e.message for e in response.context["errors"]}
    assert f"第18位应为“{code(2)[17]}”" in problems[3, "统一社会信用代码"]
    assert problems[5, "驻在街道/镇"] == "找不到街道/镇“不存在街道”，或不在您的管理范围内。"
    assert problems[7, "单位名称"] == "单位名称必须填写。"
    page = response.content.decode()
    assert "没有导入任何数据" in page and "第 3 行" in page and "第 5 行" in page and "第 7 行" in page
    assert (MemberUnit.objects.count(), Membership.objects.count()) == (units, seats)


def test_a_good_sheet_imports_units_and_seats_that_show_on_the_unit_list(client, side_a, street_staff):
    """R-1.3: units arrive with their seats: position, representative and join date."""
    rows = [
        unit_row(
            1, side_a, **seat(side_a, position="理事长单位", representative="钱代表", joined="2025-01-15")
        ),
        unit_row(2, side_a, **seat(side_a, position="副理事长单位", joined=None)),
        # A date cell, a phone typed as a number, and a kind written the short way.
        unit_row(
            3, side_a, 联系电话=13900005678, 单位类型="检察院", **seat(side_a, joined=date(2024, 12, 1))
        ),
        unit_row(4, side_a),  # a unit without a seat
    ]

    response = upload(client, street_staff, xlsx(rows))

    assert response.status_code == 302 and response.url == reverse("unit_list")
    page = client.get(response.url).content.decode()
    assert "已导入 4 个成员单位、3 个理事会席位" in page
    for n in range(1, 5):
        assert f"导入单位{n}" in page
    seats = {
        m.unit.name: m
        for m in Membership.objects.filter(unit__name__startswith="导入单位").select_related("unit")
    }
    assert seats["导入单位1"].position == Membership.Position.CHAIR
    assert seats["导入单位1"].representative == "钱代表"
    assert seats["导入单位1"].joined_on == date(2025, 1, 15)
    assert seats["导入单位2"].position == Membership.Position.VICE_CHAIR
    assert seats["导入单位2"].joined_on == timezone.localdate()
    assert seats["导入单位3"].joined_on == date(2024, 12, 1)
    third = MemberUnit.objects.get(name="导入单位3")
    assert (third.contact_phone, third.kind, third.street) == ("13900005678", "court", side_a.street)
    assert "导入单位4" not in seats
    # Seats go through the service, so each has its history entry.
    assert ChangeLog.objects.filter(action="seated", by=street_staff).count() == 3


def test_a_credit_code_with_a_wrong_check_character_is_refused_naming_the_right_one(
    client, side_a, street_staff
):
    """R-1.3 / DESIGN.md invariant 8: the message says which character is right."""
    valid = code(9)
    response = upload(client, street_staff, xlsx([unit_row(9, side_a, 统一社会信用代码=wrong_check(valid))]))
    [error] = response.context["errors"]
    assert (error.row, error.column, error.letter) == (2, "统一社会信用代码", "C")
    assert error.message == (
        f"统一社会信用代码校验位错误：第18位应为“{valid[17]}”，而不是“{wrong_check(valid)[17]}”，请核对。"
    )
    assert not MemberUnit.objects.filter(name="导入单位9").exists()


def test_street_staff_cannot_import_into_another_street_or_council(client, side_a, side_b, street_staff):
    """Another street reads like an unknown one: its existence is not revealed (R-6.1)."""
    rows = [
        unit_row(1, side_a),
        unit_row(2, side_a, **{"驻在街道/镇": side_b.street.name}),
        unit_row(3, side_a, **{"驻在街道/镇": "无此街道"}),
        unit_row(4, side_a, **seat(side_b)),
        unit_row(5, side_a, **{**seat(side_a), "理事会": "无此理事会"}),
    ]
    response = upload(client, street_staff, xlsx(rows))
    problems = {e.row: e.message for e in response.context["errors"]}
    assert problems == {
        3: f"找不到街道/镇“{side_b.street.name}”，或不在您的管理范围内。",
        4: "找不到街道/镇“无此街道”，或不在您的管理范围内。",
        5: f"找不到理事会“{side_b.council.name}”，或不在您的管理范围内。",
        6: "找不到理事会“无此理事会”，或不在您的管理范围内。",
    }
    assert not MemberUnit.objects.filter(name__startswith="导入单位").exists()


def test_the_city_office_imports_into_any_street(client, side_a, side_b):
    rows = [unit_row(1, side_a, **seat(side_a)), unit_row(2, side_b, **seat(side_b))]
    response = upload(client, user_with_role(Role.CITY_OFFICE), xlsx(rows))
    assert response.status_code == 302
    assert MemberUnit.objects.get(name="导入单位2").street == side_b.street
    assert Membership.objects.get(unit__name="导入单位2").council == side_b.council


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"name,credit code\n\xe7\x94\xb2,123\n", "成员单位.xlsx"),  # a CSV renamed
        (b"%PDF-1.4\n%%EOF\n", "units.xlsx"),
        (b"PK\x03\x04 not really a zip", "units.xlsx"),
    ],
)
def test_a_file_that_is_not_a_real_xlsx_is_refused(client, street_staff, content, name):
    units = MemberUnit.objects.count()
    response = upload(client, street_staff, SimpleUploadedFile(name, content, XLSX_CONTENT_TYPE))
    assert response.status_code == 200
    assert "不是有效的 Excel 工作簿（.xlsx）" in str(response.context["form"].errors["file"])
    assert MemberUnit.objects.count() == units


def test_a_zip_that_is_not_a_workbook_is_refused(client, street_staff):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    response = upload(client, street_staff, SimpleUploadedFile("u.xlsx", buffer.getvalue()))
    assert "不是有效的 Excel 工作簿" in str(response.context["form"].errors["file"])


def test_too_large_and_too_long_sheets_are_refused_with_the_limit(client, side_a, street_staff, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 2)
    response = upload(client, street_staff, xlsx([unit_row(n, side_a) for n in range(3)]))
    assert "一次最多导入 2 行" in str(response.context["form"].errors["file"])
    monkeypatch.setattr(imports, "MAX_BYTES", 1000)
    response = upload(client, street_staff, xlsx([unit_row(1, side_a)]))
    assert "文件太大" in str(response.context["form"].errors["file"])
    assert not MemberUnit.objects.filter(name__startswith="导入单位").exists()


def test_headers_come_in_any_order_and_unknown_or_missing_ones_are_reported(client, side_a, street_staff):
    shuffled = list(reversed(HEADERS))
    response = upload(client, street_staff, xlsx([unit_row(1, side_a, **seat(side_a))], headers=shuffled))
    assert response.status_code == 302

    headers = [h for h in HEADERS if h not in ("单位类型", "驻在街道/镇")] + ["备注"]
    response = upload(client, street_staff, xlsx([unit_row(n, side_a) for n in range(2, 6)], headers=headers))
    errors = response.context["errors"]
    assert [(e.row, e.column) for e in errors] == [(1, "备注"), (1, "单位类型、驻在街道/镇")]
    assert "缺少必填的列：单位类型、驻在街道/镇" in errors[1].message


def test_the_template_downloads_and_reimports_cleanly_once_the_example_row_is_filled(
    client, side_a, street_staff
):
    client.force_login(street_staff)
    response = client.get(reverse("unit_import_template"))
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["成员单位", "说明"]
    sheet = workbook["成员单位"]
    assert [c.value for c in sheet[1]] == list(HEADERS)
    example = {h: c.value for h, c in zip(HEADERS, sheet[2], strict=True)}
    assert example["驻在街道/镇"] == side_a.street.name and example["理事会"] == side_a.council.name
    notes = "\n".join(str(c.value) for row in workbook["说明"].iter_rows() for c in row if c.value)
    assert "党政机关" in notes and "理事长单位" in notes and side_a.street.name in notes

    sheet["A2"] = "市第一中学"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = client.post(
        reverse("unit_import"), {"file": SimpleUploadedFile("填好的模板.xlsx", buffer.getvalue())}
    )
    assert response.status_code == 302
    school = MemberUnit.objects.get(name="市第一中学")
    assert school.credit_code == example["统一社会信用代码"] and school.kind == MemberUnit.Kind.SCHOOL
    assert school.memberships.get().council == side_a.council


def test_a_row_for_a_unit_already_in_the_portal_only_adds_a_seat(client, side_a, street_staff):
    """The documented rule: same credit code and same name → a seat on another council."""
    second = CouncilFactory(community=CommunityFactory(street=side_a.street))
    unit = side_a.unit
    known = {"单位名称": unit.name, "统一社会信用代码": unit.credit_code}
    rows = [{**known, "理事会": second.name, "职务": "理事单位"}]
    response = upload(client, street_staff, xlsx(rows))
    assert response.status_code == 302
    assert set(unit.memberships.values_list("council", flat=True)) == {side_a.council.pk, second.pk}
    assert MemberUnit.objects.filter(credit_code=unit.credit_code).count() == 1

    rows = [
        {**known, "单位类型": "企业", "驻在街道/镇": side_a.street.name},  # no seat: 已存在
        {**known, "理事会": side_a.council.name},  # already seated there
    ]
    response = upload(client, street_staff, xlsx(rows))
    problems = {e.row: e.message for e in response.context["errors"]}
    assert problems == {2: problems[2], 3: "该单位已是此理事会的成员单位。"}
    assert problems[2].startswith("成员单位已存在")

    rows = [
        {"单位名称": "另一个名字", "统一社会信用代码": unit.credit_code, "理事会": second.name},
        unit_row(8, side_a, 单位名称=unit.name),  # the name is taken by another code
    ]
    problems = {e.row: e.message for e in upload(client, street_staff, xlsx(rows)).context["errors"]}
    assert problems == {
        2: f"平台中已有该统一社会信用代码的单位“{unit.name}”，与本行单位名称不一致。",
        3: "平台中已有同名的成员单位，但统一社会信用代码不同。",
    }


def test_a_unit_of_another_city_is_not_revealed_by_its_credit_code(client, side_a, side_b, street_staff):
    rows = [{"单位名称": side_b.unit.name, "统一社会信用代码": side_b.unit.credit_code, **seat(side_a)}]
    response = upload(client, street_staff, xlsx(rows))
    [error] = response.context["errors"]
    assert error.message == "该统一社会信用代码已被平台中的其他成员单位使用。"
    assert side_b.unit.name not in response.content.decode().split("import-errors")[1]


def test_repeats_within_the_sheet(client, side_a, street_staff):
    second = CouncilFactory(community=CommunityFactory(street=side_a.street))
    same_unit_second_council = {**unit_row(1, side_a), "理事会": second.name}
    rows = [
        unit_row(1, side_a, **seat(side_a)),
        same_unit_second_council,  # row 3: fine, a second seat
        unit_row(1, side_a, **seat(side_a)),  # row 4: the same seat again
        unit_row(2, side_a, 统一社会信用代码=code(1)),  # row 5: same code, other name
        unit_row(3, side_a, 单位名称="导入单位1"),  # row 6: same name, other code
        unit_row(1, side_a),  # row 7: the same unit again without a seat
    ]
    response = upload(client, street_staff, xlsx(rows))
    problems = {e.row: e.message for e in response.context["errors"]}
    assert set(problems) == {4, 5, 6, 7}
    assert problems[4] == "与第2行重复：该单位在此理事会的席位已填写。"
    assert problems[5] == "与第2行的统一社会信用代码相同，但单位名称不同。"
    assert problems[6] == "与第2行的单位名称相同，但统一社会信用代码不同。"
    assert problems[7].startswith("与第2行是同一单位")

    response = upload(client, street_staff, xlsx(rows[:2]))
    assert response.status_code == 302
    unit = MemberUnit.objects.get(name="导入单位1")
    assert set(unit.memberships.values_list("council", flat=True)) == {side_a.council.pk, second.pk}


def test_every_field_is_checked(client, side_a, street_staff):
    tomorrow = timezone.localdate() + timedelta(days=1)
    rows = [
        unit_row(1, side_a, 单位类型="协会"),
        unit_row(2, side_a, 联系电话="12345"),
        unit_row(3, side_a, **seat(side_a, position="秘书长单位")),
        unit_row(4, side_a, **seat(side_a, joined="2025-02-30")),
        unit_row(5, side_a, **seat(side_a, joined=tomorrow.isoformat())),
        unit_row(6, side_a, 代表="孙代表"),  # a seat field without a council
        unit_row(7, side_a, 单位名称="很" * 101),
        unit_row(8, side_a, 统一社会信用代码="1234"),
    ]
    response = upload(client, street_staff, xlsx(rows))
    problems = {e.row: (e.column, e.message) for e in response.context["errors"]}
    assert problems[2][0] == "单位类型" and "无法识别单位类型“协会”" in problems[2][1]
    assert problems[3][0] == "联系电话"
    assert problems[4][0] == "职务" and "理事长单位、副理事长单位、理事单位" in problems[4][1]
    assert problems[5] == ("加入日期", "日期“2025-02-30”无效，请填写日期，例如 2026-03-31。")
    assert problems[6] == ("加入日期", "加入日期不能晚于今天。")
    assert problems[7] == ("理事会", "填写了职务、代表或加入日期，但没有填写理事会。")
    assert problems[8][0] == "单位名称"
    assert problems[9] == ("统一社会信用代码", "统一社会信用代码应为18位，当前为4位。")
    assert not MemberUnit.objects.filter(name__startswith="导入单位").exists()


def test_a_conflict_found_while_saving_saves_nothing(side_a, street_staff):
    """If another user saves the same unit between the check and the save, nothing is saved."""
    sheet = imports.units_parse(
        file=xlsx([unit_row(1, side_a, **seat(side_a)), unit_row(2, side_a)]), user=street_staff
    )
    assert not sheet.errors
    MemberUnitFactory(street=side_a.street, name="同时录入", credit_code=code(2))
    with pytest.raises(imports.SheetInvalid):
        imports.units_import(rows=sheet.rows, by=street_staff)
    assert not MemberUnit.objects.filter(name__startswith="导入单位").exists()
    assert not Membership.objects.filter(unit__name__startswith="导入单位").exists()


def test_the_sheet_is_read_in_chinese_whatever_the_interface_language():
    with translation.override("en"):
        assert imports.kind_choices()["学校"] == MemberUnit.Kind.SCHOOL
        assert imports.position_choices()["理事长单位"] == Membership.Position.CHAIR


# --- Exports ----------------------------------------------------------------------------------


def read_xlsx(response) -> list[list]:
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    return [[c.value for c in row] for row in sheet.iter_rows()]


def test_the_unit_export_of_street_staff_holds_only_their_streets_units(client, side_a, side_b, street_staff):
    """R-6.1: street staff see only their street; phones in full for the units they manage."""
    MemberUnitFactory(street=side_a.street, name="甲街道第二单位", contact_phone="13912345678")
    client.force_login(street_staff)
    response = client.get(reverse("unit_export"))
    assert "filename*=UTF-8''%E6%88%90%E5%91%98%E5%8D%95%E4%BD%8D_" in response["Content-Disposition"]
    rows = read_xlsx(response)
    assert rows[0] == [
        "单位名称",
        "单位类型",
        "统一社会信用代码",
        "所属区",
        "驻在街道/镇",
        "地址",
        "联系人",
        "联系电话",
        "状态",
        "所在理事会数",
    ]
    assert sorted(r[0] for r in rows[1:]) == sorted(["甲单位", "甲街道第二单位"])
    assert {r[4] for r in rows[1:]} == {side_a.street.name}
    assert "13912345678" in {r[7] for r in rows[1:]}


def test_the_unit_export_masks_phones_for_those_who_do_not_manage_units(client, side_a, side_b):
    MemberUnitFactory(street=side_a.street, name="有电话的单位", contact_phone="13912345678")
    client.force_login(user_with_role(Role.DISTRICT_OFFICE, side_a))
    rows = read_xlsx(client.get(reverse("unit_export")))
    phones = {r[0]: r[7] for r in rows[1:]}
    assert phones["有电话的单位"] == "139****5678"
    assert side_b.unit.name not in phones


def test_exports_take_the_list_filters(client, side_a, side_b):
    client.force_login(user_with_role(Role.CITY_OFFICE))
    MemberUnitFactory(street=side_a.street, name="学校甲", kind=MemberUnit.Kind.SCHOOL)
    rows = read_xlsx(client.get(reverse("unit_export"), {"kind": "school"}))
    assert [r[0] for r in rows[1:]] == ["学校甲"]
    rows = read_xlsx(client.get(reverse("unit_export"), {"street": side_b.street.pk}))
    assert [r[0] for r in rows[1:]] == [side_b.unit.name]
    rows = read_xlsx(client.get(reverse("council_export"), {"q": side_a.community.name}))
    assert [r[0] for r in rows[1:]] == [side_a.council.name]


def test_a_list_view_with_the_mixin_exports_its_filtered_list_on_format_xlsx(rf, side_a, side_b):
    """The mixin other list pages use: ?format=xlsx exports what the page would list."""

    class ExportableUnitList(XlsxExportMixin, MemberUnitListView):
        export_title = "成员单位"

        def get_export_columns(self):
            return [("单位名称", attrgetter("name")), ("驻在街道/镇", attrgetter("street.name"))]

    MemberUnitFactory(street=side_a.street, name="甲第二单位")
    request = rf.get("/units/", {"format": "xlsx", "q": "第二"})
    request.user = user_with_role(Role.STREET_STAFF, side_a)
    rows = read_xlsx(ExportableUnitList.as_view()(request))
    assert rows == [["单位名称", "驻在街道/镇"], ["甲第二单位", "甲街道"]]
    request = rf.get("/units/", {"q": "第二"})
    request.user = user_with_role(Role.STREET_STAFF, side_a)
    response = ExportableUnitList.as_view()(request)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")


def test_a_filter_outside_the_scope_exports_nothing(client, side_a, side_b, street_staff):
    client.force_login(street_staff)
    rows = read_xlsx(client.get(reverse("unit_export"), {"street": side_b.street.pk}))
    assert rows[1:] == []


def test_text_that_looks_like_a_formula_is_exported_as_text(client, side_a):
    MemberUnitFactory(street=side_a.street, name='=HYPERLINK("http://example.invalid","点我")')
    client.force_login(user_with_role(Role.CITY_OFFICE))
    response = client.get(reverse("unit_export"))
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    cells = [row[0] for row in sheet.iter_rows(min_row=2) if str(row[0].value).startswith("=")]
    assert [c.data_type for c in cells] == ["s"]


def test_the_export_sheet_has_a_bold_frozen_header_and_real_dates(client, side_a):
    client.force_login(user_with_role(Role.CITY_OFFICE))
    response = client.get(reverse("council_export"))
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.b
    assert sheet.column_dimensions["A"].width >= 10
    term_start = next(c for c in sheet[1] if c.value == "本届起始日期").column
    assert sheet.cell(row=2, column=term_start).is_date


@pytest.mark.dates
def test_meeting_and_task_exports_filter_by_council_year_and_status(client, side_a, side_b):
    client.force_login(user_with_role(Role.COUNCIL_SECRETARY, side_a))
    year = timezone.localtime(side_a.meeting.held_at).year
    rows = read_xlsx(client.get(reverse("meeting_export"), {"council": side_a.council.pk, "year": year}))
    assert len(rows) == 2 and rows[1][0] == side_a.council.name and rows[1][9] == "是"
    assert read_xlsx(client.get(reverse("meeting_export"), {"year": year - 1}))[1:] == []
    assert read_xlsx(client.get(reverse("meeting_export"), {"status": "withdrawn"}))[1:] == []

    rows = read_xlsx(client.get(reverse("task_export")))
    assert [r[2] for r in rows[1:]] == [side_a.task.title]
    assert rows[1][6] == "进行中"
    yesterday = timezone.localdate() - timedelta(days=1)
    Task.objects.filter(pk=side_a.task.pk).update(due_on=yesterday)
    rows = read_xlsx(client.get(reverse("task_export"), {"overdue": "true", "year": yesterday.year}))
    assert [r[6] for r in rows[1:]] == ["已逾期"]
    assert read_xlsx(client.get(reverse("task_export"), {"status": "done"}))[1:] == []


def grow_work(side, n=5):
    """More of everything on the side's street, with meetings and tasks on its council."""
    grow(side, n)
    for i in range(n):
        services.meeting_record(
            council=side.council,
            held_at=side.meeting.held_at - timedelta(days=i + 1),
            kind="regular",
            place="会议室",
            seats=[Seat(side.membership.pk, present=True)],
            agenda=["议题"],
            minutes="纪要",
            by=side.secretary,
        )
        services.task_create(
            resolution=side.resolution,
            title=f"任务{i}",
            assignee=side.unit,
            due_on=timezone.localdate() + timedelta(days=i),
            by=side.secretary,
        )


@pytest.mark.parametrize("name", ["unit_export", "council_export", "meeting_export", "task_export"])
@pytest.mark.parametrize("role", [Role.CITY_OFFICE, Role.STREET_STAFF])
def test_export_query_count_does_not_grow_with_the_rows(client, name, role):
    side = build_side("甲")
    client.force_login(user_with_role(role, side))
    url = reverse(name)

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        return len(ctx.captured_queries), len(read_xlsx(response))

    small, small_rows = queries()
    grow_work(side)
    build_side("乙")
    large, large_rows = queries()
    assert large_rows > small_rows
    assert large == small, f"{url}: {small} queries for {small_rows} rows, {large} for {large_rows}"


# --- How long 10,000 units take ---------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("BENCH"), reason="a measurement: run with BENCH=1")
def test_import_10000_units_with_seats(side_a):
    user = user_with_role(Role.STREET_STAFF, side_a)
    councils = [CouncilFactory(community=CommunityFactory(street=side_a.street)) for _ in range(20)]
    StreetFactory(district=side_a.district)
    rows = [
        unit_row(n, side_a, 理事会=councils[n % 20].name, 职务="理事单位", 代表="代表", 加入日期="2025-01-01")
        for n in range(10_000)
    ]
    file = xlsx(rows)
    started = time.perf_counter()
    sheet = imports.units_parse(file=file, user=user)
    parsed = time.perf_counter()
    assert not sheet.errors
    result = imports.units_import(rows=sheet.rows, by=user)
    done = time.perf_counter()
    assert (result.units, result.seats) == (10_000, 10_000)
    print(
        f"\n10,000 units with seats ({len(file)} bytes): read and check {parsed - started:.1f}s, "
        f"save {done - parsed:.1f}s, total {done - started:.1f}s"
    )
    assert Council.objects.filter(memberships__unit__name="导入单位9999").count() == 1
