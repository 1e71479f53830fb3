"""The export of a unit and its subtree as one ZIP (README: "Export and import of a unit").

    manifest.json            format, the root unit, the models in import order with their
                             counts, and the SHA-256 of every other file in the ZIP
    data/<app.Model>.json    one JSON array per model, one row per line, keys sorted
    csv/<app.Model>.csv      the same rows for spreadsheets
    files/<app.Model>/<id>/<name>   every attachment, document and generated PDF; the photos
                             and files on a record (units.attachments) are in the record's
                             folder, files/<app.Record>/<record id>/<id>-<uploaded name>

Ids are the export's own, never database keys: a unit is its code, a person their user name,
a shared row (a category, a course) its code where it has one, and every other row its number
in the export (1, 2, 3 ... in the order of creation). References use the same ids. Rows
and files are streamed: the rows of a model are read in chunks and each file is written
into the ZIP as it is read, so memory holds the id maps, not the data. The manifest says
nothing of when it was made (the ZIP's comment does): the same data gives the same
manifest, byte for byte.
"""

import csv
import datetime
import decimal
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable
from pathlib import PurePosixPath

from django.db import models
from django.utils import timezone

from hms.transfer import graph
from hms.transfer.graph import label
from units.attachments import RecordAttachment
from units.models import Unit

FORMAT = "hms-unit-export"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHUNK_SIZE = 2000
SHARED_BATCH = 5000
# The fastest deflate: it is most of the time otherwise, and the JSON still shrinks ~8 times.
COMPRESS_LEVEL = 1
PROGRESS_EVERY = 1.0  # seconds between progress reports


def data_name(name: str) -> str:
    return f"data/{name}.json"


def csv_name(name: str) -> str:
    return f"csv/{name}.csv"


def dump_row(row: dict) -> str:
    return _ENCODER.encode(row)


