"""Every access rule, in the API and the pages: owner, editor, viewer, stranger, secret link, anonymous.

alice owns the three-tier design; bob is a viewer or an editor of it (or a stranger); carol is never shared with.
"""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from editor import models, selectors, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def design(three_tier):
    return three_tier


@pytest.fixture
def carol(django_user_model):
    return django_user_model.objects.create_user("carol", "carol@example.com", "carol-password")


def api_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def browser_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def share(design, user, role):
    return services.share_create(design=design, username=user.username, role=role)


def workload_id(design, ref="shop/api"):
    ns, name = ref.split("/")
    return design.workloads.get(namespace__name=ns, name=name).pk


# ---------------------------------------------------------------- selectors: the one access check


def test_selector_gives_each_role_its_access(design, user, other_user, carol):
    share(design, other_user, "viewer")
    assert selectors.design_get_for(user, design.pk, write=True).access == "owner"
    assert selectors.design_get_for(other_user, design.pk).access == "viewer"
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    with pytest.raises(PermissionDenied, match="read-only"):
        selectors.design_get_for(other_user, design.pk, write=True)
    with pytest.raises(Http404):
        selectors.design_get_for(carol, design.pk)
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(Http404):
        selectors.design_get_for(AnonymousUser(), design.pk)


# ---------------------------------------------------------------- API: owner


def test_owner_reads_changes_and_deletes_through_the_api(api, design):
    assert api.get(f"/api/v1/designs/{design.pk}/").json()["access"] == "owner"
    assert api.patch(f"/api/v1/designs/{design.pk}/", {"name": "renamed"}, format="json").status_code == 200
    assert api.get(f"/api/v1/designs/{design.pk}/shares/").status_code == 200
    assert api.delete(f"/api/v1/designs/{design.pk}/").status_code == 204


# ---------------------------------------------------------------- API: editor


def test_editor_reads_and_changes_but_cannot_delete_or_share(design, other_user, carol):
    share(design, other_user, "editor")
    bob = api_for(other_user)
    url = f"/api/v1/designs/{design.pk}/"
    got = bob.get(url)
    assert got.status_code == 200
    assert (got.json()["access"], got.json()["owner"]) == ("editor", "alice")
    assert bob.patch(url, {"description": "by bob"}, format="json").status_code == 200
    assert bob.post(url + "namespaces/", {"name": "staging"}, format="json").status_code == 201
    wl = workload_id(design)
    assert bob.patch(url + f"workloads/{wl}/", {"x": 10.0}, format="json").status_code == 200
    assert bob.get(url + "manifests/").status_code == 200
    response = bob.delete(url)
    assert response.status_code == 403
    assert "Only the design's owner (alice)" in response.json()["detail"]
    assert bob.get(url + "shares/").status_code == 403
    assert bob.post(url + "shares/", {"username": "carol", "role": "viewer"}, format="json").status_code == 403
    assert bob.post(url + "links/").status_code == 403
    assert models.Design.objects.filter(pk=design.pk).exists()
    assert not design.shares.filter(user=carol).exists()
    assert models.Revision.objects.filter(design=design, author=other_user).count() == 3


def test_editor_restores_a_revision(design, other_user):
    share(design, other_user, "editor")
    first = design.revisions.order_by("number").first().number
    response = api_for(other_user).post(f"/api/v1/designs/{design.pk}/revisions/{first}/restore/")
    assert response.status_code == 200
    assert not design.workloads.exists()


# ---------------------------------------------------------------- API: viewer


def test_viewer_reads_everything_and_every_write_is_403(design, other_user):
    share(design, other_user, "viewer")
    bob = api_for(other_user)
    url = f"/api/v1/designs/{design.pk}/"
    wl = workload_id(design)
    for path in ("", "manifests/", "warnings/", "workloads/", f"workloads/{wl}/", "flows/", "revisions/"):
        assert bob.get(url + path).status_code == 200, path
    before = design.revision
    writes = [
        ("patch", "", {"name": "mine"}),
        ("put", "", {"name": "mine"}),
        ("delete", "", None),
        ("post", "namespaces/", {"name": "x"}),
        ("patch", f"workloads/{wl}/", {"x": 1.0}),
        ("delete", f"workloads/{wl}/", None),
        ("post", "revisions/1/restore/", None),
        ("get", "shares/", None),
        ("post", "links/", None),
    ]
    for method, path, body in writes:
        response = getattr(bob, method)(url + path, body, format="json")
        assert response.status_code == 403, (method, path, response.status_code)
    assert "read-only" in bob.patch(url, {"name": "x"}, format="json").json()["detail"]
    design.refresh_from_db()
    assert design.revision == before


