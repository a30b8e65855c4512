"""The editor pages, with Django's test client: htmx requests and plain form posts for every action."""

from __future__ import annotations

import re

import pytest
import yaml
from django.urls import reverse

from editor import models, selectors, services
from editor.web import forms

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
OOB_REGIONS = ("toolbar", "inspector", "yaml-preview", "warnings", "warnings-count", "notice")


@pytest.fixture
def alice(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def empty(user):
    return services.design_create(owner=user, name="empty")


def url(name: str, design, *args) -> str:
    return reverse(name, args=[design.pk, *args])


def text(response) -> str:
    return response.content.decode()


def workload(design, ref: str) -> models.Workload:
    namespace, name = ref.split("/")
    return design.workloads.get(namespace__name=namespace, name=name)


def select(client, design, key: str):
    return client.post(url("design-select", design), {"sel": key}, **HX)


# ---------------------------------------------------------------- login and the designs list


def test_pages_need_a_login(client, three_tier):
    for path in (reverse("design-list"), url("design-detail", three_tier)):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_login_page_logs_in_and_logout_logs_out(client, user):
    response = client.post(reverse("login"), {"username": "alice", "password": "alice-password"})
    assert response.status_code == 302
    assert client.get(reverse("design-list")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("design-list")).status_code == 302


def test_list_shows_only_my_designs(alice, three_tier, other_user):
    services.design_create(owner=other_user, name="bobs secret")
    page = text(alice.get(reverse("design-list")))
    assert "three-tier shop" in page
    assert "bobs secret" not in page


def test_create_design_opens_the_editor(alice, user):
    response = alice.post(reverse("design-create"), {"name": "shop"})
    design = models.Design.objects.get(owner=user, name="shop")
    assert response.status_code == 302
    assert response["Location"] == url("design-detail", design)


def test_create_design_without_a_name_is_refused_with_the_fix(alice, user):
    response = alice.post(reverse("design-create"), {"name": "   "})
    assert response.status_code == 400
    assert "A design needs a name, e.g. &#x27;shop&#x27;." in text(response)
    assert not models.Design.objects.filter(owner=user).exists()


def test_rename_design(alice, three_tier):
    response = alice.post(url("design-rename", three_tier), {"name": "webshop"})
    assert response.status_code == 302
    three_tier.refresh_from_db()
    assert three_tier.name == "webshop"


def test_rename_to_nothing_is_refused(alice, three_tier):
    response = alice.post(url("design-rename", three_tier), {"name": ""})
    assert response.status_code == 400
    assert "A design needs a name" in text(response)
    three_tier.refresh_from_db()
    assert three_tier.name == "three-tier shop"


def test_duplicate_copies_every_part(alice, three_tier, user):
    alice.post(url("design-duplicate", three_tier))
    copy = models.Design.objects.get(owner=user, name="three-tier shop (copy)")
    original = selectors.design_state(three_tier).yaml
    assert selectors.design_state(copy).yaml == original
    assert copy.workloads.count() == 3


def test_delete_asks_for_confirmation_first(alice, three_tier):
    page = alice.get(url("design-delete", three_tier))
    assert page.status_code == 200
    assert "Delete “three-tier shop”?" in text(page)
    assert models.Design.objects.filter(pk=three_tier.pk).exists()
    response = alice.post(url("design-delete", three_tier))
    assert response.status_code == 302
    assert not models.Design.objects.filter(pk=three_tier.pk).exists()


# ---------------------------------------------------------------- access


MUTATIONS = [
    ("design-rename", {"name": "x"}),
    ("design-duplicate", {}),
    ("design-delete", {}),
    ("design-settings", {"dns": "on"}),
    ("design-undo", {}),
    ("design-redo", {}),
    ("design-select", {"sel": "workload:shop/api"}),
    ("design-connect", {}),
    ("design-cancel", {}),
    ("design-remove", {"sel": "workload:shop/api"}),
    ("design-move", {"node": "workload:shop/api", "x": "1", "y": "2"}),
    ("design-layout", {}),
    ("workload-add", {"name": "evil", "namespace": "shop"}),
    ("external-add", {"name": "evil", "cidr": "0.0.0.0/0"}),
    ("flow-add", {"source": "workload:shop/db", "destination": "workload:shop/frontend"}),
]


@pytest.mark.parametrize(("name", "data"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_another_users_design_is_not_found(client, other_user, three_tier, name, data):
    client.force_login(other_user)
    revision = three_tier.revision
    assert client.post(url(name, three_tier), data, **HX).status_code == 404
    three_tier.refresh_from_db()
    assert three_tier.revision == revision


def test_another_users_design_pages_are_not_found(client, other_user, three_tier):
    client.force_login(other_user)
    assert client.get(url("design-detail", three_tier)).status_code == 404
    assert client.get(url("design-download", three_tier)).status_code == 404
    assert client.get(url("design-delete", three_tier)).status_code == 404
    api = workload(three_tier, "shop/api")
    assert client.post(url("workload-edit", three_tier, api.pk), {"name": "x", "namespace": "shop"}).status_code == 404
    flow = three_tier.flows.first()
    assert client.post(url("flow-edit", three_tier, flow.pk), {"ports": "TCP 1"}).status_code == 404


def test_mutations_need_a_post(alice, three_tier):
    assert alice.get(url("workload-add", three_tier)).status_code == 405
    assert alice.get(url("design-undo", three_tier)).status_code == 405


# ---------------------------------------------------------------- the editor page


def test_editor_renders_the_design_as_svg_with_every_region(alice, three_tier):
    page = text(alice.get(url("design-detail", three_tier)))
    for region in ("canvas", *OOB_REGIONS):
        assert f'id="{region}"' in page
    assert 'data-node="workload:shop/api"' in page
    assert 'data-node="namespace:shop"' in page
    assert 'data-flow="flow:shop/frontend -&gt; shop/api"' in page
    assert "TCP 8080" in page
    assert "canvas.js" in page
    assert 'class="highlight"' in page  # YAML highlighted by Pygments


def test_editor_page_has_no_inline_scripts_styles_or_handlers(alice, three_tier):
    page = text(alice.get(url("design-detail", three_tier)))
    assert "<script>" not in page.replace("<script src=", "")
    assert " style=" not in page
    assert " onclick=" not in page and " onchange=" not in page


def test_externals_are_drawn_as_their_own_shape(alice, three_tier):
    services.external_create(design=three_tier, name="internet", cidr="0.0.0.0/0", except_=["10.0.0.0/8"])
    page = text(alice.get(url("design-detail", three_tier)))
    assert 'class="node external' in page
    assert "except 10.0.0.0/8" in page


def test_a_region_can_be_fetched_alone(alice, three_tier):
    response = alice.get(url("design-detail", three_tier) + "?region=warnings", **HX)
    assert text(response).lstrip().startswith('<div id="warnings"')


# ---------------------------------------------------------------- adding and editing parts


def test_add_workload_with_htmx_returns_the_canvas_and_every_region_out_of_band(alice, empty):
    response = alice.post(
        url("workload-add", empty), {"name": "api", "namespace": "shop", "labels": "", "ports": "http:8080"}, **HX
    )
    body = text(response)
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="canvas"')
    for region in OOB_REGIONS:
        assert f'id="{region}"' in body
    assert body.count('hx-swap-oob="true"') == len(OOB_REGIONS)
    api = workload(empty, "shop/api")
    assert api.labels == {"app": "api"}
    assert api.ports == [{"name": "http", "port": 8080, "protocol": "TCP"}]
    assert api.x is not None and api.y is not None  # placed where the canvas had room
    assert 'data-node="workload:shop/api"' in body


def test_add_workload_as_a_plain_post_redirects_to_the_editor(alice, empty):
    response = alice.post(url("workload-add", empty), {"name": "api", "namespace": "shop"})
    assert response.status_code == 302
    assert response["Location"] == url("design-detail", empty)
    assert empty.workloads.count() == 1


def test_new_workloads_in_a_namespace_line_up_in_a_row(alice, empty):
    for name in ("frontend", "api", "db"):
        alice.post(url("workload-add", empty), {"name": name, "namespace": "shop"}, **HX)
    rows = [(workload(empty, f"shop/{n}").x, workload(empty, f"shop/{n}").y) for n in ("frontend", "api", "db")]
    assert len({y for _, y in rows}) == 1
    assert rows[0][0] < rows[1][0] < rows[2][0]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "Bad_Name", "namespace": "shop"}, "workload name"),
        ({"name": "", "namespace": "shop"}, "A workload needs a name"),
        ({"name": "api", "namespace": "shop", "labels": "app"}, "is not a label: write key=value pairs"),
        ({"name": "api", "namespace": "shop", "labels": "app=-x-"}, "-x-"),
        ({"name": "api", "namespace": "shop", "ports": "http"}, "is not a named port"),
        ({"name": "api", "namespace": "shop", "ports": "http:99999"}, "99999"),
        ({"name": "api", "namespace": "Shop!"}, "namespace name"),
    ],
)
def test_invalid_workload_is_refused_next_to_the_field_and_nothing_changes(alice, three_tier, data, message):
    revision = three_tier.revision
    response = alice.post(url("workload-add", three_tier), data, **HX)
    body = text(response)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#inspector"
    assert response["HX-Reswap"] == "outerHTML"
    assert body.lstrip().startswith('<section id="inspector"')
    assert 'class="field-error"' in body
    assert message in body.replace("&#x27;", "'")
    assert 'id="canvas"' not in body and "hx-swap-oob" not in body
    three_tier.refresh_from_db()
    assert three_tier.revision == revision
    assert three_tier.workloads.count() == 3


