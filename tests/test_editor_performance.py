"""The editor stays fast on large designs: the YAML preview shows the first policies, the download all."""

from __future__ import annotations

import pytest
import yaml

from benchmark import harness as bench
from editor.web import views


@pytest.mark.django_db
def test_large_design_previews_the_first_policies_and_says_how_many_more(user, client, monkeypatch):
    monkeypatch.setattr(views, "PREVIEW_DOCUMENTS", 5)
    design = bench.spec_design_create(owner=user, spec=bench.synthetic_spec(16, 4), name="large")
    client.force_login(user)
    page = client.get(f"/designs/{design.pk}/").content.decode()
    download = client.get(f"/designs/{design.pk}/download/").content.decode()
    policies = len([d for d in yaml.safe_load_all(download) if d])
    assert policies > 5
    assert f"and {policies - 5:,} more NetworkPolicies: download the YAML for all of them." in page
    assert f"{policies} NetworkPolicies" in page


@pytest.mark.django_db
def test_small_design_previews_every_policy(user, client, three_tier):
    client.force_login(user)
    page = client.get(f"/designs/{three_tier.pk}/").content.decode()
    assert "more NetworkPolicies: download" not in page