def test_shared_designs_are_listed_apart_from_own_ones(api, design, other_user):
    share(design, other_user, "viewer")
    bob = api_for(other_user)
    own = services.design_create(owner=other_user, name="bobs")
    assert [d["id"] for d in bob.get("/api/v1/designs/").json()] == [own.pk]
    shared = bob.get("/api/v1/designs/?shared=1").json()
    assert [(d["id"], d["access"], d["owner"]) for d in shared] == [(design.pk, "viewer", "alice")]
    assert [d["id"] for d in api.get("/api/v1/designs/").json()] == [design.pk]
    assert api.get("/api/v1/designs/?shared=1").json() == []


# ---------------------------------------------------------------- API: stranger and anonymous


def test_stranger_gets_404_for_everything(design, carol):
    c = api_for(carol)
    url = f"/api/v1/designs/{design.pk}/"
    wl = workload_id(design)
    for method, path in [
        ("get", ""),
        ("patch", ""),
        ("delete", ""),
        ("get", "manifests/"),
        ("get", "warnings/"),
        ("get", "workloads/"),
        ("get", f"workloads/{wl}/"),
        ("post", "namespaces/"),
        ("delete", f"workloads/{wl}/"),
        ("get", "revisions/"),
        ("post", "revisions/1/restore/"),
        ("get", "shares/"),
        ("get", "links/"),
    ]:
        assert getattr(c, method)(url + path, {}, format="json").status_code == 404, (method, path)
    assert c.get("/api/v1/designs/").json() == []
    assert c.get("/api/v1/designs/?shared=1").json() == []


def test_removed_share_makes_the_user_a_stranger_again(api, design, other_user):
    created = api.post(f"/api/v1/designs/{design.pk}/shares/", {"username": "bob", "role": "viewer"}, format="json")
    assert created.status_code == 201
    assert created.json()["username"] == "bob"
    bob = api_for(other_user)
    assert bob.get(f"/api/v1/designs/{design.pk}/").status_code == 200
    assert api.delete(f"/api/v1/designs/{design.pk}/shares/{created.json()['id']}/").status_code == 204
    assert bob.get(f"/api/v1/designs/{design.pk}/").status_code == 404


def test_owner_changes_a_share_role(api, design, other_user):
    created = api.post(f"/api/v1/designs/{design.pk}/shares/", {"username": "bob", "role": "viewer"}, format="json")
    bob = api_for(other_user)
    assert bob.patch(f"/api/v1/designs/{design.pk}/", {"name": "x"}, format="json").status_code == 403
    url = f"/api/v1/designs/{design.pk}/shares/{created.json()['id']}/"
    assert api.patch(url, {"role": "editor"}, format="json").json()["role"] == "editor"
    assert bob.patch(f"/api/v1/designs/{design.pk}/", {"name": "x"}, format="json").status_code == 200


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"username": "nobody", "role": "viewer"}, "There is no user 'nobody'"),
        ({"username": "alice", "role": "viewer"}, "alice owns this design"),
        ({"username": "bob", "role": "admin"}, '"admin" is not a role'),
    ],
)
def test_bad_shares_are_refused_with_the_fix(api, design, other_user, body, message):
    response = api.post(f"/api/v1/designs/{design.pk}/shares/", body, format="json")
    assert response.status_code == 400
    assert message in str(response.json())
    assert not design.shares.exists()


def test_sharing_twice_is_refused(api, design, other_user):
    share(design, other_user, "viewer")
    response = api.post(f"/api/v1/designs/{design.pk}/shares/", {"username": "bob", "role": "editor"}, format="json")
    assert response.status_code == 400
    assert "already shared with bob" in str(response.json())


