"""A desk form sent twice does its work once.

A form that creates something (logging a request) carries a one-time token
(`{% form_once %}`, dsr/templatetags/desk_once.py). The first POST with it claims the token
in the same transaction as its work and remembers where it led; the same form sent again —
a double click, the browser's retry after a dropped connection, "send again" on a 503 page —
is sent to that result instead of filing a second request. Two POSTs at the same moment meet
at the token's unique index: the second waits for the first's commit and follows it. A POST
that is refused (invalid fields) frees its token, so the corrected form can be sent.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from dsr.models.integrations import FormSubmission

FIELD = "form_once"


def new_token() -> str:
    return str(uuid.uuid4())


def once(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        try:
            token = uuid.UUID(request.POST.get(FIELD, "")) if request.method == "POST" else None
        except ValueError:
            token = None
        if token is None:
            return view(request, *args, **kwargs)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    claim = FormSubmission.objects.create(
                        token=token, user=request.user, result_url=""
                    )
            except IntegrityError:
                earlier = FormSubmission.objects.filter(token=token, user=request.user).first()
                if earlier is None:  # not this user's token: no claim to follow
                    return view(request, *args, **kwargs)
                messages.info(request, _("This form was sent already; here is what it did."))
                return redirect(earlier.result_url)
            response = view(request, *args, **kwargs)
            if isinstance(response, HttpResponseRedirect):
                claim.result_url = response.url
                claim.save(update_fields=["result_url"])
            else:
                claim.delete()
        return response

    return wrapper
