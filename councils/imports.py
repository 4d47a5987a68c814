"""Member units and their council seats from an .xlsx sheet (issue 3 §7, R-1.3).

One row per member unit, Chinese headers in any order (the template has them all). Every row is
checked and every problem is collected with its row number as Excel shows it (the header is
row 1); nothing is saved unless the whole sheet is clean, and then everything is saved in one
transaction.

Streets and councils are looked up by name within what the importing user may manage; one
outside that scope reads exactly like one that does not exist.

A row whose unit is already known, because an earlier row of the sheet or a unit already in the
portal has the same credit code AND the same name, only adds a seat on a council: it must name
a council, and the unit's other columns are ignored (the unit keeps the details it already has).
That is how one unit gets seats on several councils. Any other repeat of a credit code or a
name is an error.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from . import caching, dashboard, services
from .models import ChangeLog, Council, Membership, MemberUnit, Street
from .periods import today
from .roles import Capability
from .services.history import snapshot
from .services.members import TRACKED as SEAT_TRACKED
from .validators import EARLIEST_DATE, LATEST_DATE, credit_code_check_char, validate_credit_code

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 50
# A 5 MB .xlsx that unpacks to more than this is not a sheet of member units.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
LOOKUP_CHUNK = 2000
SAVE_BATCH = 1000

UNITS_SHEET = "成员单位"
HELP_SHEET = "说明"

# The headers are the file format, so they are fixed in Chinese whatever the interface language.
NAME = "单位名称"
KIND = "单位类型"
CODE = "统一社会信用代码"
STREET = "驻在街道/镇"
ADDRESS = "地址"
CONTACT = "联系人"
PHONE = "联系电话"
COUNCIL = "理事会"
POSITION = "职务"
REPRESENTATIVE = "代表"
JOINED = "加入日期"

HEADERS = (NAME, KIND, CODE, STREET, ADDRESS, CONTACT, PHONE, COUNCIL, POSITION, REPRESENTATIVE, JOINED)
REQUIRED_HEADERS = (NAME, KIND, CODE, STREET)
UNIT_FIELDS = {
    "name": NAME,
    "kind": KIND,
    "credit_code": CODE,
    "street": STREET,
    "address": ADDRESS,
    "contact_person": CONTACT,
    "contact_phone": PHONE,
}
SEAT_FIELDS = {
    "council": COUNCIL,
    "position": POSITION,
    "representative": REPRESENTATIVE,
    "joined_on": JOINED,
}
# Common ways of writing a kind that the model files under one label.
KIND_ALIASES = {"法院": MemberUnit.Kind.COURT, "检察院": MemberUnit.Kind.COURT}
DATE_TEXT = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")


def kind_choices() -> dict[str, str]:
    """Chinese label → value for 单位类型, whatever the interface language."""
    with translation.override("zh-hans"):
        return {str(label): value for value, label in MemberUnit.Kind.choices} | KIND_ALIASES


def position_choices() -> dict[str, str]:
    with translation.override("zh-hans"):
        return {str(label): value for value, label in Membership.Position.choices}


# --- What the parser hands to the service ----------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str
    letter: str = ""


@dataclass
class UnitRow:
    """One clean row: a new unit to create (`is_new`), or a known unit, and maybe a seat."""

    row: int
    unit: MemberUnit
    is_new: bool
    council: Council | None = None
    position: str = Membership.Position.MEMBER
    representative: str = ""
    joined_on: date | None = None


@dataclass
class ParsedSheet:
    rows: list[UnitRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    data_rows: int = 0


@dataclass(frozen=True)
class ImportResult:
    units: int
    seats: int


class SheetInvalid(Exception):
    """Saving found a problem the check could not (another user saved the same unit meanwhile)."""

    def __init__(self, errors: list[RowError]):
        super().__init__(errors)
        self.errors = errors


# --- Reading the file ----------------------------------------------------------------------


def not_xlsx() -> ValidationError:
    return ValidationError(
        _(
            "无法读取该文件：它不是有效的 Excel 工作簿（.xlsx）。请用 Excel 或 WPS 打开后"
            "“另存为 Excel 工作簿（*.xlsx）”再上传；.xls、.csv 等格式不能直接导入。"
        ),
        code="not_xlsx",
    )


def sheet_read(file) -> list[tuple[int, tuple]]:
    """(row number, values) of the sheet's non-blank rows, the header row first. Refuses, with a
    ValidationError, a file that is too large, not a real .xlsx, or has too many rows."""
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, io.SEEK_END)
        size = file.tell()
    if size > MAX_BYTES:
        raise ValidationError(
            _("文件太大：最大 %(max)d MB，该文件约 %(size).1f MB。请分成几个文件导入。"),
            code="too_large",
            params={"max": MAX_BYTES // (1024 * 1024), "size": size / (1024 * 1024)},
        )
    file.seek(0)
    if file.read(4) != b"PK\x03\x04":  # every .xlsx is a zip archive
        raise not_xlsx()
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            if sum(member.file_size for member in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise not_xlsx()
        file.seek(0)
        workbook = load_workbook(file, read_only=True, data_only=True)
    except ValidationError:
        raise
    except Exception as error:  # whatever a damaged or foreign archive makes the reader raise
        raise not_xlsx() from error
    try:
        sheets = workbook.worksheets
        if not sheets:
            raise not_xlsx()
        sheet = workbook[UNITS_SHEET] if UNITS_SHEET in workbook.sheetnames else sheets[0]
        sheet.reset_dimensions()  # some writers record a wrong used range; read what is there
        rows = []
        for number, values in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), 1):
            if all(_text(v) == "" for v in values):
                continue
            rows.append((number, values))
            if len(rows) > MAX_ROWS + 1:
                raise ValidationError(
                    _("数据行太多：一次最多导入 %(max)d 行，请分成几个文件导入。"),
                    code="too_many_rows",
                    params={"max": MAX_ROWS},
                )
    except ValidationError:
        raise
    except Exception as error:
        raise not_xlsx() from error
    finally:
        workbook.close()
    if len(rows) < 2:
        raise ValidationError(_("表格中没有成员单位数据：第1行为表头，请从第2行起每行填写一个成员单位。"))
    return rows


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone number typed into a number cell
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    return str(value).replace("\u3000", " ").strip()


def _code(value) -> str:
    return _text(value).upper().replace(" ", "")


def _date(value) -> date | None:
    """A date cell, or text written 2026-03-31 (also 2026/3/31 or 2026.3.31)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = DATE_TEXT.match(_text(value))
    if not match:
        return None
    try:
        return date(*map(int, match.groups()))
    except ValueError:
        return None


