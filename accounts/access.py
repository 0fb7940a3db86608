"""Who may see what: the one place that scopes querysets to a user's organisations.

Every list, detail page, admin page and API view goes through `visible_to`, so a
request of another organisation is simply not in the queryset (a 404, not a 403).
"""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models

from accounts.models import Membership, Organization, Role, User

M = TypeVar("M", bound=models.Model)


def organization_path(model: type[models.Model]) -> str:
    """The lookup from `model` to its Organization, declared on the model.

    Models owned by an organisation set `ORGANIZATION_PATH` ("organization",
    "request__organization", ...); Organization itself is its own owner.
    """
    if model is Organization:
        return "pk"
    try:
        return model.ORGANIZATION_PATH  # type: ignore[attr-defined]
    except AttributeError:
        raise TypeError(f"{model.__name__} does not declare ORGANIZATION_PATH") from None


def visible_to(
    user: User,
    queryset: models.QuerySet[M],
    *,
    organization: Organization | None = None,
    roles: tuple[str, ...] | None = None,
) -> models.QuerySet[M]:
    """Narrow `queryset` to the objects of organisations `user` is a member of.

    `organization` narrows further to one of them (the desk's organisation switch);
    `roles` keeps only organisations where the user has one of these roles.
    An anonymous or inactive user sees nothing.
    """
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    memberships = Membership.objects.filter(user=user)
    if roles is not None:
        memberships = memberships.filter(role__in=roles)
    if organization is not None:
        memberships = memberships.filter(organization=organization)
    path = organization_path(queryset.model)
    return queryset.filter(**{f"{path}__in": memberships.values("organization_id")})


# Officers and managers act on requests; viewers only look.
ACTING_ROLES = (Role.OFFICER, Role.MANAGER)


def membership_for(user: User, organization: Organization) -> Membership | None:
    if not user.is_authenticated or not user.is_active:
        return None
    return Membership.objects.filter(user=user, organization=organization).first()


def membership_can_act(membership: Membership | None) -> bool:
    """**The** "may act" rule, for a membership already in hand (the desk's session)."""
    return membership is not None and membership.role in ACTING_ROLES


def can_act(user: User | None, organization: Organization) -> bool:
    """Whether `user` may act on `organization`'s requests (an officer or manager there).

    The workflow, the letters, the fulfilment pages, the desk and the API (for users; a
    token's scope is the API's own check) all ask this one function."""
    return user is not None and membership_can_act(membership_for(user, organization))


def require_act(user: User, organization: Organization, message: str) -> None:
    """A view's guard: `PermissionDenied` (403) with `message` unless `user` may act."""
    if not can_act(user, organization):
        raise PermissionDenied(message)


def can_manage(user: User, organization: Organization) -> bool:
    membership = membership_for(user, organization)
    return membership is not None and membership.role == Role.MANAGER


def officers_of(organization: Organization) -> models.QuerySet[User]:
    """The people who act for `organization`: its active officers and managers (unordered).

    Who may be assigned a request, who is told when nobody is, who gets reminders."""
    return User.objects.filter(
        is_active=True,
        memberships__organization=organization,
        memberships__role__in=ACTING_ROLES,
    )
