"""The page forms read only ASCII digits as numbers, and a huge number or an ETag is never a 500 (issue 11)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from editor import services
from editor.web import forms

pytestmark = pytest.mark.django_db


def test_only_ascii_digits_are_port_numbers_in_forms():
    assert forms.parse_flow_ports("TCP 80") == [{"protocol": "TCP", "port": 80}]
    for text in ("TCP ٨٠", "TCP 80-٩٠"):  # not a number, not a range, not a port name: refused where typed
        with pytest.raises(ValidationError, match="is not a port"):
            forms.parse_flow_ports(text)
    assert forms.parse_container_ports("http:٨٠") == [{"name": "http", "port": "٨٠", "protocol": "TCP"}]


def test_a_flow_port_in_other_digits_is_refused_by_the_service(user):
    design = services.design_create(owner=user, name="d")
    services.workload_create(design=design, namespace="prod", name="api")
    services.workload_create(design=design, namespace="prod", name="db")
    with pytest.raises(ValidationError) as info:
        services.flow_create(
            design=design,
            source={"workload": "prod/api"},
            destination={"workload": "prod/db"},
            ports=[{"protocol": "TCP", "port": "٨٠"}],
        )
    assert "ports" in info.value.message_dict


def test_the_truth_table_page_refuses_other_digits_and_huge_numbers(client, user):
    design = services.design_create(owner=user, name="d")
    client.force_login(user)
    for port in ("٨٠", "9" * 5000):
        response = client.get(f"/designs/{design.pk}/matrix/", {"port": port})
        assert response.status_code == 400 and "is not a port number" in response.content.decode()


def test_an_if_match_with_a_huge_or_foreign_number_is_a_412_not_a_500(api, user):
    design = services.design_create(owner=user, name="d")
    for etag in (f'"{design.pk}-{"9" * 5000}"', f'"{design.pk}-١"', '"١-1"'):
        response = api.patch(f"/api/v1/designs/{design.pk}/", {"name": "e"}, format="json", HTTP_IF_MATCH=etag)
        assert response.status_code == 412, (etag, response.status_code)
