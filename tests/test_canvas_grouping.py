"""A large design's canvas starts zoomed out: one node per namespace, the flows between them added up.

The threshold (``canvas.GROUP_ABOVE``, 150 workloads) is lowered here so a 16-workload synthetic design
(4 namespaces, ``bench.synthetic_spec``) is grouped and the tests stay fast.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.urls import reverse

from benchmark import harness as bench
from editor import models, selectors
from editor.web import canvas, views

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def spec():
    return bench.synthetic_spec(16, 4)


@pytest.fixture
def large(user, spec, monkeypatch):
    monkeypatch.setattr(canvas, "GROUP_ABOVE", 10)
    return bench.spec_design_create(owner=user, spec=spec, name="large")


@pytest.fixture
def alice(client, user):
    client.force_login(user)
    return client


def page(client, design) -> str:
    return client.get(reverse("design-detail", args=[design.pk])).content.decode()


def expand(client, design, namespace: str, on: bool = True, **extra):
    return client.post(
        reverse("design-expand", args=[design.pk]), {"namespace": namespace, "expand": "1" if on else "0"}, **extra
    )


def groups_in(body: str) -> list[str]:
    return re.findall(r'<g class="group[^"]*" data-node="namespace:([^"]+)"', body)


def workloads_in(body: str) -> set[str]:
    return set(re.findall(r'<g class="node workload[^"]*" data-node="workload:([^"]+)"', body))


def aggregates_in(body: str) -> dict[tuple[str, str], int]:
    found = re.findall(
        r'<g class="edge aggregate[^"]*" data-src="([^"]+)" data-dst="([^"]+)">\s*<title>([\d,]+) flows? from', body
    )
    return {(src, dst): int(n.replace(",", "")) for src, dst, n in found}


def namespace_of(end: dict) -> str | None:
    ((kind, ref),) = end.items()
    return ref.split("/")[0] if kind in ("workload", "namespace") else None


def test_a_large_design_draws_each_namespace_as_one_node(alice, large, spec):
    body = page(alice, large)
    assert sorted(groups_in(body)) == ["team-000", "team-001", "team-002", "team-003"]
    assert workloads_in(body) == set()  # no workload is drawn while its namespace is collapsed
    assert 'data-node="external:corp"' in body  # externals stay nodes
    assert "4 workloads" in body
    assert 'id="expand-all-button"' in body


def test_a_small_design_is_not_grouped(alice, three_tier):
    body = page(alice, three_tier)
    assert groups_in(body) == []
    assert workloads_in(body) == {"shop/frontend", "shop/api", "shop/db"}
    assert 'id="expand-all-button"' not in body
    assert '<select name="sel" id="select-part">' in body or 'id="select-part"' not in body


def test_arrows_between_collapsed_namespaces_count_their_flows(alice, large, spec):
    expected: Counter[tuple[str, str]] = Counter()
    inside: Counter[str] = Counter()
    for f in spec.flows:
        a, b = namespace_of(f["source"]), namespace_of(f["destination"])
        src = f"namespace:{a}" if a else "external:" + f["source"]["external"]
        dst = f"namespace:{b}" if b else "external:" + f["destination"]["external"]
        if src == dst:
            inside[a] += 1
        else:
            expected[(src, dst)] += 1
    body = page(alice, large)
    drawn = aggregates_in(body)
    single = re.findall(r'<g class="edge[^"]*" data-flow="flow:[^"]*" data-src="([^"]+)" data-dst="([^"]+)"', body)
    assert {**drawn, **dict.fromkeys(single, 1)} == dict(expected)
    assert sum(drawn.values()) + len(single) + sum(inside.values()) == len(spec.flows)
    for namespace, n in inside.items():
        assert f"{n} flows inside" in body, namespace


def test_expanding_a_namespace_shows_its_workloads_shifted_into_its_slot_and_collapsing_hides_them(alice, large):
    body = expand(alice, large, "team-001", **HX).content.decode()
    assert "team-001" not in groups_in(body)
    assert workloads_in(body) == {f"team-001/svc-{i:05d}" for i in (1, 5, 9, 13)}
    node = re.search(
        r'data-node="workload:team-001/svc-00005" data-x="([-\d.]+)" data-y="([-\d.]+)"[^>]*'
        r'data-ox="([-\d.]+)" data-oy="([-\d.]+)"',
        body,
    )
    assert node is not None, "an expanded namespace's node says how far it is drawn from where it is saved"
    x, y, ox, oy = map(float, node.groups())
    saved = large.workloads.get(name="svc-00005")
    assert (x - ox, y - oy) == pytest.approx((saved.x, saved.y))
    assert 'data-toggle="collapse"' in body
    # the flows between team-001's workloads are drawn one by one, selectable
    assert 'data-flow="flow:team-001/svc-00001 -&gt; team-001/svc-00005"' in body

    body = expand(alice, large, "team-001", on=False, **HX).content.decode()
    assert "team-001" in groups_in(body)
    assert workloads_in(body) == set()


def test_expanding_is_a_plain_form_post_too_and_survives_a_reload(alice, large):
    response = expand(alice, large, "team-002")
    assert response.status_code == 302
    body = page(alice, large)
    assert {ref.split("/")[0] for ref in workloads_in(body)} == {"team-002"}


def test_expand_all_shows_every_workload_and_collapse_all_groups_again(alice, large, spec):
    body = expand(alice, large, "*", **HX).content.decode()
    assert groups_in(body) == []
    assert len(workloads_in(body)) == len(spec.workloads)
    assert views.NOTICE_EXPANDED_ALL in body
    assert "Collapse all" in body
    body = expand(alice, large, "*", on=False, **HX).content.decode()
    assert len(groups_in(body)) == 4


def test_expanding_an_unknown_namespace_is_refused_with_the_reason(alice, large):
    body = expand(alice, large, "nope", **HX).content.decode()
    assert views.ERR_NO_NAMESPACE.format(name="nope").replace("'", "&#x27;") in body


def test_selecting_a_workload_of_a_collapsed_namespace_expands_it(alice, large):
    response = alice.post(reverse("design-select", args=[large.pk]), {"sel": "workload:team-003/svc-00003"}, **HX)
    body = response.content.decode()
    assert "node workload selected" in body
    assert "team-003/svc-00003" in workloads_in(body)
    assert "team-003" not in groups_in(body)


def test_a_flow_to_a_workload_of_a_collapsed_namespace_is_drawn_and_selected(alice, large):
    expand(alice, large, "team-001")
    response = alice.post(
        reverse("flow-add", args=[large.pk]),
        {"source": "workload:team-001/svc-00001", "destination": "workload:team-002/svc-00010", "ports": "TCP 7000"},
        **HX,
    )
    body = response.content.decode()
    flow = large.flows.get(source_workload__name="svc-00001", destination_workload__name="svc-00010")
    assert flow.ports == [{"protocol": "TCP", "port": 7000}]
    assert 'class="edge selected" data-flow="flow:team-001/svc-00001 -&gt; team-002/svc-00010"' in body
    assert {"team-001/svc-00001", "team-002/svc-00010"} <= workloads_in(body)  # both ends are shown


def test_a_flow_dropped_on_a_collapsed_namespace_is_a_flow_to_the_whole_namespace(alice, large):
    expand(alice, large, "team-000")
    alice.post(
        reverse("flow-add", args=[large.pk]),
        {"source": "workload:team-000/svc-00000", "destination": "namespace:team-003", "ports": "TCP 7001"},
    )
    assert large.flows.filter(source_workload__name="svc-00000", destination_namespace__name="team-003").exists()


def test_collapsing_the_namespace_of_the_selection_clears_the_selection(alice, large):
    alice.post(reverse("design-select", args=[large.pk]), {"sel": "workload:team-003/svc-00003"})
    body = expand(alice, large, "team-003", on=False, **HX).content.decode()
    assert "team-003" in groups_in(body)
    assert 'id="add-workload-form"' in body  # the inspector is back to "Add a workload"


def test_a_large_designs_part_selector_suggests_what_is_shown(alice, large):
    body = page(alice, large)
    selector = body.split('id="select-part-options">')[1].split("</datalist>")[0]
    assert '<option value="namespace:team-001">' in selector
    assert "workload:" not in selector  # no workload is shown yet
    assert 'list="select-part-options"' in body


def test_a_viewer_may_expand_a_namespace(client, large, other_user):
    from editor import services

    services.share_create(design=large, username="bob", role="viewer", actor=large.owner)
    client.force_login(other_user)
    body = expand(client, large, "team-001", **HX).content.decode()
    assert "team-001/svc-00001" in workloads_in(body)


def test_the_warnings_tab_lists_the_first_findings_and_says_how_many_more(alice, three_tier, monkeypatch):
    monkeypatch.setattr(views, "FINDINGS_SHOWN", 2)
    three_tier.dns = False
    three_tier.save()
    body = page(alice, three_tier)
    findings = len(selectors.design_state(three_tier).findings)
    assert findings > 2
    assert body.count('<article class="finding') == 2
    assert f"… and {findings - 2} more warning" in body
    assert re.search(rf'id="warnings-count" class="badge has"[^>]*>{findings}<', body)


def test_the_preview_is_the_designs_yaml_written_policy_by_policy(alice, three_tier):
    response = alice.get(reverse("design-detail", args=[three_tier.pk]))
    compiled = selectors.design_state(three_tier)
    assert response.context["yaml_text"] == compiled.yaml
    # a second page comes from the per-policy cache and is the same
    assert (
        alice.get(reverse("design-detail", args=[three_tier.pk])).context["yaml_html"] == response.context["yaml_html"]
    )


def test_grouped_namespaces_with_flows_between_them_are_placed_side_by_side():
    weights = Counter({("a", "c"): 5, ("c", "a"): 5, ("c", "b"): 3, ("b", "c"): 3})
    assert canvas.netpol_layout.chain(["a", "b", "c", "d"], weights) == ["c", "a", "b", "d"]


def test_moving_a_workload_of_an_expanded_namespace_saves_the_unshifted_position(alice, large):
    """canvas.js posts the drawn position minus data-ox/oy; the saved position moves by the drag."""
    saved = large.workloads.get(name="svc-00005")
    alice.post(
        reverse("design-move", args=[large.pk]),
        {"node": "workload:team-001/svc-00005", "x": saved.x, "y": saved.y + 100},
    )
    expand(alice, large, "team-001")
    body = page(alice, large)
    node = re.search(
        r'data-node="workload:team-001/svc-00005" data-x="([-\d.]+)" data-y="([-\d.]+)"[^>]*'
        r'data-ox="([-\d.]+)" data-oy="([-\d.]+)"',
        body,
    )
    x, y, ox, oy = map(float, node.groups())
    assert y - oy == pytest.approx(saved.y + 100)
    assert models.Workload.objects.get(pk=saved.pk).y == saved.y + 100


def test_the_source_of_a_flow_being_drawn_is_marked_on_a_grouped_canvas(large):
    data = selectors.design_state(large)
    drawn = canvas.draw(data, "", "namespace:team-001", set(), set())
    assert [g.key for g in drawn.groups if g.source] == ["namespace:team-001"]
    drawn = canvas.draw(data, "", "workload:team-002/svc-00010", set(), {"team-002"})
    assert [n.key for n in drawn.nodes if n.source] == ["workload:team-002/svc-00010"]
