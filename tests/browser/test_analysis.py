"""Browser: paste manifests, check why api cannot reach db, and explain a truth-table cell (htmx)."""

from __future__ import annotations

import pytest

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TUTORIAL = """\
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: prod, labels: {app: api}}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: prod, labels: {app: db}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api, namespace: prod}
spec: {podSelector: {matchLabels: {app: api}}, policyTypes: [Egress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: prod}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress: [{from: [{podSelector: {matchLabels: {app: api}}}], ports: [{port: 5432}]}]
"""


def test_user_imports_manifests_and_finds_out_why_api_cannot_reach_db(page, live_server, user):
    log_in(page, live_server)
    page.click("#import-link")
    page.fill("input[name=name]", "tutorial")
    page.fill("textarea[name=text]", TUTORIAL)
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#connections")
    page.screenshot(path="/tmp/analysis-overview.png", full_page=True)

    page.click("a:has-text('Check a connection')")
    page.fill("input[name=source]", "prod/api")
    page.fill("input[name=destination]", "prod/db")
    page.fill("input[name=port]", "5432")
    page.click("#check-form button[type=submit]")
    page.wait_for_selector("#verdict")
    assert "blocked" in page.inner_text("#verdict")
    assert "no egress rule allows TCP 5432 to prod/db" in page.inner_text("#egress-explanation")
    assert "prod/db ingress rule 1 allows" in page.inner_text("#ingress-explanation")
    assert "source=prod%2Fapi" in page.url  # hx-push-url: the answer has a shareable address

    page.click("a:has-text('Truth table')")
    page.fill("#matrix-form input[name=port]", "5432")
    page.click("#matrix-form button[type=submit]")
    page.click("#matrix-table tbody tr:first-child td:nth-child(3) a")  # prod/api → prod/db
    page.wait_for_selector("#check-result #verdict")
    assert "prod/api → prod/db" in page.inner_text("#verdict")
    assert "/matrix/" in page.url  # the matrix page itself stayed
    page.screenshot(path="/tmp/analysis-matrix.png", full_page=True)

    page.click("a:has-text('Connections & policies')")
    page.click("#kept-policies a:has-text('edit')")
    page.wait_for_selector("#policy-structured-form")
    page.screenshot(path="/tmp/analysis-policy-form.png", full_page=True)
    page.select_option(".new-rule select[name=rule-direction]", "egress")
    page.fill(".new-rule textarea[name=rule-peers]", "pods app=db")
    page.fill(".new-rule input[name=rule-ports]", "TCP 5432")
    page.click("#policy-structured-form button[type=submit]")
    page.wait_for_selector("#kept-policies")
    assert "Egress rule 1: to pods app=db in namespace prod, on TCP 5432." in page.inner_text("#kept-policies")
    assert "+ prod/api → prod/db TCP 5432" in page.inner_text("#semantic-diff")
