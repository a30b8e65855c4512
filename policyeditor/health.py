"""Probes for load balancers and Kubernetes: ``GET /healthz`` (the process is up) and ``GET /readyz`` (the
database answers).

They are answered by a middleware placed first, before Django's SecurityMiddleware and CommonMiddleware, so
a probe works over plain HTTP (no redirect to HTTPS), with any Host header (a kubelet sends the pod's IP,
which is not in ALLOWED_HOSTS), without a session or a login, and without touching anything else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

HEALTHZ = "/healthz"
READYZ = "/readyz"


def healthz() -> HttpResponse:
    """The process is up and answers: no database, no templates, nothing that can hang."""
    return _answer(200, "ok")


def readyz() -> HttpResponse:
    """200 when every configured database answers ``SELECT 1``; 503 (with the reason logged) when one does not."""
    for alias in connections:
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except DatabaseError as exc:
            logger.error("readyz: database %r is not reachable: %s", alias, exc)
            return _answer(503, f"database {alias!r} is not reachable")
    return _answer(200, "ready")


def _answer(status: int, text: str) -> HttpResponse:
    response = HttpResponse(text + "\n", status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


PROBES: dict[str, Callable[[], HttpResponse]] = {HEALTHZ: healthz, READYZ: readyz}


class HealthProbeMiddleware:
    """Answers GET and HEAD on the probe paths (with or without a trailing slash) before any other middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info.rstrip("/"))
        if probe is not None and request.method in ("GET", "HEAD"):
            return probe()
        return self.get_response(request)
