"""The settings the test suite loads: the project's own, read with DEBUG on as `make run`
reads them (the development key, plain HTTP, no second factor), so that `pytest` on a fresh
clone needs nothing set. pytest-django still runs every test with DEBUG off; the production
settings are tested by starting them in a process of their own (tests/test_project.py).

Set in the environment rather than here, so that the servers and workers the tests start
(DJANGO_SETTINGS_MODULE=hms.settings) read the same.

Run in parallel (`pytest -n 2`, pytest-xdist), each test process (gw0, gw1, ...) has its own
test database (pytest-django adds the suffix), its own Redis database, broker folder and media
folder, so that one process's Celery worker never takes another's tasks."""

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

if not os.environ.get("DEBUG"):  # a test that starts the production settings says DEBUG=false
    os.environ["DEBUG"] = "1"


def redis_url_for_worker(url: str, index: int, databases: str = "") -> str:
    """REDIS_URL with the database of test process number `index`: the index-th of
    `databases` (HMS_TEST_REDIS_DBS, e.g. "2,9,10,11"), else the URL's own database + index."""
    parts = urlsplit(url)
    if databases:
        choices = [int(number) for number in databases.split(",") if number.strip()]
        if index >= len(choices):
            raise RuntimeError(f"HMS_TEST_REDIS_DBS names {len(choices)} databases: too few")
        number = choices[index]
    else:
        number = (int(parts.path.strip("/") or 0) + index) % 16
    return urlunsplit(parts._replace(path=f"/{number}"))


_worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # set by pytest-xdist in each process
if _worker:
    _index = int(_worker.removeprefix("gw"))
    _data = Path(__file__).resolve().parent.parent / ".data"
    if os.environ.get("REDIS_URL"):
        os.environ["REDIS_URL"] = redis_url_for_worker(
            os.environ["REDIS_URL"], _index, os.environ.get("HMS_TEST_REDIS_DBS", "")
        )
    os.environ["CELERY_BROKER_DIR"] = str(_data / "test-broker" / _worker)
    if not os.environ.get("MEDIA_ROOT"):
        os.environ["MEDIA_ROOT"] = str(_data / "test-media" / _worker)

from hms.settings import *  # noqa: E402, F403
