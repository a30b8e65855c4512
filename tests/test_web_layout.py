"""Laying out on the page (editor/web/layout.py) and finding parts (editor/web/find.py): auto-layout stores
its result and records no revision when nothing moves; a design without positions is laid out on its first
open; import lays out; the find box takes names, namespace/name and labels; focus mode fades the rest."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from benchmark import harness as bench
from editor import models, services
from editor.web import canvas, find, layout

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def alice(client, user):
    client.force_login(user)
    return client


def url(name: str, design) -> str:
    return reverse(name, args=[design.pk])


def revision(design) -> int:
    design.refresh_from_db()
    return design.revision


def positions(design) -> dict[str, tuple[float, float]]:
    return {w.ref: (w.x, w.y) for w in design.workloads.select_related("namespace")}


def unplaced(user, name: str = "fresh") -> models.Design:
    design = services.design_create(owner=user, name=name)
    for n in ("web", "api", "db"):
        services.workload_create(design=design, namespace="shop", name=n, labels={"app": n})
    services.flow_create(design=design, source={"workload": "shop/web"}, destination={"workload": "shop/api"})
    services.flow_create(design=design, source={"workload": "shop/api"}, destination={"workload": "shop/db"})
    return design


def test_auto_layout_twice_records_one_revision(alice, user):
    design = unplaced(user)
    before = revision(design)
    response = alice.post(url("design-layout", design), **HX)
    assert "Laid out the design: 3 nodes moved." in response.content.decode()
    assert revision(design) == before + 1
    laid_out = positions(design)
    response = alice.post(url("design-layout", design), **HX)
    assert layout_notice() in response.content.decode()
    assert revision(design) == before + 1  # nothing moved: no revision
    assert positions(design) == laid_out


def layout_notice() -> str:
    from editor.web import views

    return views.NOTICE_LAID_OUT


def test_the_first_open_of_a_design_without_positions_lays_it_out_once(alice, user):
    design = unplaced(user)
    before = revision(design)
    alice.get(url("design-detail", design))
    assert revision(design) == before + 1
    assert design.revisions.order_by("-number").first().summary == layout.SUMMARY_FIRST
    spots = positions(design)
    assert None not in {c for xy in spots.values() for c in xy}
    assert spots["shop/web"][0] < spots["shop/api"][0] < spots["shop/db"][0]
    alice.get(url("design-detail", design))
    assert revision(design) == before + 1  # stored: never laid out per request


def test_a_node_added_later_without_a_position_goes_under_the_others_and_nothing_else_moves(alice, user):
    design = unplaced(user)
    alice.get(url("design-detail", design))
    laid_out = positions(design)
    services.workload_create(design=design, namespace="shop", name="cache")  # through the API: no position
    alice.get(url("design-detail", design))
    now = positions(design)
    assert {k: v for k, v in now.items() if k != "shop/cache"} == laid_out
    assert now["shop/cache"][1] > max(y for _, y in laid_out.values())


def test_import_lays_the_design_out_without_overlaps(user):
    from editor.netpol.compile import compile_design
    from editor.netpol.render import manifests

    spec = bench.synthetic_spec(40, 4)
    text = bench.import_text(spec, manifests(compile_design(bench.spec_graph(spec))))
    design = services.design_import(owner=user, name="imported", text=text).design
    boxes = sorted((w.x - 76, w.y - 30, w.x + 76, w.y + 30) for w in design.workloads.all())
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("svc-00013", "workload:team-001/svc-00013"),
        ("team-001/svc-00013", "workload:team-001/svc-00013"),
        ("workload:team-001/svc-00013", "workload:team-001/svc-00013"),
        ("app=svc-00013", "workload:team-001/svc-00013"),
        ("team-002", "namespace:team-002"),
        ("corp", "external:corp"),
        ("SVC-0001", "workload:team-000/svc-00012"),  # a part of a name, any case: the first in the design
        ("nothing-like-it", None),
    ],
)
def test_find_resolves_names_namespace_names_and_labels(user, typed, key):
    from editor import selectors

    design = bench.spec_design_create(owner=user, spec=bench.synthetic_spec(16, 4), name="large")
    assert find.resolve(selectors.design_state(design), typed) == key


def test_finding_a_part_selects_it_and_zooms_to_it(alice, user):
    design = bench.spec_design_create(owner=user, spec=bench.synthetic_spec(16, 4), name="large")
    body = alice.post(url("design-select", design), {"sel": "svc-00013", "zoom": "1"}, **HX).content.decode()
    assert 'data-selected="workload:team-001/svc-00013"' in body
    assert 'data-zoom-to="workload:team-001/svc-00013"' in body
    assert re.search(r'<g class="node workload selected[^"]*" data-node="workload:team-001/svc-00013"', body)
    # the zoom is asked for once
    assert "data-zoom-to" not in alice.get(url("design-detail", design)).content.decode()


def test_finding_nothing_says_what_can_be_typed_without_an_error_status(alice, user):
    design = bench.spec_design_create(owner=user, spec=bench.synthetic_spec(16, 4), name="large")
    response = alice.post(url("design-select", design), {"sel": "no-such-thing", "zoom": "1"}, **HX)
    assert response.status_code == 200  # htmx swaps it and logs no error
    assert "Nothing matches &#x27;no-such-thing&#x27;" in response.content.decode()


def test_expanding_a_namespace_zooms_to_it(alice, user, monkeypatch):
    monkeypatch.setattr(canvas, "GROUP_ABOVE", 10)
    design = bench.spec_design_create(owner=user, spec=bench.synthetic_spec(16, 4), name="large")
    body = alice.post(url("design-expand", design), {"namespace": "team-001", "expand": "1"}, **HX).content.decode()
    assert 'data-zoom-to="namespace:team-001"' in body


def test_focus_mode_fades_everything_but_the_selection_and_its_neighbours(alice, three_tier):
    alice.post(url("design-select", three_tier), {"sel": "workload:shop/db"}, **HX)
    body = alice.post(url("design-focus", three_tier), **HX).content.decode()
    assert 'class="canvas focusing"' in body
    faded = set(re.findall(r'<g class="[^"]*faded[^"]*" data-(?:node|flow)="([^"]+)"', body))
    assert "workload:shop/frontend" in faded and "flow:shop/frontend -&gt; shop/api" in faded
    assert not faded & {"workload:shop/db", "workload:shop/api", "flow:shop/api -&gt; shop/db"}
    body = alice.post(url("design-focus", three_tier), **HX).content.decode()
    assert "faded" not in body


def test_every_canvas_part_is_focusable_and_named_once(alice, three_tier):
    body = alice.get(url("design-detail", three_tier)).content.decode()
    parts = re.findall(r'<g class="(?:node|edge)[^"]*" data-(?:node|flow)="[^"]+"[^>]*>', body)
    assert parts and all('tabindex="0"' in p for p in parts)
    titles = re.findall(r"<title>([^<]+)</title>", body)
    assert len(titles) == len(set(titles))
