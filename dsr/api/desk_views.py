"""The manager's integrations page: API tokens and webhook endpoints, with the delivery log."""

from __future__ import annotations

from typing import TypeVar

from django.contrib import messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import visible_to
from accounts.models import ApiToken, Role
from dsr import audit
from dsr.api import webhooks
from dsr.api.forms import TokenForm, WebhookForm
from dsr.api.tokens import api_token_create, api_token_revoke
from dsr.desk.access import desk_view
from dsr.models import WebhookDelivery, WebhookEndpoint

M = TypeVar("M", bound=Model)


def _managed(request: HttpRequest, queryset: QuerySet[M]) -> QuerySet[M]:
    """`queryset` narrowed to the organisation the desk shows, which the user manages."""
    return visible_to(
        request.user, queryset, organization=request.desk.organization, roles=(Role.MANAGER,)
    )


def _page(request: HttpRequest, **context: object) -> HttpResponse:
    deliveries = _managed(request, WebhookDelivery.objects.select_related("endpoint"))
    return render(
        request,
        "api/integrations.html",
        {
            "tokens": _managed(request, ApiToken.objects.select_related("created_by")),
            "endpoints": _managed(request, WebhookEndpoint.objects.all()),
            "deliveries": deliveries[:50],
            "token_form": context.pop("token_form", TokenForm()),
            "webhook_form": context.pop("webhook_form", WebhookForm()),
            **context,
        },
    )


@desk_view(manage=True)
def integrations(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@desk_view(manage=True)
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, token_form=form)
    token, plaintext = api_token_create(
        organization=request.desk.organization,
        name=form.cleaned_data["name"],
        scope=form.cleaned_data["scope"],
        created_by=request.user,
    )
    # Shown once, on this response only; never stored in plain text.
    return _page(request, new_token=token, new_secret=plaintext)


@require_POST
@desk_view(manage=True)
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(_managed(request, ApiToken.objects.all()), pk=token_id)
    api_token_revoke(token=token)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("integrations:page")


@require_POST
@desk_view(manage=True)
def webhook_create(request: HttpRequest) -> HttpResponse:
    form = WebhookForm(request.POST)
    if form.is_valid():
        try:
            endpoint, secret = webhooks.webhook_create(
                organization=request.desk.organization,
                url=form.cleaned_data["url"],
                topics=form.cleaned_data["topics"],
            )
        except webhooks.WebhookRejected as rejected:
            form.add_error("url", str(rejected))
        else:
            return _page(request, new_endpoint=endpoint, new_webhook_secret=secret)
    return _page(request, webhook_form=form)


@require_POST
@desk_view(manage=True)
def webhook_toggle(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = get_object_or_404(_managed(request, WebhookEndpoint.objects.all()), pk=endpoint_id)
    # The button says "Pause" on an active endpoint, "Resume" on a paused one.
    webhooks.webhook_set_active(
        endpoint=endpoint, active=not endpoint.active, actor=audit.Actor.for_user(request.user)
    )
    return redirect("integrations:page")