def _plain(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    return value


_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _utc_iso(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).isoformat()


def _iso(value) -> str:
    return value.isoformat()


def _plain_of(field) -> Callable | None:
    """How a field's value is written in JSON; None where it already is JSON."""
    if isinstance(field, models.DateTimeField):
        return _utc_iso
    if isinstance(field, (models.DateField, models.TimeField)):
        return _iso
    if isinstance(field, (models.DecimalField, models.UUIDField)):
        return str
    return None


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


class _Hashing:
    """A file-like writer into one ZIP entry that keeps the entry's SHA-256."""

    def __init__(self, handle):
        self.handle = handle
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return self.handle.write(data)


class Exporter:
    def __init__(self, root: Unit, archive: zipfile.ZipFile, progress: Callable | None = None):
        self.root = root
        self.archive = archive
        self.progress = progress
        self.ids: dict = {}  # owned model -> {pk: export id}, for the models others point at
        self.shared: dict = {}  # shared model -> {pk or natural key: export id}
        self.counts: dict[str, int] = {}
        self.checksums: dict[str, str] = {}
        self.missing: list[dict] = []
        self.done_rows = 0
        self.total_rows = 0
        self.last_report = time.monotonic()
        self._rows_written = False
        owned = graph.exported_models()
        self.pointed_at = {
            target
            for spec in graph.owned_specs()
            for target in spec.references.values()
            if target in owned
        }

    # --- entries -------------------------------------------------------------------------

    def _entry(self, name: str):
        return self.archive.open(name, "w", force_zip64=True)

    def _copy_in(self, name: str, source) -> None:
        with self._entry(name) as handle:
            writer = _Hashing(handle)
            shutil.copyfileobj(source, writer, 1024 * 1024)
        self.checksums[name] = writer.digest.hexdigest()

    def _tick(self, rows: int = 1) -> None:
        self.done_rows += rows
        if self.progress and time.monotonic() - self.last_report >= PROGRESS_EVERY:
            self.last_report = time.monotonic()
            self.progress(min(99, int(100 * self.done_rows / max(self.total_rows, 1))))

    # --- columns -------------------------------------------------------------------------

    def _columns(self, spec: graph.Spec) -> list[tuple[str, str, Callable | None]]:
        """(field name, what to select, how to turn the selected value into the export's)."""
        owned = graph.exported_models()
        columns = []
        for field in spec.fields:
            if not field.is_relation:
                columns.append((field.name, field.attname, None))
                continue
            target = field.related_model
            if target in owned:
                ids = self.ids.setdefault(target, {})
                columns.append((field.name, field.attname, ids.get))
                continue
            key = graph.natural_key(target)
            seen = self.shared.setdefault(target, {})
            if key:
                columns.append((field.name, f"{field.name}__{key}", _remember_key(seen)))
            else:
                columns.append((field.name, field.attname, _remember_number(seen)))
        return columns

    # --- owned rows ----------------------------------------------------------------------

    def _owned_rows(self, spec: graph.Spec):
        model = spec.model
        rows = model._base_manager.filter(graph.scope_q(model, self.root))
        if model is Unit:
            return rows.order_by("path")
        return rows.order_by("pk")

    def _write_owned(self, spec: graph.Spec, queryset) -> None:
        model, name = spec.model, spec.label
        columns = self._columns(spec)
        selected = ["pk", *(select for _, select, _ in columns)]
        if model is Unit:
            selected.append("path")
        fields = {field.name: field for field in spec.fields}
        # Per column, worked out once: how a reference is followed, how a value is written.
        plan = [
            (
                column,
                convert,
                _plain_of(fields[column]) if convert is None else None,
                fields[column].is_relation and not fields[column].null,
            )
            for column, _, convert in columns
        ]
        files = {field.name: field for field in spec.file_fields}
        keep_ids = model in self.pointed_at or model is Unit
        ids = self.ids.setdefault(model, {})
        codes_by_path = {}
        pending_files = []
        number = 0
        header = sorted(["id", *(column for column, _, _ in columns)])
        if model is Unit:
            header = sorted([*header, "parent"])
        as_json = {f.name for f in spec.fields if isinstance(f, models.JSONField)}
        with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as table:
            with self._entry(data_name(name)) as handle:
                writer = _Hashing(handle)
                spreadsheet = csv.writer(table)
                table.write("\ufeff")
                spreadsheet.writerow(header)
                writer.write(b"[")
                self._rows_written = False
                lines, cells = [], []
                for values in queryset.values_list(*selected).iterator(chunk_size=CHUNK_SIZE):
                    row = {}
                    for (column, convert, plain, required), value in zip(
                        plan, values[1:], strict=False
                    ):
                        if value is not None:
                            if convert is not None:
                                value = convert(value)
                                if value is None and required:
                                    break  # points at a row outside the export: left out
                            elif plain is not None:
                                value = plain(value)
                        row[column] = value
                    else:
                        if model is Unit:
                            path = values[-1]
                            row["id"] = row["code"]
                            codes_by_path[path] = row["code"]
                            row["parent"] = codes_by_path.get(path[: -Unit.steplen])
                        else:
                            number += 1
                            row["id"] = number
                        if files:
                            self._file_cells(name, row, files, pending_files)
                        if keep_ids:
                            ids[values[0]] = row["id"]
                        lines.append(_ENCODER.encode(row))
                        cells.append(
                            [
                                _cell(row[column]) if column in as_json else row[column]
                                for column in header
                            ]
                        )
                        if len(cells) >= CHUNK_SIZE:
                            self._flush(writer, lines, spreadsheet, cells)
                self._flush(writer, lines, spreadsheet, cells)
                writer.write(b"\n]\n")
            self.checksums[data_name(name)] = writer.digest.hexdigest()
            table.seek(0)
            self._copy_in(csv_name(name), _Encoded(table))
        self.counts[name] = number if model is not Unit else len(codes_by_path)
        for member, storage, stored in pending_files:
            with storage.open(stored, "rb") as source:
                self._copy_in(member, source)

    def _flush(self, writer, lines: list, spreadsheet, cells: list) -> None:
        """Rows are written a chunk at a time: one compression call for many rows."""
        if lines:
            separator = ",\n" if self._rows_written else "\n"
            writer.write((separator + ",\n".join(lines)).encode())
            self._rows_written = True
        spreadsheet.writerows(cells)
        self._tick(len(cells))
        lines.clear()
        cells.clear()

    def _file_cells(self, name: str, row: dict, files: dict, pending: list) -> None:
        """A stored file's cell names its place in the ZIP; the file follows the rows."""
        for column, field in files.items():
            stored = row[column]
            if not stored:
                continue
            member = _record_member(field.model, row) or (
                f"files/{name}/{row['id']}/{PurePosixPath(stored).name}"
            )
            try:
                present = os.path.isfile(field.storage.path(stored))
            except NotImplementedError:
                present = field.storage.exists(stored)
            if present:
                pending.append((member, field.storage, stored))
                row[column] = member
            else:
                self.missing.append({"model": name, "id": row["id"], "file": stored})
                row[column] = ""

    # --- shared rows ---------------------------------------------------------------------

    def _write_shared(self, spec: graph.Spec) -> None:
        model, name = spec.model, spec.label
        seen = self.shared.get(model, {})
        key = graph.natural_key(model)
        columns = self._columns(spec)
        selected = [key or "pk", *(select for _, select, _ in columns)]
        found = []
        wanted = list(seen)
        for start in range(0, len(wanted), SHARED_BATCH):
            batch = wanted[start : start + SHARED_BATCH]
            lookup = {f"{key or 'pk'}__in": batch}
            found.extend(model._base_manager.filter(**lookup).values_list(*selected))
        rows = []
        for values in found:
            row = {"id": seen[values[0]]}
            for (column, _, convert), value in zip(columns, values[1:], strict=False):
                if convert is not None and value is not None:
                    value = convert(value)
                row[column] = _plain(value)
            rows.append(row)
        rows.sort(key=lambda row: (str(type(row["id"])), row["id"]))
        header = sorted(["id", *(column for column, _, _ in columns)])
        with self._entry(data_name(name)) as handle:
            writer = _Hashing(handle)
            body = ",\n".join(dump_row(row) for row in rows)
            writer.write(("[\n" + body + "\n]\n" if rows else "[\n]\n").encode())
        self.checksums[data_name(name)] = writer.digest.hexdigest()
        table = io.StringIO()
        table.write("\ufeff")
        spreadsheet = csv.writer(table)
        spreadsheet.writerow(header)
        for row in rows:
            spreadsheet.writerow([_cell(row[column]) for column in header])
        self._copy_in(csv_name(name), io.BytesIO(table.getvalue().encode("utf-8")))
        self.counts[name] = len(rows)

    # --- the whole -----------------------------------------------------------------------

    def run(self) -> dict:
        owned = graph.owned_specs()
        querysets = {spec.label: self._owned_rows(spec) for spec in owned}
        if self.progress:
            self.total_rows = sum(queryset.count() for queryset in querysets.values())
        for spec in owned:
            self._write_owned(spec, querysets[spec.label])
        shared = graph.shared_specs()
        for spec in reversed(shared):  # a shared row's own references are found first
            self._write_shared(spec)
        manifest = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "root": self.root.code,
            "models": [
                {"model": spec.label, "shared": not spec.owned, "count": self.counts[spec.label]}
                for spec in (*shared, *owned)
            ],
            "files": dict(sorted(self.checksums.items())),
            "missing_files": self.missing,
            "history": "not exported: the audit trail stays with the installation that wrote it",
        }
        with self._entry(MANIFEST) as handle:
            handle.write(
                json.dumps(manifest, sort_keys=True, indent=1, ensure_ascii=False).encode()
            )
            handle.write(b"\n")
        return manifest


