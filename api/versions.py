"""ETag and If-Match: each object's ETag is its `version` (the counter the pages' edit forms
carry, units/versions.py), so a client that changes a record says which version it read, and a
change made meanwhile by someone else is refused (412) instead of overwritten.

The mixin's `if_match_version(request)` gives the version to hand to the service: the service
checks it again with the row locked, so two requests racing cannot both pass."""

import re

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from api.errors import PreconditionFailed, PreconditionRequired

_ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,9})"?\s*$')


def etag(obj, field: str = "version") -> str:
    return f'"{getattr(obj, field)}"'


def parse_if_match(header: str | None) -> list[int] | None:
    """The versions an If-Match header names; None without the header. A `*` is not taken:
    it would overwrite whatever is there, the very thing the header is for preventing."""
    if header is None or not header.strip():
        return None
    versions = []
    for part in header.split(","):
        match = _ETAG.match(part)
        if match is None:
            raise ValidationError({"If-Match": [_('Give the ETag you read, e.g. "3".')]})
        versions.append(int(match.group(1)))
    return versions


class VersionedMixin:
    """For viewsets whose objects carry a `version`: retrieve answers with the ETag, and every
    change (`update`, `partial_update`, a status action) must send `If-Match`."""

    version_field = "version"

    def if_match_version(self, request, obj) -> int:
        """The version the client read: 428 without If-Match, 412 when it is not the current
        one. Call it after fetching `obj` through the scoped queryset (an unseen object is a
        404 first, never a 412 that tells it exists)."""
        versions = parse_if_match(request.headers.get("If-Match"))
        if versions is None:
            raise PreconditionRequired()
        current = getattr(obj, self.version_field)
        if current not in versions:
            raise PreconditionFailed()
        return current

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        version = (response.data or {}).get(self.version_field)
        if version is not None:
            response["ETag"] = f'"{version}"'
        return response

    def with_etag(self, response, obj):
        """A response after a change: the new ETag to send with the next change."""
        response["ETag"] = etag(obj, self.version_field)
        return response