def test_anonymous_api_calls_get_401(design):
    anon = APIClient()
    url = f"/api/v1/designs/{design.pk}/"
    assert anon.get("/api/v1/designs/").status_code == 401
    assert anon.get(url).status_code == 401
    assert anon.patch(url, {"name": "x"}, format="json").status_code == 401
    assert anon.get(url + "revisions/").status_code == 401
    assert APIClient(HTTP_AUTHORIZATION="Token not-a-token").get(url).status_code == 401


# ---------------------------------------------------------------- secret links


def test_link_shows_the_design_read_only_without_login_until_revoked(api, design):
    made = api.post(f"/api/v1/designs/{design.pk}/links/")
    assert made.status_code == 201
    token, url = made.json()["token"], made.json()["url"]
    assert len(token) >= 40
    assert url.endswith(f"/shared/{token}/")
    page = Client().get(f"/shared/{token}/")
    assert page.status_code == 200
    assert b"kind: NetworkPolicy" in page.content
    assert design.name.encode() in page.content
    assert page["Cache-Control"] == "private, no-store"
    assert page["Referrer-Policy"] == "no-referrer"
    # the link is not an API credential and does not open the editor
    assert APIClient(HTTP_AUTHORIZATION=f"Token {token}").get(f"/api/v1/designs/{design.pk}/").status_code == 401
    assert Client().post(f"/shared/{token}/").status_code == 405
    assert api.delete(f"/api/v1/designs/{design.pk}/links/{made.json()['id']}/").status_code == 204
    assert Client().get(f"/shared/{token}/").status_code == 404


def test_unknown_link_is_404(design):
    assert Client().get("/shared/not-a-token/").status_code == 404


def test_links_are_listed_for_the_owner_only(api, design, other_user):
    services.link_create(design=design)
    assert len(api.get(f"/api/v1/designs/{design.pk}/links/").json()) == 1
    share(design, other_user, "editor")
    assert api_for(other_user).get(f"/api/v1/designs/{design.pk}/links/").status_code == 403


# ---------------------------------------------------------------- pages


def test_pages_for_the_owner(design, user):
    alice = browser_for(user)
    for name in ("design-detail", "design-download", "design-sharing", "design-history"):
        assert alice.get(f"/designs/{design.pk}/" + PAGES[name]).status_code == 200, name
    assert alice.get("/").status_code == 200


PAGES = {
    "design-detail": "",
    "design-download": "download/",
    "design-sharing": "sharing/",
    "design-history": "history/",
}


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_pages_for_a_collaborator(design, other_user, role):
    share(design, other_user, role)
    bob = browser_for(other_user)
    for name in ("design-detail", "design-download", "design-history"):
        assert bob.get(f"/designs/{design.pk}/" + PAGES[name]).status_code == 200, name
    assert bob.get(f"/designs/{design.pk}/sharing/").status_code == 403
    assert bob.post(f"/designs/{design.pk}/sharing/links/").status_code == 403
    first = design.revisions.order_by("number").first().number
    restore = bob.post(f"/designs/{design.pk}/history/{first}/restore/", {"revision": design.revision})
    assert restore.status_code == (302 if role == "editor" else 403)
    assert design.workloads.exists() == (role == "viewer")


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_only_the_owner_deletes_a_design_in_the_pages(design, user, other_user, role):
    share(design, other_user, role)
    assert browser_for(other_user).post(f"/designs/{design.pk}/delete/").status_code == 403
    assert models.Design.objects.filter(pk=design.pk).exists()
    assert browser_for(user).post(f"/designs/{design.pk}/delete/").status_code == 302
    assert not models.Design.objects.filter(pk=design.pk).exists()


def test_design_delete_service_refuses_anyone_but_the_owner(design, other_user):
    from django.core.exceptions import PermissionDenied

    share(design, other_user, "editor")
    with pytest.raises(PermissionDenied, match="Only the design's owner"):
        services.design_delete(design=design, actor=other_user)
    assert models.Design.objects.filter(pk=design.pk).exists()


