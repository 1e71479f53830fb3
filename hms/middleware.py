from django.conf import settings
from django.urls import Resolver404, resolve
from django.utils import translation
from pghistory.middleware import HistoryMiddleware


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
            response = render(request, "413.html", context, status=413)
            # The unread body must not be taken for the next request on this connection.
            response["Connection"] = "close"
            return response
        return self.get_response(request)
