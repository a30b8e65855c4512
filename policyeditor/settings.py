"""Settings for policyeditor.

Development defaults work out of the box (SQLite, DEBUG on).  Production reads
its secrets from the environment: POLICYEDITOR_SECRET_KEY, POLICYEDITOR_ALLOWED_HOSTS,
POLICYEDITOR_DEBUG=0 and DATABASE_URL.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

from policyeditor.deploy import hsts_preload, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = os.environ.get("POLICYEDITOR_DEBUG", "1") == "1"
SECRET_KEY = os.environ.get("POLICYEDITOR_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("Set POLICYEDITOR_SECRET_KEY when POLICYEDITOR_DEBUG=0.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("POLICYEDITOR_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served by the app (no CDN)
    "django_htmx",
    "template_partials",
    "csp",
    "axes",  # locks out password guessing on the login page (and the admin's)
    "editor",
]

MIDDLEWARE = [
    "policyeditor.health.HealthProbeMiddleware",  # /healthz, /readyz: first, so plain HTTP and any Host work
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "policyeditor.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "policyeditor.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("POLICYEDITOR_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL: readers do not block the writer, and a commit appends to the log instead of syncing the whole
    # database (a third of an edit's time on SQLite was the commit); IMMEDIATE: a writing transaction takes
    # the write lock when it starts, so two writers queue instead of one failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", "transaction_mode": "IMMEDIATE"}
    )

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The import page takes what the importer takes (editor.netpol.importer.MAX_BYTES, 16 MiB: a cluster of 5,000
# workloads), pasted or uploaded; Django's 2.5 MB default would refuse a pasted one with a bare 400.  The
# margin is for the form's other fields.  Uploaded files are spooled to disk above FILE_UPLOAD_MAX_MEMORY_SIZE.
DATA_UPLOAD_MAX_MEMORY_SIZE = 17 * 1024 * 1024

# ---------------------------------------------------------------- accounts (issue 11)
# Password guessing: ten wrong passwords in a row for one username are answered as usual; the eleventh locks that
# username out (429) for AXES_COOLOFF_TIME, whatever the password and address (axes locks at the failure that
# reaches AXES_FAILURE_LIMIT).  A successful login resets the count.
# Unlock early: ``manage.py axes_reset_username USER``.  Wrong API tokens: editor/api/auth.py.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 11
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("POLICYEDITOR_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 warns that lockouts without the address can be dodged by changing User-Agent or cookies; a lockout by
# username alone cannot (and one by address would lock every user out together behind a reverse proxy).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "editor.accounts.client_ip"  # honours POLICYEDITOR_PROXY_COUNT

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "design-list"
LOGOUT_REDIRECT_URL = "login"

REST_FRAMEWORK: dict[str, object] = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "editor.api.auth.ThrottledTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # request bodies are JSON, parsed with limits (depth, numbers): editor/api/parsers.py; import and kept
    # policies take YAML (their views name their own parsers)
    "DEFAULT_PARSER_CLASSES": ["editor.api.parsers.SafeJSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "EXCEPTION_HANDLER": "editor.api.errors.exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "policyeditor API",
    "DESCRIPTION": "Design Kubernetes NetworkPolicies: designs, their parts, and the generated manifests.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = os.environ.get("POLICYEDITOR_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = int(os.environ.get("POLICYEDITOR_HSTS_SECONDS", "3600"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # preload only with the max-age the preload list requires (a year or more); else Django's reminder to
    # preload (security.W021) is answered here, not by a header browsers' preload list would refuse
    SECURE_HSTS_PRELOAD = hsts_preload(SECURE_HSTS_SECONDS, os.environ.get("POLICYEDITOR_HSTS_PRELOAD", "1"))
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS += ["security.W021"]
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# ---------------------------------------------------------------- hostile input, production (issue 5)
# A strict Content-Security-Policy: scripts and styles only from our own static files (htmx included, via
# {% htmx_script %}); no inline scripts, styles, eval, plugins or framing.  base.html's htmx-config meta turns
# off htmx's injected indicator <style> and eval, so nothing inline is needed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Static files straight from the app server (gunicorn) with whitenoise: compressed, cache-busted names in
# production (run ``manage.py collectstatic`` first), plain files in development and tests.
if not DEBUG:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

# Errors with their tracebacks go to stderr (gunicorn and systemd/Kubernetes collect it), in production too:
# Django's default sends them only to ADMINS by mail.  POLICYEDITOR_LOG_LEVEL: DEBUG, INFO (default), WARNING...
LOGGING = logging_config(os.environ.get("POLICYEDITOR_LOG_LEVEL", "INFO"))

# ``?format=yaml`` on the manifests endpoint is ours, not DRF's content negotiation.
REST_FRAMEWORK["URL_FORMAT_OVERRIDE"] = None
