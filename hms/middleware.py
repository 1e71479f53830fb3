import logging
import sys
import time

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import defaults
from pghistory.middleware import HistoryMiddleware

logger = logging.getLogger(__name__)


def is_api(request) -> bool:
    """A request to the REST API, which answers every error in JSON (api/errors.py)."""
    return request.path_info.startswith("/api/")


def history_without_user(view):
    """Mark a view whose changes must not be linked to the logged-in user in the audit trail
    (an anonymous deviation report). The view sets its own pghistory context when it may."""
    view.history_without_user = True
    return view


def _skips_user(request) -> bool:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return getattr(match.func, "history_without_user", False)


class HistoryContextMiddleware(HistoryMiddleware):
    """Stores the acting user (id and username) and the URL with every audited change."""

    def __call__(self, request):
        if _skips_user(request):
            return self.get_response(request)
        return super().__call__(request)

    def get_context(self, request) -> dict:
        context = super().get_context(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            context["username"] = user.get_username()
        return context


class LanguageMiddleware:
    """Bokmål unless the user chose otherwise with the language switch (a cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language; an organisation
    whose working language is Norwegian wants the same default for everyone.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class RequestSizeLimitMiddleware:
    """Refuse a request whose declared body is over REQUEST_MAX_BYTES before any of it is
    read: Django's DATA_UPLOAD_MAX_MEMORY_SIZE leaves files out, so a huge upload would be
    written to disk in full before the form could say it is too large."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_MAX_BYTES:
            from django.shortcuts import render
            from django.template.defaultfilters import filesizeformat

            context = {"limit": filesizeformat(settings.REQUEST_MAX_BYTES)}
            if is_api(request):
                message = _("The request is larger than %(limit)s.") % context
                response = JsonResponse({"message": message, "errors": {}}, status=413)
            else:
                response = render(request, "413.html", context, status=413)
            # The unread body must not be taken for the next request on this connection.
            response["Connection"] = "close"
            return response
        return self.get_response(request)


# Seconds a client is asked to wait: a database restart or failover takes about that long.
RETRY_AFTER_SECONDS = 30


def database_unavailable_response() -> HttpResponse:
    """The site's own 503 page. It needs neither the database nor a request context: the
    database is what is missing."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """A database that refuses connections (restart, failover, maintenance) is a short
    outage, not a crash: the user gets 503 "try again shortly", and a form they sent is
    told it was not saved (its input is still in the browser, one step back)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, (OperationalError, InterfaceError)):
            logger.warning("Database unavailable for %s %s", request.method, request.path)
            return database_unavailable_response()
        return None


def server_error(request, template_name="500.html"):
    """handler500. A database error raised outside a view (loading the session or the user
    in a middleware) reaches this handler, not the middleware above: it too gets the 503."""
    error = sys.exc_info()[1]
    if isinstance(error, (OperationalError, InterfaceError)):
        return database_unavailable_response()
    return defaults.server_error(request, template_name)


# The session's last sign of life, in seconds since the epoch.
SESSION_TOUCHED = "_touched"


def touch_session(session) -> None:
    session[SESSION_TOUCHED] = int(time.time())


class SessionIdleMiddleware:
    """A session ends SESSION_IDLE_TIMEOUT after its last request (the cookie's and the
    stored session's age). Saving the session at every request would cost a database write on
    every page, so a request marks it touched, which saves it and pushes its expiry on, only
    when SESSION_TOUCH_INTERVAL has passed since the last time: an idle session ends at most
    that much earlier than the timeout.

    The anonymous reporter's pages (history_without_user) never touch it: the session's expiry
    would otherwise record the moment its user sent an anonymous report."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.session_key and not _skips_user(request):
            try:
                touched = session.get(SESSION_TOUCHED, 0)
            except (OperationalError, InterfaceError):
                # The database is away: the view answers for itself (the health check's
                # JSON, everyone else's 503 page); the session is touched next time.
                touched = time.time()
            if time.time() - touched >= settings.SESSION_TOUCH_INTERVAL:
                touch_session(session)
        return self.get_response(request)
