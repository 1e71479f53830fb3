from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from hms.middleware import is_api
from units.access import requires_second_factor

# Sessions opened by these backends were opened with a local password (axes' backend only
# refuses; ModelBackend checks the password). Any other backend (the institution's OpenID
# Connect sign-in) brings its own second factor.
LOCAL_BACKENDS = frozenset(
    {"django.contrib.auth.backends.ModelBackend", "axes.backends.AxesStandaloneBackend"}
)
# What a user still owing the second factor may open.
OPEN_URL_NAMES = frozenset(
    {"second_factor", "second_factor_setup", "logout", "set_language", "healthz"}
)


def second_factor_due(request) -> bool:
    """Signed in with a local password, holds a role that needs a second factor, and has not
    given it yet. A sign-in through the institution (OpenID Connect) brings its own."""
    user = request.user
    return bool(
        settings.HMS_REQUIRE_2FA
        and user.is_authenticated
        and request.session.get(BACKEND_SESSION_KEY) in LOCAL_BACKENDS
        and not user.is_verified()
        and requires_second_factor(user)
    )


class SecondFactorMiddleware:
    """Until the code is given, every page (the admin too) leads to the second-factor page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The layout hides its menus while the code is owed: none of their links would open.
        request.second_factor_due = second_factor_due(request)
        if request.second_factor_due and _url_name(request) not in OPEN_URL_NAMES:
            if is_api(request):
                message = _("Give the second factor on the site first, or use an API token.")
                return JsonResponse({"message": message, "errors": {}}, status=403)
            target = reverse("second_factor")
            return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


def _url_name(request) -> str | None:
    try:
        return resolve(request.path_info).url_name
    except Resolver404:
        return None
