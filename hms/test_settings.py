"""The settings the test suite loads: the project's own, read with DEBUG on as `make run`
reads them (the development key, plain HTTP, no second factor), so that `pytest` on a fresh
clone needs nothing set. pytest-django still runs every test with DEBUG off; the production
settings are tested by starting them in a process of their own (tests/test_project.py).

Set in the environment rather than here, so that the servers and workers the tests start
(DJANGO_SETTINGS_MODULE=hms.settings) read the same."""

import os

if not os.environ.get("DEBUG"):  # a test that starts the production settings says DEBUG=false
    os.environ["DEBUG"] = "1"

from hms.settings import *  # noqa: E402, F403
