"""Lists as .xlsx files (issue 3 §7): one helper that turns rows into a workbook, and a mixin that
lets a list view hand its whole filtered queryset to it.

    return xlsx_response(
        filename="成员单位.xlsx",
        title="成员单位",
        columns=[("单位名称", attrgetter("name")), ("加入日期", attrgetter("joined_on"))],
        rows=queryset.iterator(),
    )

The workbook is written in openpyxl's write-only mode, so a long list costs little memory.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from itertools import chain, islice
from typing import Any
from urllib.parse import quote

from django.http import FileResponse, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Column = tuple[str, Callable[[Any], Any]]

# Widths are guessed from the header and the first rows; later rows never widen a column.
SAMPLE_ROWS = 200
MIN_WIDTH, MAX_WIDTH = 8, 60
DATE_WIDTH, DATETIME_WIDTH = 12, 17
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def cell_value(value: Any) -> Any:
    """A value openpyxl can write: dates stay dates (aware times in Shanghai time, since Excel
    knows no time zones), anything else (lazy text too) becomes text, yes/no reads as 是/否."""
    if value is None:
        return None
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, date | int | float | Decimal):
        return value
    # Control characters (pasted from elsewhere) are not allowed in the file format.
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def display_width(value: Any) -> int:
    """Roughly how many character widths the value takes: a Chinese character counts as two."""
    if isinstance(value, datetime):
        return DATETIME_WIDTH
    if isinstance(value, date):
        return DATE_WIDTH
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


# Control and format characters (Cc, Cf: among them the bidirectional overrides such as U+202E,
# which make "报告‮fdp.exe" read as "报告exe.pdf"), line and paragraph separators (Zl, Zp),
# surrogates and private-use characters never reach a download's name (issue 14 §8).
UNSAFE_NAME_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co"})


def safe_filename(filename: str, *, default: str = "download") -> str:
    """The name a user's browser saves the file under: without control, format and bidi
    characters, without path separators, at most 150 characters (the extension kept)."""
    kept = (ch for ch in filename if unicodedata.category(ch) not in UNSAFE_NAME_CATEGORIES)
    name = "".join("_" if ch in "/\\" else ch for ch in kept)
    name = name.strip().strip(".") or default
    if len(name) > 150:
        stem, dot, extension = name.rpartition(".")
        name = (
            f"{stem[: 150 - len(extension) - 1]}.{extension}" if dot and len(extension) <= 10 else name[:150]
        )
    return name


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """The one Content-Disposition header of every download (RFC 6266): `attachment` (or
    `inline`, shown in the browser), an ASCII fallback name for old clients and the real
    (Chinese) name per RFC 5987, both cleaned by `safe_filename`."""
    name = safe_filename(filename)
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    ascii_stem = re.sub(r"[^A-Za-z0-9_-]", "", stem) or "download"
    ascii_extension = re.sub(r"[^A-Za-z0-9]", "", extension)[:10]
    ascii_name = f"{ascii_stem}.{ascii_extension}" if ascii_extension else ascii_stem
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def file_response(handle, *, filename: str, content_type: str, inline: bool = False) -> FileResponse:
    """A stored file streamed under `filename` (cleaned by `safe_filename`), never cached by a
    shared cache. The stored name, which is random, is never shown."""
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = content_disposition(filename, inline=inline)
    response["Cache-Control"] = "private, no-store"
    return response


def xlsx_response(*, filename: str, title: str, columns: list[Column], rows: Iterable) -> HttpResponse:
    """An .xlsx download: one sheet called `title`, a bold frozen header row of `columns` (header,
    getter), one line per row. Dates are real dates; text that starts with "=" stays text, so a
    name typed by a user never runs as a formula in the reader's spreadsheet."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE_FORBIDDEN.sub("_", title)[:31] or "Sheet1")
    rows = iter(rows)
    sample = [[cell_value(get(obj)) for _header, get in columns] for obj in islice(rows, SAMPLE_ROWS)]

    # Column widths and the frozen pane must be set before the first row is written.
    for index, (header, _get) in enumerate(columns, 1):
        widest = max([display_width(header), *(display_width(line[index - 1]) for line in sample)])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(widest + 2, MIN_WIDTH), MAX_WIDTH)
    sheet.freeze_panes = "A2"

    bold, fill = Font(bold=True), PatternFill("solid", start_color="FFE9ECEF")
    header_cells = []
    for header, _get in columns:
        cell = WriteOnlyCell(sheet, value=str(header))
        cell.font, cell.fill, cell.alignment = bold, fill, Alignment(vertical="center")
        header_cells.append(cell)
    sheet.append(header_cells)

    rest = ([cell_value(get(obj)) for _header, get in columns] for obj in rows)
    for line in chain(sample, rest):
        sheet.append([_as_cell(sheet, value) for value in line])

    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(filename)
    response["Cache-Control"] = "private, no-store"
    return response


def _as_cell(sheet, value: Any) -> Any:
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


class XlsxExportMixin:
    """For ScopedListView subclasses: with `?format=xlsx` (or always, with `export_always`), the
    whole filtered queryset goes to an .xlsx file instead of the page. Subclasses give
    `export_title` and `get_export_columns()`; the filters and the scope are the list's own."""

    export_title: str = ""
    export_always = False
    export_chunk_size = 2000

    def wants_xlsx(self) -> bool:
        return self.export_always or self.request.GET.get("format") == "xlsx"

    def get(self, request, *args, **kwargs):
        if not self.wants_xlsx():
            return super().get(request, *args, **kwargs)
        filterset = self.get_filterset(self.get_filterset_class())
        # As the list page does (strict mode): filters that do not validate show nothing.
        valid = not filterset.is_bound or filterset.is_valid() or not self.get_strict()
        queryset = filterset.qs if valid else filterset.queryset.none()
        return xlsx_response(
            filename=self.get_export_filename(),
            title=str(self.export_title),
            columns=self.get_export_columns(),
            rows=self.get_export_rows(queryset),
        )

    def get_export_filename(self) -> str:
        return f"{self.export_title}_{timezone.localdate():%Y%m%d}.xlsx"

    def get_export_columns(self) -> list[Column]:
        raise NotImplementedError

    def get_export_rows(self, queryset) -> Iterable:
        return queryset.iterator(chunk_size=self.export_chunk_size)