def test_invalid_workload_as_a_plain_post_shows_the_page_with_the_error(alice, three_tier):
    response = alice.post(url("workload-add", three_tier), {"name": "Bad_Name", "namespace": "shop"})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in text(response)
    assert 'value="Bad_Name"' in text(response)  # what was typed is kept


def test_duplicate_workload_is_refused_with_the_fix(alice, three_tier):
    response = alice.post(url("workload-add", three_tier), {"name": "api", "namespace": "shop"}, **HX)
    assert services.ERR_WORKLOAD_EXISTS.format(ref="shop/api").replace("'", "&#x27;") in text(response)


def test_edit_workload_from_the_inspector(alice, three_tier):
    api = workload(three_tier, "shop/api")
    response = alice.post(
        url("workload-edit", three_tier, api.pk),
        {"name": "backend", "namespace": "shop", "labels": "app=backend", "ports": "http:8080, metrics:9090"},
        **HX,
    )
    assert response.status_code == 200
    api.refresh_from_db()
    assert (api.name, api.labels) == ("backend", {"app": "backend"})
    assert [p["name"] for p in api.ports] == ["http", "metrics"]
    assert 'data-node="workload:shop/backend"' in text(response)


def test_edit_workload_with_bad_labels_keeps_the_saved_ones(alice, three_tier):
    api = workload(three_tier, "shop/api")
    response = alice.post(
        url("workload-edit", three_tier, api.pk), {"name": "api", "namespace": "shop", "labels": "=x"}, **HX
    )
    assert response["HX-Retarget"] == "#inspector"
    assert "is not a label" in text(response).replace("&#x27;", "'")
    api.refresh_from_db()
    assert api.labels == {"app": "api", "tier": "api"}


