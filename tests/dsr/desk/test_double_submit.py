"""A desk form sent twice files once (issue 17): a double click, or sending the form again
after an error page, lands on what the first one did."""

from __future__ import annotations

import re

from django.urls import reverse

from dsr.models import Message, OutboundEmail, Request
from tests.dsr.desk.test_desk_log_request import LOG, form


def _token(page: bytes) -> str:
    return re.search(rb'name="form_once" value="([0-9a-f-]{36})"', page).group(1).decode()


def test_the_log_form_sent_twice_logs_one_request(desk_client, officer):
    client = desk_client(officer)
    token = _token(client.get(LOG).content)
    first = client.post(LOG, form(form_once=token))
    again = client.post(LOG, form(form_once=token))
    (logged,) = Request.objects.all()
    assert first.status_code == again.status_code == 302
    assert again.url == first.url == f"/desk/requests/{logged.reference}/"
    # A new page gives a new token: the next letter is logged as a request of its own.
    assert client.post(LOG, form(form_once=_token(client.get(LOG).content))).status_code == 302
    assert Request.objects.count() == 2


def test_a_refused_form_can_be_corrected_and_sent_with_its_token(desk_client, officer):
    client = desk_client(officer)
    token = _token(client.get(LOG).content)
    refused = client.post(LOG, form(form_once=token, subject_name=""))
    assert refused.status_code == 400 and not Request.objects.exists()
    assert client.post(LOG, form(form_once=token)).status_code == 302
    assert Request.objects.count() == 1


def test_a_message_sent_twice_from_the_request_page_is_sent_once(
    desk_client, officer, make_request
):
    """Writing to the subject is not tied to the page's version: without the token, a double
    click wrote twice and mailed the subject twice."""
    request_obj = make_request()
    client = desk_client(officer)
    page = f"/desk/requests/{request_obj.reference}/"
    token = _token(client.get(page).content)
    url = reverse("desk:request_message", args=[request_obj.reference])
    first = client.post(url, {"body": "We are on it.", "form_once": token})
    again = client.post(url, {"body": "We are on it.", "form_once": token})
    assert first.status_code == again.status_code == 302
    assert Message.objects.filter(request=request_obj).count() == 1
    assert OutboundEmail.objects.filter(request=request_obj).count() == 1
