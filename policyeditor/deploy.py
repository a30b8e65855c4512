"""Deployment settings that carry logic, kept apart from settings.py so tests can call them directly."""

from __future__ import annotations

import logging

# The HSTS preload list (hstspreload.org) takes a domain only when its header has a max-age of at least a year,
# includeSubDomains and preload.
HSTS_PRELOAD_MIN_SECONDS = 31_536_000

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [pid %(process)d] %(message)s"


def hsts_preload(seconds: int, wanted: str = "1") -> bool:
    """Whether to send ``preload``: only when wanted ("1", the default) and the max-age is a year or more."""
    return wanted.strip() == "1" and seconds >= HSTS_PRELOAD_MIN_SECONDS


def logging_config(level: str = "INFO") -> dict:
    """Everything at ``level`` and above to stderr, Django's request errors with their tracebacks included.

    Django logs an unhandled exception in a view as an ERROR of ``django.request`` with ``exc_info``; its default
    configuration prints that only when DEBUG is on and otherwise mails ADMINS.  Here it always goes to stderr,
    which gunicorn, systemd and Kubernetes collect.  ``django.server`` (runserver's access log) keeps Django's own
    handler.
    """
    level = level.strip().upper()
    if not isinstance(logging.getLevelName(level), int):
        raise RuntimeError(f"POLICYEDITOR_LOG_LEVEL={level!r} is not a level: use DEBUG, INFO, WARNING or ERROR.")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": LOG_FORMAT}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "plain"}},
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "django": {"handlers": ["stderr"], "level": level, "propagate": False},
            "axes": {"level": "WARNING"},  # lockouts and failures; not "AXES: BEGIN ..." on every manage.py command
        },
    }
