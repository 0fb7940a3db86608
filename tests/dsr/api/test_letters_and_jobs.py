"""The API's letters (with the signed PDF) and fulfilment jobs of a request."""

from __future__ import annotations

from dsr.models import Event
from tests.dsr.letters.letter_helpers import issue_and_render, pdf_text

URL = "/api/v1/requests/"


def test_letters_are_listed_and_the_signed_pdf_downloads(api, outsider_api, make_request, officer):
    request = make_request(
        subject_postal_address="Kerkstraat 1\n9000 Gent", answer_channel="post", language="nl"
    )
    letter = issue_and_render(request, "acknowledgement", officer)
    listed = api.get(f"{URL}{request.reference}/letters/").json()
    assert [row["id"] for row in listed] == [str(letter.public_id)]
    assert listed[0]["sha256"] == letter.sha256 and listed[0]["status"] == "ready"
    response = api.get(listed[0]["download_url"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert request.reference in pdf_text(response.content)
    assert Event.objects.filter(request=request, kind__contains="download").exists()
    assert outsider_api.get(listed[0]["download_url"]).status_code == 404
    assert (
        api.get(
            f"{URL}{request.reference}/letters/{'0' * 8}-0000-0000-0000-{'0' * 12}/pdf/"
        ).status_code
        == 404
    )


def test_jobs_list_is_empty_until_fulfilment_starts(api, make_request):
    request = make_request()
    assert api.get(f"{URL}{request.reference}/jobs/").json() == []