def test_add_external_and_a_cidr_without_mask_gets_the_fix(alice, three_tier):
    response = alice.post(url("external-add", three_tier), {"name": "gw", "cidr": "10.0.0.1"}, **HX)
    assert response["HX-Retarget"] == "#inspector"
    assert "did you mean 10.0.0.1/32?" in text(response)
    assert not three_tier.externals.exists()
    response = alice.post(
        url("external-add", three_tier), {"name": "internet", "cidr": "0.0.0.0/0", "except_": "10.0.0.0/8"}, **HX
    )
    assert response.status_code == 200 and "HX-Retarget" not in response
    assert three_tier.externals.get().except_cidrs == ["10.0.0.0/8"]


def test_except_outside_the_cidr_is_refused_next_to_except(alice, three_tier):
    response = alice.post(
        url("external-add", three_tier), {"name": "net", "cidr": "10.0.0.0/8", "except_": "192.168.0.0/16"}, **HX
    )
    body = text(response)
    assert 'id="add-external-except_-error"' in body
    assert '<details class="more" open>' in body
    assert not three_tier.externals.exists()


def test_edit_external_and_namespace(alice, three_tier):
    external = services.external_create(design=three_tier, name="internet", cidr="0.0.0.0/0")
    alice.post(url("external-edit", three_tier, external.pk), {"name": "web", "cidr": "0.0.0.0/0"}, **HX)
    external.refresh_from_db()
    assert external.name == "web"
    shop = three_tier.namespaces.get(name="shop")
    alice.post(url("namespace-edit", three_tier, shop.pk), {"name": "shop", "labels": "team=web"}, **HX)
    shop.refresh_from_db()
    assert shop.labels == {"team": "web"}
    response = alice.post(url("namespace-edit", three_tier, shop.pk), {"name": "Shop", "labels": ""}, **HX)
    assert response["HX-Retarget"] == "#inspector"
    assert "namespace name" in text(response)


# ---------------------------------------------------------------- flows


def test_drawn_flow_gets_the_destinations_declared_ports_and_is_selected_for_editing(alice, three_tier):
    response = alice.post(
        url("flow-add", three_tier), {"source": "workload:shop/frontend", "destination": "workload:shop/db"}, **HX
    )
    flow = three_tier.flows.get(source_workload__name="frontend", destination_workload__name="db")
    assert flow.ports == [{"protocol": "TCP", "port": 5432}]
    body = text(response)
    assert 'id="edit-ports"' in body and 'value="TCP 5432"' in body
    # the focus goes to the new flow on the canvas, not into a field where Delete would edit text
    assert "autofocus" not in body and 'data-focus-selected="true"' in body


def test_flow_drawn_to_an_external_without_ports_asks_for_them(alice, three_tier):
    services.external_create(design=three_tier, name="internet", cidr="0.0.0.0/0")
    response = alice.post(
        url("flow-add", three_tier), {"source": "workload:shop/api", "destination": "external:internet"}, **HX
    )
    assert three_tier.flows.get(destination_external__name="internet").ports == []
    body = text(response)
    assert "it allows every port" in body
    assert re.search(r'<input[^>]*id="edit-ports"[^>]*autofocus', body)


def test_flow_to_a_destination_without_ports_allows_all_ports_until_edited(alice, three_tier):
    services.workload_create(design=three_tier, namespace="shop", name="cache")
    alice.post(url("flow-add", three_tier), {"source": "workload:shop/api", "destination": "workload:shop/cache"}, **HX)
    flow = three_tier.flows.get(destination_workload__name="cache")
    assert flow.ports == []
    response = alice.post(url("flow-edit", three_tier, flow.pk), {"ports": "TCP 6379, UDP 53, TCP 8000-8100"}, **HX)
    assert response.status_code == 200
    flow.refresh_from_db()
    assert flow.ports == [
        {"protocol": "TCP", "port": 6379},
        {"protocol": "TCP", "port": 8000, "end_port": 8100},
        {"protocol": "UDP", "port": 53},
    ]


@pytest.mark.parametrize(
    ("ports", "message"),
    [("TCP 99999", "99999"), ("TCP 8080 extra", "is not a port"), ("ICMP 1", "ICMP"), ("TCP 9000-8000", "9000")],
)
def test_invalid_flow_ports_are_refused_next_to_the_field(alice, three_tier, ports, message):
    flow = three_tier.flows.first()
    before = flow.ports
    response = alice.post(url("flow-edit", three_tier, flow.pk), {"ports": ports}, **HX)
    assert response["HX-Retarget"] == "#inspector"
    assert 'id="edit-ports-error"' in text(response)
    assert message in text(response)
    flow.refresh_from_db()
    assert flow.ports == before


