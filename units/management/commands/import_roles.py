from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from units import roles_import


def report(command: BaseCommand, plan, *, applied: bool) -> None:
    """The summary, each kind of change with its first rows, and every problem."""
    write = command.stdout.write
    for problem in plan.problems:
        where = f"line {problem.line}" if problem.line else "file"
        column = f", {problem.field}" if problem.field else ""
        command.stderr.write(f"{where}{column}: {problem.message}")
    if plan.problems:
        return
    for section in plan.sections:
        if not section.count:
            continue
        write(f"{section.title} ({section.count}):")
        for change in section.first:
            line = f"line {change.line}: " if change.line else ""
            write(f"  {line}{change.person}: {'; '.join(change.details)}")
        if section.count > len(section.first):
            write(f"  … and {section.count - len(section.first)} more")
    counts = ", ".join(f"{count} {name}" for name, count in plan.counts().items())
    write(("Applied: " if applied else "Dry run, nothing written (use --apply): ") + counts)


class Command(BaseCommand):
    help = (
        "Import role assignments (CSV or XLSX: unit_code, role, person, valid_from, "
        "valid_to). A dry run unless --apply is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--apply", action="store_true", help="Write the changes.")

    def handle(self, *args, file: Path, apply: bool, **options):
        try:
            content = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error}") from error
        if apply:
            try:
                plan = roles_import.roles_import(content=content, filename=file.name)
            except roles_import.ImportRejected as rejected:
                report(self, rejected.plan, applied=False)
                raise CommandError("Nothing was imported.") from None
        else:
            plan = roles_import.plan_roles(content, file.name)
        report(self, plan, applied=apply)
        if plan.problems:
            raise CommandError("Nothing was imported.")
