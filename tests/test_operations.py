"""Operations: probes for load balancers and Kubernetes, errors logged with tracebacks in production, HSTS."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.db import OperationalError, connections

from policyeditor.deploy import HSTS_PRELOAD_MIN_SECONDS, hsts_preload, logging_config
from tests.test_security import production_env

ROOT = Path(__file__).resolve().parent.parent

# ---------------------------------------------------------------- /healthz and /readyz


def test_healthz_answers_without_login_and_without_the_database(client):
    """No django_db mark: any database access here would raise."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_readyz_answers_200_when_the_database_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.content == b"ready\n"


@pytest.mark.django_db
def test_readyz_answers_503_when_the_database_does_not(client, caplog):
    with mock.patch.object(connections["default"], "cursor", side_effect=OperationalError("connection refused")):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert b"not reachable" in response.content
    assert "connection refused" in caplog.text


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/healthz/", "/readyz/"])
def test_probes_work_over_plain_http_with_any_host_when_ssl_redirect_is_on(client, settings, path):
    """A kubelet probes http://<pod IP>:8000/healthz: no redirect to HTTPS, no DisallowedHost."""
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["policyeditor.example.com"]
    response = client.get(path, HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200
    # the same settings do redirect (and check the host of) every other page
    assert client.get("/login/", HTTP_HOST="policyeditor.example.com").status_code == 301
    assert client.get("/login/", HTTP_HOST="10.1.2.3:8000").status_code == 400


def test_probes_answer_only_get_and_head(client):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code != 200


# ---------------------------------------------------------------- HSTS preload only with a long max-age


@pytest.mark.parametrize(
    ("seconds", "wanted", "preload"),
    [
        (3600, "1", False),
        (HSTS_PRELOAD_MIN_SECONDS - 1, "1", False),
        (HSTS_PRELOAD_MIN_SECONDS, "1", True),
        (63_072_000, "1", True),
        (63_072_000, "0", False),
    ],
)
def test_hsts_preload_only_with_a_max_age_of_a_year_or_more(seconds, wanted, preload):
    assert hsts_preload(seconds, wanted) is preload


def production_setting(code: str, **env) -> str:
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); from django.conf import settings as s; {code}"],
        cwd=ROOT,
        env=production_env(DJANGO_SETTINGS_MODULE="policyeditor.settings", **env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_production_settings_preload_hsts_only_with_a_long_max_age():
    code = "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_PRELOAD, s.SECURE_HSTS_INCLUDE_SUBDOMAINS)"
    assert production_setting(code) == "3600 False True"
    assert production_setting(code, POLICYEDITOR_HSTS_SECONDS="31536000") == "31536000 True True"
    assert production_setting(code, POLICYEDITOR_HSTS_SECONDS="63072000", POLICYEDITOR_HSTS_PRELOAD="0") == (
        "63072000 False True"
    )


def test_production_header_with_a_year_of_hsts_says_preload():
    code = (
        "from django.test import Client; "
        "r = Client().get('/api/v1/designs/', secure=True, HTTP_HOST='policyeditor.example.com'); "
        "print(r['Strict-Transport-Security'])"
    )
    assert production_setting(code, POLICYEDITOR_HSTS_SECONDS="31536000") == (
        "max-age=31536000; includeSubDomains; preload"
    )
    assert production_setting(code) == "max-age=3600; includeSubDomains"


# ---------------------------------------------------------------- errors are logged with their traceback


RAISING_VIEW = """
import sys, types
import django
django.setup()
from django.test import Client, override_settings
from django.urls import path

def boom(request):
    raise ZeroDivisionError("the traceback must reach stderr")

urls = types.ModuleType("boom_urls")
urls.urlpatterns = [path("boom/", boom)]
sys.modules["boom_urls"] = urls
with override_settings(ROOT_URLCONF="boom_urls"):
    response = Client(raise_request_exception=False).get("/boom/", secure=True, HTTP_HOST="policyeditor.example.com")
print("status", response.status_code)
"""


def test_a_500_in_production_logs_its_traceback_to_stderr():
    result = subprocess.run(
        [sys.executable, "-c", RAISING_VIEW],
        cwd=ROOT,
        env=production_env(DJANGO_SETTINGS_MODULE="policyeditor.settings"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.strip() == "status 500"
    assert "ERROR django.request" in result.stderr
    assert "Internal Server Error: /boom/" in result.stderr
    assert "Traceback (most recent call last)" in result.stderr
    assert "ZeroDivisionError: the traceback must reach stderr" in result.stderr


def test_logging_config_refuses_an_unknown_level():
    assert logging_config("warning")["root"]["level"] == "WARNING"
    with pytest.raises(RuntimeError, match="POLICYEDITOR_LOG_LEVEL"):
        logging_config("LOUD")