def test_flow_to_itself_is_refused_with_a_clear_message(alice, three_tier):
    revision = three_tier.revision
    response = alice.post(
        url("flow-add", three_tier), {"source": "workload:shop/api", "destination": "workload:shop/api"}, **HX
    )
    assert response["HX-Retarget"] == "#notice"
    assert services.ERR_FLOW_TO_ITSELF.format(ref="shop/api") in text(response)
    three_tier.refresh_from_db()
    assert three_tier.revision == revision


def test_duplicate_flow_is_refused_with_a_clear_message(alice, three_tier):
    response = alice.post(
        url("flow-add", three_tier), {"source": "workload:shop/frontend", "destination": "workload:shop/api"}, **HX
    )
    assert response["HX-Retarget"] == "#notice"
    assert "already exists: edit its ports instead" in text(response)
    assert three_tier.flows.count() == 2


def test_flow_to_a_namespace_region(alice, three_tier):
    services.namespace_create(design=three_tier, name="monitoring")
    alice.post(
        url("flow-add", three_tier), {"source": "namespace:monitoring", "destination": "workload:shop/api"}, **HX
    )
    assert three_tier.flows.filter(source_namespace__name="monitoring").exists()
    page = text(alice.get(url("design-detail", three_tier)))
    assert 'data-node="namespace:monitoring"' in page


def test_flow_with_a_malformed_end_is_refused(alice, three_tier):
    response = alice.post(url("flow-add", three_tier), {"source": "shop/api", "destination": "workload:shop/db"}, **HX)
    assert response["HX-Retarget"] == "#notice"
    assert "is not a part of the design" in text(response).replace("&#x27;", "'")


def test_connect_mode_clicks_source_then_destination(alice, three_tier):
    services.workload_create(design=three_tier, namespace="shop", name="cache", ports=[{"name": "redis", "port": 6379}])
    response = alice.post(url("design-connect", three_tier), **HX)
    assert 'aria-pressed="true"' in text(response)
    response = select(alice, three_tier, "workload:shop/api")
    assert "click the destination" in text(response)
    assert "node workload selected source" in text(response)
    response = select(alice, three_tier, "workload:shop/cache")
    flow = three_tier.flows.get(destination_workload__name="cache")
    assert flow.ports == [{"protocol": "TCP", "port": 6379}]
    body = text(response)
    assert 'aria-pressed="false"' in body  # one flow per connect
    assert 'id="edit-ports"' in body


def test_connect_mode_toggles_off_and_escape_cancels_it(alice, three_tier):
    alice.post(url("design-connect", three_tier), **HX)
    select(alice, three_tier, "workload:shop/api")
    response = alice.post(url("design-cancel", three_tier), **HX)
    assert 'aria-pressed="false"' in text(response)
    assert "Add a workload" in text(response)
    select(alice, three_tier, "workload:shop/db")  # a plain select again
    assert three_tier.flows.count() == 2


# ---------------------------------------------------------------- selection, YAML filter, delete


def test_selecting_a_workload_opens_the_inspector_and_filters_the_yaml(alice, three_tier):
    response = select(alice, three_tier, "workload:shop/api")
    body = text(response)
    assert 'value="app=api, tier=api"' in body
    assert "1 policy for <strong>shop/api</strong>" in body
    assert "node workload selected" in body
    page = alice.get(url("design-detail", three_tier))  # the selection survives a reload
    yaml_html = page.context["yaml_html"]
    assert "api" in yaml_html and "frontend" in yaml_html
    assert page.context["policy_count"] == 1


def test_selection_is_a_plain_form_post_too(alice, three_tier):
    response = alice.post(url("design-select", three_tier), {"sel": "flow:shop/frontend -> shop/api"})
    assert response.status_code == 302
    page = text(alice.get(url("design-detail", three_tier)))
    assert 'value="TCP 8080"' in page
    assert "edge selected" in page


def test_delete_removes_the_selection(alice, three_tier):
    select(alice, three_tier, "workload:shop/db")
    response = alice.post(url("design-remove", three_tier), **HX)
    assert not three_tier.workloads.filter(name="db").exists()
    assert three_tier.flows.count() == 1  # its flow went with it
    assert "Deleted workload shop/db." in text(response)
    assert "Add a workload" in text(response)


def test_delete_a_flow_by_its_reference(alice, three_tier):
    alice.post(url("design-remove", three_tier), {"sel": "flow:shop/api -> shop/db"})
    assert three_tier.flows.count() == 1


def test_delete_with_nothing_selected_says_so(alice, three_tier):
    response = alice.post(url("design-remove", three_tier), **HX)
    assert response["HX-Retarget"] == "#notice"
    assert "Nothing is selected" in text(response)
    assert three_tier.workloads.count() == 3


def test_a_stale_selection_is_dropped(alice, three_tier):
    select(alice, three_tier, "workload:shop/db")
    services.workload_delete(workload=workload(three_tier, "shop/db"))
    response = alice.get(url("design-detail", three_tier))
    assert response.context["sel"] == ""


# ---------------------------------------------------------------- moving and layout


def test_moving_a_node_saves_its_position(alice, three_tier):
    alice.post(url("design-move", three_tier), {"node": "workload:shop/db", "x": "700.4", "y": "333.6"}, **HX)
    db = workload(three_tier, "shop/db")
    assert (db.x, db.y) == (700, 334)
    external = services.external_create(design=three_tier, name="internet", cidr="0.0.0.0/0")
    alice.post(url("design-move", three_tier), {"node": "external:internet", "x": "5", "y": "6"})
    external.refresh_from_db()
    assert (external.x, external.y) == (5, 6)


