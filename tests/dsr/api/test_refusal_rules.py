"""The API refuses what the letter rules do not allow, naming the rule (issue 16)."""

from __future__ import annotations

URL = "/api/v1/requests/"


def create(api, **fields):
    body = {
        "right": "objection",
        "language": "nl",
        "subject_name": "Jan Peeters",
        "subject_email": "jan.peeters@example.com",
        **fields,
    }
    return api.post(URL, body, format="json")


def test_an_objection_to_direct_marketing_is_not_refused_on_compelling_grounds(api):
    response = create(api, direct_marketing=True, description="Stop sending me newsletters.")
    assert response.status_code == 201, response.content
    assert response.json()["direct_marketing"] is True
    reference = response.json()["reference"]
    response = api.post(
        f"{URL}{reference}/refuse/",
        {"ground": "compelling_grounds", "explanation": "We need the newsletter revenue."},
        format="json",
    )
    assert response.status_code == 400
    assert "Art. 21(3)" in response.json()["error"]["message"]
    assert api.get(f"{URL}{reference}/").json()["status"] == "identity_check"


def test_only_an_objection_is_to_direct_marketing(api):
    response = create(api, right="access", direct_marketing=True)
    assert response.status_code == 400
    assert "Only an objection" in response.json()["error"]["message"]


def test_an_access_request_is_not_refused_on_an_art_17_3_ground(api):
    reference = create(api, right="access").json()["reference"]
    response = api.post(
        f"{URL}{reference}/refuse/",
        {"ground": "legal_obligation", "explanation": "Tax law."},
        format="json",
    )
    assert response.status_code == 400
    assert (
        "Art. 17(3) grounds only refuse an erasure request" in (response.json()["error"]["message"])
    )
