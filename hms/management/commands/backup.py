"""`manage.py backup [FILE]`: the database and the media files in one tar (see hms/backup.py)."""

import json
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from hms import backup


class Command(BaseCommand):
    help = "Write the database (pg_dump, custom format) and the media files to one tar archive."

    def add_arguments(self, parser):
        parser.add_argument(
            "file",
            nargs="?",
            help="The archive to write (default: backups/hms-YYYYMMDD-HHMMSS.tar)",
        )
        parser.add_argument("--database", default="default", help="Connection alias")

    def handle(self, *args, file=None, database="default", **options):
        now = timezone.now()
        target = Path(file or settings.BASE_DIR / "backups" / f"hms-{now:%Y%m%d-%H%M%S}.tar")
        if target.exists():
            raise CommandError(f"{target} exists already; choose another name.")
        params = backup.connection_settings(database)
        media_root = Path(settings.MEDIA_ROOT)
        try:
            major = backup.server_major(params)
            pg_dump = backup.client_program("pg_dump", major)
            with tempfile.TemporaryDirectory() as work:
                dump = Path(work) / backup.ARCHIVE_DUMP
                args, env = backup.client_args(params)
                # Owners and grants are left out: the archive restores under whichever user
                # the target installation has (the embedded server's, compose's, a DBA's).
                command = [pg_dump, "--format=custom", "--no-owner", "--no-acl", *args]
                backup.run([*command, "--file", str(dump), params["name"]], env)
                files = {backup.ARCHIVE_DUMP: backup.sha256(dump)}
                media = backup.media_files(media_root)
                for path in media:
                    name = f"{backup.ARCHIVE_MEDIA}/{path.relative_to(media_root).as_posix()}"
                    files[name] = backup.sha256(path)
                manifest = {
                    "created_at": now.isoformat(),
                    "app_version": _app_version(),
                    "server_version": major,
                    "pg_dump": pg_dump,
                    "migrations": _migrations(database),
                    "counts": backup.model_counts(database),
                    "files": files,
                }
                manifest_path = Path(work) / backup.ARCHIVE_MANIFEST
                manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
                target.parent.mkdir(parents=True, exist_ok=True)
                partial = target.with_name(target.name + ".partial")
                with tarfile.open(partial, "w") as archive:
                    archive.add(manifest_path, backup.ARCHIVE_MANIFEST)
                    archive.add(dump, backup.ARCHIVE_DUMP)
                    for path in media:
                        name = path.relative_to(media_root).as_posix()
                        archive.add(path, f"{backup.ARCHIVE_MEDIA}/{name}")
                # A half-written archive never carries the final name.
                partial.rename(target)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        connections[database].close()
        rows = sum(manifest["counts"].values())
        self.stdout.write(
            f"Backup written to {target}: {rows} rows in {len(manifest['counts'])} tables, "
            f"{len(media)} media files, {target.stat().st_size} bytes."
        )
        return None


def _app_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("hms")
    except PackageNotFoundError:
        import tomllib

        pyproject = Path(settings.BASE_DIR) / "pyproject.toml"
        return tomllib.loads(pyproject.read_text())["project"]["version"]


def _migrations(database: str) -> dict[str, str]:
    """The latest applied migration of each app."""
    latest: dict[str, str] = {}
    recorder = MigrationRecorder(connections[database])
    for app, name in recorder.migration_qs.order_by("app", "name").values_list("app", "name"):
        latest[app] = name
    return latest