def test_moving_with_bad_coordinates_is_refused(alice, three_tier):
    response = alice.post(url("design-move", three_tier), {"node": "workload:shop/db", "x": "left", "y": "1"}, **HX)
    assert response["HX-Retarget"] == "#notice"
    assert workload(three_tier, "shop/db").x == 680


def test_auto_layout_places_every_node_in_one_undoable_change(alice, user):
    design = services.design_create(owner=user, name="imported")
    for name in ("a", "b", "c"):
        services.workload_create(design=design, namespace="ns", name=name)
    services.external_create(design=design, name="internet", cidr="0.0.0.0/0")
    services.flow_create(design=design, source={"workload": "ns/a"}, destination={"workload": "ns/b"})
    services.flow_create(design=design, source={"workload": "ns/b"}, destination={"external": "internet"})
    revision = design.refresh_from_db() or design.revision
    alice.post(url("design-layout", design), **HX)
    design.refresh_from_db()
    assert design.revision == revision + 1
    a, b = workload(design, "ns/a"), workload(design, "ns/b")
    assert None not in (a.x, a.y, b.x, b.y, design.externals.get().x)
    assert a.x < b.x  # columns follow the flows
    alice.post(url("design-undo", design), **HX)
    assert workload(design, "ns/a").x is None


# ---------------------------------------------------------------- settings, warnings, fixes


def test_settings_toggle_and_dns_off_shows_missing_dns_with_a_fix(alice, three_tier):
    response = alice.post(url("design-settings", three_tier), {"isolate_ingress": "on", "isolate_egress": "on"}, **HX)
    three_tier.refresh_from_db()
    assert (three_tier.isolate_ingress, three_tier.isolate_egress, three_tier.dns) == (True, True, False)
    body = text(response)
    assert "<code>missing-dns</code>" in body
    assert 'data-fix="missing-dns"' in body
    assert '"sel" value="workload:shop/api"' in body  # clicking the warning selects its subject
    assert 'class="badge has"' in body
    response = alice.post(url("design-fix", three_tier, "missing-dns"), **HX)
    three_tier.refresh_from_db()
    assert three_tier.dns is True
    assert "<code>missing-dns</code>" not in text(response)


def test_settings_as_a_plain_post(alice, three_tier):
    response = alice.post(url("design-settings", three_tier), {"dns": "on"})
    assert response.status_code == 302
    three_tier.refresh_from_db()
    assert (three_tier.isolate_ingress, three_tier.isolate_egress, three_tier.dns) == (False, False, True)


def test_unknown_fix_is_refused(alice, three_tier):
    response = alice.post(url("design-fix", three_tier, "selector-overlap"), **HX)
    assert response["HX-Retarget"] == "#notice"
    assert "no one-click fix" in text(response)


def test_clicking_a_flow_warning_selects_the_flow(alice, three_tier):
    findings_subject = "shop/frontend -> shop/api"
    select(alice, three_tier, f"flow:{findings_subject}")
    page = alice.get(url("design-detail", three_tier))
    assert page.context["sel_kind"] == "flow"


# ---------------------------------------------------------------- download


def test_download_is_byte_identical_to_the_api(alice, api, three_tier):
    page = alice.get(url("design-download", three_tier))
    from_api = api.get(f"/api/v1/designs/{three_tier.pk}/manifests/?format=yaml")
    assert page.content == from_api.content
    assert page["Content-Disposition"] == from_api["Content-Disposition"]
    assert page["Content-Type"] == "application/yaml"
    assert [d["metadata"]["name"] for d in yaml.safe_load_all(page.content)] == ["api", "db", "frontend"]


# ---------------------------------------------------------------- undo and redo


def test_undo_and_redo_walk_the_history_and_survive_a_reload(alice, three_tier):
    alice.post(url("workload-add", three_tier), {"name": "cache", "namespace": "shop"}, **HX)
    response = alice.post(url("design-undo", three_tier), **HX)
    assert "Undid: Added workload shop/cache." in text(response)
    assert not three_tier.workloads.filter(name="cache").exists()
    page = text(alice.get(url("design-detail", three_tier)))  # a reload: the server remembers
    assert 'title="Redo: Added workload shop/cache (Ctrl+Shift+Z)"' in page
    alice.post(url("design-redo", three_tier), **HX)
    assert three_tier.workloads.filter(name="cache").exists()


def test_a_new_change_after_undo_drops_the_redo_branch(alice, three_tier):
    alice.post(url("workload-add", three_tier), {"name": "cache", "namespace": "shop"}, **HX)
    alice.post(url("design-undo", three_tier), **HX)
    alice.post(url("workload-add", three_tier), {"name": "queue", "namespace": "shop"}, **HX)
    response = alice.post(url("design-redo", three_tier), **HX)
    assert response["HX-Retarget"] == "#notice"
    assert services.ERR_NOTHING_TO_REDO in text(response)
    alice.post(url("design-undo", three_tier), **HX)
    names = set(three_tier.workloads.values_list("name", flat=True))
    assert names == {"frontend", "api", "db"}


def test_undo_goes_back_to_the_created_design_and_no_further(alice, user):
    design = services.design_create(owner=user, name="d")
    alice.post(url("workload-add", design), {"name": "a", "namespace": "ns"})
    alice.post(url("design-undo", design))
    assert not design.workloads.exists()
    response = alice.post(url("design-undo", design), **HX)
    assert services.ERR_NOTHING_TO_UNDO.replace(":", ":") in text(response)
    page = text(alice.get(url("design-detail", design)))
    assert 'id="undo-button" class="tool" disabled' in page


