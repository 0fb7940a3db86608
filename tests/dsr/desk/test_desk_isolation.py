"""Isolation and bad input.

Every URL pattern of the desk, found in the URLconf (so a new one is covered the day it is
added), is requested by an officer-manager of *another* organisation with that
organisation's objects: GET and POST answer 404 and nothing changes. Patterns without an
object in the URL are posted the other organisation's ids and must leak and change nothing.
Then: forged CSRF, script in every field.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone

from accounts.models import Membership, Organization, Role
from dsr import audit, four_eyes, workflow
from dsr.attachments import attachment_store
from dsr.desk.forms import request_version
from dsr.models import (
    Approval,
    Attachment,
    AttachmentKind,
    Event,
    InboundMail,
    Message,
    OutboundEmail,
    ProcessingActivity,
    Recipient,
    RegisterExport,
    ReplyTemplate,
    Request,
    WebhookDelivery,
    WebhookEndpoint,
)
from tests.builders import png
from tests.conftest import make_user
from tests.dsr.inbox.inbox_helpers import inbound_item

SCRIPT = '<script>alert("owned")</script>'


def desk_patterns():
    """(name, route kwargs, default kwargs) of every pattern in the desk's namespace."""
    _prefix, resolver = get_resolver().namespace_dict["desk"]
    for pattern in resolver.url_patterns:
        yield pattern.name, sorted(pattern.pattern.converters), pattern.default_args


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
        content=png(size=(20, 20), colour=(0, 0, 0)),
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
        "register_export": RegisterExport.objects.create(
            organization=organization,
            period_start=date(2026, 1, 1),
            period_end=date(2026, 6, 30),
            language="en",
            requested_at=timezone.now(),
            built_at=timezone.now(),
            file="registers/hidden.enc",
            sha256="0" * 64,
        ),
        "register": activity,
        "recipients": recipient,
        "templates": template,
        "manager": manager,
        # Four eyes (issue 18): an approval waiting for a second officer.
        "approval": four_eyes.approval_request(
            request=request_obj,
            kind="refusal",
            covers="0" * 64,
            actor=actor,
            parameters={"ground": "other", "explanation": "e"},
        ),
        # The desk's inbox (dsr/desk/views/inbox.py): an e-mail waiting for a decision.
        "inbox_item": inbound_item(
            organization, sender="hidden@example.com", sender_name="Hidden Subject"
        ),
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
        elif name == "export_id":
            values[name] = objects["register_export"].pk
        elif name == "approval_id":
            values[name] = objects["approval"].pk
        elif name == "pk":
            values[name] = objects[defaults["kind"]].pk
        elif name == "item_id":
            values[name] = objects["inbox_item"].pk
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
        list(Approval.objects.filter(request__organization=organization).values()),
        list(InboundMail.objects.filter(organization=organization).values()),
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


# --- letters, fulfilment and integrations: the desk's other namespaces --------------------------

#: URL namespaces with desk pages outside `desk:`; each of their patterns is walked below.
OTHER_DESK_NAMESPACES = ("letters", "fulfilment", "integrations")
#: Which object a `pk` names, per pattern (the other converters name one kind each).
PK_OBJECTS = {
    "fulfilment:source_edit": "source",
    "fulfilment:retry": "step",
    "fulfilment:task": "step",
    "fulfilment:task_file": "step",
}
ROUTE_OBJECTS = {
    "request_id": "request",
    "letter_id": "letter",
    "organization_id": "organization",
    "batch_id": "batch",
    "token_id": "token",
    "endpoint_id": "endpoint",
    "decision_id": "decision",
}
NOT_AN_ID = 987_654


def namespace_patterns(namespace: str):
    """(qualified name, full route, converters) of every pattern in `namespace`, found in the
    URLconf: a new URL there is walked the day it is added, or this test fails."""
    prefix, resolver = get_resolver().namespace_dict[namespace]
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        yield f"{namespace}:{pattern.name}", route, sorted(pattern.pattern.converters)


