"""Sharing pages: the owner shares a design with named users and makes or revokes secret read-only links;
anyone holding a link reads the design at ``/shared/<token>/``.

Access is decided by ``selectors.design_get_for`` (owner only here) and ``selectors.design_get_by_link``.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from editor import models, selectors, services

MANAGE_SHARING = "manage who the design is shared with"
PAGE = "editor/sharing/manage.html"


def _owned(request, pk: int) -> models.Design:
    return selectors.design_get_for(request.user, pk, owner_only=MANAGE_SHARING)


def _page(request, design: models.Design, *, errors: list[str] | None = None, status: int = 200, form=None):
    links = [
        (link, request.build_absolute_uri(reverse("shared-design", args=[link.token])))
        for link in selectors.design_links(design)
    ]
    context = {
        "design": design,
        "shares": selectors.design_shares(design),
        "links": links,
        "roles": models.DesignShare.ROLES,
        "errors": errors or [],
        "form": form or {},
    }
    return render(request, PAGE, context, status=status)


def _messages(exc: ValidationError) -> list[str]:
    return (
        [m for messages in exc.message_dict.values() for m in messages] if hasattr(exc, "error_dict") else exc.messages
    )


@require_GET
@login_required
def design_sharing(request, pk: int):
    return _page(request, _owned(request, pk))


@require_POST
@login_required
def share_add(request, pk: int):
    design = _owned(request, pk)
    username = request.POST.get("username", "").strip()
    role = request.POST.get("role", models.DesignShare.VIEWER)
    try:
        services.share_create(design=design, username=username, role=role, actor=request.user)
    except ValidationError as exc:
        return _page(request, design, errors=_messages(exc), status=400, form={"username": username, "role": role})
    return redirect("design-sharing", pk=design.pk)


@require_POST
@login_required
def share_change(request, pk: int, share_pk: int):
    """Change a share's role, or remove it (``action=remove``)."""
    design = _owned(request, pk)
    share = get_object_or_404(design.shares, pk=share_pk)
    try:
        if request.POST.get("action") == "remove":
            services.share_delete(share=share, actor=request.user)
        else:
            services.share_update(share=share, role=request.POST.get("role", ""), actor=request.user)
    except ValidationError as exc:
        return _page(request, design, errors=_messages(exc), status=400)
    return redirect("design-sharing", pk=design.pk)


@require_POST
@login_required
def link_add(request, pk: int):
    design = _owned(request, pk)
    services.link_create(design=design, actor=request.user)
    return redirect("design-sharing", pk=design.pk)


@require_POST
@login_required
def link_revoke(request, pk: int, link_pk: int):
    design = _owned(request, pk)
    services.link_revoke(link=get_object_or_404(design.links, pk=link_pk), actor=request.user)
    return redirect("design-sharing", pk=design.pk)


@require_GET
def shared_design(request, token: str):
    """The read-only page behind a secret link: no login, nothing to change."""
    design = selectors.design_get_by_link(token)
    compiled = selectors.design_state(design)
    response = render(request, "editor/sharing/shared.html", {"design": design, "compiled": compiled})
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"  # the token is in the URL: never send it elsewhere
    return response
