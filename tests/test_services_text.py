"""Services refuse control characters (NUL included) in every name, whatever calls them (issue 11)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from editor import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def design(user):
    design = services.design_create(owner=user, name="d")
    services.workload_create(design=design, namespace="prod", name="api")
    return design


@pytest.mark.parametrize("bad", ["a\x00b", "a\nb", "api\n", "a\x7f"])
def test_names_with_control_characters_are_refused_naming_the_field(user, design, bad):
    calls = [
        ("name", lambda: services.design_create(owner=user, name=bad)),
        ("name", lambda: services.design_update(design=design, name=bad)),
        ("name", lambda: services.namespace_create(design=design, name=bad)),
        ("labels", lambda: services.namespace_create(design=design, name="qa", labels={bad: "x"})),
        ("labels", lambda: services.namespace_create(design=design, name="qa", labels={"app": bad})),
        ("name", lambda: services.workload_create(design=design, namespace="prod", name=bad)),
        ("name", lambda: services.external_create(design=design, name=bad, cidr="10.0.0.0/8")),
        (
            "destination",
            lambda: services.flow_create(
                design=design, source={"workload": "prod/api"}, destination={"workload": f"prod/{bad}"}
            ),
        ),
        ("username", lambda: services.share_create(design=design, username=bad, role="viewer")),
    ]
    if bad == "api\n":  # a design's name is stripped of surrounding whitespace: "api" is stored
        calls = calls[2:]
    for field, call in calls:
        with pytest.raises(ValidationError) as info:
            call()
        assert field in info.value.message_dict, (field, info.value.message_dict)


def test_a_description_keeps_line_breaks_and_has_a_limit(design):
    assert services.design_update(design=design, description="one\ntwo").description == "one\ntwo"
    with pytest.raises(ValidationError) as info:
        services.design_update(design=design, description="x" * 10_001)
    assert "10,000" in info.value.message_dict["description"][0]
    with pytest.raises(ValidationError) as info:
        services.design_update(design=design, description="a\x00b")
    assert "description" in info.value.message_dict
