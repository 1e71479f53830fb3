"""Login throttling with django-axes: the page a locked-out user sees. Where a login comes
from is hms.client.client_address, shared with the other throttles."""

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout response: what happened and when to try again (429)."""
    cool_off = settings.AXES_COOLOFF_TIME
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "minutes": int(cool_off.total_seconds() // 60),
        # Every further attempt during the lockout starts the cool-off anew (axes' default).
        "until": timezone.localtime(timezone.now() + cool_off),
    }
    return render(
        request, "registration/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE
    )
