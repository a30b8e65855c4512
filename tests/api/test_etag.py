"""ETag / If-Match on the API: a stale write gets 412 and changes nothing; the history says who changed what."""

from __future__ import annotations

import pytest

from editor import models, selectors, services

pytestmark = pytest.mark.django_db


def etag(design: models.Design) -> str:
    design.refresh_from_db()
    return f'"{design.pk}-{design.revision}"'


@pytest.fixture
def design(user):
    return services.design_create(owner=user, name="shop")


def test_design_get_answers_its_revision_as_etag(api, design):
    response = api.get(f"/api/v1/designs/{design.pk}/")
    assert response.status_code == 200
    assert response["ETag"] == f'"{design.pk}-{design.revision}"'


def test_patch_with_current_if_match_changes_and_answers_the_new_etag(api, design):
    response = api.patch(f"/api/v1/designs/{design.pk}/", {"name": "shop2"}, format="json", HTTP_IF_MATCH=etag(design))
    assert response.status_code == 200
    design.refresh_from_db()
    assert design.name == "shop2"
    assert response["ETag"] == f'"{design.pk}-{design.revision}"'
    assert response.json()["revision"] == design.revision


def test_patch_with_stale_if_match_gets_412_and_changes_nothing(api, design):
    stale = etag(design)
    services.design_update(design=design, description="someone else's change")
    before = design.revision
    response = api.patch(f"/api/v1/designs/{design.pk}/", {"name": "mine"}, format="json", HTTP_IF_MATCH=stale)
    assert response.status_code == 412
    assert response["ETag"] == f'"{design.pk}-{before}"'
    assert "changed since you loaded it" in response.json()["detail"]
    assert response.json()["revision"] == before
    design.refresh_from_db()
    assert (design.name, design.revision) == ("shop", before)


def test_put_with_stale_if_match_gets_412(api, design):
    stale = etag(design)
    services.design_update(design=design, description="x")
    response = api.put(f"/api/v1/designs/{design.pk}/", {"name": "mine"}, format="json", HTTP_IF_MATCH=stale)
    assert response.status_code == 412
    design.refresh_from_db()
    assert design.name == "shop"


def test_delete_with_stale_if_match_gets_412_and_keeps_the_design(api, design):
    stale = etag(design)
    services.design_update(design=design, description="x")
    assert api.delete(f"/api/v1/designs/{design.pk}/", HTTP_IF_MATCH=stale).status_code == 412
    assert models.Design.objects.filter(pk=design.pk).exists()
    assert api.delete(f"/api/v1/designs/{design.pk}/", HTTP_IF_MATCH=etag(design)).status_code == 204
    assert not models.Design.objects.filter(pk=design.pk).exists()


def test_writes_without_if_match_work_as_before(api, design):
    assert api.patch(f"/api/v1/designs/{design.pk}/", {"name": "b"}, format="json").status_code == 200
    assert api.post(f"/api/v1/designs/{design.pk}/namespaces/", {"name": "prod"}, format="json").status_code == 201


def test_if_match_star_and_weak_tags_match_the_current_revision(api, design):
    url = f"/api/v1/designs/{design.pk}/"
    assert api.patch(url, {"name": "a"}, format="json", HTTP_IF_MATCH="*").status_code == 200
    assert api.patch(url, {"name": "b"}, format="json", HTTP_IF_MATCH="W/" + etag(design)).status_code == 200


def test_malformed_if_match_gets_412_saying_what_to_send(api, design):
    response = api.patch(f"/api/v1/designs/{design.pk}/", {"name": "x"}, format="json", HTTP_IF_MATCH="banana")
    assert response.status_code == 412
    assert f'"{design.pk}-{design.revision}"' in response.json()["detail"]


def test_if_match_of_another_design_does_not_match(api, design, user):
    other = services.design_create(owner=user, name="other")
    response = api.patch(f"/api/v1/designs/{design.pk}/", {"name": "x"}, format="json", HTTP_IF_MATCH=etag(other))
    assert response.status_code == 412


