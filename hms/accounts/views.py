from base64 import b32encode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from hms.accounts import services
from hms.accounts.forms import CodeForm, SettingsForm
from hms.accounts.middleware import second_factor_due
from units.access import requires_second_factor


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset, with links in the e-mail to SITE_URL rather than to whatever Host the
    request named."""

    def form_valid(self, form):
        self.extra_email_context = {"site_url": settings.SITE_URL.rstrip("/")}
        return super().form_valid(form)


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@login_required
def second_factor(request):
    """The code from the authenticator app, or one of the recovery codes."""
    if not second_factor_due(request):
        return redirect(_next_url(request))
    if not user_has_device(request.user):
        query = urlencode({"next": request.GET.get("next", "")})
        return redirect(f"{reverse('second_factor_setup')}?{query}")
    form = CodeForm(request.POST or None)
    if form.is_valid():
        # django-otp throttles each device: wrong codes make the next try wait longer.
        device = match_token(request.user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error("code", _("That code is not valid. Check the code and try again."))
    return render(
        request,
        "registration/second_factor.html",
        {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")},
    )


@login_required
def second_factor_setup(request):
    """First sign-in of someone who needs a second factor: connect an authenticator app
    (QR code or key), confirm with a code, and receive recovery codes once."""
    if not requires_second_factor(request.user):
        raise Http404
    if user_has_device(request.user):
        return redirect("second_factor")
    device = services.totp_device_start(user=request.user)
    form = CodeForm(request.POST or None)
    if form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            codes = services.totp_device_confirm(user=request.user, device=device)
            otp_login(request, device)
            return render(
                request,
                "registration/second_factor_recovery_codes.html",
                {"codes": codes, "next": _next_url(request)},
            )
        form.add_error(
            "code",
            _("That code is not valid. Check that the app shows the account HMS and try again."),
        )
    return render(
        request,
        "registration/second_factor_setup.html",
        {
            "form": form,
            "qr_svg": _qr_svg(device),
            "key": _grouped_key(device),
            "next": request.POST.get("next") or request.GET.get("next", ""),
        },
    )


def _qr_svg(device: TOTPDevice) -> str:
    # An SVG element in the page: no image request, nothing for the CSP to allow.
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5, border=2, title=_("QR code for the authenticator app")
    )


def _grouped_key(device: TOTPDevice) -> str:
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@login_required
@require_http_methods(["GET", "POST"])
def account_settings(request):
    """The person's own settings: only their own row is ever changed here."""
    form = SettingsForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your settings are saved."))
        return redirect("account_settings")
    return render(request, "registration/settings.html", {"form": form})