def test_undo_after_a_move_puts_the_node_back(alice, three_tier):
    alice.post(url("design-move", three_tier), {"node": "workload:shop/db", "x": "10", "y": "20"})
    alice.post(url("design-undo", three_tier))
    db = workload(three_tier, "shop/db")
    assert (db.x, db.y) == (680, 200)


# ---------------------------------------------------------------- form parsing


def test_port_notation_parses_what_people_type():
    assert forms.parse_flow_ports("TCP 8080, udp 53, 8000-8100/TCP, http") == [
        {"protocol": "TCP", "port": 8080},
        {"protocol": "UDP", "port": 53},
        {"protocol": "TCP", "port": 8000, "end_port": 8100},
        {"protocol": "TCP", "port": "http"},
    ]
    assert forms.parse_container_ports("http:8080, dns:53/udp") == [
        {"name": "http", "port": 8080, "protocol": "TCP"},
        {"name": "dns", "port": 53, "protocol": "UDP"},
    ]
    assert forms.parse_labels("app=api,\n tier = backend") == {"app": "api", "tier": "backend"}
    assert forms.format_flow_ports(forms.parse_flow_ports("TCP 8000-8100")) == "TCP 8000-8100"


def test_a_flow_can_be_added_from_the_inspector_without_javascript(alice, three_tier):
    select(alice, three_tier, "workload:shop/db")
    page = text(alice.get(url("design-detail", three_tier)))
    assert 'id="flow-to-form"' in page
    assert '<option value="workload:shop/frontend">' in page
    assert '<option value="workload:shop/db">' not in page.split('id="flow-to-destination"')[1].split("</select>")[0]
    response = alice.post(
        url("flow-add", three_tier),
        {"source": "workload:shop/db", "destination": "workload:shop/frontend", "ports": ""},
    )
    assert response.status_code == 302
    flow = three_tier.flows.get(source_workload__name="db")
    assert flow.ports == [{"protocol": "TCP", "port": 80}]


def test_selecting_a_flow_shows_the_policies_of_both_ends(alice, three_tier):
    body = text(select(alice, three_tier, "flow:shop/api -> shop/db"))
    assert "2 policies for <strong>shop/api → shop/db</strong>" in body
    page = alice.get(url("design-detail", three_tier))
    names = [d["metadata"]["name"] for d in yaml.safe_load_all(page.context["yaml_text"])]
    assert names == ["api", "db"]


# ---------------------------------------------------------------- sharing: links, the list, viewers and editors


def shared_as(client, design, person, role: str):
    services.share_create(design=design, username=person.get_username(), role=role, actor=design.owner)
    client.force_login(person)
    return client


def revisions_in(body: str) -> set[int]:
    """Every revision the page carries: the forms' hidden inputs and the canvas's hx-vals."""
    found = re.findall(r'name="revision" value="(\d+)"', body) + re.findall(r"{&quot;revision&quot;: (\d+)}", body)
    found += re.findall(r'hx-vals=\'{"revision": (\d+)}\'', body)
    return {int(n) for n in found}


EDIT_CONTROLS = (
    'id="undo-button"',
    'id="redo-button"',
    'id="connect-button"',
    'id="layout-button"',
    'id="setting-dns"',
    'id="add-workload-form"',
    'id="add-external-form"',
    'id="inspector-form"',
    'id="delete-form"',
    'id="flow-to-form"',
    'id="move-form"',
    'id="flow-form"',
    'id="remove-form"',
    "data-handle=",
    'data-fix="',
)


def test_the_owner_finds_history_and_sharing_in_the_toolbar(alice, three_tier):
    page = text(alice.get(url("design-detail", three_tier)))
    assert re.search(rf'<a id="history-link"[^>]* href="{url("design-history", three_tier)}"', page)
    assert re.search(rf'<a id="sharing-link"[^>]* href="{url("design-sharing", three_tier)}"', page)
    assert 'id="access-badge"' not in page


def test_the_list_shows_designs_shared_with_me_with_my_access_and_their_owner(client, three_tier, other_user, user):
    mine = services.design_create(owner=other_user, name="bobs own")
    other = services.design_create(owner=user, name="edit me")
    shared_as(client, three_tier, other_user, "viewer")
    services.share_create(design=other, username="bob", role="editor", actor=user)
    page = text(client.get(reverse("design-list")))
    own, _, shared = page.partition('id="shared-heading"')
    assert "bobs own" in own and "three-tier shop" not in own
    assert url("design-detail", mine) in own
    rows = shared.split('class="design-row"')[1:]
    viewer_row = next(r for r in rows if "three-tier shop" in r)
    editor_row = next(r for r in rows if "edit me" in r)
    assert "viewer, read only" in viewer_row and "owned by alice" in viewer_row
    assert "editor</span> owned by alice" in editor_row
    assert url("design-rename", other) in editor_row and url("design-rename", three_tier) not in viewer_row
    assert "design-delete" not in shared and "/delete/" not in shared