def test_part_endpoints_answer_the_designs_etag(api, design):
    response = api.post(f"/api/v1/designs/{design.pk}/namespaces/", {"name": "prod"}, format="json")
    assert response.status_code == 201
    assert response["ETag"] == etag(design)
    ns = response.json()["id"]
    assert api.get(f"/api/v1/designs/{design.pk}/namespaces/")["ETag"] == etag(design)
    assert api.get(f"/api/v1/designs/{design.pk}/namespaces/{ns}/")["ETag"] == etag(design)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "workloads/", {"namespace": "prod", "name": "db"}),
        ("patch", "workloads/{wl}/", {"labels": {"app": "changed"}}),
        ("put", "workloads/{wl}/", {"namespace": "prod", "name": "api2"}),
        ("delete", "workloads/{wl}/", None),
        ("post", "namespaces/", {"name": "staging"}),
        ("post", "externals/", {"name": "corp", "cidr": "10.0.0.0/8"}),
        ("post", "flows/", {"source": {"workload": "prod/api"}, "destination": {"namespace": "prod"}}),
    ],
)
def test_part_writes_with_stale_if_match_get_412_and_change_nothing(api, design, method, path, body):
    wl = services.workload_create(design=design, namespace="prod", name="api")
    stale = etag(design)
    services.design_update(design=design, description="a concurrent change")
    snapshot_before = selectors.revision_snapshot(
        models.Revision.objects.filter(design=design).order_by("-number").first()
    )
    revision_before = etag(design)
    url = f"/api/v1/designs/{design.pk}/" + path.format(wl=wl.pk)
    response = getattr(api, method)(url, body, format="json", HTTP_IF_MATCH=stale)
    assert response.status_code == 412, response.content
    assert etag(design) == revision_before
    assert selectors.design_state(design).snapshot() == snapshot_before


def test_part_write_with_current_if_match_succeeds(api, design):
    response = api.post(
        f"/api/v1/designs/{design.pk}/workloads/",
        {"namespace": "prod", "name": "api"},
        format="json",
        HTTP_IF_MATCH=etag(design),
    )
    assert response.status_code == 201
    assert response["ETag"] == etag(design)


def test_revision_history_names_the_author_and_the_change(api, design, user):
    api.post(f"/api/v1/designs/{design.pk}/namespaces/", {"name": "prod"}, format="json")
    response = api.get(f"/api/v1/designs/{design.pk}/revisions/")
    assert response.status_code == 200
    newest = response.json()[0]
    assert newest["author"] == user.username
    assert newest["summary"] == "Added namespace prod"
    design.refresh_from_db()
    assert newest["number"] == design.revision
    detail = api.get(f"/api/v1/designs/{design.pk}/revisions/{newest['number']}/").json()
    prod = design.namespaces.get(name="prod")
    assert detail["snapshot"]["namespaces"] == [{"id": prod.pk, "name": "prod", "labels": {}}]


def test_restore_brings_back_an_old_revision_as_a_new_one(api, design):
    first = design.revision
    api.post(f"/api/v1/designs/{design.pk}/namespaces/", {"name": "prod"}, format="json")
    response = api.post(f"/api/v1/designs/{design.pk}/revisions/{first}/restore/", HTTP_IF_MATCH=etag(design))
    assert response.status_code == 200, response.content
    design.refresh_from_db()
    assert not design.namespaces.exists()
    assert response["ETag"] == etag(design)
    assert api.get(f"/api/v1/designs/{design.pk}/revisions/").json()[0]["summary"] == f"Restored revision {first}"


def test_restore_with_stale_if_match_gets_412(api, design):
    first = design.revision
    stale = etag(design)
    api.post(f"/api/v1/designs/{design.pk}/namespaces/", {"name": "prod"}, format="json")
    response = api.post(f"/api/v1/designs/{design.pk}/revisions/{first}/restore/", HTTP_IF_MATCH=stale)
    assert response.status_code == 412
    assert design.namespaces.filter(name="prod").exists()


def test_restore_of_a_missing_revision_is_404(api, design):
    assert api.post(f"/api/v1/designs/{design.pk}/revisions/999/restore/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_check_revision_outside_a_transaction_is_refused(design):
    with pytest.raises(RuntimeError, match="transaction.atomic"):
        services.check_revision(design, design.revision)


def test_check_revision_raises_stale_revision_with_a_clear_message(design, user):
    from django.db import transaction

    old = design.revision
    services.design_update(design=design, description="x", actor=user)
    with pytest.raises(services.StaleRevision) as caught, transaction.atomic():
        services.check_revision(models.Design.objects.get(pk=design.pk), old)
    assert caught.value.current == old + 1
    assert "by alice" in str(caught.value)
    assert "Nothing was saved" in str(caught.value)
