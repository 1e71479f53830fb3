"""Sign-in through the institution's OpenID Connect provider (Feide), with mozilla-django-oidc.

The library does the protocol: the authorization code flow with PKCE, state and nonce kept in
the session, the ID token's signature checked against the provider's published keys (JWKS).
This module adds what the library leaves to us:

- the endpoints come from the provider's discovery document, fetched at first use and cached,
  so the app starts (and password logins work) while the provider is down;
- the ID token's issuer, audience and expiry are checked too (the library skips the audience);
- the person is found or created by `units.services.oidc_sign_in` (subject, Feide id,
  verified e-mail); roles never come from the provider;
- a provider that is down, slow or answers with an error gives a clear page, never a 500,
  and a warning in the log without tokens or personal data.

Nothing here answers unless OIDC_ISSUER is set.
"""

import logging
import re
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.translation import get_language
from django.views.generic import View
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from units.services import SignInRefused, oidc_sign_in

logger = logging.getLogger(__name__)

DISCOVERY_CACHE_SECONDS = 60 * 60


class ProviderUnavailable(Exception):
    """The provider did not answer, answered with an error, or sent something unusable."""


def oidc_enabled() -> bool:
    return bool(settings.OIDC_ISSUER)


def _discovery_cache_key() -> str:
    return f"oidc-discovery:{settings.OIDC_ISSUER}"


def provider_configuration() -> dict:
    """The provider's discovery document ({issuer}/.well-known/openid-configuration), cached
    for an hour. Raises ProviderUnavailable when it cannot be had."""
    config = cache.get(_discovery_cache_key())
    if config is not None:
        return config
    url = settings.OIDC_ISSUER.rstrip("/") + "/.well-known/openid-configuration"
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        config = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ProviderUnavailable(f"discovery failed: {type(exc).__name__}") from exc
    required = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
    if not isinstance(config, dict) or not all(config.get(key) for key in required):
        raise ProviderUnavailable("discovery document lacks endpoints")
    # OpenID Connect Discovery 1.0, section 4.3: the issuer must be the one configured.
    if config["issuer"].rstrip("/") != settings.OIDC_ISSUER.rstrip("/"):
        raise ProviderUnavailable("discovery document names another issuer")
    cache.set(_discovery_cache_key(), config, DISCOVERY_CACHE_SECONDS)
    return config


def forget_provider_configuration() -> None:
    cache.delete(_discovery_cache_key())


class ProviderBackend(OIDCAuthenticationBackend):
    """The library's backend with lazily discovered endpoints, a full ID token check and our
    linking rules. It answers only the callback's call (with a nonce), never a password login."""

    def __init__(self, *args, **kwargs):
        # The library reads fixed endpoints from settings here; ours come from discovery, and
        # Django builds this backend for every password login too, so nothing is fetched yet.
        from django.contrib.auth import get_user_model

        self.UserModel = get_user_model()
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None

    def authenticate(self, request, **kwargs):
        if not oidc_enabled() or "nonce" not in kwargs or "username" in kwargs:
            return None
        config = provider_configuration()
        self.issuer = config["issuer"]
        self.OIDC_OP_TOKEN_ENDPOINT = config["token_endpoint"]
        self.OIDC_OP_JWKS_ENDPOINT = config["jwks_uri"]
        self.OIDC_OP_USER_ENDPOINT = config.get("userinfo_endpoint")
        return super().authenticate(request, **kwargs)

    def get_payload_data(self, token, key):
        """Check the ID token's signature, issuer, audience and expiry (the library checks
        only the signature and expiry)."""
        algorithm = jwt.get_unverified_header(token).get("alg")
        if algorithm != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation("ID token signed with an unexpected algorithm")
        payload = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience=self.OIDC_RP_CLIENT_ID,
            issuer=self.issuer,
            options={"require": ["iss", "aud", "exp", "iat", "sub"]},
            leeway=30,  # seconds of clock difference between the provider and us
        )
        # OpenID Connect Core 1.0, 3.1.3.7: several audiences need us as the authorized party.
        audiences = payload["aud"] if isinstance(payload["aud"], list) else [payload["aud"]]
        if len(audiences) > 1 and payload.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise jwt.InvalidAudienceError("ID token authorized for another party")
        return payload

    def get_userinfo(self, access_token, id_token, payload):
        if not self.OIDC_OP_USER_ENDPOINT:
            return payload
        userinfo = super().get_userinfo(access_token, id_token, payload)
        # Core 1.0, 5.3.2: the UserInfo subject must be the ID token's.
        if userinfo.get("sub") != payload["sub"]:
            raise SuspiciousOperation("UserInfo names another subject")
        return {**payload, **userinfo}

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        return oidc_sign_in(subject=payload["sub"], claims=claims)

    def get_user(self, user_id):
        # Django's own lookup, which refuses a person deactivated since they signed in.
        return ModelBackend.get_user(self, user_id)