# --- Checking ---------------------------------------------------------------------------------


class Names:
    """Objects by name, plus "qualifier/name" for names that occur more than once in scope."""

    def __init__(self, objects: Iterable, qualifier: Callable[[object], str]):
        self.by_name: dict[str, list] = defaultdict(list)
        self.qualified: dict[str, object] = {}
        for obj in objects:
            self.by_name[obj.name].append(obj)
            self.qualified[f"{qualifier(obj)}/{obj.name}"] = obj
        self.qualifier = qualifier

    def find(self, text: str):
        """(object, None) or (None, "unknown") or (None, "qualifiers of the same-named ones")."""
        text = re.sub(r"\s*[/／]\s*", "/", text)
        if text in self.qualified:
            return self.qualified[text], None
        found = self.by_name.get(text, [])
        if len(found) == 1:
            return found[0], None
        if not found:
            return None, ""
        return None, "、".join(f"{self.qualifier(obj)}/{obj.name}" for obj in found)

    def names(self) -> list[str]:
        return sorted(
            name if len(objs) == 1 else f"{self.qualifier(obj)}/{name}"
            for name, objs in self.by_name.items()
            for obj in objs
        )


def streets_in_scope(user) -> Names:
    streets = Street.objects.visible_to(user, Capability.MANAGE_UNITS).select_related("district")
    return Names(streets, lambda s: s.district.name)