def test_pages_for_a_stranger_are_404(design, carol):
    c = browser_for(carol)
    for path in PAGES.values():
        assert c.get(f"/designs/{design.pk}/{path}").status_code == 404, path
    assert c.get(f"/designs/{design.pk}/history/1/").status_code == 404
    assert c.post(f"/designs/{design.pk}/history/1/restore/", {"revision": 1}).status_code == 404
    assert c.post(f"/designs/{design.pk}/sharing/shares/", {"username": "carol", "role": "editor"}).status_code == 404
    assert not design.shares.exists()
    assert design.name.encode() not in c.get("/").content


def test_pages_for_anonymous_redirect_to_login(design):
    c = Client()
    for path in PAGES.values():
        response = c.get(f"/designs/{design.pk}/{path}")
        assert response.status_code == 302, path
        assert response["Location"].startswith("/login/")
    assert c.post(f"/designs/{design.pk}/history/1/restore/", {"revision": 1}).status_code == 302
    assert design.revisions.count() == models.Revision.objects.filter(design=design).count()


def test_sharing_page_adds_changes_and_removes_a_share(design, user, other_user):
    alice = browser_for(user)
    response = alice.post(f"/designs/{design.pk}/sharing/shares/", {"username": "bob", "role": "viewer"})
    assert response.status_code == 302
    s = design.shares.get(user=other_user)
    assert s.role == "viewer"
    alice.post(f"/designs/{design.pk}/sharing/shares/{s.pk}/", {"role": "editor"})
    assert design.shares.get(user=other_user).role == "editor"
    page = alice.get(f"/designs/{design.pk}/sharing/")
    assert b"bob" in page.content
    alice.post(f"/designs/{design.pk}/sharing/shares/{s.pk}/", {"action": "remove"})
    assert not design.shares.exists()


def test_sharing_page_shows_what_is_wrong_with_a_bad_share(design, user):
    response = browser_for(user).post(f"/designs/{design.pk}/sharing/shares/", {"username": "nobody"})
    assert response.status_code == 400
    assert b"There is no user &#x27;nobody&#x27;" in response.content


def test_sharing_page_makes_and_revokes_links(design, user):
    alice = browser_for(user)
    alice.post(f"/designs/{design.pk}/sharing/links/")
    link = design.links.get()
    assert f"/shared/{link.token}/".encode() in alice.get(f"/designs/{design.pk}/sharing/").content
    alice.post(f"/designs/{design.pk}/sharing/links/{link.pk}/revoke/")
    assert not design.links.exists()


def test_forms_need_csrf(design, user):
    c = Client(enforce_csrf_checks=True)
    c.force_login(user)
    assert c.post(f"/designs/{design.pk}/sharing/links/").status_code == 403
    assert not design.links.exists()


# ---------------------------------------------------------------- admin


def test_admin_is_for_staff_only(django_user_model, user):
    c = browser_for(user)
    response = c.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    staff = django_user_model.objects.create_user("root", "root@example.com", "root-password", is_staff=True)
    assert browser_for(staff).get("/admin/").status_code == 200
    assert Client().get("/admin/").status_code == 302


# ---------------------------------------------------------------- history pages


def test_history_page_says_who_changed_what(design, user, other_user):
    share(design, other_user, "editor")
    services.namespace_create(design=design, name="staging", actor=other_user)
    page = browser_for(user).get(f"/designs/{design.pk}/history/").content.decode()
    assert "Added namespace staging" in page
    assert "<td>bob</td>" in page
    diff = browser_for(user).get(f"/designs/{design.pk}/history/{design.revision}/").content.decode()
    assert "<li>Added namespace staging</li>" in diff


def test_restore_from_a_stale_page_is_refused_and_shows_the_current_state(design, user, other_user):
    share(design, other_user, "editor")
    seen = design.revision  # the page alice loaded
    first = design.revisions.order_by("number").first().number
    services.namespace_create(design=design, name="staging", actor=other_user)  # bob, in another tab
    response = browser_for(user).post(f"/designs/{design.pk}/history/{first}/restore/", {"revision": seen})
    assert response.status_code == 409
    page = response.content.decode()
    assert "changed since you loaded it" in page
    assert "Added namespace staging, by bob" in page
    assert f"Now at revision {seen + 1}" in page
    assert design.namespaces.filter(name="staging").exists()
    assert design.workloads.exists()