def _record_member(model, row: dict) -> str | None:
    """Where a record's attachment goes: in a folder of the record, under the name it was
    uploaded with (its stored name is a random token), numbered so two of one name differ."""
    if not issubclass(model, RecordAttachment):
        return None
    record = label(model._meta.get_field(model.record_field).related_model)
    uploaded = re.sub(r"[\x00-\x1f\x7f/\\]+", " ", row["original_name"] or "").strip(" .")
    # Short enough for an import to store it under imported/<uuid>/ in the file field.
    name = PurePosixPath(uploaded or "file")
    uploaded = name.stem[:80] + name.suffix[:10]
    return f"files/{record}/{row[model.record_field]}/{row['id']}-{uploaded}"


class _Encoded(io.RawIOBase):
    """A text file read back as UTF-8 bytes, for copying a CSV into the ZIP."""

    def __init__(self, text):
        self.text = text

    def read(self, size: int = -1) -> bytes:
        return self.text.read(size if size and size > 0 else -1).encode("utf-8")


def _remember_key(seen: dict) -> Callable:
    def convert(value):
        seen.setdefault(value, value)
        return value

    return convert


def _remember_number(seen: dict) -> Callable:
    def convert(pk):
        return seen.setdefault(pk, len(seen) + 1)

    return convert


def export_unit(root: Unit, target, progress: Callable | None = None) -> dict:
    """Write the export of `root`'s subtree into `target` (a path or a binary file) and
    return its manifest."""
    with zipfile.ZipFile(
        target, "w", zipfile.ZIP_DEFLATED, allowZip64=True, compresslevel=COMPRESS_LEVEL
    ) as archive:
        manifest = Exporter(root, archive, progress).run()
        archive.comment = f"{FORMAT} {root.code} {timezone.now().isoformat()}".encode()
    return manifest