@pytest.fixture
def theirs_beyond_the_desk(theirs, organization, manager):
    """OpenMotics's letter, print batch, data source, job step, package, API token and webhook."""
    from datetime import timedelta

    from django.utils import timezone

    from dsr import crypto
    from dsr.api.tokens import api_token_create
    from dsr.models import DataPackage, DataSource, Job, JobStep, Letter, PrintBatch

    now = timezone.now()
    request_obj = theirs["request"]
    letter = Letter.objects.create(
        request=request_obj, kind="acknowledgement", language="en", status="ready",
        content={"subject": {"name": "Hidden Subject"}}, letter_date=now.date(), issued_at=now,
        emailed_at=now, post_queued_at=now, sha256="0" * 64,
    )  # fmt: skip
    batch = PrintBatch.objects.create(organization=organization, status="ready", total=1)
    batch.letters.add(letter)
    source = DataSource.objects.create(
        organization=organization, name="Hidden Source", kind="manual",
        config={"instructions": "Hidden instructions"},
    )  # fmt: skip
    job = Job.objects.create(request=request_obj, right="erasure", status="running", planned_at=now)
    step = JobStep.objects.create(job=job, source=source, status="failed", last_error="x")
    package = DataPackage.objects.create(
        job=job, request=request_obj, expires_at=now + timedelta(days=7), max_downloads=3
    )
    from dsr.models import PackageReview, ReviewDecision

    review = PackageReview.objects.create(job=job)
    decision = ReviewDecision.objects.create(
        review=review, kind="column", step=step, table="customers", column="phone",
        reason="third_party",
    )  # fmt: skip
    token, _secret = api_token_create(
        organization=organization, name="Hidden Token", scope="write", created_by=manager
    )
    endpoint = WebhookEndpoint.objects.create(
        organization=organization, url="https://hooks.hidden.example/dsr",
        topics=["request.created"], secret=crypto.encrypt(b"secret"),
    )  # fmt: skip
    return {
        **theirs,
        "organization": organization,
        "letter": letter,
        "batch": batch,
        "source": source,
        "step": step,
        "package": package,
        "decision": decision,
        "token": token,
        "endpoint": endpoint,
    }


def beyond_route_values(name: str, kwargs: list[str], objects: dict, *, missing: bool) -> dict:
    """The route's values naming OpenMotics's objects (or, `missing`, objects that exist
    nowhere: the same answer proves the method check is no oracle)."""
    values = {}
    for kwarg in kwargs:
        if kwarg == "pk" and name in PK_OBJECTS:
            values[kwarg] = NOT_AN_ID if missing else objects[PK_OBJECTS[name]].pk
        elif kwarg in ROUTE_OBJECTS:
            values[kwarg] = NOT_AN_ID if missing else objects[ROUTE_OBJECTS[kwarg]].pk
        elif kwarg == "role":
            values[kwarg] = "logo"
        elif kwarg == "kind":
            values[kwarg] = "manual"
        else:
            pytest.fail(f"{name} takes {kwarg!r}: teach this test which object to name")
    return values


def beyond_snapshot(organization: Organization) -> tuple:
    from accounts.models import ApiToken
    from dsr.models import (
        DataPackage,
        DataSource,
        Job,
        JobStep,
        Letter,
        PackageReview,
        PrintBatch,
        ReviewDecision,
    )

    def rows(model, **lookup):
        return list(model.objects.filter(**lookup).order_by("pk").values())

    return (
        snapshot(organization),
        rows(Letter, request__organization=organization),
        rows(PrintBatch, organization=organization),
        rows(DataSource, organization=organization),
        rows(Job, request__organization=organization),
        rows(JobStep, job__request__organization=organization),
        rows(DataPackage, request__organization=organization),
        rows(PackageReview, job__request__organization=organization),
        rows(ReviewDecision, review__job__request__organization=organization),
        rows(ApiToken, organization=organization),
        rows(WebhookEndpoint, organization=organization),
        WebhookDelivery.objects.filter(endpoint__organization=organization).count(),
    )


