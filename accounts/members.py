"""Changing who works at an organisation's desk (the managers' members page).

Removing someone, or lowering them to viewer, goes through `member_change`: their open
requests in the organisation are unassigned through the workflow in the same transaction."""

from __future__ import annotations

from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts import access
from accounts.models import Membership, Organization, Role, User
from dsr import audit, emails, workflow
from dsr.models import OPEN_STATUSES, EventKind, Request


class MemberError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _managers_left(organization: Organization, without: Membership) -> bool:
    return (
        Membership.objects.filter(organization=organization, role=Role.MANAGER)
        .exclude(pk=without.pk)
        .exists()
    )


@transaction.atomic
def member_add(
    *, organization: Organization, email: str, full_name: str, role: str, inviter: User
) -> Membership:
    """Add someone by e-mail; a new person gets an e-mail to choose their password."""
    if role not in Role.values:
        raise MemberError(_("Unknown role."))
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if created:
        user = User.objects.create_user(email, None, full_name=full_name.strip())
    elif Membership.objects.filter(user=user, organization=organization).exists():
        raise MemberError(_("This person is already a member."))
    membership = Membership.objects.create(user=user, organization=organization, role=role)
    if created:
        emails.email_queue(
            template="account_invitation",
            to=user.email,
            language=organization.default_language,
            organization=organization,
            context={
                "organization": organization,
                "inviter": inviter,
                "uid": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
    return membership


def _unassign_open_requests(membership: Membership, actor: audit.Actor) -> int:
    """Hand the person's open requests in this organisation back to the queue: each through
    the workflow, so each is an Event with the manager as the actor."""
    held = Request.objects.filter(
        organization=membership.organization,
        assignee=membership.user,
        status__in=OPEN_STATUSES,
    ).order_by("pk")
    count = 0
    for request in held:
        workflow.request_assign(request=request, assignee=None, actor=actor)
        count += 1
    return count


@transaction.atomic
def member_change(*, membership: Membership, role: str | None, actor: User) -> Membership | None:
    """Change someone's role, or remove them (`role` None), as the manager `actor`.

    Whoever stops being an officer (removed, or lowered to viewer) stops being the assignee
    of the organisation's open requests in the same transaction, so nobody keeps work, or
    reminders about it, at a desk they no longer work at. The change is an Event."""
    if role is not None and role not in Role.values:
        raise MemberError(_("Unknown role."))
    membership = (
        Membership.objects.select_for_update()
        .select_related("user", "organization")
        .get(pk=membership.pk)
    )
    previous = membership.role
    if (
        previous == Role.MANAGER
        and role != Role.MANAGER
        and not _managers_left(membership.organization, membership)
    ):
        raise MemberError(_("An organisation keeps at least one manager."))
    if role == previous:
        return membership
    manager = audit.Actor.for_user(actor)
    unassigned = 0
    if role not in access.ACTING_ROLES:
        unassigned = _unassign_open_requests(membership, manager)
    audit.record(
        organization=membership.organization,
        kind=EventKind.MEMBER_REMOVED if role is None else EventKind.MEMBER_ROLE_CHANGED,
        actor=manager,
        data={
            "user": membership.user_id,
            "role" if role is None else "from": previous,
            **({} if role is None else {"to": role}),
            "unassigned": unassigned,
        },
        payload={"email": membership.user.email},
    )
    if role is None:
        membership.delete()
        return None
    membership.role = role
    membership.save(update_fields=["role"])
    return membership
