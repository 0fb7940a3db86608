"""Who is at the desk, for which organisation, and what they may do there.

Every desk view is wrapped in `desk_view`: it requires a signed-in, two-factor verified
member of at least one organisation and puts a `Desk` on `request.desk`. Objects are then
looked up through `accounts.access.visible_to` (see dsr/desk/queries.py), so an object of
another organisation is a 404, never a 403.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache

from accounts import access
from accounts.models import Membership, Organization, Role, User

ORGANIZATION_SESSION_KEY = "desk_organization"


class MethodNotAllowed(Exception):
    """Raised by `allow_methods`; `desk_view` answers 405."""

    def __init__(self, allowed: tuple[str, ...]) -> None:
        super().__init__(", ".join(allowed))
        self.allowed = allowed


def allow_methods(request: HttpRequest, *allowed: str) -> None:
    """Check the HTTP method *after* the object was looked up: a URL naming another
    organisation's object is a 404 whatever the method, never a 405 that confirms it."""
    if request.method not in allowed:
        raise MethodNotAllowed(allowed)


@dataclass(frozen=True)
class Desk:
    """The user's memberships and the organisation the desk currently shows."""

    user: User
    memberships: tuple[Membership, ...]
    membership: Membership

    @property
    def organization(self) -> Organization:
        return self.membership.organization

    @property
    def can_act(self) -> bool:
        return access.membership_can_act(self.membership)

    @property
    def can_manage(self) -> bool:
        return self.membership.role == Role.MANAGER

    def membership_in(self, organization_id: int) -> Membership | None:
        for membership in self.memberships:
            if membership.organization_id == organization_id:
                return membership
        return None


def desk_for(request: HttpRequest) -> Desk | None:
    """The desk of a verified user with at least one membership, or None."""
    memberships = tuple(
        Membership.objects.filter(user=request.user)
        .select_related("organization")
        .order_by("organization__name")
    )
    if not memberships:
        return None
    chosen = request.session.get(ORGANIZATION_SESSION_KEY)
    # Until the user switches: the organisation they joined first.
    first = min(memberships, key=lambda membership: (membership.created_at, membership.pk))
    current = next((m for m in memberships if m.organization_id == chosen), first)
    return Desk(user=request.user, memberships=memberships, membership=current)


def organization_switch(request: HttpRequest, desk: Desk, slug: str) -> Membership | None:
    """Show another of the user's organisations; None if they are not a member of it."""
    membership = next((m for m in desk.memberships if m.organization.slug == slug), None)
    if membership is not None:
        request.session[ORGANIZATION_SESSION_KEY] = membership.organization_id
    return membership


def desk_view(view: Callable | None = None, *, act: bool = False, manage: bool = False) -> Callable:
    """Require a verified desk session; `act`: an officer or manager of the current
    organisation; `manage`: a manager of it. Sets `request.desk`."""

    def decorate(function: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @never_cache
        @functools.wraps(function)
        def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            user = request.user
            if not user.is_authenticated or not user.is_verified():
                login = reverse("accounts:login")
                return redirect(f"{login}?{urlencode({'next': request.get_full_path()})}")
            desk = desk_for(request)
            if desk is None:
                raise PermissionDenied("You are not a member of any organisation on this desk.")
            if (act and not desk.can_act) or (manage and not desk.can_manage):
                raise PermissionDenied("Your role does not allow this.")
            request.desk = desk
            try:
                return function(request, *args, **kwargs)
            except MethodNotAllowed as exc:
                return HttpResponseNotAllowed(list(exc.allowed))

        return wrapper

    return decorate(view) if view is not None else decorate
