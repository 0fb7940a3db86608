"""accounts/access.py: one scoping function, and the admin built on it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts import access
from accounts.models import Membership, Organization, Role, User
from dsr.models import Attachment, Event, ProcessingActivity, Request
from tests.conftest import PASSWORD, make_user


@pytest.fixture
def two_requests(make_request, other_organization, outsider):
    from dsr import audit

    ours = make_request()
    theirs = make_request(organization=other_organization, actor=audit.Actor.for_user(outsider))
    return ours, theirs


def test_members_see_their_organisations_objects_only(two_requests, officer, outsider):
    ours, theirs = two_requests
    assert list(access.visible_to(officer, Request.objects.all())) == [ours]
    assert list(access.visible_to(outsider, Request.objects.all())) == [theirs]
    assert set(access.visible_to(officer, Event.objects.all())) == set(ours.events.all())
    assert list(access.visible_to(officer, Organization.objects.all())) == [ours.organization]


def test_nested_path_scopes_attachments(two_requests, officer):
    from dsr import audit
    from dsr.attachments import attachment_store

    ours, _ = two_requests
    for request in two_requests:
        attachment_store(
            request=request,
            content=b"%PDF-1.4",
            original_name="a.pdf",
            kind="evidence",
            actor=audit.Actor.system(),
        )
    assert [a.request for a in access.visible_to(officer, Attachment.objects.all())] == [ours]


def test_a_user_of_several_organisations_sees_both_and_can_narrow(
    two_requests, officer, other_organization
):
    Membership.objects.create(user=officer, organization=other_organization, role=Role.VIEWER)
    assert access.visible_to(officer, Request.objects.all()).count() == 2
    narrowed = access.visible_to(officer, Request.objects.all(), organization=other_organization)
    assert [r.organization for r in narrowed] == [other_organization]
    managed = access.visible_to(officer, Request.objects.all(), roles=(Role.MANAGER,))
    assert managed.count() == 0


def test_anonymous_and_inactive_users_see_nothing(two_requests, officer):
    from django.contrib.auth.models import AnonymousUser

    assert access.visible_to(AnonymousUser(), Request.objects.all()).count() == 0
    officer.is_active = False
    officer.save()
    assert access.visible_to(officer, Request.objects.all()).count() == 0


def test_models_without_an_owner_path_are_refused():
    with pytest.raises(TypeError):
        access.organization_path(User)


def test_roles(officer, viewer, manager, outsider, organization):
    assert access.can_act(officer, organization) and access.can_act(manager, organization)
    assert not access.can_act(viewer, organization)
    assert not access.can_act(outsider, organization)
    assert access.can_manage(manager, organization) and not access.can_manage(officer, organization)


def test_deleting_a_user_never_deletes_requests_or_events(two_requests, officer, organization):
    from dsr import audit, workflow

    ours, _ = two_requests
    workflow.request_assign(request=ours, assignee=officer, actor=audit.Actor.for_user(officer))
    officer.delete()
    ours.refresh_from_db()
    assert ours.assignee is None
    assert ours.events.count() == 2
    assert audit.verify(organization).ok


# --- the admin, scoped ----------------------------------------------------------------------


@pytest.fixture
def staff_manager(manager):
    manager.is_staff = True
    manager.save()
    return manager


def admin_login(client, user: User) -> None:
    assert client.login(email=user.email, password=PASSWORD)


def test_admin_lists_only_own_requests(client, staff_manager, two_requests):
    ours, theirs = two_requests
    admin_login(client, staff_manager)
    page = client.get(reverse("admin:dsr_request_changelist"))
    assert page.status_code == 200
    assert ours.reference.encode() in page.content
    assert theirs.reference.encode() not in page.content


def test_admin_outsider_request_is_404(client, staff_manager, two_requests):
    _, theirs = two_requests
    admin_login(client, staff_manager)
    url = reverse("admin:dsr_request_change", args=[theirs.pk])
    response = client.get(url)
    # Django's admin redirects to its index for objects outside the queryset ("doesn't exist").
    assert response.status_code == 302
    assert theirs.reference.encode() not in client.get(response.url).content


def test_admin_requests_and_events_are_read_only(client, staff_manager, two_requests):
    ours, _ = two_requests
    admin_login(client, staff_manager)
    response = client.post(
        reverse("admin:dsr_request_change", args=[ours.pk]), {"status": "completed"}
    )
    assert response.status_code == 403
    ours.refresh_from_db()
    assert ours.status == "identity_check"
    event = ours.events.first()
    response = client.post(reverse("admin:dsr_event_delete", args=[event.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert Event.objects.filter(pk=event.pk).exists()


def test_admin_manager_edits_own_register_not_others(
    client, staff_manager, organization, other_organization
):
    theirs = ProcessingActivity.objects.create(
        organization=other_organization,
        name="Metering",
        purpose="x",
        legal_basis="contract",
        retention="2 years",
    )
    admin_login(client, staff_manager)
    add = client.get(reverse("admin:dsr_processingactivity_add"))
    assert add.status_code == 200
    choices = add.context["adminform"].form.fields["organization"].queryset
    assert list(choices) == [organization]
    response = client.get(reverse("admin:dsr_processingactivity_change", args=[theirs.pk]))
    assert response.status_code == 302  # not in the queryset


def test_admin_officer_without_manager_role_cannot_change_configuration(
    client, officer, organization
):
    officer.is_staff = True
    officer.save()
    ours = ProcessingActivity.objects.create(
        organization=organization,
        name="Accounts",
        purpose="x",
        legal_basis="contract",
        retention="contract + 2 years",
    )
    admin_login(client, officer)
    url = reverse("admin:dsr_processingactivity_change", args=[ours.pk])
    assert client.get(url).status_code == 200  # may look
    response = client.post(url, {"name": "Changed"})
    assert response.status_code == 403
    ours.refresh_from_db()
    assert ours.name == "Accounts"


def test_admin_user_list_is_for_superusers(client, staff_manager):
    admin_login(client, staff_manager)
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403


def test_user_model_logs_in_by_email_case_insensitively(client, officer):
    assert client.login(email=officer.email.upper(), password=PASSWORD)


def test_create_user_requires_email():
    with pytest.raises(ValueError):
        User.objects.create_user("", "x")


def test_make_user_helper_without_organisation(db):
    user = make_user("loner@example.com", None)
    assert user.memberships.count() == 0
