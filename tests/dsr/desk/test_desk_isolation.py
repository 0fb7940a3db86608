"""Isolation and bad input.

Every URL pattern of the desk, found in the URLconf (so a new one is covered the day it is
added), is requested by an officer-manager of *another* organisation with that
organisation's objects: GET and POST answer 404 and nothing changes. Patterns without an
object in the URL are posted the other organisation's ids and must leak and change nothing.
Then: forged CSRF, script in every field.
"""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import get_resolver, reverse
from PIL import Image

from accounts.models import Membership, Organization, Role
from dsr import audit, workflow
from dsr.attachments import attachment_store
from dsr.desk.forms import request_version
from dsr.models import (
    Attachment,
    AttachmentKind,
    Event,
    Message,
    OutboundEmail,
    ProcessingActivity,
    Recipient,
    ReplyTemplate,
    Request,
)
from tests.conftest import make_user

SCRIPT = '<script>alert("owned")</script>'


def desk_patterns():
    """(name, route kwargs, default kwargs) of every pattern in the desk's namespace."""
    _prefix, resolver = get_resolver().namespace_dict["desk"]
    for pattern in resolver.url_patterns:
        yield pattern.name, sorted(pattern.pattern.converters), pattern.default_args


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def theirs(organization, other_organization, manager, officer):
    """OpenMotics's objects, each of a kind a desk URL can name."""
    actor = audit.Actor.for_user(officer)
    (request_obj,) = workflow.submission_create(
        organization=organization,
        rights=["erasure"],
        channel="email",
        language="en",
        subject_name="Hidden Subject",
        subject_email="hidden@example.com",
        actor=actor,
    )
    attachment = attachment_store(
        request=request_obj,
        content=png(),
        original_name="passport.png",
        kind=AttachmentKind.IDENTITY_PROOF,
        actor=actor,
    )
    recipient = Recipient.objects.create(
        organization=organization, name="Hidden Recipient", kind="processor"
    )
    activity = ProcessingActivity.objects.create(
        organization=organization, name="Hidden Activity", purpose="p",
        legal_basis="contract", retention="1 year",
    )  # fmt: skip
    template = ReplyTemplate.objects.create(
        organization=organization, name="Hidden Template", language="en", body="b"
    )
    return {
        "request": request_obj,
        "attachment": attachment,
        "membership": Membership.objects.get(user=officer, organization=organization),
        "register": activity,
        "recipients": recipient,
        "templates": template,
        "manager": manager,
    }


def route_values(kwargs: list[str], defaults: dict, objects: dict) -> dict:
    values = {}
    for name in kwargs:
        if name == "reference":
            values[name] = objects["request"].reference
        elif name == "attachment_id":
            values[name] = objects["attachment"].pk
        elif name == "membership_id":
            values[name] = objects["membership"].pk
        elif name == "pk":
            values[name] = objects[defaults["kind"]].pk
        else:
            pytest.fail(f"a desk URL takes {name!r}: teach this test which object to name")
    return values


def hostile_payload(objects: dict) -> dict:
    """Valid-looking input for every form of the desk, naming the other side's objects."""
    request_obj = objects["request"]
    return {
        "version": request_version(request_obj),
        "assignee": str(objects["manager"].pk),
        "decision": "verified",
        "evidence": "other",
        "message": "m",
        "reason": "r",
        "outcome": "fulfilled",
        "ground": "other",
        "explanation": "e",
        "text": "t",
        "body": "b",
        "requests": [str(request_obj.pk)],
        "organization": request_obj.organization.slug,
        "role": "viewer",
        "remove": "on",
        "name": "Renamed",
        "kind": "processor",
        "language": "en",
        "legal_name": "Renamed",
        "privacy_email": "x@example.com",
    }


def snapshot(organization: Organization) -> tuple:
    """Everything of the organisation a desk URL could change."""
    return (
        list(Organization.objects.filter(pk=organization.pk).values()),
        list(Request.objects.filter(organization=organization).order_by("pk").values()),
        Event.objects.filter(organization=organization).count(),
        list(Attachment.objects.filter(request__organization=organization).values()),
        Message.objects.filter(request__organization=organization).count(),
        OutboundEmail.objects.filter(organization=organization).count(),
        list(Membership.objects.filter(organization=organization).order_by("pk").values()),
        list(Recipient.objects.filter(organization=organization).values()),
        list(ProcessingActivity.objects.filter(organization=organization).values()),
        list(ReplyTemplate.objects.filter(organization=organization).values()),
    )


