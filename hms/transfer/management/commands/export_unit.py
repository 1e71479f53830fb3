"""`manage.py export_unit CODE FILE`: the unit and its subtree as one ZIP (hms/transfer)."""

from django.core.management.base import BaseCommand, CommandError

from hms.transfer.export import export_unit
from units.models import Unit


class Command(BaseCommand):
    help = "Export a unit and its whole subtree as a ZIP of JSON, CSV and the stored files."

    def add_arguments(self, parser) -> None:
        parser.add_argument("code", help="the unit's code")
        parser.add_argument("file", help="the ZIP file to write")

    def handle(self, *args, code: str, file: str, **options) -> None:
        root = Unit.objects.filter(code__iexact=code).first()
        if root is None:
            raise CommandError(f"No unit has the code {code!r}.")
        try:
            manifest = export_unit(root, file)
        except OSError as error:
            raise CommandError(f"Could not write {file}: {error}") from error
        rows = sum(entry["count"] for entry in manifest["models"])
        self.stdout.write(
            f"{root.code}: {rows} rows of {len(manifest['models'])} kinds and "
            f"{len(manifest['files'])} files written to {file}."
        )
        for missing in manifest["missing_files"]:
            self.stderr.write(
                f"Stored file missing, left out: {missing['model']} {missing['id']}: "
                f"{missing['file']}"
            )