def test_a_viewer_sees_the_editor_read_only(client, three_tier, other_user):
    bob = shared_as(client, three_tier, other_user, "viewer")
    page = text(bob.get(url("design-detail", three_tier)))
    for control in EDIT_CONTROLS:
        assert control not in page, control
    assert 'data-readonly="true"' in page
    assert "read only" in page and "alice shared this design with you" in page
    assert 'id="history-link"' in page and 'id="sharing-link"' not in page
    assert 'id="download-link"' in page and 'id="yaml-code"' in page
    assert "Ingress isolated" in page and "DNS on" in page
    # selecting still works, and shows the part's fields as text, not a form
    response = select(bob, three_tier, "workload:shop/api")
    body = text(response)
    assert response.status_code == 200
    assert 'id="inspector-details"' in body and "app=api" in body and "http:8080" in body
    for control in EDIT_CONTROLS:
        assert control not in body, control
    assert bob.get(url("design-download", three_tier)).status_code == 200


@pytest.mark.parametrize("htmx", [True, False])
def test_a_viewers_change_is_refused_with_the_reason_and_nothing_changes(client, three_tier, other_user, htmx):
    bob = shared_as(client, three_tier, other_user, "viewer")
    revision = three_tier.revision
    extra = HX if htmx else {}
    posts = [
        ("workload-add", (), {"name": "x", "namespace": "shop", "labels": "", "ports": ""}),
        ("design-move", (), {"node": "workload:shop/db", "x": "1", "y": "2"}),
        ("design-settings", (), {"dns": "on"}),
        ("design-undo", (), {}),
        ("design-connect", (), {}),
        ("workload-edit", (workload(three_tier, "shop/db").pk,), {"name": "db2", "namespace": "shop"}),
        ("design-remove", (), {"sel": "workload:shop/db"}),
    ]
    for name, args, data in posts:
        response = bob.post(url(name, three_tier, *args), {**data, "revision": revision}, **extra)
        body = text(response)
        assert response.status_code == (200 if htmx else 403), name
        assert "Your change was not saved: alice shared this design with you read-only" in body, name
        assert 'class="notice error"' in body
        if htmx:
            assert body.lstrip().startswith('<div id="canvas"') and response["HX-Retarget"] == "#canvas"
    three_tier.refresh_from_db()
    assert three_tier.revision == revision
    assert sorted(w.name for w in three_tier.workloads.all()) == ["api", "db", "frontend"]


def test_an_editor_edits_but_neither_deletes_nor_shares(client, three_tier, other_user):
    bob = shared_as(client, three_tier, other_user, "editor")
    page = text(bob.get(url("design-detail", three_tier)))
    assert 'id="add-workload-form"' in page and 'id="undo-button"' in page and "data-handle=" in page
    assert 'id="history-link"' in page and 'id="sharing-link"' not in page
    assert "editor</span>" in page and "alice shared this design with you as an editor" in page
    response = bob.post(
        url("workload-add", three_tier), {"name": "cache", "namespace": "shop", "revision": three_tier.revision}, **HX
    )
    assert response.status_code == 200
    assert three_tier.workloads.filter(name="cache").exists()
    assert three_tier.revisions.order_by("-number").first().author == other_user
    refused = bob.post(url("design-delete", three_tier))
    assert refused.status_code == 403
    assert "Only the design&#x27;s owner (alice) can delete the design." in text(refused)
    assert models.Design.objects.filter(pk=three_tier.pk).exists()
    assert bob.get(url("design-sharing", three_tier)).status_code == 403


def test_a_viewer_cannot_rename_from_the_list_and_is_told_why(client, three_tier, other_user):
    bob = shared_as(client, three_tier, other_user, "viewer")
    response = bob.post(url("design-rename", three_tier), {"name": "mine now"})
    assert response.status_code == 403
    assert "read-only (as a viewer)" in text(response)
    three_tier.refresh_from_db()
    assert three_tier.name == "three-tier shop"


# ---------------------------------------------------------------- two tabs: the revision a page was rendered from


def test_every_editing_form_and_the_canvas_carry_the_pages_revision(alice, three_tier):
    select(alice, three_tier, "workload:shop/api")
    page = text(alice.get(url("design-detail", three_tier)))
    assert revisions_in(page) == {three_tier.revision}
    forms_ = [f for f in re.findall(r"<form [^>]*>.*?</form>", page, re.S) if "/designs/" in f.split(">")[0]]
    assert len(forms_) > 10
    for form in forms_:
        if "/cancel/" in form.split(">")[0] or "/select/" in form.split(">")[0]:
            continue  # selecting and cancelling change nothing
        assert f'name="revision" value="{three_tier.revision}"' in form, form[:200]


def test_a_change_renders_the_new_revision_into_every_region_so_the_next_is_not_stale(alice, three_tier):
    before = three_tier.revision
    move = {"node": "workload:shop/db", "x": "700", "y": "300", "revision": before}
    body = text(alice.post(url("design-move", three_tier), move, **HX))
    three_tier.refresh_from_db()
    assert three_tier.revision == before + 1
    assert revisions_in(body) == {before + 1}
    again = {"node": "workload:shop/db", "x": "710", "y": "310", "revision": before + 1}
    body = text(alice.post(url("design-move", three_tier), again, **HX))
    assert "changed since you loaded it" not in body
    assert (workload(three_tier, "shop/db").x, workload(three_tier, "shop/db").y) == (710, 310)


def _changed_elsewhere(design, person):
    """Another tab (``person``) adds a workload after this page was rendered."""
    services.workload_create(actor=person, design=design, namespace="shop", name="cache", labels={"app": "cache"})


