"""``policyeditor export`` against a live server: one multi-document file, or one file per namespace."""

from __future__ import annotations

import pytest
import yaml
from rest_framework.authtoken.models import Token

from editor import services
from editor.cli.export_command import manifests_url, split_by_namespace
from editor.demo import demo_design_create

from .conftest import run_cli


@pytest.fixture
def served(live_server, user):
    """The three-tier demo plus ops/backup → shop/db, alice's token, and the server's address."""
    design = demo_design_create(owner=user)
    services.workload_create(design=design, namespace="ops", name="backup", labels={"app": "backup"}, ports=[])
    services.flow_create(
        design=design,
        source={"workload": "ops/backup"},
        destination={"workload": "shop/db"},
        ports=[{"protocol": "TCP", "port": 5432}],
    )
    return live_server.url, Token.objects.create(user=user).key, design


@pytest.mark.django_db(transaction=True)
def test_export_to_a_file_writes_what_the_api_answers(served, tmp_path, client, user):
    url, token, design = served
    result = run_cli(
        "export", "--url", url, "--token", token, "--design", str(design.pk), "-o", str(tmp_path / "all.yaml")
    )
    assert result.code == 0, result.err
    client.force_login(user)
    expected = client.get(f"/api/v1/designs/{design.pk}/manifests/?format=yaml").content.decode()
    assert (tmp_path / "all.yaml").read_text() == expected
    assert {d["metadata"]["namespace"] for d in yaml.safe_load_all(expected)} == {"ops", "shop"}


@pytest.mark.django_db(transaction=True)
def test_export_to_a_directory_writes_one_file_per_namespace(served, tmp_path):
    url, token, design = served
    out = tmp_path / "policies"
    result = run_cli("export", "--url", url, "--token", token, "--design", str(design.pk), "--out", str(out))
    assert result.code == 0, result.err
    assert sorted(p.name for p in out.iterdir()) == ["ops.yaml", "shop.yaml"]
    shop = list(yaml.safe_load_all((out / "shop.yaml").read_text()))
    assert {d["metadata"]["namespace"] for d in shop} == {"shop"}
    assert len(shop) == 3
    assert result.err == f"wrote 2 files to {out}: ops.yaml, shop.yaml\n"


@pytest.mark.django_db(transaction=True)
def test_export_to_stdout_then_lint_reads_it(served, tmp_path):
    url, token, design = served
    result = run_cli("export", "--url", url, "--token", token, "--design", str(design.pk))
    assert result.out.startswith("---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("token", "design", "expected"),
    [
        ("wrong", None, "The server answered 401 Unauthorized for GET "),
        (None, 99999, "The server answered 404 Not Found for GET "),
    ],
)
def test_a_refusing_server_is_an_error_that_says_what_to_check(served, token, design, expected):
    url, good_token, own = served
    result = run_cli("export", "--url", url, "--token", token or good_token, "--design", str(design or own.pk))
    assert result.code == 2
    assert result.err.startswith(f"policyeditor export: error: {expected}")
    assert "check --token" in result.err if token else "check --design" in result.err
    assert good_token not in result.err


def test_an_unreachable_server_is_an_error_naming_the_url():
    result = run_cli("export", "--url", "http://127.0.0.1:9", "--token", "t", "--design", "1", "--timeout", "5")
    assert result.code == 2
    assert result.err.startswith("policyeditor export: error: Cannot reach http://127.0.0.1:9/api/v1/designs/1/")


def test_url_and_token_are_required_but_may_come_from_the_environment(monkeypatch):
    monkeypatch.delenv("POLICYEDITOR_URL", raising=False)
    monkeypatch.delenv("POLICYEDITOR_TOKEN", raising=False)
    assert "Give the server's address" in run_cli("export", "--design", "1").err
    monkeypatch.setenv("POLICYEDITOR_URL", "http://127.0.0.1:9")
    assert "Give an API token" in run_cli("export", "--design", "1").err


def test_the_target_is_passed_as_the_api_names_it():
    assert manifests_url("https://p.example/", 7, "cilium") == (
        "https://p.example/api/v1/designs/7/manifests/?format=yaml&target=cilium"
    )
    assert manifests_url("https://p.example", 7, None) == "https://p.example/api/v1/designs/7/manifests/?format=yaml"


def test_documents_without_a_namespace_go_to_the_file_the_server_names():
    text = "---\nkind: A\nmetadata: {namespace: a}\n---\n- a list\n---\nkind: B\nmetadata: {namespace: ../x}\n"
    assert split_by_namespace(text, "shop-netassert.yaml") == {
        "a.yaml": "---\nkind: A\nmetadata: {namespace: a}\n",
        "shop-netassert.yaml": "---\n- a list\n---\nkind: B\nmetadata: {namespace: ../x}\n",
    }
