"""`Authorization: Bearer <token>`: a personal API token acts as its user, with exactly that
user's roles. The browser session (DRF's SessionAuthentication, which keeps the CSRF check)
is the other way in."""

import pghistory
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from api import tokens


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("The Authorization header is malformed."))
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("The token is not valid.")) from None
        row = tokens.token_find(raw)
        if row is None:
            raise exceptions.AuthenticationFailed(_("The token is not valid."))
        if row.is_revoked:
            raise exceptions.AuthenticationFailed(_("The token has been revoked."))
        if row.is_expired():
            raise exceptions.AuthenticationFailed(_("The token has expired."))
        if not row.user.is_active:
            raise exceptions.AuthenticationFailed(_("The token's user is deactivated."))
        tokens.token_touch(row)
        # The audit trail names the acting user: the middleware saw no one (tokens are read
        # here, inside the view), so tell pghistory's context now.
        pghistory.context(user=row.user.pk, username=row.user.get_username())
        return row.user, row

    def authenticate_header(self, request) -> str:
        # A 401 (not a 403) for a missing or bad token: the client knows to send one.
        return self.keyword
