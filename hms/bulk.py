"""Fast bulk loading for benchmarks and demo data: PostgreSQL's COPY, ids reserved up front.

`Copier(Model)` writes rows of one model with one COPY per call. Rows are dicts keyed by the
field's attname (`unit_id`, not `unit`); what a row leaves out takes the field's default (a
constant default, NULL for a nullable field, "" for a blank text field), and a field with
neither must be given. `reserve_ids` takes a block of primary keys from the table's sequence,
so the caller can link rows (a deviation's steps and measures) before they are written.

`quiet_load()` turns off row triggers for the transaction (session_replication_role =
replica): pghistory's audit triggers and the foreign-key checks. A load of a million rows
with them takes hours instead of minutes; the caller is responsible for the references being
right, and the loaded rows have no audit events."""

import contextlib
import datetime
import io
from decimal import Decimal

from django.db import connection
from django.db.models import NOT_PROVIDED, CharField, TextField

CHUNK = 20_000


def _text(value) -> str:
    """A value in COPY's text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            value = (
                value.replace("\\", "\\\\")
                .replace("\t", "\\t")
                .replace("\n", "\\n")
                .replace("\r", "\\r")
            )
        return value
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal | int | float):
        return str(value)
    return str(value)


_MISSING = object()


class Copier:
    def __init__(self, model):
        self.model = model
        self.table = model._meta.db_table
        self.fields = list(model._meta.concrete_fields)
        self.columns = [field.column for field in self.fields]
        self.names = [field.attname for field in self.fields]
        self.defaults = {}
        for field in self.fields:
            if field.default is not NOT_PROVIDED and not callable(field.default):
                self.defaults[field.attname] = field.get_db_prep_save(field.default, connection)
            elif field.null:
                self.defaults[field.attname] = None
            elif field.blank and isinstance(field, CharField | TextField):
                self.defaults[field.attname] = ""
        self.rows = 0

    def write(self, rows) -> int:
        """COPY the rows (an iterable of dicts) in chunks; returns how many were written."""
        written = 0
        buffer = io.StringIO()
        pending = 0
        for row in rows:
            values = []
            for name in self.names:
                value = row.get(name, _MISSING)
                if value is _MISSING:
                    value = self.defaults.get(name, _MISSING)
                    if value is _MISSING:
                        raise ValueError(f"{self.table}.{name} has no default: give it")
                values.append(_text(value))
            buffer.write("\t".join(values))
            buffer.write("\n")
            pending += 1
            if pending >= CHUNK:
                written += self._flush(buffer)
                buffer, pending = io.StringIO(), 0
        if pending:
            written += self._flush(buffer)
        self.rows += written
        return written

    def write_objects(self, objects) -> int:
        """COPY model instances, giving each one without a primary key the next reserved id."""
        objects = list(objects)
        missing = [obj for obj in objects if obj.pk is None]
        for obj, pk in zip(missing, reserve_ids(self.model, len(missing)), strict=True):
            obj.pk = pk
        return self._write_instances(objects)

    def _write_instances(self, objects) -> int:
        rows = (
            {
                field.attname: field.get_db_prep_save(getattr(obj, field.attname), connection)
                for field in self.fields
            }
            for obj in objects
        )
        return self.write(rows)

    def _flush(self, buffer: io.StringIO) -> int:
        count = buffer.getvalue().count("\n")
        buffer.seek(0)
        columns = ", ".join(f'"{column}"' for column in self.columns)
        with connection.cursor() as cursor:
            cursor.copy_expert(f'COPY "{self.table}" ({columns}) FROM STDIN', buffer)
        return count


def reserve_ids(model, count: int) -> range:
    """`count` fresh primary keys of the model's table, taken from its sequence at once."""
    if count <= 0:
        return range(0)
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_serial_sequence(%s, %s)", [f'"{table}"', model._meta.pk.column]
        )
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s)", [sequence])
        first = cursor.fetchone()[0]
        cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return range(first, first + count)


@contextlib.contextmanager
def quiet_load():
    """Inside a transaction: no row triggers (audit, foreign-key checks) until it ends."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")


@contextlib.contextmanager
def indexes_dropped(model):
    """Inside a transaction: drop the table's secondary indexes (not those of its primary key
    or unique constraints) and build them again at the end, each in one pass, which is much
    faster than updating trigram indexes row by row. DDL is transactional: a failure leaves
    the indexes as they were."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT i.indexname, i.indexdef FROM pg_indexes i
               WHERE i.tablename = %s AND NOT EXISTS (
                 SELECT 1 FROM pg_constraint c
                 WHERE c.conindid = (quote_ident(i.indexname))::regclass)""",
            [table],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
