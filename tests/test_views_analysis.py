"""Pages: import, connections and diff, check a connection, truth table, kept policies (plain form posts)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from editor import models, services
from editor.netpol import importer

pytestmark = pytest.mark.django_db

PODS_AND_POLICY = """\
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: prod, labels: {app: api}}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: prod, labels: {app: db}}
spec: {containers: [{name: c, ports: [{name: pg, containerPort: 5432}]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: prod}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: api}}}]
    ports: [{port: pg}]
"""


@pytest.fixture
def alice(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def imported(user):
    return services.design_import(owner=user, name="imported", text=PODS_AND_POLICY).design


def test_import_page_pasted_yaml_creates_the_design_and_shows_its_connections(alice, user):
    response = alice.post(reverse("design-import-page"), {"name": "mine", "text": PODS_AND_POLICY})
    design = models.Design.objects.get(owner=user, name="mine")
    assert response.status_code == 302 and response["Location"] == reverse("design-analysis", args=[design.pk])
    page = alice.get(response["Location"]).content.decode()
    assert "prod/api" in page and "TCP 5432" in page
    assert "The design allows exactly what the imported policies allowed." in page


def test_import_page_accepts_uploaded_files(alice, user):
    files = [
        SimpleUploadedFile("pods.yaml", PODS_AND_POLICY.encode(), content_type="application/yaml"),
        SimpleUploadedFile("ns.yaml", b"apiVersion: v1\nkind: Namespace\nmetadata: {name: prod, labels: {a: b}}\n"),
    ]
    response = alice.post(reverse("design-import-page"), {"name": "files", "files": files})
    assert response.status_code == 302
    design = models.Design.objects.get(name="files")
    assert design.namespaces.get(name="prod").labels == {"a": "b"}
    assert design.imported_policies.count() == 1


def test_import_page_shows_per_document_errors_and_saves_nothing(alice):
    bad = PODS_AND_POLICY.replace("port: pg", "port: pg, protocol: tcp")
    response = alice.post(reverse("design-import-page"), {"name": "bad", "text": bad})
    assert response.status_code == 400
    page = response.content.decode()
    assert "document 3" in page and "spec.ingress[0].ports[0].protocol" in page and "did you mean" in page
    assert not models.Design.objects.exists()


def test_import_page_without_input_says_what_to_do(alice):
    response = alice.post(reverse("design-import-page"), {"name": "x", "text": "  "})
    assert response.status_code == 400
    assert "Paste YAML or choose" in response.content.decode()


def test_check_page_explains_both_sides(alice, imported):
    url = reverse("design-check", args=[imported.pk])
    page = alice.get(url, {"source": "prod/db", "destination": "prod/db", "port": "pg", "protocol": "TCP"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "blocked" in text
    assert "prod/db is isolated for ingress by prod/db; no ingress rule allows TCP 5432 from prod/db." in text
    ok = alice.get(url, {"source": "prod/api", "destination": "prod/db", "port": "5432"}).content.decode()
    assert "allowed" in ok and "prod/db ingress rule 1 allows TCP 5432 from prod/api" in ok


def test_check_page_htmx_gets_only_the_answer(alice, imported):
    response = alice.get(
        reverse("design-check", args=[imported.pk]),
        {"source": "prod/api", "destination": "prod/db", "port": "5432"},
        headers={"HX-Request": "true"},
    )
    text = response.content.decode()
    assert text.lstrip().startswith('<div id="check-result"') and "<html" not in text


def test_check_page_bad_reference_is_a_clear_400(alice, imported):
    response = alice.get(
        reverse("design-check", args=[imported.pk]), {"source": "prod/x", "destination": "prod/db", "port": "1"}
    )
    assert response.status_code == 400
    assert "neither a workload" in response.content.decode()


def test_matrix_page_links_every_cell_to_its_explanation(alice, imported):
    response = alice.get(reverse("design-matrix", args=[imported.pk]), {"port": "5432", "protocol": "TCP"})
    assert response.status_code == 200
    text = response.content.decode()
    check = reverse("design-check", args=[imported.pk])
    assert f"{check}?source=prod/api&amp;destination=prod/db&amp;port=5432&amp;protocol=TCP" in text.replace("%2F", "/")
    assert text.count('<a class="cell ') == 4
    assert '<a class="cell egress-only self"' in text  # db to itself: db's ingress allows only api


def test_matrix_page_refuses_a_named_port(alice, imported):
    assert alice.get(reverse("design-matrix", args=[imported.pk]), {"port": "http"}).status_code == 400


def test_kept_policy_yaml_edit_changes_the_export_and_the_diff(alice, imported):
    row = imported.imported_policies.get()
    url = reverse("policy-edit", args=[imported.pk, row.pk])
    form = alice.get(url).content.decode()
    assert "podSelector" in form
    assert "Ingress rule 1: from pods app=api in namespace prod, on TCP pg." in form
    edited = PODS_AND_POLICY.split("---\n")[2].replace("ports: [{port: pg}]", "ports: [{port: 5433}]")
    response = alice.post(url, {"text": edited})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.manifest["spec"]["ingress"][0]["ports"] == [{"protocol": "TCP", "port": 5433}]
    page = alice.get(reverse("design-analysis", args=[imported.pk])).content.decode()
    assert "− prod/api → prod/db TCP 5432" in page


def test_kept_policy_invalid_yaml_is_refused_and_kept(alice, imported):
    row = imported.imported_policies.get()
    response = alice.post(reverse("policy-edit", args=[imported.pk, row.pk]), {"text": "kind: NetworkPolicy\n"})
    assert response.status_code == 400
    assert "Not saved" in response.content.decode()
    row.refresh_from_db()
    assert row.manifest["spec"]["ingress"][0]["ports"] == [{"protocol": "TCP", "port": "pg"}]


def test_kept_policy_add_and_delete(alice, imported):
    add = reverse("policy-add", args=[imported.pk])
    assert alice.get(add).status_code == 200
    text = (
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: prod}\n"
        "spec: {podSelector: {}}\n"
    )
    assert alice.post(add, {"text": text}).status_code == 302
    assert alice.post(add, {"text": text}).status_code == 400  # same name twice
    row = imported.imported_policies.get(name="deny")
    assert alice.post(reverse("policy-delete", args=[imported.pk, row.pk])).status_code == 302
    assert not imported.imported_policies.filter(name="deny").exists()
    assert imported.revisions.filter(summary="Deleted NetworkPolicy prod/deny").exists()


def test_strangers_get_404(client, other_user, imported):
    client.force_login(other_user)
    for name in ("design-analysis", "design-check", "design-matrix"):
        assert client.get(reverse(name, args=[imported.pk])).status_code == 404
    row = imported.imported_policies.get()
    assert client.post(reverse("policy-delete", args=[imported.pk, row.pk])).status_code == 404
    assert imported.imported_policies.count() == 1


def test_pages_need_login(client, imported):
    response = client.get(reverse("design-check", args=[imported.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_import_page_names_the_file_of_each_error(alice):
    files = [
        SimpleUploadedFile("good.yaml", PODS_AND_POLICY.encode()),
        SimpleUploadedFile("bad.yaml", b"apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n---\nkind: [\n"),
    ]
    response = alice.post(reverse("design-import-page"), {"name": "two", "files": files})
    assert response.status_code == 400
    page = response.content.decode()
    assert "<strong>bad.yaml</strong>, <strong>document 2</strong>" in page
    assert not models.Design.objects.exists()


COMPLEX = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: complex, namespace: prod}
spec:
  podSelector: {matchLabels: {app: db}, matchExpressions: [{key: tier, operator: In, values: [a, b]}]}
  policyTypes: [Ingress, Egress]
  ingress:
  - from:
    - namespaceSelector: {matchExpressions: [{key: env, operator: NotIn, values: [dev]}]}
      podSelector: {matchExpressions: [{key: legacy, operator: DoesNotExist}, {key: team, operator: Exists}]}
    - namespaceSelector: {}
    - podSelector: {}
    ports: [{port: pg}, {port: 8000, endPort: 8100}, {protocol: UDP}]
  - {}
  egress:
  - to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.5/32, 10.1.0.0/16]}}]
"""


