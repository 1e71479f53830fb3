from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from units import people_import
from units.management.commands.import_roles import report


class Command(BaseCommand):
    help = (
        "Import the people register from an HR export (CSV or XLSX). A dry run unless "
        "--apply is given; prints what would change and every problem by line and column."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--apply", action="store_true", help="Write the changes.")
        parser.add_argument(
            "--partial",
            action="store_true",
            help="The file is not a full extract: people absent from it are not leaving.",
        )

    def handle(self, *args, file: Path, apply: bool, partial: bool, **options):
        try:
            content = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error}") from error
        if apply:
            try:
                plan = people_import.people_import(
                    content=content, filename=file.name, partial=partial
                )
            except people_import.ImportRejected as rejected:
                report(self, rejected.plan, applied=False)
                raise CommandError("Nothing was imported.") from None
        else:
            plan = people_import.plan_people(content, file.name, partial=partial)
        report(self, plan, applied=apply)
        if plan.problems:
            raise CommandError("Nothing was imported.")