def beyond_payload(objects: dict) -> dict:
    """Valid-looking input for the letters, fulfilment and integrations forms, naming
    OpenMotics's objects."""
    return {
        **hostile_payload(objects),
        "organization": str(objects["organization"].pk),
        "letters": [str(objects["letter"].pk)],
        "kind": "answer",
        "note": "n",
        "right": "erasure",
        "source": str(objects["source"].pk),
        "sources": [str(objects["source"].pk)],
        "steps": [str(objects["step"].pk)],
        "scope": "write",
        "url": "https://hooks.outsider.example/",
        "topics": ["request.created"],
        "rows": "1",
        "done": "on",
        "instructions": "i",
        "letter_window": "right",
        "timestamp_url": "https://tsa.outsider.example/",
    }


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_every_letters_fulfilment_and_integrations_url_is_closed_to_another_organisation(
    desk_client, theirs_beyond_the_desk, other_organization, organization
):
    """The outsider (a manager of Maxem) names OpenMotics's letter, batch, source, step, token
    and webhook in each desk URL of these namespaces, by GET and by POST: 404 where the URL
    names an object (405 only where a missing object gets the same), nothing of OpenMotics's
    in the pages without one, and nothing changes."""
    objects = theirs_beyond_the_desk
    outsider = make_user("manager@maxem.example", other_organization, Role.MANAGER)
    client = desk_client(outsider)
    before = beyond_snapshot(organization)
    secrets = ["Hidden Subject", "hidden@example.com", objects["request"].reference,
               "Hidden Source", "Hidden instructions", "Hidden Token", objects["token"].prefix,
               "hooks.hidden.example", "OpenMotics"]  # fmt: skip
    desk_urls, other_urls = [], []
    for namespace in OTHER_DESK_NAMESPACES:
        for name, route, kwargs in namespace_patterns(namespace):
            (desk_urls if route.startswith("desk/") else other_urls).append((name, kwargs))
    assert len(desk_urls) >= 28  # 14 letters, 9 fulfilment, 5 integrations pages today
    walked = {}
    for name, kwargs in desk_urls:
        names_an_object = any(kwarg == "pk" or kwarg in ROUTE_OBJECTS for kwarg in kwargs)
        url = reverse(name, kwargs=beyond_route_values(name, kwargs, objects, missing=False))
        answers = {}
        for method in ("get", "post"):
            data = beyond_payload(objects) if method == "post" else {}
            response = getattr(client, method)(url, data)
            answers[method] = response.status_code
            if names_an_object and response.status_code == 405:
                # The view does not take this method: it must say so of an object that
                # exists nowhere too, so the answer tells nothing.
                nowhere = reverse(
                    name, kwargs=beyond_route_values(name, kwargs, objects, missing=True)
                )
                assert getattr(client, method)(nowhere, data).status_code == 405, (method, url)
            elif names_an_object:
                assert response.status_code == 404, (method, url, response.status_code)
            else:
                assert response.status_code in (200, 302, 400, 403, 404, 405), (method, url)
                for secret in secrets:
                    assert secret.encode() not in body_of(response), (method, url, secret)
            assert beyond_snapshot(organization) == before, f"{method} {name} changed OpenMotics"
        if names_an_object:  # the method the view takes was refused as "not found"
            assert 404 in answers.values(), (name, answers)
        walked[name] = answers
    assert set(walked) == {name for name, _kwargs in desk_urls}
    # The subject's and the systems' addresses in these namespaces take secrets, not ids.
    assert {name for name, _kwargs in other_urls} == {
        "letters:subject_download",
        "fulfilment:callback",
        "fulfilment:package_download",
    }, "a new non-desk URL in these namespaces: add it to the walk below"


def test_the_subject_and_system_addresses_do_not_cross_organisations(
    client, theirs_beyond_the_desk, other_organization, organization, outsider
):
    """With a valid status-page token of their own request, Maxem's side still cannot reach
    OpenMotics's letter or package by their ids; the systems' callback needs the source's
    signature."""
    objects = theirs_beyond_the_desk
    (own,) = workflow.submission_create(
        organization=other_organization, rights=["access"], channel="email", language="nl",
        subject_name="Own Subject", subject_email="own@example.com",
        actor=audit.Actor.for_user(outsider),
    )  # fmt: skip
    before = beyond_snapshot(organization)
    letter_url = reverse(
        "letters:subject_download", args=[own.public_token, objects["letter"].public_id]
    )
    assert client.get(letter_url).status_code == 404
    package_url = reverse(
        "fulfilment:package_download", args=[own.public_token, objects["package"].token]
    )
    assert client.get(package_url).status_code == 404
    callback = reverse("fulfilment:callback", args=[objects["step"].token])
    response = client.post(callback, b'{"status": "done"}', content_type="application/json")
    assert response.status_code in (403, 404)
    assert beyond_snapshot(organization) == before