def _form_post(form: dict) -> dict:
    """The fields a browser posts for the structured form, as rendered (plus the empty 'add a rule' row)."""
    data = {k: form[k] for k in ("name", "namespace", "selector")}
    if form["ingress"]:
        data["ingress"] = "1"
    if form["egress"]:
        data["egress"] = "1"
    data["rule-direction"] = [r["direction"] for r in form["rules"]] + [""]
    data["rule-peers"] = [r["peers"] for r in form["rules"]] + [""]
    data["rule-ports"] = [r["ports"] for r in form["rules"]] + [""]
    return data


@pytest.fixture
def complex_policy(imported):
    return services.imported_policy_create(design=imported, text=COMPLEX)


def test_structured_form_round_trip_keeps_the_policy_exactly(alice, imported, complex_policy):
    url = reverse("policy-form", args=[imported.pk, complex_policy.pk])
    page = alice.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    assert form["selector"] == "app=db, tier in (a, b)"
    assert form["rules"][0]["peers"].splitlines() == [
        "namespaces env notin (dev) pods !legacy, team",
        "namespaces *",
        "pods *",
    ]
    before = dict(complex_policy.manifest)
    response = alice.post(url, _form_post(form))
    assert response.status_code == 302, response.content.decode()[-2000:]
    complex_policy.refresh_from_db()
    assert complex_policy.manifest == before


