"""Pages.  Views parse, call one service or selector, and render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from editor import selectors
from editor.api.views import yaml_filename


@require_GET
@login_required
def design_list(request):
    return render(request, "editor/design_list.html", {"designs": selectors.designs_for(request.user)})


@require_GET
@login_required
def design_detail(request, pk: int):
    design = selectors.design_get_for(request.user, pk)
    data = selectors.design_load(design)
    compiled = selectors.design_compile(data)
    return render(request, "editor/design_detail.html", {"design": design, "data": data, "compiled": compiled})


@require_GET
@login_required
def design_download(request, pk: int):
    design = selectors.design_get_for(request.user, pk)
    compiled = selectors.design_compile(selectors.design_load(design))
    response = HttpResponse(compiled.yaml, content_type="application/yaml")
    response["Content-Disposition"] = f'attachment; filename="{yaml_filename(design)}"'
    return response
