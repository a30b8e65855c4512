"""Token authentication that slows down guessing: after ``FAILURE_LIMIT`` wrong tokens from one client address
within ``WINDOW_SECONDS``, further token attempts from it get 429 (with Retry-After) until the window passes.

The count lives in Django's cache (per process with the default local-memory cache: with N gunicorn workers a
client gets at most N × FAILURE_LIMIT tries a window).  Password logins are limited by django-axes.
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication, get_authorization_header

from editor.accounts import client_ip

logger = logging.getLogger(__name__)

FAILURE_LIMIT = 10
WINDOW_SECONDS = 60
ERR_TOO_MANY = (
    "Too many requests with a wrong API token from your address. "
    "Check the token (Authorization: Token <key>); staff can issue a new one on the Users page (/staff/users/)."
)


def _key(request) -> str:
    return f"api-token-failures:{client_ip(request)}"


class ThrottledTokenAuthentication(TokenAuthentication):
    def authenticate(self, request):
        words = get_authorization_header(request).split()
        if not words or words[0].lower() != self.keyword.lower().encode():
            return None  # no token sent: nothing to count
        key = _key(request)
        if cache.get(key, 0) >= FAILURE_LIMIT:
            raise exceptions.Throttled(WINDOW_SECONDS, ERR_TOO_MANY)
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            if cache.add(key, 1, WINDOW_SECONDS) is False:
                try:
                    cache.incr(key)
                except ValueError:  # expired meanwhile
                    cache.add(key, 1, WINDOW_SECONDS)
            logger.warning("API: wrong token from %s", client_ip(request))
            raise
