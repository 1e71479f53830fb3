"""`manage.py backup` and `manage.py restore`: the demo organisation and its files, backed up,
restored into an empty database and an empty media folder, and found again whole."""

import hashlib
import io
import json
import tarfile
from pathlib import Path

import psycopg2
import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from psycopg2 import sql

from hms import backup
from tests.factories import load_reference_data, make_document
from units.models import Unit

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"


@pytest.fixture
def restore_database():
    """A second, empty database on the test database's own server."""
    params = backup.connection_settings()
    name = f"{params['name']}_restore"
    admin = _connect(params, "postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def _connect(params: dict, name: str):
    kwargs = {"dbname": name}
    for key in ("host", "port", "user", "password"):
        if params[key]:
            kwargs[key] = params[key]
    return psycopg2.connect(**kwargs)


def _counts_in(name: str) -> dict[str, int]:
    """Rows of every model's table in database `name`."""
    restored = _connect(backup.connection_settings(), name)
    counts = {}
    try:
        with restored.cursor() as cursor:
            for model in apps.get_models(include_auto_created=True):
                if model._meta.proxy or not model._meta.managed:
                    continue
                table = sql.Identifier(model._meta.db_table)
                cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(table))
                counts[model._meta.label] = cursor.fetchone()[0]
    finally:
        restored.close()
    return dict(sorted(counts.items()))


def _checksums(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in root.rglob("*")
        if path.is_file()
    }


@pytest.fixture
def demo(settings, tmp_path):
    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path / "media"
    load_reference_data()
    call_command("seed_demo", stdout=io.StringIO())
    leder = get_user_model().objects.get(username="leder")
    upload = SimpleUploadedFile("branninstruks.pdf", PDF)
    upload.sniffed_type = "application/pdf"
    make_document(Unit.objects.get(code="IKJ"), leder, upload=upload)
    (settings.MEDIA_ROOT / "nested" / "deeper").mkdir(parents=True)
    (settings.MEDIA_ROOT / "nested" / "deeper" / "bilde æøå.png").write_bytes(b"\x89PNG" * 100)
    return settings.MEDIA_ROOT


def test_backup_of_the_demo_restores_every_record_and_file(
    demo, settings, tmp_path, restore_database
):
    archive = tmp_path / "hms.tar"
    call_command("backup", str(archive), stdout=io.StringIO())
    originals = backup.model_counts()
    files = _checksums(demo)
    assert Unit.objects.count() > 50 and len(files) >= 2

    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert "database.dump" in names and "media/nested/deeper/bilde æøå.png" in names
    assert manifest["counts"] == originals
    applied = MigrationRecorder.Migration.objects.filter(app="risk").values_list("name", flat=True)
    assert manifest["migrations"]["risk"] == max(applied)
    assert {name.removeprefix("media/") for name in manifest["files"]} >= set(files)

    media = tmp_path / "restored-media"
    out = io.StringIO()
    call_command(
        "restore",
        str(archive),
        database_name=restore_database,
        media_root=str(media),
        stdout=out,
    )
    assert "Restored" in out.getvalue()
    assert _counts_in(restore_database) == originals
    assert _checksums(media) == files
    # The restored tables have planner statistics (pg_restore leaves none).
    restored = _connect(backup.connection_settings(), restore_database)
    try:
        with restored.cursor() as cursor:
            cursor.execute(
                "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables "
                "WHERE relname = 'units_unit'"
            )
            assert cursor.fetchone() == (True,)
    finally:
        restored.close()


def test_restore_refuses_a_database_that_is_not_empty_unless_forced(
    demo, settings, tmp_path, restore_database
):
    archive = tmp_path / "hms.tar"
    call_command("backup", str(archive), stdout=io.StringIO())
    media = tmp_path / "restored-media"
    with pytest.raises(CommandError, match="is not empty"):
        # The test database itself holds the demo.
        call_command(
            "restore",
            str(archive),
            database_name=connection.settings_dict["NAME"],
            media_root=str(media),
        )
    call_command(
        "restore",
        str(archive),
        database_name=restore_database,
        media_root=str(media),
        stdout=io.StringIO(),
    )
    with pytest.raises(CommandError, match="is not empty"):
        call_command("restore", str(archive), database_name=restore_database, media_root=str(media))
    # A forced restore replaces the content, and a file added since is gone.
    (media / "stray.txt").write_text("added after the backup")
    call_command(
        "restore",
        str(archive),
        database_name=restore_database,
        media_root=str(media),
        force=True,
        stdout=io.StringIO(),
    )
    assert _counts_in(restore_database) == backup.model_counts()
    assert _checksums(media) == _checksums(demo)


def test_a_damaged_archive_is_refused_before_anything_is_touched(
    demo, settings, tmp_path, restore_database
):
    archive = tmp_path / "hms.tar"
    call_command("backup", str(archive), stdout=io.StringIO())
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name.startswith("media/"):
                data = b"X" + data[1:]  # one byte changed, the size kept
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    media = tmp_path / "restored-media"
    with pytest.raises(CommandError, match="checksum"):
        call_command("restore", str(damaged), database_name=restore_database, media_root=str(media))
    assert _tables(restore_database) == 0
    assert not media.exists() or not any(media.iterdir())


def _tables(name: str) -> int:
    return backup.table_count({**backup.connection_settings(), "name": name})


def test_backup_refuses_to_overwrite_an_archive(demo, tmp_path):
    archive = tmp_path / "hms.tar"
    archive.write_text("an older backup")
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup", str(archive))
    assert archive.read_text() == "an older backup"
