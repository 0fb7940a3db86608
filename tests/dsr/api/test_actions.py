"""Actions through the API: the workflow's rules, 409 with what is allowed, attachments."""

from __future__ import annotations

import pytest

from dsr.models import Request

URL = "/api/v1/requests/"


def post(api, request, action, body=None):
    return api.post(f"{URL}{request.reference}/{action}/", body or {}, format="json")


def test_a_request_from_start_to_finish(api, make_request, officer):
    request = make_request()
    assert (
        post(api, request, "assign", {"assignee": officer.email}).json()["assignee"]
        == officer.email
    )
    body = post(api, request, "request-information", {"message": "Klantnummer?"}).json()
    assert body["status"] == "awaiting_subject"
    body = post(api, request, "information-received", {"message": "Per brief: OPM-C1"}).json()
    assert body["status"] == "identity_check"
    body = post(api, request, "verify-identity",
                {"verified": True, "evidence": "customer_details"}).json()  # fmt: skip
    assert body["status"] == "in_progress" and body["identity_status"] == "verified"
    body = post(api, request, "extend", {"reason": "Data in four systems"}).json()
    assert body["extended_due_date"] is not None
    body = post(api, request, "complete", {"outcome": "fulfilled"}).json()
    assert body["status"] == "completed" and body["allowed_actions"] == []
    kinds = list(Request.objects.get(pk=request.pk).events.values_list("actor_kind", flat=True))
    assert kinds.count("api") == 6


def test_transition_not_allowed_is_409_with_what_is_allowed(api, make_request):
    request = make_request()
    response = post(api, request, "complete", {"outcome": "fulfilled"})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "transition_not_allowed"
    assert error["status"] == "identity_check"
    assert "verify-identity" in error["allowed"] and "complete" not in error["allowed"]


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("assign", {"assignee": "nobody@example.com"}, "assignee"),
        ("assign", {}, "assignee"),
        ("verify-identity", {"verified": "maybe", "evidence": "other"}, "verified"),
        ("verify-identity", {"verified": True, "evidence": "horoscope"}, "evidence"),
        ("extend", {"reason": ""}, "reason"),
        ("refuse", {"ground": "because"}, "ground"),
        ("refuse", {"ground": "other", "explanation": "x", "extra": 1}, "extra"),
    ],
)
def test_bad_action_input_names_the_field(api, make_request, action, body, field):
    request = make_request()
    response = post(api, request, action, body)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    request.refresh_from_db()
    assert request.status == "identity_check" and request.assignee is None


def test_workflow_rules_are_400_with_their_message(api, make_request):
    request = make_request(right="access")
    response = post(api, request, "refuse", {"ground": "legal_obligation"})
    assert response.status_code == 400
    assert "Art. 17(3)" in response.json()["error"]["message"]


def test_assigning_a_viewer_is_refused(api, make_request, viewer):
    response = post(api, make_request(), "assign", {"assignee": viewer.email})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"


def test_attachment_upload_follows_the_file_rules(api, make_request):
    from django.core.files.uploadedfile import SimpleUploadedFile

    request = make_request()
    url = f"{URL}{request.reference}/attachments/"
    good = SimpleUploadedFile("letter.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    response = api.post(url, {"file": good, "kind": "correspondence"}, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json()["content_type"] == "application/pdf"
    fake = SimpleUploadedFile("letter.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = api.post(url, {"file": fake}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()["error"]["fields"]
    listed = api.get(url).json()
    assert [row["original_name"] for row in listed] == ["letter.pdf"]


def test_attachment_needs_multipart(api, make_request):
    request = make_request()
    response = api.post(f"{URL}{request.reference}/attachments/", {"file": "x"}, format="json")
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
