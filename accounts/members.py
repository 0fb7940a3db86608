"""Changing who works at an organisation's desk (the managers' members page)."""

from __future__ import annotations

from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization, Role, User
from dsr import emails


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


@transaction.atomic
def member_change_role(*, membership: Membership, role: str) -> Membership:
    if role not in Role.values:
        raise MemberError(_("Unknown role."))
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if (
        membership.role == Role.MANAGER
        and role != Role.MANAGER
        and not _managers_left(membership.organization, membership)
    ):
        raise MemberError(_("An organisation keeps at least one manager."))
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def member_remove(*, membership: Membership) -> None:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Role.MANAGER and not _managers_left(membership.organization, membership):
        raise MemberError(_("An organisation keeps at least one manager."))
    membership.delete()
