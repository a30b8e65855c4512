"""Staff pages: add a normal user, issue (or replace) and revoke API tokens.  Staff only (others get 403).

A new token's key is shown once, on the answer to the POST that made it (never cached, never shown again);
the list shows keys masked.  Staff who are not superusers manage normal users only: a token is the user's
identity, so issuing one for a staff user or a superuser would hand over their rights.
"""

from __future__ import annotations

from functools import wraps

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.authtoken.models import Token

from editor import accounts

ERR_NOT_STAFF = "Only staff users manage accounts."
ERR_NOT_YOURS = "Only a superuser manages the tokens of staff users and superusers."


def staff_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied(ERR_NOT_STAFF)
        return view(request, *args, **kwargs)

    return wrapper


class UserCreateForm(forms.Form):
    username = forms.CharField(max_length=150)
    email = forms.EmailField(required=False)
    password = forms.CharField(
        required=False, strip=False, widget=forms.PasswordInput, help_text="Leave empty for an API-only user."
    )
    is_staff = forms.BooleanField(required=False, label="Staff (may manage users)")
    token = forms.BooleanField(required=False, initial=True, label="Make an API token")


def _may_manage(actor, user) -> bool:
    return actor.is_superuser or actor.pk == user.pk or not (user.is_staff or user.is_superuser)


def _list(request, form: UserCreateForm | None = None, status: int = 200):
    User = get_user_model()
    tokens = {t.user_id: t for t in Token.objects.all()}
    rows = [
        {
            "user": user,
            "token": accounts.mask(tokens[user.pk].key) if user.pk in tokens else "",
            "token_created": tokens[user.pk].created if user.pk in tokens else None,
            "manage": _may_manage(request.user, user),
        }
        for user in User.objects.order_by("username")
    ]
    context = {"rows": rows, "form": form or UserCreateForm(), "may_add_staff": request.user.is_superuser}
    return render(request, "editor/staff/users.html", context, status=status)


def _token_page(request, user, key: str, created: bool):
    response = render(request, "editor/staff/token.html", {"shown_user": user, "key": key, "created": created})
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@never_cache
@staff_required
def staff_users(request):
    if request.method == "GET":
        return _list(request)
    form = UserCreateForm(request.POST)
    if not form.is_valid():
        return _list(request, form, status=400)
    data = form.cleaned_data
    if data["is_staff"] and not request.user.is_superuser:
        form.add_error("is_staff", "Only a superuser makes staff users.")
        return _list(request, form, status=400)
    try:
        user = accounts.user_create(
            username=data["username"], email=data["email"], password=data["password"] or None, is_staff=data["is_staff"]
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
        return _list(request, form, status=400)
    if not data["token"]:
        return redirect("staff-users")
    return _token_page(request, user, accounts.token_reset(user=user), created=True)


def _managed_user(request, pk: int):
    user = get_object_or_404(get_user_model(), pk=pk)
    if not _may_manage(request.user, user):
        raise PermissionDenied(ERR_NOT_YOURS)
    return user


@require_POST
@never_cache
@staff_required
def staff_token_reset(request, pk: int):
    user = _managed_user(request, pk)
    return _token_page(request, user, accounts.token_reset(user=user), created=False)


@require_POST
@staff_required
def staff_token_revoke(request, pk: int):
    accounts.token_revoke(user=_managed_user(request, pk))
    return redirect("staff-users")