def test_every_desk_url_is_a_404_for_another_organisations_objects(
    desk_client, theirs, other_organization, organization
):
    # The outsider is a manager of Maxem: the most an outsider can be.
    outsider = make_user("manager@maxem.example", other_organization, Role.MANAGER)
    client = desk_client(outsider)
    before = snapshot(organization)
    secrets = ["Hidden Subject", "hidden@example.com", theirs["request"].reference,
               "Hidden Recipient", "Hidden Activity", "Hidden Template", "OpenMotics"]  # fmt: skip
    patterns = list(desk_patterns())
    assert len(patterns) >= 25  # the queue, the request page and its actions, settings …
    with_objects = 0
    for name, kwargs, defaults in patterns:
        url = reverse(f"desk:{name}", kwargs=route_values(kwargs, defaults, theirs))
        for method in ("get", "post"):
            data = hostile_payload(theirs) if method == "post" else {}
            response = getattr(client, method)(url, data)
            if kwargs:
                assert response.status_code == 404, (method, url, response.status_code)
            else:
                assert response.status_code in (200, 302, 400, 404, 405), (method, url)
                body = (
                    b"".join(response.streaming_content) if response.streaming else response.content
                )
                for secret in secrets:
                    assert secret.encode() not in body, (method, url, secret)
        with_objects += bool(kwargs)
        assert snapshot(organization) == before, f"{name} changed the other organisation"
    assert with_objects >= 15


def test_posting_their_ids_without_an_object_in_the_url(desk_client, theirs, outsider):
    client = desk_client(outsider)
    request_obj = theirs["request"]
    assert (
        client.post(
            reverse("desk:queue_assign"), {"requests": [request_obj.pk], "assignee": outsider.pk}
        ).status_code
        == 404
    )
    assert (
        client.post(reverse("desk:organization_choose"), {"organization": "openmotics"}).status_code
        == 404
    )
    request_obj.refresh_from_db()
    assert request_obj.assignee is None


def test_a_forged_cross_site_post_is_refused(desk_client, officer, make_request):
    request_obj = make_request()
    client = desk_client(officer, enforce_csrf_checks=True)
    data = {"version": request_version(request_obj), "reason": "forged"}
    for url in (
        reverse("desk:request_withdraw", args=[request_obj.reference]),
        reverse("desk:queue_assign"),
        reverse("desk:log_request"),
        reverse("accounts:logout"),
    ):
        assert client.post(url, data).status_code == 403, url
    request_obj.refresh_from_db()
    assert request_obj.status == "identity_check"
    # With the token from the page, the same post works.
    page = client.get(reverse("desk:request", args=[request_obj.reference]))
    token = page.context["csrf_token"]
    response = client.post(
        reverse("desk:request_withdraw", args=[request_obj.reference]),
        {**data, "csrfmiddlewaretoken": str(token)},
    )
    assert response.status_code == 302


def test_forged_csrf_on_the_sign_in_form(client, officer):
    forged = Client(enforce_csrf_checks=True)
    response = forged.post("/accounts/login/", {"email": officer.email, "password": "x"})
    assert response.status_code == 403


def test_script_in_every_field_is_shown_as_text(desk_client, officer, manager, organization):
    client = desk_client(officer)
    client.post(
        reverse("desk:log_request"),
        {
            "rights": ["erasure"],
            "channel": "post",
            "received_on": "2026-01-05",
            "language": "en",
            "subject_name": SCRIPT,
            "subject_email": "",
            "subject_postal_address": SCRIPT,
            "subject_customer_number": SCRIPT,
            "description": SCRIPT,
            "answer_channel": "post",
        },
    )
    request_obj = Request.objects.get()
    page = reverse("desk:request", args=[request_obj.reference])
    for name, data in (
        ("note", {"text": SCRIPT}),
        ("message", {"body": SCRIPT}),
        ("extend", {"reason": SCRIPT}),
        ("ask", {"message": SCRIPT}),
    ):
        request_obj.refresh_from_db()
        url = reverse(f"desk:request_{name}", args=[request_obj.reference])
        client.post(url, {"version": request_version(request_obj), **data})
    request_obj.refresh_from_db()
    client.post(
        reverse("desk:request_refuse", args=[request_obj.reference]),
        {"version": request_version(request_obj), "ground": "other", "explanation": SCRIPT},
    )
    admin = desk_client(manager)
    admin.post(reverse("desk:settings_templates"),
               {"name": SCRIPT, "right": "", "language": "en", "body": SCRIPT})  # fmt: skip
    admin.post(reverse("desk:settings_recipients"), {"name": SCRIPT, "kind": "processor"})
    member = {"email": "x@openmotics.example", "full_name": SCRIPT, "role": "viewer"}
    admin.post(reverse("desk:settings_members"), member)
    pages = [
        client.get(page),
        client.get(reverse("desk:queue"), {"status": "all", "q": SCRIPT[:40]}),
        client.get(reverse("desk:queue"), {"status": "all"}),
        admin.get(reverse("desk:settings_templates")),
        admin.get(reverse("desk:settings_recipients")),
        admin.get(reverse("desk:settings_members")),
    ]
    for response in pages:
        html = response.content.decode()
        assert "<script>" not in html, response.request["PATH_INFO"]
    request_page = pages[0].content.decode()
    assert request_page.count("&lt;script&gt;") >= 8  # name, address, notes, messages …
    assert "&lt;script&gt;" in pages[2].content.decode()
