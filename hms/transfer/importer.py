"""Putting a unit export (hms/transfer/export.py) back, in this or another installation.

All or nothing: the ZIP is checked first (its format, every file against the manifest's
SHA-256, no file missing or extra, no unit code already in use), then every row is created
in one transaction. Shared rows (people, categories, courses ...) are found by their natural
key, or by all their fields where they have none, and created when missing; a person is
created without a password (they sign in through the institution or ask for a new one).
The stored files are written under `imported/` and removed again if the import fails.
"""

import contextlib
import hashlib
import io
import json
import uuid
import zipfile
from pathlib import PurePosixPath

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import DatabaseError, IntegrityError, models, transaction
from django.db.models import Max
from django.db.models.functions import Upper
from django.utils.translation import gettext as _

from hms.transfer import graph
from hms.transfer.export import FORMAT, FORMAT_VERSION, MANIFEST, csv_name, data_name
from units.models import Unit

BATCH_SIZE = 1000
# Owned models whose rows without a unit are the installation's catalogue, matched by this field.
CATALOGUE_MATCH = {"registers.Requirement": "short_name"}


class ImportRefused(Exception):
    """The export cannot be imported; the message says why. Nothing was changed."""


def _read_manifest(archive: zipfile.ZipFile) -> dict:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except KeyError as missing:
        raise ImportRefused(
            _("The file has no manifest.json: it is not a unit export.")
        ) from missing
    except ValueError as broken:
        raise ImportRefused(_("The manifest is not valid JSON.")) from broken
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ImportRefused(_("The file is not a unit export."))
    if manifest.get("version") != FORMAT_VERSION:
        raise ImportRefused(
            _("The export has format version %(found)s; this installation reads version %(ours)s.")
            % {"found": manifest.get("version"), "ours": FORMAT_VERSION}
        )
    return manifest


def _verify(archive: zipfile.ZipFile, manifest: dict) -> None:
    """Every file the manifest lists is there with its checksum, and nothing else is."""
    listed = manifest.get("files") or {}
    present = {name for name in archive.namelist() if not name.endswith("/")} - {MANIFEST}
    missing = sorted(set(listed) - present)
    if missing:
        raise ImportRefused(
            _("The export lacks files its manifest lists, among them %(name)s.")
            % {"name": missing[0]}
        )
    extra = sorted(present - set(listed))
    if extra:
        raise ImportRefused(
            _("The export holds a file its manifest does not list: %(name)s.") % {"name": extra[0]}
        )
    for name, expected in sorted(listed.items()):
        digest = hashlib.sha256()
        with archive.open(name) as handle:
            for block in iter(lambda: handle.read(1024 * 1024), b""):
                digest.update(block)
        if digest.hexdigest() != expected:
            raise ImportRefused(
                _("The checksum of %(name)s does not match the manifest: the file is damaged.")
                % {"name": name}
            )
    for entry in manifest.get("models", []):
        name = entry.get("model")
        if graph.spec_of(name) is None:
            raise ImportRefused(
                _("The export holds records of %(model)s, which this installation does not have.")
                % {"model": name}
            )
        for member in (data_name(name), csv_name(name)):
            if member not in listed:
                raise ImportRefused(_("The export lacks %(name)s.") % {"name": member})


def _rows(archive: zipfile.ZipFile, name: str):
    """The rows of one data file, one line at a time (export.py writes one row a line)."""
    with archive.open(data_name(name)) as raw:
        for line in io.TextIOWrapper(raw, encoding="utf-8"):
            line = line.strip().rstrip(",")
            if line in ("", "[", "]"):
                continue
            yield json.loads(line)


@contextlib.contextmanager
def _stored_times_kept():
    """Creation and change times come from the export, not from the clock: auto_now fields
    are switched off while rows are created (a management command: no other thread)."""
    switched = []
    for spec in (*graph.owned_specs(), *graph.shared_specs()):
        for field in spec.model._meta.concrete_fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                switched.append((field, field.auto_now, field.auto_now_add))
                field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in switched:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