@pytest.mark.parametrize("htmx", [True, False])
def test_a_change_made_on_an_old_revision_is_refused_with_the_current_state(client, three_tier, other_user, htmx):
    bob = shared_as(client, three_tier, other_user, "editor")
    page = text(client.get(url("design-detail", three_tier)))
    (seen,) = revisions_in(page)
    from django.test import Client

    alice = Client()
    alice.force_login(three_tier.owner)
    alice.post(url("workload-add", three_tier), {"name": "cache", "namespace": "shop", "revision": seen}, **HX)
    assert three_tier.workloads.filter(name="cache").exists()
    three_tier.refresh_from_db()
    now = three_tier.revision
    db = workload(three_tier, "shop/db")

    move = {"node": "workload:shop/db", "x": "1", "y": "2", "revision": seen}
    response = bob.post(url("design-move", three_tier), move, **(HX if htmx else {}))
    body = text(response)
    assert response.status_code == (200 if htmx else 409)
    assert "This design changed since you loaded it" in body
    assert "Added workload shop/cache, by alice" in body
    assert "Nothing was saved" in body
    assert 'data-node="workload:shop/cache"' in body  # the current state: alice's workload is shown
    assert revisions_in(body) == {now}
    if htmx:
        assert body.lstrip().startswith('<div id="canvas"') and response["HX-Retarget"] == "#canvas"
        assert body.count('hx-swap-oob="true"') == len(OOB_REGIONS)
    three_tier.refresh_from_db()
    assert three_tier.revision == now
    assert (workload(three_tier, "shop/db").x, workload(three_tier, "shop/db").y) == (db.x, db.y)
    assert three_tier.workloads.filter(name="cache").exists()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("design-undo", {}),
        ("design-settings", {"isolate_ingress": "on"}),
        ("design-remove", {"sel": "workload:shop/frontend"}),
        ("workload-add", {"name": "x", "namespace": "shop"}),
        ("flow-add", {"source": "workload:shop/db", "destination": "workload:shop/frontend"}),
        ("design-layout", {}),
        ("design-fix", {}),
    ],
)
def test_no_editing_action_applies_to_an_old_revision(alice, three_tier, other_user, name, data):
    seen = three_tier.revision
    _changed_elsewhere(three_tier, other_user)
    three_tier.refresh_from_db()
    now = three_tier.revision
    args = ("missing-dns",) if name == "design-fix" else ()
    response = alice.post(url(name, three_tier, *args), {**data, "revision": seen}, **HX)
    assert "This design changed since you loaded it" in text(response)
    three_tier.refresh_from_db()
    assert three_tier.revision == now
    assert three_tier.workloads.filter(name="cache").exists()
    assert sorted(w.name for w in three_tier.workloads.all()) == ["api", "cache", "db", "frontend"]


def test_connect_mode_does_not_draw_on_an_old_revision(alice, three_tier, other_user):
    alice.post(url("design-connect", three_tier), **HX)
    seen = three_tier.revision
    select(alice, three_tier, "workload:shop/db")
    _changed_elsewhere(three_tier, other_user)
    response = alice.post(url("design-select", three_tier), {"sel": "workload:shop/frontend", "revision": seen}, **HX)
    assert "This design changed since you loaded it" in text(response)
    assert not three_tier.flows.filter(source_workload__name="db").exists()


def test_a_post_without_a_revision_is_applied_as_before(alice, three_tier, other_user):
    _changed_elsewhere(three_tier, other_user)
    alice.post(url("design-move", three_tier), {"node": "workload:shop/db", "x": "3", "y": "4"}, **HX)
    assert (workload(three_tier, "shop/db").x, workload(three_tier, "shop/db").y) == (3, 4)


IMPORTED_CLUSTER = """
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: prod, labels: {app: api}}
spec: {containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: prod, labels: {app: db}}
spec: {containers: [{name: c, image: x, ports: [{name: pg, containerPort: 5432}]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-ingress, namespace: prod}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: api}}}]
    ports: [{port: 5432}]
"""


def test_imported_design_shows_an_arrow_for_each_allowed_connection_with_its_policy(alice, user):
    design = services.design_import(owner=user, name="imported", text=IMPORTED_CLUSTER).design
    page = text(alice.get(url("design-detail", design)))
    arrow = re.search(
        r'<g class="edge imported" data-src="workload:prod/api" data-dst="workload:prod/db">\s*'
        r"<title>([^<]*)</title>",
        page,
    )
    assert arrow is not None, "no arrow for the connection the imported policy allows"
    assert "TCP 5432" in arrow.group(1) and "allowed by prod/db-ingress" in arrow.group(1)
    # db is open for egress and api for ingress, so the reverse direction is not restricted: no arrow is drawn
    assert 'data-src="workload:prod/db" data-dst="workload:prod/api"' not in page


def test_drawn_flow_replaces_the_imported_arrow_for_the_same_pair(alice, user):
    design = services.design_import(owner=user, name="imported", text=IMPORTED_CLUSTER).design
    services.flow_create(design=design, source={"workload": "prod/api"}, destination={"workload": "prod/db"})
    page = text(alice.get(url("design-detail", design)))
    assert 'class="edge imported"' not in page
    assert 'data-src="workload:prod/api" data-dst="workload:prod/db"' in page


def test_no_template_comment_leaks_into_the_page(alice, three_tier):
    page = text(alice.get(url("design-detail", three_tier)))
    assert "{#" not in page and "#}" not in page and "{%" not in page
