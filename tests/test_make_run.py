"""`make run` serves with a worker and beat beside the web server; Ctrl-C must stop all three at
once, so that a second `make run` does not find an old worker still holding the broker.

The test runs the serving half of `make run` (`make serve`, on the test database) in a pseudo
terminal, as a person would, and presses Ctrl-C there."""

import os
import pty
import select
import signal
import subprocess
import time
import urllib.request

import pytest
from django.conf import settings

from tests.conftest import _test_database_url
from tests.oidc_provider import free_port
from tests.waits import WAIT


def _group(pgid: int) -> list[str]:
    """The live processes of a process group (zombies left out), as "pid command"."""
    out = subprocess.run(
        ["ps", "-o", "pid=,stat=,args=", "-g", str(pgid)], capture_output=True, text=True
    ).stdout
    return [line for line in out.splitlines() if line.split()[1][0] != "Z"]


def _read(fd: int, seconds: float) -> bytes:
    ready, _, _ = select.select([fd], [], [], seconds)
    if not ready:
        return b""
    try:
        return os.read(fd, 65536)
    except OSError:  # the terminal closed: everything in it has ended
        return b""


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (our own http URL)
            return response.status == 200
    except OSError:
        return False


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_ctrl_c_on_make_run_stops_the_server_the_worker_and_beat(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "CELERY_BROKER_DIR": str(tmp_path / "broker"),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)  # the app's own settings, as `make run` has them
    pid, fd = pty.fork()
    if pid == 0:  # the child: a terminal's shell would start make with default signals
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGQUIT, signal.SIG_DFL)
        os.chdir(settings.BASE_DIR)
        os.execvpe("make", ["make", "--no-print-directory", "serve", f"PORT={port}"], env)  # noqa: S606
    output = b""
    try:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline and not (
            b" ready." in output and _answers(f"http://127.0.0.1:{port}/healthz")
        ):
            output += _read(fd, 1)
        assert b" ready." in output, output.decode(errors="replace")[-3000:]
        running = _group(pid)
        assert any("worker" in line for line in running), running
        assert any(" beat" in line for line in running), running
        assert any("runserver" in line for line in running), running

        os.write(fd, b"\x03")  # Ctrl-C in the terminal
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline and _group(pid):
            output += _read(fd, 0.5)
        assert _group(pid) == [], output.decode(errors="replace")[-3000:]
        assert not _answers(f"http://127.0.0.1:{port}/healthz")
    finally:
        for line in _group(pid):
            os.kill(int(line.split()[0]), signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)
