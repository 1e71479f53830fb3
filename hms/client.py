"""Where a request comes from, for the throttles (login, receipt codes, anonymous reports),
and the one form in which an address may be kept: a keyed hash."""

import hashlib
import hmac

from django.conf import settings
from django.core.cache import cache


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


def address_key(purpose: str, request) -> str:
    """A cache key for counting the client's requests. A plain hash of an IPv4 address is
    undone by hashing all four billion of them; keyed with SECRET_KEY it cannot be, so the
    key names no address even to someone reading the cache."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(),
        f"{purpose}:{client_address(request)}".encode(),
        hashlib.sha256,
    ).hexdigest()
    return f"{purpose}:{digest[:40]}"


def count_in_cache(key: str, timeout: int) -> int:
    """Add one to the counter under `key` (created with `timeout` seconds to live), and return
    it. add-then-incr keeps two requests at once from both starting at one."""
    if cache.add(key, 1, timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout)
        return 1
