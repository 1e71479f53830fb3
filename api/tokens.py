"""Personal API tokens: made, found and revoked here.

A token reads `hms_<prefix>_<secret>`. The prefix (shown in the token list) finds the row; only
the SHA-256 of the whole token is stored, so a copy of the database lets nobody act as anyone.
SHA-256 without a salt is enough: the secret is 256 random bits, not a password to guess.
"""

import datetime
import hashlib
import hmac
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import ApiToken

TOKEN_PREFIX = "hms"  # noqa: S105 (the fixed start of every token, no secret)
# last_used_at is written at most this often per token, not on every request.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)
MAX_EXPIRY_DAYS = 3650


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def split_token(token: str) -> str | None:
    """The prefix of a well-formed token, else None."""
    # The secret is URL-safe base64, which has underscores of its own.
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or not parts[2]:
        return None
    if len(parts[1]) > 16:
        return None
    return parts[1]


@transaction.atomic
def token_create(
    *, user, name: str, read_only: bool = False, expires_in_days: int | None = None
) -> tuple[ApiToken, str]:
    """Make a token for `user`. Returns the row and the token itself, which is never stored
    and so can be shown only now."""
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        raise ValidationError(
            {"expires_in_days": _("Between 1 and %(max)d days.") % {"max": MAX_EXPIRY_DAYS}}
        )
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    token = f"{TOKEN_PREFIX}_{prefix}_{secret}"
    now = timezone.now()
    row = ApiToken(
        user=user,
        name=name.strip() or _("API token"),
        prefix=prefix,
        key_hash=hash_token(token),
        read_only=read_only,
        created_at=now,
        expires_at=now + datetime.timedelta(days=expires_in_days) if expires_in_days else None,
    )
    row.full_clean()
    row.save()
    return row, token


def token_find(token: str) -> ApiToken | None:
    """The token's row, whatever its state (the caller tells expired from revoked), or None
    when no token matches."""
    prefix = split_token(token)
    if prefix is None:
        return None
    row = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if row is None or not hmac.compare_digest(row.key_hash, hash_token(token)):
        return None
    return row


def token_touch(row: ApiToken, now=None) -> None:
    """Note the use, at most once a minute per token: a write per request would make every
    read a write."""
    now = now or timezone.now()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now


def token_revoke(*, user, token: ApiToken) -> ApiToken:
    """Revoke one of the user's own tokens; revoking twice keeps the first time."""
    if token.user_id != user.pk:
        raise ValidationError(_("This is not your token."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