def test_structured_form_adds_and_removes_rules(alice, imported, complex_policy):
    url = reverse("policy-form", args=[imported.pk, complex_policy.pk])
    data = _form_post(alice.get(url).context["form"])
    data["rule-remove"] = ["1"]  # the allow-all ingress rule
    data["rule-direction"][-1] = "egress"
    data["rule-peers"][-1] = "namespaces kubernetes.io/metadata.name=kube-system"
    data["rule-ports"][-1] = "UDP 53, TCP 53"
    assert alice.post(url, data).status_code == 302
    complex_policy.refresh_from_db()
    spec = complex_policy.manifest["spec"]
    assert len(spec["ingress"]) == 1
    assert spec["egress"][1] == {
        "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}],
        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
    }


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("rule-peers", "podz app=api", "is not a peer"),
        ("rule-ports", "ICMP 8", "is not a port"),
        ("selector", "app in api", "is not a selector term"),
        ("selector", "app=a b", "spec.podSelector.matchLabels.app"),
    ],
)
def test_structured_form_errors_are_shown_and_nothing_changes(alice, imported, complex_policy, field, value, needle):
    url = reverse("policy-form", args=[imported.pk, complex_policy.pk])
    data = _form_post(alice.get(url).context["form"])
    if field == "selector":
        data[field] = value
    else:
        data[field][0] = value
    before = dict(complex_policy.manifest)
    response = alice.post(url, data)
    assert response.status_code == 400
    assert needle in response.content.decode().replace("&#x27;", "'")
    complex_policy.refresh_from_db()
    assert complex_policy.manifest == before


# Django refuses a form whose fields hold more than DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB by default): the page
# must take as much as the importer does, pasted or uploaded (a 5,000-workload cluster is ~9 MB of JSON).
BIG_PADDING = "# " + "x" * 98 + "\n"  # 100 bytes of comment per line


def big_body(size: int) -> str:
    return BIG_PADDING * (size // len(BIG_PADDING)) + PODS_AND_POLICY


def test_import_page_takes_pasted_text_larger_than_djangos_default_form_limit(alice, user):
    body = big_body(3 * 1024 * 1024)
    response = alice.post(reverse("design-import-page"), {"name": "big", "text": body})
    assert response.status_code == 302, response.content[:500]
    assert models.Design.objects.get(owner=user, name="big").imported_policies.count() == 1


def test_import_page_takes_an_uploaded_file_up_to_the_importers_limit(alice, user):
    body = big_body(importer.MAX_BYTES - 64 * 1024).encode()
    upload = SimpleUploadedFile("cluster.yaml", body, content_type="application/yaml")
    response = alice.post(reverse("design-import-page"), {"name": "big", "files": [upload]})
    assert response.status_code == 302, response.content[:500]


def test_import_page_refuses_a_file_over_the_importers_limit_with_the_limit_named(alice):
    upload = SimpleUploadedFile("cluster.yaml", big_body(importer.MAX_BYTES + 1024).encode())
    response = alice.post(reverse("design-import-page"), {"name": "big", "files": [upload]})
    assert response.status_code == 400
    assert f"{importer.MAX_BYTES >> 20} MiB" in response.content.decode()
    assert not models.Design.objects.exists()


def test_djangos_form_limit_leaves_room_for_the_importers_limit(settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE >= importer.MAX_BYTES + 64 * 1024
