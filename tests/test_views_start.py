"""The first five minutes (issue 12, item 5): start from a template, the empty canvas's guide to the first
flow, and the rules explained where a user meets them."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from editor import models, selectors, services, starter

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def alice(client, user):
    client.force_login(user)
    return client


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# ---------------------------------------------------------------- templates


def test_design_list_offers_every_template(alice):
    text = page(alice.get(reverse("design-list")))
    assert f'action="{reverse("design-create-template")}"' in text
    for key in ("three-tier", "default-deny", "dns", "internet-egress", "metrics", "cross-namespace"):
        assert f'name="template" value="{key}"' in text


def test_templates_are_open_on_an_empty_list_and_folded_once_there_are_designs(alice, user):
    assert '<details class="start-templates" id="start-templates" open>' in page(alice.get(reverse("design-list")))
    services.design_create(owner=user, name="mine")
    assert '<details class="start-templates" id="start-templates">' in page(alice.get(reverse("design-list")))


def test_starting_from_a_template_opens_a_real_design_in_the_editor(alice, user):
    response = alice.post(reverse("design-create-template"), {"template": "three-tier"})
    design = models.Design.objects.get(owner=user)
    assert response.status_code == 302 and response["Location"] == reverse("design-detail", args=[design.pk])
    assert design.name == "Three-tier app"
    assert sorted(w.ref for w in design.workloads.select_related("namespace")) == [
        "shop/api",
        "shop/db",
        "shop/frontend",
    ]
    compiled = selectors.design_state(design)
    assert [p.ref for p in compiled.policies] == ["shop/api", "shop/db", "shop/frontend"]
    assert compiled.findings == []
    assert "Added flow" in design.revisions.first().summary  # built through the services: history says how


@pytest.mark.parametrize("template", starter.TEMPLATES, ids=lambda t: t.key)
def test_every_template_builds_and_compiles(user, template):
    design = starter.template_design_create(owner=user, key=template.key)
    data = selectors.design_state(design)
    assert len(data.workloads) == len(template.workloads)
    assert len(data.flows) == len(template.flows)
    assert data.policies
    assert design.description == template.description


def test_default_deny_template_denies_dns_too_and_the_dns_template_allows_it(user):
    deny = selectors.design_state(starter.template_design_create(owner=user, key="default-deny"))
    assert {f.code for f in deny.findings} >= {"missing-dns"}
    dns = selectors.design_state(starter.template_design_create(owner=user, key="dns"))
    assert dns.findings == []
    assert "port: 53" in dns.yaml and "protocol: UDP" in dns.yaml


def test_internet_egress_template_leaves_out_the_private_ranges(user):
    design = starter.template_design_create(owner=user, key="internet-egress")
    yaml_text = selectors.design_state(design).yaml
    for cidr in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"):
        assert f"- {cidr}" in yaml_text


def test_an_unknown_template_is_refused_with_the_known_ones_named(alice, user):
    response = alice.post(reverse("design-create-template"), {"template": "nope"})
    assert response.status_code == 400
    assert "There is no template &#x27;nope&#x27;: pick one of three-tier, default-deny" in response.content.decode()
    assert not models.Design.objects.filter(owner=user).exists()


# ---------------------------------------------------------------- the empty canvas's guide


def steps(text: str) -> list[str]:
    """The guide's steps as "done"/"next"/"" each."""
    guide = text[text.index('id="first-steps"') : text.index("</section>", text.index('id="first-steps"'))]
    return re.findall(r'<li value="\d" class="(\w*)">', guide)


def test_an_empty_design_walks_through_the_first_flow(alice, user):
    design = services.design_create(owner=user, name="new")
    text = page(alice.get(reverse("design-detail", args=[design.pk])))
    assert steps(text) == ["next", "", ""]  # the fourth step has no class: it follows the flow
    assert "drag the dot" in text and "Connect" in text
    assert f'href="{reverse("design-list")}?start=templates#start-templates"' in text


def test_the_guide_ticks_off_each_step_and_goes_once_a_flow_is_drawn(alice, user):
    design = services.design_create(owner=user, name="new")
    services.workload_create(design=design, namespace="prod", name="web")
    assert steps(page(alice.get(reverse("design-detail", args=[design.pk])))) == ["done", "next", ""]
    services.workload_create(design=design, namespace="prod", name="api")
    response = alice.post(reverse("workload-add", args=[design.pk]), {"name": "db", "namespace": "prod"}, **HX)
    assert steps(page(response)) == ["done", "done", "next"]  # the canvas region an edit answers with
    services.flow_create(design=design, source={"workload": "prod/web"}, destination={"workload": "prod/api"})
    assert 'id="first-steps"' not in page(alice.get(reverse("design-detail", args=[design.pk])))


def test_a_viewer_of_an_empty_design_gets_no_guide(client, user, other_user):
    design = services.design_create(owner=user, name="new")
    services.share_create(design=design, username="bob", role="viewer")
    client.force_login(other_user)
    text = page(client.get(reverse("design-detail", args=[design.pk])))
    assert 'id="first-steps"' not in text and "This design is empty." in text


def test_the_guides_template_link_opens_the_templates(alice, three_tier):
    text = page(alice.get(reverse("design-list"), {"start": "templates"}))
    assert '<details class="start-templates" id="start-templates" open>' in text


# ---------------------------------------------------------------- the rules, where they matter


def test_the_flow_inspector_says_both_sides_must_permit(alice, three_tier):
    alice.post(reverse("design-select", args=[three_tier.pk]), {"sel": "flow:shop/api -> shop/db"}, **HX)
    text = page(alice.get(reverse("design-detail", args=[three_tier.pk])))
    help_text = text[text.index('id="flow-help"') :]
    assert "Both sides must permit." in help_text and "UDP and TCP 53" in help_text


def test_the_dns_setting_explains_udp_and_tcp(alice, three_tier):
    text = page(alice.get(reverse("design-detail", args=[three_tier.pk])))
    hint = text[text.index('id="dns-help"') : text.index("</details>", text.index('id="dns-help"'))]
    assert "UDP and TCP port 53" in hint and "answers too large for UDP" in hint


def test_the_kept_policy_editors_explain_and_versus_or_in_peers(alice, user):
    imported = services.design_import(owner=user, name="kept", text=KEPT).design
    row = imported.imported_policies.get()
    for name in ("policy-edit", "policy-form"):
        text = page(alice.get(reverse(name, args=[imported.pk, row.pk])))
        assert 'id="peers-help"' in text
        assert "AND within" in text and "both sides must permit" in text and "UDP and TCP 53" in text
    assert 'id="peers-help"' in page(alice.get(reverse("policy-add", args=[imported.pk])))


KEPT = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: prod}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: api}}}]
"""


def test_a_viewer_reading_a_flow_gets_the_same_help(client, three_tier, other_user):
    services.share_create(design=three_tier, username="bob", role="viewer")
    client.force_login(other_user)
    client.post(reverse("design-select", args=[three_tier.pk]), {"sel": "flow:shop/api -> shop/db"}, **HX)
    text = page(client.get(reverse("design-detail", args=[three_tier.pk])))
    assert 'id="flow-help"' in text and "Both sides must permit." in text