class Importer:
    def __init__(self, archive: zipfile.ZipFile, manifest: dict, parent: Unit | None):
        self.archive = archive
        self.manifest = manifest
        self.parent = parent
        self.pks: dict = {}  # model -> {export id: new pk}
        self.saved_files: list = []  # (storage, name), removed if the import fails
        self.counts: dict[str, int] = {}
        self.export_highest: dict[int, int] = {}
        self.next_sequence: dict[int, int] = {}
        self.renumbered = 0

    def _value(self, spec: graph.Spec, field, row: dict, name: str):
        value = row.get(field.name)
        if field.is_relation:
            if value is None:
                return None
            found = self.pks.get(field.related_model, {}).get(value)
            if found is None:
                raise ImportRefused(
                    _("A row of %(model)s refers to %(target)s %(id)s, which the export lacks.")
                    % {"model": name, "target": graph.label(field.related_model), "id": value}
                )
            return found
        if isinstance(field, models.FileField):
            return self._save_file(field, value) if value else ""
        try:
            return field.to_python(value)
        except ValidationError as error:
            raise ImportRefused(
                _("Row %(id)s of %(model)s has a bad %(field)s: %(error)s")
                % {"id": row.get("id"), "model": name, "field": field.name, "error": error}
            ) from error

    def _save_file(self, field, member: str) -> str:
        with self.archive.open(member) as handle:
            stored = field.storage.save(
                f"imported/{uuid.uuid4().hex}/{PurePosixPath(member).name}",
                File(handle, name=PurePosixPath(member).name),
            )
        self.saved_files.append((field.storage, stored))
        return stored

    # --- shared rows ---------------------------------------------------------------------

    def _shared(self, spec: graph.Spec) -> None:
        model, name = spec.model, spec.label
        rows = list(_rows(self.archive, name))
        key = graph.natural_key(model)
        pks = self.pks.setdefault(model, {})
        existing = {}
        if key:
            wanted = [row[key] for row in rows]
            existing = dict(
                model._base_manager.filter(**{f"{key}__in": wanted}).values_list(key, "pk")
            )
        for row in rows:
            if key and row[key] in existing:
                pks[row["id"]] = existing[row[key]]
                continue
            values = {field.attname: self._value(spec, field, row, name) for field in spec.fields}
            if not key:
                plain = {f.attname: values[f.attname] for f in spec.fields if not f.is_relation}
                match = model._base_manager.filter(**plain).values_list("pk", flat=True).first()
                if match is not None:
                    pks[row["id"]] = match
                    continue
            if "is_current" in values and values["is_current"]:
                # Only one row may be the current one (the risk matrix): this installation's
                # stays current.
                values["is_current"] = not model._base_manager.filter(is_current=True).exists()
            instance = model(**values)
            if model is get_user_model():
                instance.set_unusable_password()
            instance.save()
            pks[row["id"]] = instance.pk
        self.counts[name] = len(rows)

    # --- owned rows ----------------------------------------------------------------------

    def _units(self, spec: graph.Spec) -> None:
        pks = self.pks.setdefault(Unit, {})
        count = 0
        for row in _rows(self.archive, spec.label):
            values = {
                field.attname: self._value(spec, field, row, spec.label) for field in spec.fields
            }
            if row.get("parent") is None:
                parent = self.parent
            else:
                parent_pk = pks.get(row["parent"])
                if parent_pk is None:
                    raise ImportRefused(
                        _("Unit %(code)s comes before its parent %(parent)s in the export.")
                        % {"code": row["code"], "parent": row["parent"]}
                    )
                parent = Unit.objects.get(pk=parent_pk)  # fresh: treebeard counts children
            if parent is None:
                unit = Unit.add_root(**values)
            else:
                unit = Unit.objects.get(pk=parent.pk).add_child(**values)
            pks[row["id"]] = unit.pk
            count += 1
        self.counts[spec.label] = count

    def _owned(self, spec: graph.Spec) -> None:
        model, name = spec.model, spec.label
        catalogue = self._catalogue(spec)
        pks = self.pks.setdefault(model, {})
        own = [f for f in spec.fields if f.is_relation and f.related_model is model]
        later = []  # (row id, field, export id): a row's link to another of its kind
        batch, ids = [], []
        count = 0

        def flush():
            if name == "deviations.Deviation":
                self._renumber(batch)
            model._base_manager.bulk_create(batch)
            for export_id, instance in zip(ids, batch, strict=True):
                pks[export_id] = instance.pk
            batch.clear()
            ids.clear()

        for row in _rows(self.archive, name):
            values = {}
            for field in spec.fields:
                if field in own:
                    if row.get(field.name) is not None:
                        later.append((row["id"], field, row[field.name]))
                    values[field.attname] = None
                else:
                    values[field.attname] = self._value(spec, field, row, name)
            count += 1
            if catalogue is not None and values.get("unit_id") is None:
                known = catalogue.get(values["short_name"])
                if known is not None:  # the installation's own catalogue row
                    pks[row["id"]] = known
                    continue
            batch.append(model(**values))
            ids.append(row["id"])
            if len(batch) >= BATCH_SIZE:
                flush()
        if batch:
            flush()
        for export_id, field, target in later:
            if target not in pks:
                raise ImportRefused(
                    _("A row of %(model)s refers to %(target)s %(id)s, which the export lacks.")
                    % {"model": name, "target": name, "id": target}
                )
            model._base_manager.filter(pk=pks[export_id]).update(**{field.attname: pks[target]})
        self.counts[name] = count

    def _catalogue(self, spec: graph.Spec) -> dict | None:
        """For a model whose rows without a unit are an installation-wide catalogue: those
        rows here, by their short name, so an import reuses them instead of adding twins."""
        if spec.label not in CATALOGUE_MATCH:
            return None
        rows = spec.model._base_manager.filter(unit__isnull=True)
        return dict(rows.values_list(CATALOGUE_MATCH[spec.label], "pk"))

    def _renumber(self, batch: list) -> None:
        """A deviation whose number is taken here gets the next free number of its year
        (numbers are unique in an installation, and each one's own counter gave them)."""
        from deviations.models import Deviation, deviation_number

        taken = set(
            Deviation.objects.filter(number__in=[d.number for d in batch]).values_list(
                "number", flat=True
            )
        )
        for deviation in batch:
            if deviation.number not in taken:
                continue
            if deviation.year not in self.next_sequence:
                highest = (
                    Deviation.objects.filter(year=deviation.year).aggregate(Max("sequence"))[
                        "sequence__max"
                    ]
                    or 0
                )
                self.next_sequence[deviation.year] = max(
                    highest, self.export_highest.get(deviation.year, 0)
                )
            self.next_sequence[deviation.year] += 1
            deviation.sequence = self.next_sequence[deviation.year]
            deviation.number = deviation_number(deviation.year, deviation.sequence)
            self.renumbered += 1

    def run(self) -> dict:
        # The highest sequence of each year in the export: a renumbered deviation is given
        # a number above it, so it cannot clash with one imported after it.
        for row in _rows(self.archive, "deviations.Deviation"):
            year = int(row["year"])
            self.export_highest[year] = max(self.export_highest.get(year, 0), row["sequence"])
        order = [entry["model"] for entry in self.manifest["models"]]
        for name in order:
            spec = graph.spec_of(name)
            if not spec.owned:
                self._shared(spec)
            elif spec.model is Unit:
                self._units(spec)
            else:
                self._owned(spec)
        _advance_deviation_numbers()
        return self.counts


