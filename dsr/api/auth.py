"""Authentication and permissions of the REST API.

A token acts for its organisation only. A desk session (the browsable API) acts for
the organisations of its user, and only with the two-factor check done.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request as ApiRequest
from rest_framework.throttling import SimpleRateThrottle

from accounts import access
from accounts.models import ApiToken, Organization
from dsr.api import schema  # noqa: F401 (registers the OpenAPI description of these classes)
from dsr.api.tokens import api_token_find, api_token_touch


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: ApiRequest) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _, value = header.partition(" ")
        if keyword != self.keyword:
            return None
        token = api_token_find(value.strip())
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked API token.")
        api_token_touch(token)
        return AnonymousUser(), token

    def authenticate_header(self, request: ApiRequest) -> str:
        return f'{self.keyword} realm="api"'


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    """The desk session, accepted once its second factor is verified (when 2FA is on)."""

    def authenticate(self, request: ApiRequest):
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        is_verified = getattr(user, "is_verified", None)
        if callable(is_verified) and not is_verified():
            return None
        return result


def token_of(request: ApiRequest) -> ApiToken | None:
    return request.auth if isinstance(request.auth, ApiToken) else None


def organizations_of(request: ApiRequest):
    """The organisations this caller may see."""
    token = token_of(request)
    if token is not None:
        return Organization.objects.filter(pk=token.organization_id)
    return access.visible_to(request.user, Organization.objects.all())


def scope_queryset(request: ApiRequest, queryset):
    token = token_of(request)
    if token is not None:
        path = access.organization_path(queryset.model)
        return queryset.filter(**{path: token.organization_id})
    return access.visible_to(request.user, queryset)


def may_write(request: ApiRequest, organization: Organization) -> bool:
    token = token_of(request)
    if token is not None:
        return token.can_write and token.organization_id == organization.pk
    return access.can_act(request.user, organization)


class IsTokenOrMember(permissions.BasePermission):
    """Someone is calling: a token, or a signed-in member. Reads for all; writes are
    checked per organisation in the views (a read-only token gets 403 on any write)."""

    message = "Authentication credentials were not provided."

    def has_permission(self, request: ApiRequest, view: Any) -> bool:
        token = token_of(request)
        if token is not None:
            if request.method not in permissions.SAFE_METHODS and not token.can_write:
                self.message = "This token may only read."
                return False
            return True
        return bool(request.user and request.user.is_authenticated)


class TokenRateThrottle(SimpleRateThrottle):
    """A budget per token (or per signed-in user); 429 with Retry-After when spent."""

    scope = "api"

    def get_cache_key(self, request: ApiRequest, view: Any) -> str | None:
        token = token_of(request)
        if token is not None:
            ident = f"token:{token.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
