"""Accounts: normal users and tokens (command, staff pages), tokens never in clear in the admin, password and
token guessing throttled, and the contract's createsuperuser + drf_create_token path."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from editor import accounts
from editor.api import auth

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("sam", "sam@example.com", "sam-password", is_staff=True)


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.com", "root-password")


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def token_works(key: str) -> bool:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/designs/").status_code == 200


# ---------------------------------------------------------------- services


def test_user_create_makes_a_normal_user_whose_password_is_validated():
    user = accounts.user_create(username="dora", email="dora@example.com", password="a-long-enough-phrase")
    assert not user.is_superuser and not user.is_staff
    assert user.check_password("a-long-enough-phrase")
    with pytest.raises(Exception, match="too short|too common") as info:
        accounts.user_create(username="eve", password="123")
    assert "password" in info.value.message_dict
    with pytest.raises(Exception, match="exists already"):
        accounts.user_create(username="dora")


def test_token_reset_replaces_the_old_token():
    user = accounts.user_create(username="ci")
    first = accounts.token_reset(user=user)
    second = accounts.token_reset(user=user)
    assert first != second
    assert not token_works(first)
    assert token_works(second)


# ---------------------------------------------------------------- the management command


def test_user_create_command_reads_the_password_from_stdin_and_prints_only_the_token(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery staple\n"))
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "user_create", "dora", "--email", "dora@example.com", "--password-stdin", "--token", stdout=out, stderr=err
    )
    key = out.getvalue().strip()
    assert re.fullmatch(r"[0-9a-f]{40}", key)
    user = get_user_model().objects.get(username="dora")
    assert not user.is_superuser and not user.is_staff
    assert user.check_password("correct horse battery staple")
    assert Token.objects.get(user=user).key == key
    assert token_works(key)
    assert "shown this once" in err.getvalue()


def test_user_create_command_without_password_makes_an_api_only_user():
    call_command("user_create", "bot", stdout=io.StringIO(), stderr=io.StringIO())
    user = get_user_model().objects.get(username="bot")
    assert not user.has_usable_password()
    assert not Token.objects.filter(user=user).exists()


def test_user_create_command_names_the_problem(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("123\n"))
    with pytest.raises(CommandError, match="password: .*too short"):
        call_command("user_create", "weak", "--password-stdin", stdout=io.StringIO(), stderr=io.StringIO())
    assert not get_user_model().objects.filter(username="weak").exists()


def test_contract_path_createsuperuser_then_drf_create_token_still_works(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "root-password-long")
    call_command("createsuperuser", "--noinput", "--username", "u1", "--email", "u1@example.com", stdout=io.StringIO())
    out = io.StringIO()
    call_command("drf_create_token", "u1", stdout=out)
    key = re.search(r"[0-9a-f]{40}", out.getvalue()).group(0)
    assert token_works(key)


# ---------------------------------------------------------------- staff pages


def test_staff_page_is_for_staff_only(user):
    assert Client().get("/staff/users/").status_code == 302  # to the login page
    assert browser(user).get("/staff/users/").status_code == 403
    assert browser(user).post("/staff/users/", {"username": "x"}).status_code == 403


def test_staff_adds_a_user_and_sees_the_token_once(staff):
    client = browser(staff)
    response = client.post("/staff/users/", {"username": "dora", "email": "dora@example.com", "token": "on"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    key = re.search(r'<pre id="new-token">([0-9a-f]{40})</pre>', response.content.decode()).group(1)
    dora = get_user_model().objects.get(username="dora")
    assert not dora.is_staff and not dora.is_superuser and not dora.has_usable_password()
    assert token_works(key)
    listing = client.get("/staff/users/").content.decode()
    assert key not in listing
    assert accounts.mask(key) in listing


def test_staff_page_names_the_field_of_a_bad_new_user(staff):
    response = browser(staff).post("/staff/users/", {"username": "sam", "password": "123"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "exists already" in html
    assert "too short" in html


def test_staff_resets_and_revokes_a_users_token(staff, user):
    old = accounts.token_reset(user=user)
    client = browser(staff)
    response = client.post(f"/staff/users/{user.pk}/token/")
    key = re.search(r'<pre id="new-token">([0-9a-f]{40})</pre>', response.content.decode()).group(1)
    assert key != old and token_works(key) and not token_works(old)
    assert client.post(f"/staff/users/{user.pk}/token/revoke/").status_code == 302
    assert not token_works(key)


def test_staff_cannot_take_over_a_superusers_token_or_make_staff(staff, admin_user):
    client = browser(staff)
    assert client.post(f"/staff/users/{admin_user.pk}/token/").status_code == 403
    assert not Token.objects.filter(user=admin_user).exists()
    response = client.post("/staff/users/", {"username": "mallory", "is_staff": "on"})
    assert response.status_code == 400
    assert not get_user_model().objects.filter(username="mallory").exists()
    # a superuser may
    assert browser(admin_user).post("/staff/users/", {"username": "mallory", "is_staff": "on"}).status_code == 302
    assert get_user_model().objects.get(username="mallory").is_staff


# ---------------------------------------------------------------- the admin never shows a key in clear


def test_admin_lists_tokens_masked_and_never_in_clear(admin_user, user, other_user):
    keys = [accounts.token_reset(user=u) for u in (user, other_user)]
    client = browser(admin_user)
    pages = [
        "/admin/",
        "/admin/editor/apitoken/",
        f"/admin/editor/apitoken/{user.pk}/change/",
        f"/admin/editor/apitoken/{user.pk}/delete/",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        for key in keys:
            assert key not in response.content.decode(), path
    listing = client.get("/admin/editor/apitoken/").content.decode()
    assert accounts.mask(keys[0]) in listing
    assert client.get("/admin/authtoken/tokenproxy/").status_code == 404  # DRF's clear-text list is gone
    assert client.get("/admin/editor/apitoken/add/").status_code == 403
    # deleting (revoking) works, and the admin's log keeps only the masked key
    response = client.post(f"/admin/editor/apitoken/{user.pk}/delete/", {"post": "yes"}, follow=True)
    assert keys[0] not in response.content.decode()
    assert not Token.objects.filter(user=user).exists()
    recent = client.get("/admin/").content.decode()
    assert keys[0] not in recent and accounts.mask(keys[0]) in recent


# ---------------------------------------------------------------- throttling


def test_the_11th_wrong_password_in_a_row_is_refused_even_when_right(user):
    client = Client()
    for attempt in range(10):
        response = client.post("/login/", {"username": "alice", "password": f"wrong-{attempt}"})
        assert response.status_code == 200, attempt  # the form again, with its error
    locked = client.post("/login/", {"username": "alice", "password": "wrong-10"})
    assert locked.status_code == 429
    assert b"Too many wrong passwords" in locked.content
    # from now on even the right password is refused, from any address, until the cool-off
    right = Client(REMOTE_ADDR="192.0.2.7").post("/login/", {"username": "alice", "password": "alice-password"})
    assert right.status_code == 429
    assert "_auth_user_id" not in right.client.session


def test_a_successful_login_resets_the_count(user):
    client = Client()
    for attempt in range(9):
        client.post("/login/", {"username": "alice", "password": f"wrong-{attempt}"})
    assert client.post("/login/", {"username": "alice", "password": "alice-password"}).status_code == 302
    for attempt in range(9):
        assert client.post("/login/", {"username": "alice", "password": f"again-{attempt}"}).status_code == 200


def test_wrong_api_tokens_are_throttled_after_ten(user):
    key = accounts.token_reset(user=user)
    client = APIClient()
    for attempt in range(auth.FAILURE_LIMIT):
        client.credentials(HTTP_AUTHORIZATION=f"Token {attempt:040x}")
        assert client.get("/api/v1/designs/").status_code == 401, attempt
    client.credentials(HTTP_AUTHORIZATION=f"Token {auth.FAILURE_LIMIT:040x}")
    refused = client.get("/api/v1/designs/")
    assert refused.status_code == 429
    assert refused["Retry-After"] == str(auth.WINDOW_SECONDS)
    assert "wrong API token" in refused.json()["detail"]
    # another address is not affected
    other = APIClient(REMOTE_ADDR="192.0.2.8")
    other.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert other.get("/api/v1/designs/").status_code == 200


def test_client_ip_behind_a_proxy_takes_the_address_the_proxy_saw(monkeypatch, rf):
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.4", REMOTE_ADDR="10.0.0.2")
    assert accounts.client_ip(request) == "10.0.0.2"
    monkeypatch.setenv("POLICYEDITOR_PROXY_COUNT", "1")
    assert accounts.client_ip(request) == "198.51.100.4"


def test_account_pages_hold_no_inline_script_or_style(staff, user):
    """What the Content-Security-Policy would block."""
    from tests.test_security import tags

    client = browser(staff)
    pages = [
        client.get("/staff/users/").content,
        client.post("/staff/users/", {"username": "dora", "token": "on"}).content,
        client.post(f"/staff/users/{user.pk}/token/").content,
    ]
    locked = Client()
    for attempt in range(11):
        response = locked.post("/login/", {"username": "alice", "password": f"wrong-{attempt}"})
    assert response.status_code == 429
    pages.append(response.content)
    for html in pages:
        for tag, attrs in tags(html):
            assert tag != "style" and "style" not in attrs, (tag, attrs)
            assert not any(name.startswith("on") for name in attrs), (tag, attrs)
            if tag == "script":
                assert attrs.get("src"), "inline <script>"