def _advance_deviation_numbers() -> None:
    """The imported deviations keep their numbers; the next one reported here follows the
    highest of each year (deviations.models.YearCounter)."""
    counter = apps.get_model("deviations", "YearCounter")
    deviation = apps.get_model("deviations", "Deviation")
    for year, highest in (
        deviation.objects.values("year")
        .annotate(highest=Max("sequence"))
        .values_list("year", "highest")
    ):
        row, _created = counter.objects.select_for_update().get_or_create(year=year)
        if row.last < highest:
            row.last = highest
            row.save(update_fields=["last"])


def _check_codes(archive: zipfile.ZipFile) -> None:
    codes = [row["code"] for row in _rows(archive, graph.label(Unit))]
    if not codes:
        raise ImportRefused(_("The export holds no unit."))
    taken = sorted(
        Unit.objects.annotate(upper=Upper("code"))
        .filter(upper__in=[code.upper() for code in codes])
        .values_list("code", flat=True)
    )
    if taken:
        raise ImportRefused(
            _("Unit codes already in use here: %(codes)s. Nothing was imported.")
            % {"codes": ", ".join(taken[:20]) + (" …" if len(taken) > 20 else "")}
        )


def import_unit_export(source, parent: Unit | None = None) -> dict:
    """Import the export in `source` (a path or a binary file) under `parent` (or as a new
    root); return the count of rows per model. Raises ImportRefused, changing nothing."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as error:
        raise ImportRefused(
            _("The file is not a ZIP file: %(error)s") % {"error": error}
        ) from error
    with archive:
        manifest = _read_manifest(archive)
        _verify(archive, manifest)
        _check_codes(archive)
        importer = Importer(archive, manifest, parent)
        try:
            with transaction.atomic(), _stored_times_kept():
                counts = importer.run()
        except IntegrityError as error:
            _remove(importer.saved_files)
            raise ImportRefused(
                _("The export clashes with records already here: %(error)s") % {"error": error}
            ) from error
        except (ImportRefused, DatabaseError, KeyError, ValueError, TypeError) as error:
            _remove(importer.saved_files)
            if isinstance(error, ImportRefused):
                raise
            raise ImportRefused(
                _("The export could not be imported: %(error)s") % {"error": error}
            ) from error
    return counts


def _remove(saved: list) -> None:
    for storage, name in saved:
        with contextlib.suppress(OSError):
            storage.delete(name)
