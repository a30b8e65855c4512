"""Pages for observed traffic: preview, create, check against traffic (plain form posts and htmx)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from editor import models
from tests.netpol.hubble import body, flow, pod

pytestmark = pytest.mark.django_db

SAMPLE = (Path(__file__).parent / "data" / "hubble-sample.jsonl").read_bytes()
WEB = pod("shop", "web", {"app": "web"}, ip="10.0.1.5")
API = pod("shop", "api", {"app": "api"}, ip="10.0.1.6")
DB = pod("data", "db", {"app": "db"}, ip="10.0.2.7")
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def alice(client, user):
    client.force_login(user)
    return client


def _upload(data: bytes = SAMPLE) -> SimpleUploadedFile:
    return SimpleUploadedFile("capture.jsonl", data, content_type="application/x-ndjson")


def test_the_design_list_links_to_the_from_traffic_page(alice):
    page = alice.get(reverse("design-list")).content.decode()
    assert reverse("design-from-traffic") in page
    form = alice.get(reverse("design-from-traffic")).content.decode()
    assert 'name="capture"' in form and "upload-progress" in form and "traffic/traffic.js" in form


def test_preview_shows_the_counts_picture_and_skipped_lines_and_saves_nothing(alice):
    response = alice.post(reverse("design-from-traffic-preview"), {"capture": _upload(), "format": "hubble"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "16 flows → 5 connections, 2 to the internet, 1 dropped" in html
    assert '<svg class="traffic-picture"' in html and "api.stripe.com" in html
    assert "line 12: the source is reserved:host" in html
    assert not models.Design.objects.exists()


def test_preview_of_pasted_text_groups_outside_addresses_per_24(alice):
    response = alice.post(reverse("design-from-traffic-preview"), {"text": SAMPLE.decode(), "group": "subnet"}, **HTMX)
    assert "140.82.112.0/24" in response.content.decode()


def test_create_makes_the_design_and_opens_it(alice, user):
    response = alice.post(reverse("design-from-traffic"), {"capture": _upload(), "name": "observed"})
    design = models.Design.objects.get(owner=user)
    assert response.status_code == 302 and response["Location"] == reverse("design-detail", args=[design.pk])
    assert design.name == "observed" and design.flows.count() == 5
    htmx = alice.post(reverse("design-from-traffic"), {"capture": _upload()}, **HTMX)
    assert htmx.status_code == 200 and htmx["HX-Redirect"].startswith("/designs/")


def test_nothing_usable_or_nothing_sent_is_a_clear_error_and_saves_nothing(alice):
    empty = alice.post(reverse("design-from-traffic"), {"name": "x"})
    assert empty.status_code == 400 and "Choose a capture file" in empty.content.decode()
    junk = alice.post(reverse("design-from-traffic"), {"text": "junk\n"})
    assert junk.status_code == 400 and "No line of the body is a usable flow" in junk.content.decode()
    htmx = alice.post(reverse("design-from-traffic-preview"), {"text": "junk\n"}, **HTMX)
    assert htmx.status_code == 200 and 'id="traffic-error"' in htmx.content.decode()
    assert not models.Design.objects.exists()


# ---------------------------------------------------------------- check against traffic


@pytest.fixture
def design(alice, user):
    alice.post(reverse("design-from-traffic"), {"text": body(flow(WEB, API, 8080), flow(API, DB, 5432)).decode()})
    return models.Design.objects.get(owner=user)


def test_the_editor_links_to_the_check(alice, design):
    page = alice.get(reverse("design-detail", args=[design.pk])).content.decode()
    assert reverse("design-traffic-check", args=[design.pk]) in page


def test_check_lists_denied_connections_with_both_sides_and_one_click_fixes(alice, design):
    capture = body(flow(WEB, DB, 5432), flow(WEB, DB, 5432), flow(WEB, API, 9090), flow(WEB, API, 8080))
    response = alice.post(reverse("design-traffic-check", args=[design.pk]), {"text": capture.decode()}, **HTMX)
    html = response.content.decode()
    assert "4 connections checked: 1 allowed" in html
    assert html.index("shop/web → data/db") < html.index("shop/web → shop/api")  # most frequent first
    assert "no egress rule allows TCP 5432 to data/db" in html
    assert 'name="sel" value="workload:shop/web"' in html
    assert 'name="sel" value="flow:shop/web -&gt; shop/api"' in html
    assert 'value="TCP 8080, TCP 9090"' in html  # widen the existing flow
    assert 'name="destination" value="workload:data/db"' in html  # draw a new one


def test_drawing_the_offered_flow_allows_the_connection(alice, design):
    alice.post(
        reverse("flow-add", args=[design.pk]),
        {"source": "workload:shop/web", "destination": "workload:data/db", "ports": "TCP 5432"},
    )
    capture = body(flow(WEB, DB, 5432)).decode()
    html = alice.post(reverse("design-traffic-check", args=[design.pk]), {"text": capture}).content.decode()
    assert "Nothing observed would be refused" in html


def test_check_of_another_users_design_is_404(client, other_user, design):
    client.force_login(other_user)
    assert client.get(reverse("design-traffic-check", args=[design.pk])).status_code == 404
