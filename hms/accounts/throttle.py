"""Login throttling with django-axes: where a login comes from, and the page a locked-out
user sees."""

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone


def client_address(request) -> str:
    """The client's address. Behind our own proxy (BEHIND_PROXY) every request comes from the
    proxy, so one guesser would lock everyone out: take the address the proxy appended last
    to X-Forwarded-For instead (earlier entries can be forged by the client). Without a proxy
    the header is the client's own word and is ignored."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded.strip():
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


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