def councils_in_scope(user) -> Names:
    councils = Council.objects.visible_to(user, Capability.MANAGE_COUNCILS).select_related(
        "community__street"
    )
    return Names(councils, lambda c: c.community.street.name)


@dataclass
class Seen:
    """The first row that named a unit, and the councils it has been seated on so far."""

    row: int
    name: str
    code: str
    unit: MemberUnit | None = None
    councils: dict[int, int] = field(default_factory=dict)  # council pk → row that seated it


class Checker:
    """Checks the rows of one sheet for one user; every lookup is read once, before the rows."""

    def __init__(self, *, user, columns: dict[str, int], rows: list[tuple[int, tuple]]):
        self.user = user
        self.columns = columns
        self.streets = streets_in_scope(user)
        self.councils = councils_in_scope(user)
        self.kinds = kind_choices()
        self.positions = position_choices()
        self.today = today()
        codes = {_code(self.value(values, CODE)) for _n, values in rows} - {""}
        names = {self.text(values, NAME) for _n, values in rows} - {""}
        self.by_code: dict[str, MemberUnit] = {}
        self.by_name: dict[str, MemberUnit] = {}
        for chunk in _chunks(codes | names):
            for unit in MemberUnit.objects.filter(Q(credit_code__in=chunk) | Q(name__in=chunk)):
                self.by_code[unit.credit_code] = unit
                self.by_name[unit.name] = unit
        known = [u.pk for u in self.by_code.values()]
        self.manageable: set[int] = set()
        self.seated: set[tuple[int, int]] = set()
        for chunk in _chunks(known):
            self.manageable |= set(
                MemberUnit.objects.visible_to(user, Capability.MANAGE_UNITS)
                .filter(pk__in=chunk)
                .values_list("pk", flat=True)
            )
            self.seated |= set(
                Membership.objects.filter(unit_id__in=chunk, left_on__isnull=True).values_list(
                    "unit_id", "council_id"
                )
            )
        self.seen_codes: dict[str, Seen] = {}
        self.seen_names: dict[str, Seen] = {}

    def value(self, values: tuple, header: str):
        index = self.columns.get(header)
        return None if index is None or index >= len(values) else values[index]

    def text(self, values: tuple, header: str) -> str:
        return _text(self.value(values, header))

    def check(self, number: int, values: tuple) -> tuple[UnitRow | None, list[RowError]]:
        errors: list[RowError] = []

        def error(header: str, message: str) -> None:
            index = self.columns.get(header)
            letter = get_column_letter(index + 1) if index is not None else ""
            errors.append(RowError(number, header, message, letter))

        name = self.text(values, NAME)
        code = _code(self.value(values, CODE))
        if not name:
            error(NAME, _("单位名称必须填写。"))
        if not code:
            error(CODE, _("统一社会信用代码必须填写。"))
        else:
            try:
                validate_credit_code(code)
            except ValidationError as invalid:
                error(CODE, invalid.messages[0])

        wants_seat = bool(self.text(values, COUNCIL))
        seat = self._seat(values, error)

        # Who is this unit: seen earlier in the sheet, already in the portal, or new?
        unit, is_new = None, False
        earlier = self.seen_codes.get(code) if code else None
        same_name = self.seen_names.get(name) if name else None
        known = self.by_code.get(code) if code else None
        if earlier is not None:
            if earlier.name != name:
                error(CODE, _("与第%(row)d行的统一社会信用代码相同，但单位名称不同。") % {"row": earlier.row})
            elif not wants_seat:
                error(
                    NAME,
                    _("与第%(row)d行是同一单位。同一单位出现在多行时，后面每行只能为它添加一个理事会席位。")
                    % {"row": earlier.row},
                )
            elif earlier.unit is None:
                error(CODE, _("该单位在第%(row)d行有问题，请先修改第%(row)d行。") % {"row": earlier.row})
            else:
                unit = earlier.unit
        elif same_name is not None:
            error(NAME, _("与第%(row)d行的单位名称相同，但统一社会信用代码不同。") % {"row": same_name.row})
        elif known is not None:
            unit = self._known(known, name, error)
            if unit is not None and not wants_seat:
                error(
                    NAME,
                    _(
                        "成员单位已存在。已有单位只能通过导入添加理事会席位，请填写理事会；"
                        "修改单位信息请到单位页面。"
                    ),
                )
        elif name and name in self.by_name:
            error(NAME, _("平台中已有同名的成员单位，但统一社会信用代码不同。"))
        elif name and code:
            unit, is_new = self._new(values, name, code, error), True

        if code and name and earlier is None and same_name is None:
            self.seen_codes[code] = self.seen_names[name] = Seen(number, name, code, unit)
        if seat is not None and unit is not None:
            council = seat[0]
            record = self.seen_codes[code]
            if unit.pk is not None and unit.status != MemberUnit.Status.ACTIVE:
                error(NAME, _("该单位已停用，不能加入理事会。"))
            elif council.pk in record.councils or (unit.pk, council.pk) in self.seated:
                row = record.councils.get(council.pk)
                error(
                    COUNCIL,
                    _("该单位已是此理事会的成员单位。")
                    if row is None
                    else _("与第%(row)d行重复：该单位在此理事会的席位已填写。") % {"row": row},
                )
            else:
                record.councils[council.pk] = number
        if errors or unit is None:
            return None, errors
        row = UnitRow(number, unit, is_new)
        if seat is not None:
            row.council, row.position, row.representative, row.joined_on = seat
        return row, errors

    def _seat(self, values, error):
        """(council, position, representative, joined_on), or None for a row without a seat."""
        council_name = self.text(values, COUNCIL)
        position_text = self.text(values, POSITION)
        representative = self.text(values, REPRESENTATIVE)
        joined_raw = self.value(values, JOINED)
        if not council_name:
            if position_text or representative or _text(joined_raw):
                error(COUNCIL, _("填写了职务、代表或加入日期，但没有填写理事会。"))
            return None
        council, ambiguous = self.councils.find(council_name)
        if council is None:
            if ambiguous:
                error(
                    COUNCIL,
                    _("有多个名为“%(name)s”的理事会，请写成“街道/理事会名称”：%(choices)s。")
                    % {"name": council_name, "choices": ambiguous},
                )
            else:
                error(COUNCIL, _("找不到理事会“%(name)s”，或不在您的管理范围内。") % {"name": council_name})
        position = Membership.Position.MEMBER
        if position_text:
            position = self.positions.get(position_text)
            if position is None:
                error(
                    POSITION,
                    _("无法识别职务“%(value)s”，应为：%(choices)s。")
                    % {"value": position_text, "choices": "、".join(self.positions)},
                )
        joined_on = self.today
        if _text(joined_raw):
            joined_on = _date(joined_raw)
            if joined_on is None:
                error(
                    JOINED,
                    _("日期“%(value)s”无效，请填写日期，例如 2026-03-31。") % {"value": _text(joined_raw)},
                )
            elif joined_on > self.today:
                error(JOINED, _("加入日期不能晚于今天。"))
            elif joined_on < EARLIEST_DATE:  # as on the pages: 1900 is a slip, not a record
                years = {"first": EARLIEST_DATE.year, "last": LATEST_DATE.year}
                error(JOINED, _("日期须在 %(first)d 年至 %(last)d 年之间，请核对年份。") % years)
        if council is None or position is None or joined_on is None:
            return None
        seat = Membership(
            council=council, position=position, representative=representative, joined_on=joined_on
        )
        try:
            seat.clean_fields(exclude=["unit", "council", "left_on"])
        except ValidationError as invalid:
            for name, messages in invalid.message_dict.items():
                for message in messages:
                    error(SEAT_FIELDS.get(name, COUNCIL), message)
            return None
        return council, position, representative, joined_on

    def _known(self, unit: MemberUnit, name: str, error) -> MemberUnit | None:
        """The unit already in the portal that the row names, if the user manages it."""
        if unit.pk not in self.manageable:
            # Said the same whatever the unit is, so nothing outside the user's scope shows.
            error(CODE, _("该统一社会信用代码已被平台中的其他成员单位使用。"))
            return None
        if unit.name != name:
            error(
                CODE,
                _("平台中已有该统一社会信用代码的单位“%(name)s”，与本行单位名称不一致。")
                % {"name": unit.name},
            )
            return None
        return unit

    def _new(self, values, name: str, code: str, error) -> MemberUnit:
        kind_text = self.text(values, KIND)
        kind = self.kinds.get(kind_text)
        if not kind_text:
            error(KIND, _("单位类型必须填写。"))
        elif kind is None:
            error(
                KIND,
                _("无法识别单位类型“%(value)s”，应为：%(choices)s。")
                % {"value": kind_text, "choices": "、".join(k for k in self.kinds if k not in KIND_ALIASES)},
            )
        street_name = self.text(values, STREET)
        street, ambiguous = self.streets.find(street_name) if street_name else (None, "")
        if not street_name:
            error(STREET, _("驻在街道/镇必须填写。"))
        elif street is None and ambiguous:
            error(
                STREET,
                _("有多个名为“%(name)s”的街道/镇，请写成“区/街道名称”：%(choices)s。")
                % {"name": street_name, "choices": ambiguous},
            )
        elif street is None:
            error(STREET, _("找不到街道/镇“%(name)s”，或不在您的管理范围内。") % {"name": street_name})
        unit = MemberUnit(
            name=name,
            kind=kind or "",
            credit_code=code,
            street=street,
            address=self.text(values, ADDRESS),
            contact_person=self.text(values, CONTACT),
            contact_phone=self.text(values, PHONE).replace(" ", ""),
        )
        exclude = ["street", "credit_code"] + ([] if kind else ["kind"])
        try:
            unit.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as invalid:
            for field_name, messages in invalid.message_dict.items():
                for message in messages:
                    error(
                        UNIT_FIELDS.get(field_name, NAME) if field_name != NON_FIELD_ERRORS else NAME, message
                    )
        return unit


