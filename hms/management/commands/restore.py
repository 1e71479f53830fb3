"""`manage.py restore FILE [--force]`: put back what `manage.py backup` wrote.

Every checksum is checked before anything is touched; the database is restored in one
transaction (all or nothing); the media files are placed only after the database succeeded.
"""

import json
import shutil
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from hms import backup


class Command(BaseCommand):
    help = "Restore the database and the media files from an archive made by `backup`."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The archive written by `manage.py backup`")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace a database and media folder that are not empty (drops the schema)",
        )
        parser.add_argument("--database", default="default", help="Connection alias")
        parser.add_argument(
            "--database-name",
            help="Restore into this database on the same server instead of the configured one",
        )
        parser.add_argument("--media-root", help="Restore the media here (default MEDIA_ROOT)")

    def handle(self, *args, file, force=False, database="default", **options):
        source = Path(file)
        if not source.is_file():
            raise CommandError(f"No archive at {source}.")
        params = backup.connection_settings(database, options.get("database_name"))
        media_root = Path(options.get("media_root") or settings.MEDIA_ROOT)
        connections[database].close()
        try:
            with tempfile.TemporaryDirectory() as work:
                manifest = _unpack_and_check(source, Path(work))
                if backup.table_count(params) and not force:
                    raise CommandError(
                        f"The database {params['name']} is not empty. Restore into an empty "
                        "database, or pass --force to replace its content."
                    )
                if backup.media_files(media_root) and not force:
                    raise CommandError(
                        f"The media folder {media_root} is not empty. Pass --force to replace it."
                    )
                major = backup.server_major(params)
                pg_restore = backup.client_program("pg_restore", major)
                if force:
                    backup.empty_schema(params)
                args, env = backup.client_args(params)
                command = [pg_restore, "--single-transaction", "--exit-on-error"]
                command += ["--no-owner", "--no-acl", *args, "--dbname", params["name"]]
                backup.run([*command, str(Path(work) / backup.ARCHIVE_DUMP)], env)
                backup.analyze(params)
                _place_media(Path(work) / backup.ARCHIVE_MEDIA, media_root)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        media = sum(1 for name in manifest["files"] if name.startswith(backup.ARCHIVE_MEDIA))
        self.stdout.write(
            f"Restored {source} (made {manifest['created_at']}) into the database "
            f"{params['name']} and {media_root}: {sum(manifest['counts'].values())} rows, "
            f"{media} media files."
        )


def _unpack_and_check(source: Path, work: Path) -> dict:
    """Unpack into `work`; refuse an archive with a path outside it, a file the manifest does
    not list, or a file whose checksum differs."""
    try:
        with tarfile.open(source) as archive:
            members = archive.getmembers()
            for member in members:
                path = PurePosixPath(member.name)
                if (
                    path.is_absolute()
                    or ".." in path.parts
                    or not (member.isfile() or member.isdir())
                ):
                    raise CommandError(f"The archive holds an unsafe entry: {member.name}")
            archive.extractall(work, filter="data")
    except (tarfile.TarError, OSError) as error:
        raise CommandError(f"{source} is not a readable backup archive: {error}") from None
    manifest_path = work / backup.ARCHIVE_MANIFEST
    if not manifest_path.is_file():
        raise CommandError(f"{source} has no {backup.ARCHIVE_MANIFEST}: not a backup archive.")
    manifest = json.loads(manifest_path.read_text())
    listed = manifest["files"]
    found = {
        path.relative_to(work).as_posix()
        for path in work.rglob("*")
        if path.is_file() and path != manifest_path
    }
    if found != set(listed):
        extra = sorted(found ^ set(listed))[:5]
        raise CommandError(f"The archive's files do not match its manifest: {', '.join(extra)}")
    for name, checksum in listed.items():
        if backup.sha256(work / name) != checksum:
            raise CommandError(f"The checksum of {name} does not match: the archive is damaged.")
    return manifest


def _place_media(unpacked: Path, media_root: Path) -> None:
    """Put the restored files in the media folder, emptied first (it may be a mounted volume,
    so the folder itself stays)."""
    media_root.mkdir(parents=True, exist_ok=True)
    for entry in media_root.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    if unpacked.is_dir():
        shutil.copytree(unpacked, media_root, dirs_exist_ok=True)
