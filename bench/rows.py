"""Rows straight into PostgreSQL with COPY: ids reserved from the table's own sequence, columns
named by model fields, values written in COPY's text format. Used only by the generator."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

from django.db import connection

FLUSH_ROWS = 50_000
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def reserve_ids(model, n: int) -> int:
    """The first of `n` consecutive ids taken from the model's id sequence (nobody else writes
    to the database while the city is built)."""
    if n <= 0:
        return 0
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s)", [sequence])
        first = cursor.fetchone()[0]
        cursor.execute("SELECT setval(%s, %s)", [sequence, first + n - 1])
    return first


def _text(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | Decimal | int | float):
        return str(value)
    raise TypeError(f"cannot COPY {type(value).__name__}")


class Copier:
    """Collects rows for one table and sends them in large COPY batches.

    `fields` are model field names separated by spaces (a foreign key by its name, e.g.
    "council"); rows are tuples in that order with plain values (ids for foreign keys)."""

    def __init__(self, model, fields: str):
        fields = fields.split()
        meta = model._meta
        self.model = model
        self.table = meta.db_table
        self.columns = [meta.get_field(name).column for name in fields]
        self.width = len(fields)
        self.buffer = io.StringIO()
        self.pending = 0
        self.count = 0

    def add(self, row: tuple) -> None:
        if len(row) != self.width:
            raise ValueError(f"{self.table}: {len(row)} values for {self.width} columns")
        self.buffer.write("\t".join(map(_text, row)))
        self.buffer.write("\n")
        self.pending += 1
        if self.pending >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        self.buffer.seek(0)
        columns = ", ".join(f'"{c}"' for c in self.columns)
        with connection.cursor() as cursor:
            cursor.copy_expert(f'COPY "{self.table}" ({columns}) FROM STDIN', self.buffer)
        self.count += self.pending
        self.pending = 0
        self.buffer = io.StringIO()

    def close(self) -> int:
        self.flush()
        return self.count
