"""Logs that do not say who reported anonymously.

An access log line "198.51.100.23 ... POST /deviations/new/ ... iPhone; Safari" puts the
reporter's address and device beside the report's time: enough to find them. The pages an
anonymous reporter uses (the report form and the receipt page) are therefore logged without
the address, the user agent and the referrer, by gunicorn (AccessLogger, named in
hms/gunicorn.conf.py) and by Django's own loggers (PrivatePathFilter, in settings.LOGGING).
Every other line stays as it was. Gunicorn loads this module before Django is set up: it
imports nothing from Django.
"""

import logging

from gunicorn.glogging import Logger

# Fixed paths, not reverse(): gunicorn has no URL conf (a test checks they match).
PRIVATE_PATHS = frozenset({"/deviations/new", "/deviations/receipt"})
HIDDEN = "-"


def is_private(path: str) -> bool:
    # Without the slash too: that request is redirected to the slash, and logged as well.
    return path.rstrip("/") in PRIVATE_PATHS


class AccessLogger(Logger):
    """Gunicorn's logger, with the address, user agent and referrer of a private path's
    request replaced by "-"."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        if not is_private(environ.get("PATH_INFO") or ""):
            return atoms
        # Request headers ({...}i) and the WSGI environment ({...}e) hold the address again
        # (X-Forwarded-For, REMOTE_ADDR) and the user agent; a format naming them gets "-".
        atoms = {key: value for key, value in atoms.items() if not key.endswith(("}i", "}e"))}
        atoms.update(h=HIDDEN, a=HIDDEN, f=HIDDEN)
        return atoms


def _record_path(record: logging.LogRecord) -> str:
    path = getattr(getattr(record, "request", None), "path", None)
    if isinstance(path, str):
        return path
    # runserver's request lines ('"POST /deviations/new/ HTTP/1.1" 200 512') carry the
    # connection's socket, with the peer's address, as `request`.
    if isinstance(record.args, tuple) and record.args and isinstance(record.args[0], str):
        parts = record.args[0].split()
        if len(parts) >= 2:
            return parts[1].split("?")[0]
    return ""


class PrivatePathFilter(logging.Filter):
    """Drops the request from a log record about a private path. Django's loggers attach
    the request to their records ("Too Many Requests: /deviations/new/"), and a handler may
    write out its headers (the address, the user agent) as the admin e-mail does. The message
    itself is kept: it names the path, not the person."""

    def filter(self, record: logging.LogRecord) -> bool:
        if hasattr(record, "request") and is_private(_record_path(record)):
            del record.request
        return True
