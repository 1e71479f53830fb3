"""`manage.py import_unit_export FILE [--parent CODE]`: put a unit export back, all or
nothing (hms/transfer/importer.py)."""

from django.core.management.base import BaseCommand, CommandError

from hms.transfer.importer import ImportRefused, import_unit_export
from units.models import Unit


class Command(BaseCommand):
    help = "Import a unit export under a parent unit (or as a new root), all or nothing."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="the ZIP file made by export_unit")
        parser.add_argument("--parent", default="", help="the code of the unit to import under")

    def handle(self, *args, file: str, parent: str, **options) -> None:
        parent_unit = None
        if parent:
            parent_unit = Unit.objects.filter(code__iexact=parent).first()
            if parent_unit is None:
                raise CommandError(f"No unit has the code {parent!r}.")
        try:
            counts = import_unit_export(file, parent_unit)
        except ImportRefused as refused:
            raise CommandError(f"Nothing was imported. {refused}") from refused
        self.stdout.write(
            f"Imported {sum(counts.values())} rows of {len(counts)} kinds from {file}."
        )
