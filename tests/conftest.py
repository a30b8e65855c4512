"""Shared fixtures: users, API clients, and the three-tier design."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from editor.demo import demo_design_create


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests make many users; the production hasher's deliberate slowness is not what they test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def no_kept_states():
    """Each test starts as a process that kept no design state: rolled-back databases reuse design ids."""
    from editor import state

    state.forget()


@pytest.fixture(autouse=True)
def fresh_cache():
    """Django's cache holds the wrong-token counts (editor/api/auth.py): one test's misses must not throttle another."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("alice", "alice@example.com", "alice-password")


@pytest.fixture
def other_user(django_user_model):
    return django_user_model.objects.create_user("bob", "bob@example.com", "bob-password")


@pytest.fixture
def api(user) -> APIClient:
    """An API client authenticated with alice's token, as scripts use it."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def other_api(other_user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=other_user).key}")
    return client


@pytest.fixture
def three_tier(user):
    """The seed's three-tier example, owned by alice: frontend → api (TCP 8080), api → db (TCP 5432)."""
    return demo_design_create(owner=user)
