"""Accounts: normal users and their API tokens (services), and how a token is shown.

A token's key is shown in clear exactly once, by whoever creates it (``manage.py user_create --token``, the
staff *Users* page); everywhere else (the admin, the pages) it is masked.  ``manage.py createsuperuser`` and
``manage.py drf_create_token`` keep working as the API contract says.
"""

from __future__ import annotations

import os

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from rest_framework.authtoken.models import Token

ERR_USERNAME_TAKEN = "A user named {username!r} exists already: pick another name."
ERR_USERNAME_EMPTY = "Give the new user a name, e.g. alice."
MASK = "••••••••"


def user_create(
    *, username: str, email: str = "", password: str | None = None, is_staff: bool = False
) -> AbstractBaseUser:
    """A normal (never a super-) user.  Without a password the user cannot log in to the pages (API only).

    The password is checked by the project's AUTH_PASSWORD_VALIDATORS; every problem is a ValidationError
    naming its field.
    """
    User = get_user_model()
    username = username.strip()
    user = User(username=username, email=email.strip(), is_staff=is_staff, is_superuser=False)
    errors: dict[str, list[str]] = {}
    if not username:
        errors["username"] = [ERR_USERNAME_EMPTY]
    elif User.objects.filter(username=username).exists():
        errors["username"] = [ERR_USERNAME_TAKEN.format(username=username)]
    if password is None:
        user.set_unusable_password()
    else:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            errors["password"] = exc.messages
        user.set_password(password)
    if errors:
        raise ValidationError(errors)
    user.full_clean()
    with transaction.atomic():
        user.save()
    return user


def token_reset(*, user: AbstractBaseUser) -> str:
    """A new API token for ``user``, replacing any old one (which stops working at once).  Returns the key:
    show it to the person once; it is not shown again."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user).key


def token_revoke(*, user: AbstractBaseUser) -> None:
    Token.objects.filter(user=user).delete()


def mask(key: str) -> str:
    """A token key as the admin and the pages show it: its last four characters only."""
    return MASK + key[-4:] if key else ""


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or behind POLICYEDITOR_PROXY_COUNT trusted reverse proxies the
    address the outermost of them saw (counted from the right of X-Forwarded-For, which a client can prefix
    with anything)."""
    count = int(os.environ.get("POLICYEDITOR_PROXY_COUNT", "0") or 0)
    if count > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR", "")