def _chunks(items: Iterable, size: int = LOOKUP_CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def header_errors(header: tuple) -> tuple[dict[str, int], list[RowError]]:
    columns: dict[str, int] = {}
    errors = []
    for index, raw in enumerate(header):
        text = _text(raw).replace("／", "/")
        if not text:
            continue
        letter = get_column_letter(index + 1)
        if text not in HEADERS:
            errors.append(
                RowError(
                    1,
                    text,
                    _("无法识别的列名“%(name)s”。可用的列名：%(names)s。")
                    % {"name": text, "names": "、".join(HEADERS)},
                    letter,
                )
            )
        elif text in columns:
            errors.append(RowError(1, text, _("列名重复。"), letter))
        else:
            columns[text] = index
    missing = [h for h in REQUIRED_HEADERS if h not in columns]
    if missing:
        errors.append(
            RowError(
                1,
                "、".join(missing),
                _("缺少必填的列：%(names)s。请使用导入模板。") % {"names": "、".join(missing)},
            )
        )
    return columns, errors


def units_parse(*, file, user) -> ParsedSheet:
    """Read and check a sheet of member units (R-1.3): every problem of every row, with its row
    number. A file that cannot be read at all raises ValidationError."""
    rows = sheet_read(file)
    (header_number, header), data = rows[0], rows[1:]
    parsed = ParsedSheet(data_rows=len(data))
    columns, parsed.errors = header_errors(header)
    if header_number != 1:
        parsed.errors.insert(0, RowError(1, "", _("第1行应为表头（列名），请使用导入模板。")))
        return parsed
    if any(h not in columns for h in REQUIRED_HEADERS):
        return parsed  # without the columns every row would repeat the same complaint
    checker = Checker(user=user, columns=columns, rows=data)
    for number, values in data:
        row, errors = checker.check(number, values)
        parsed.errors += errors
        if row is not None:
            parsed.rows.append(row)
    return parsed


# --- Saving -----------------------------------------------------------------------------------


def units_import(*, rows: list[UnitRow], by) -> ImportResult:
    """Save checked rows: create the new member units and seat units on councils (R-1.3). All
    in one transaction: on any problem nothing is saved."""
    new = [row for row in rows if row.is_new]
    created = {id(row.unit) for row in new}
    seat_rows = [row for row in rows if row.council is not None]
    try:
        with transaction.atomic():
            for row in new:
                try:
                    row.unit.full_clean(exclude=["street"], validate_unique=False)
                except ValidationError as invalid:
                    raise SheetInvalid([RowError(row.row, NAME, m) for m in invalid.messages]) from invalid
            # Uniqueness was checked for the whole sheet at once; the database still guards it.
            MemberUnit.objects.bulk_create([row.unit for row in new], batch_size=SAVE_BATCH)
            _seat_new_units([row for row in seat_rows if id(row.unit) in created], by=by)
            caching.bump(dashboard.TAG)  # bulk inserts send no signals: the counts go stale here
            for row in seat_rows:
                if id(row.unit) in created:
                    continue
                try:
                    services.membership_add(
                        council=row.council,
                        unit=row.unit,
                        position=row.position,
                        representative=row.representative,
                        joined_on=row.joined_on,
                        by=by,
                    )
                except ValidationError as invalid:
                    raise SheetInvalid([RowError(row.row, COUNCIL, m) for m in invalid.messages]) from invalid
    except IntegrityError as error:
        raise SheetInvalid(
            [
                RowError(
                    0, "", _("保存时发现冲突（可能有人同时录入了相同的单位），没有导入任何数据，请重新上传。")
                )
            ]
        ) from error
    return ImportResult(units=len(new), seats=len(seat_rows))


def _seat_new_units(rows: list[UnitRow], *, by) -> None:
    """Seats of the units this import creates, written in bulk with the checks and the history
    entry of `services.membership_add`. One by one, that service costs nine queries a seat
    (ten thousand seats: most of a minute); a unit created a moment ago holds no seat to
    collide with and no area to set, so only the row checks and the history remain."""
    seats = []
    for row in rows:
        seat = Membership(
            unit=row.unit,
            council=row.council,
            position=row.position,
            representative=row.representative,
            joined_on=row.joined_on,
        )
        try:
            seat.full_clean(exclude=["unit", "council"], validate_constraints=False)
        except ValidationError as invalid:
            raise SheetInvalid([RowError(row.row, COUNCIL, m) for m in invalid.messages]) from invalid
        seats.append(seat)
    Membership.objects.bulk_create(seats, batch_size=SAVE_BATCH)
    content_type = ContentType.objects.get_for_model(Membership)
    ChangeLog.objects.bulk_create(
        [
            ChangeLog(
                content_type=content_type,
                object_id=seat.pk,
                action="seated",
                changes=snapshot(seat, SEAT_TRACKED),
                by=by,
            )
            for seat in seats
        ],
        batch_size=SAVE_BATCH,
    )


# --- The template -----------------------------------------------------------------------------


EXAMPLE_CODE_BODY = "12350400MB0000001"


def template_workbook(*, user) -> bytes:
    """The import template: the headers and one example row on the first sheet, and on the
    second ("说明") what each column takes, with the streets and councils the user may use."""
    streets, councils = streets_in_scope(user), councils_in_scope(user)
    kinds = [k for k in kind_choices() if k not in KIND_ALIASES]
    positions = list(position_choices())
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = UNITS_SHEET
    bold, fill = Font(bold=True), PatternFill("solid", start_color="FFE9ECEF")
    sheet.append(list(HEADERS))
    for cell in sheet[1]:
        cell.font, cell.fill = bold, fill
    sheet.freeze_panes = "A2"
    street_names, council_names = streets.names(), councils.names()
    example = {
        NAME: _("示例单位（请改为实际单位名称）"),
        KIND: "学校",
        CODE: EXAMPLE_CODE_BODY + credit_code_check_char(EXAMPLE_CODE_BODY),
        STREET: street_names[0] if street_names else "",
        ADDRESS: _("某某路1号"),
        CONTACT: _("张三"),
        PHONE: "13800001234",
        COUNCIL: council_names[0] if council_names else "",
        POSITION: positions[-1],
        REPRESENTATIVE: _("李四"),
        JOINED: today(),
    }
    sheet.append([example[h] for h in HEADERS])
    widths = {NAME: 34, CODE: 22, STREET: 16, ADDRESS: 30, COUNCIL: 30, JOINED: 12}
    text_columns = {CODE, PHONE}
    for index, header in enumerate(HEADERS, 1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = widths.get(header, 14)
        if header in text_columns:  # so Excel keeps leading zeros and long digit strings as typed
            sheet.column_dimensions[letter].number_format = "@"
            sheet.cell(row=2, column=index).number_format = "@"
        if header == JOINED:
            sheet.column_dimensions[letter].number_format = "yyyy-mm-dd"
            sheet.cell(row=2, column=index).number_format = "yyyy-mm-dd"
    for header, choices in ((KIND, kinds), (POSITION, positions)):
        letter = get_column_letter(HEADERS.index(header) + 1)
        validation = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True)
        validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
        sheet.add_data_validation(validation)

    notes = workbook.create_sheet(HELP_SHEET)
    notes.append([_("列名"), _("是否必填"), _("填写说明")])
    for cell in notes[1]:
        cell.font, cell.fill = bold, fill
    required, seat = _("必填"), _("添加理事会席位时填写")
    descriptions = {
        NAME: (required, _("单位全称，与营业执照或登记证书一致；平台内不能重名。")),
        KIND: (required, _("从下列“单位类型”中选择。")),
        CODE: (required, _("18位，最后一位为校验位；请设置为文本格式，避免被改成科学计数法。")),
        STREET: (required, _("从下列“街道/镇”中选择；同名时写成“区/街道名称”。")),
        ADDRESS: (_("选填"), ""),
        CONTACT: (_("选填"), ""),
        PHONE: (_("选填"), _("11位手机号或带区号的固定电话，例如 0598-8221234。")),
        COUNCIL: (seat, _("从下列“理事会”中选择；不填则只导入单位。")),
        POSITION: (seat, _("不填默认为理事单位。")),
        REPRESENTATIVE: (seat, _("本单位派出的代表姓名。")),
        JOINED: (seat, _("日期格式，例如 2026-03-31；不填默认为导入当天。")),
    }
    for header in HEADERS:
        notes.append([header, *descriptions[header]])
    notes.append([])
    for line in (
        _("第1行为表头，请勿修改列名；第2行为示例，请修改或删除。每行一个成员单位，最多 %(max)d 行。")
        % {"max": MAX_ROWS},
        _("任何一行有问题时，整个文件都不会导入；请按提示的行号修改后重新上传。"),
        _(
            "平台中已有的单位（统一社会信用代码和单位名称都相同）只能添加理事会席位，单位的其他信息不会被修改。"
            "同一单位要加入多个理事会时，可在多行重复填写单位名称和信用代码，每行填写一个理事会。"
        ),
    ):
        notes.append([line])
    lists = [
        (_("单位类型"), kinds),
        (_("职务"), positions),
        (_("街道/镇（您可导入的）"), street_names),
        (_("理事会（您可添加席位的）"), council_names),
    ]
    start = notes.max_row + 2  # after a blank row
    for column, (title, values) in enumerate(lists, 1):
        notes.cell(row=start, column=column, value=title).font = bold
        for offset, value in enumerate(values, 1):
            notes.cell(row=start + offset, column=column, value=value)
    for letter, width in zip("ABCD", (22, 22, 60, 36), strict=True):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=2, max_row=len(HEADERS) + 1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