# The error page's reasons and their statuses; the page's words are in the template.
FAILURES = {
    "unavailable": 502,
    "denied": 403,
    "invalid": 400,
    "inactive": 403,
    "ambiguous": 403,
}


def failure_page(request: HttpRequest, reason: str, detail: str) -> HttpResponse:
    logger.warning("OpenID Connect sign-in failed (%s): %s", reason, detail)
    return render(
        request,
        "registration/oidc_error.html",
        {"reason": reason},
        status=FAILURES[reason],
    )


class AuthenticationRequest(OIDCAuthenticationRequestView):
    """Sends the browser to the provider, with state, nonce and a PKCE challenge."""

    def __init__(self, **kwargs):
        View.__init__(self, **kwargs)  # the endpoint comes from discovery, in get()
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID

    def get(self, request):
        if not oidc_enabled():
            raise Http404
        try:
            self.OIDC_OP_AUTH_ENDPOINT = provider_configuration()["authorization_endpoint"]
        except ProviderUnavailable as exc:
            return failure_page(request, "unavailable", str(exc))
        return super().get(request)

    def get_extra_params(self, request):
        # The provider's pages in the language the person reads ours in.
        return {"ui_locales": get_language() or settings.LANGUAGE_CODE}


class AuthenticationCallback(OIDCAuthenticationCallbackView):
    """Where the provider sends the browser back: checks state, exchanges the code, signs in."""

    failure = ("invalid", "no code, state or session")

    def get(self, request):
        if not oidc_enabled():
            raise Http404
        if request.GET.get("error"):
            # Only the error's code: a provider's description may quote the person. The
            # library then forgets the state, logs out and calls login_failure.
            error = re.sub(r"[^a-z_]", "", request.GET["error"][:40])
            self.failure = ("denied", f"provider answered {error}")
        try:
            return super().get(request)
        except SignInRefused as exc:
            return failure_page(request, exc.reason, exc.reason)
        except ProviderUnavailable as exc:
            return failure_page(request, "unavailable", str(exc))
        except requests.HTTPError as exc:
            # The library's message carries the response body: log only the status.
            status = exc.response.status_code if exc.response is not None else "?"
            return failure_page(request, "unavailable", f"provider answered HTTP {status}")
        except (requests.RequestException, ValueError) as exc:
            return failure_page(request, "unavailable", type(exc).__name__)
        except (SuspiciousOperation, jwt.PyJWTError) as exc:
            # The messages name the check that failed (signature, audience, nonce...), never
            # the token or a claim's value.
            return failure_page(request, "invalid", f"{type(exc).__name__}: {exc}")

    def login_failure(self):
        return failure_page(self.request, *self.failure)


def provider_logout_url(request: HttpRequest) -> str:
    """Where logging out sends the browser: the provider's end-session endpoint (RP-initiated
    logout) when this session came from it and the provider offers one, else the login page.
    Called by the library's logout view before the session ends (OIDC_OP_LOGOUT_URL_METHOD)."""
    login_page = resolve_url(settings.LOGOUT_REDIRECT_URL)
    id_token = request.session.get("oidc_id_token")
    if not (oidc_enabled() and id_token):
        return login_page
    try:
        end_session = provider_configuration().get("end_session_endpoint")
    except ProviderUnavailable as exc:
        logger.warning("OpenID Connect logout only here: %s", exc)
        return login_page
    if not end_session:
        return login_page
    query = urlencode(
        {
            "id_token_hint": id_token,
            "client_id": settings.OIDC_RP_CLIENT_ID,
            "post_logout_redirect_uri": request.build_absolute_uri(login_page),
        }
    )
    return f"{end_session}{'&' if '?' in end_session else '?'}{query}"


def login_button_context() -> dict:
    """What the login page's institution button needs; empty without a provider."""
    if not oidc_enabled():
        return {}
    return {"oidc_url": reverse("oidc_authentication_init"), "label": settings.OIDC_LOGIN_LABEL}
